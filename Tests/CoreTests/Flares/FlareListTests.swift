import Foundation
import Testing

@testable import Core

@Suite("FlareList")
struct FlareListTests {
    static func table(_ text: String, source: String = "list.csv") throws -> CatalogTable {
        let csv = try CSVTable(data: Data(text.utf8), source: source)
        return CatalogTable(format: .csv, columns: csv.header, rows: csv.rows.map(CatalogTable.cells), source: source)
    }

    static func detection(start: Double, stop: Double, ed: Double, extrapolated: Double? = nil) -> Detection {
        let origin = PointOrigin(dataset: 0, row: 0)
        var d = Detection(
            band: "TESS", timeSystem: .btjd, start: start, stop: stop, peakTime: start + 0.001, amplitude: 0.01, equivalentDuration: ed,
            equivalentDurationError: 0.1, significance: 10, pointCount: 5, firstIndex: 0, lastIndex: 4, firstOrigin: origin,
            peakOrigin: origin, lastOrigin: origin)
        d.vetting = extrapolated.map {
            FlareVetting(
                peakSignificance: 10, pointsAboveThreshold: 3, riseTime: 0, decayTime: 0, templateDeltaChiSquare: 100,
                symmetricDeltaChiSquare: 90, templateFWHM: nil, templateAmplitude: nil, extrapolatedED: $0, flags: [])
        }
        return d
    }

    /// AltaiPony's `flc.flares.to_csv()` as it writes it (an unnamed index column first): start and
    /// stop from `tstart`/`tstop`, the ED from `ed_rec`, rows sorted by start.
    @Test func altaiPonysFlareTableIsReadAsItIsWritten() throws {
        let list = try FlareList(
            table: Self.table(
                """
                ,istart,istop,cstart,cstop,tstart,tstop,ed_rec,ed_rec_err,ampl_rec,dur,total_n_valid_data_points
                1,900,910,1900,1910,2040.5,2040.52,12.5,0.3,0.02,0.02,18000
                0,100,104,1100,1104,2036.2,2036.21,0.8,0.1,0.004,0.01,18000
                """))
        #expect(list.entries == [.init(start: 2036.2, stop: 2036.21, ed: 0.8), .init(start: 2040.5, stop: 2040.52, ed: 12.5)])
    }

    @Test func aListOfPeakTimesWithoutEDsIsReadToo() throws {
        let list = try FlareList(table: Self.table("TPEAK,amp\n2036.5,0.01\n2037.25,\n"))
        #expect(list.entries == [.init(start: 2036.5, stop: 2036.5), .init(start: 2037.25, stop: 2037.25)])
    }

    /// Bad input is named: the missing columns with those the file has, and a value by row and column.
    @Test func aListThatCannotBeReadSaysWhereAndWhy() throws {
        #expect(throws: CatalogFileError.self) { try FlareList(table: Self.table("time,flux\n1,2\n")) }
        do {
            _ = try FlareList(table: Self.table("time,flux\n1,2\n"))
        } catch {
            #expect(error.localizedDescription.contains("columns are time, flux"))
        }
        #expect(throws: CatalogFileError.invalidValue(path: "list.csv", row: 2, column: "stop", value: "soon")) {
            try FlareList(table: Self.table("start,stop\n1,2\n3,soon\n"))
        }
        #expect(throws: CatalogFileError.invalidValue(path: "list.csv", row: 1, column: "stop", value: "2 (before its start)")) {
            try FlareList(table: Self.table("start,stop\n3,2\n"))
        }
        #expect(throws: CatalogFileError.invalidValue(path: "list.csv", row: 1, column: "ed", value: "$3.48 \\pm 0.04$")) {
            try FlareList(table: Self.table("start,stop,ed\n1,2,$3.48 \\pm 0.04$\n"))
        }
    }

    /// Three listed flares, one split in two by the list (a complex flare), one missed; three
    /// detections, one the list does not have. Intervals that miss by less than the tolerance match.
    @Test func theComparisonCountsFoundMissedAndUnlistedFlaresAndComparesEDs() throws {
        let list = FlareList(
            entries: [
                .init(start: 10.0, stop: 10.02, ed: 2),  // found by the first detection
                .init(start: 11.0, stop: 11.01, ed: 5),  // first part of a complex flare
                .init(start: 11.0105, stop: 11.03, ed: 1),  // its second part, 0.0005 d after the detection's start
                .init(start: 12.0, stop: 12.001, ed: 0.1),  // missed
            ], source: "list.csv")
        let detections = [
            Self.detection(start: 11.011, stop: 11.04, ed: 7),
            Self.detection(start: 10.021, stop: 10.03, ed: 3, extrapolated: 1),  // 0.001 d after the listed stop
            Self.detection(start: 13.0, stop: 13.01, ed: 1),
        ]
        let c = FlareListComparison(list, detections: detections, tolerance: 0.0015)
        #expect(c.listed == 4 && c.found == 3)
        #expect(c.detections == 3 && c.inList == 2)
        #expect(c.missed == [.init(start: 12.0, stop: 12.001, ed: 0.1)])
        #expect(c.notListed.count == 1 && abs(c.notListed[0] - 13.001) < 1e-9)
        // Only the first flare is one-to-one: 3 / 2, and (3 − 1) / 2 without the extrapolated tail.
        #expect(c.oneToOne == 1 && c.edRatioMedian == 1.5 && c.dataEDRatioMedian == 1)
        #expect(c.byED.map(\.listed) == [1, 0, 2, 1, 0, 0])
        #expect(c.byED.map(\.found) == [0, 0, 2, 1, 0, 0])
        #expect(c.byED.last?.edMax == nil)
        // With no tolerance only the overlapping pair matches.
        let strict = FlareListComparison(list, detections: detections, tolerance: 0)
        #expect(strict.found == 1 && strict.inList == 1)
    }
}
