import Foundation
import Testing

@testable import Core
import TestSupport

/// Fixtures: rows of a real IRSA response (the format saved by a Python tool, with an unnamed
/// leading index and four added columns), a truncated copy and a copy with a malformed `qid`.
@Suite("ZTFLightcurveTable")
struct ZTFLightcurveTableTests {
    @Test func readsTheIRSAColumnsIgnoringAddedOnes() throws {
        let table = try ZTFLightcurveTable.read(from: try fixture("ztf_irsa_two_objects.csv"))
        #expect(table.count == 31)
        #expect(table.objects.map(\.oid) == [736_115_200_001_082, 805_101_300_013_289])
        #expect(table.objects.map(\.filter) == ["zg", "zg"])
        #expect(table.objects.map(\.rows.count) == [24, 7])
        // First row, as printed by IRSA.
        #expect(table.expid[0] == 52_044_744)
        #expect(table.mjd[0] == 58274.4474421)
        #expect(table.mag[0] == 20.2477989)
        #expect(table.ccdid[0] == 15)  // "0xf"
        #expect(table.qid[0] == 2)  // "0x2"
        #expect(table.exptime[0] == 30)
    }

    @Test func aTruncatedResponseNamesTheFileAndLine() throws {
        let url = try fixture("ztf_irsa_truncated.csv")
        do {
            _ = try ZTFLightcurveTable.read(from: url)
            Issue.record("a truncated file must not read")
        } catch let error as CSVError {
            #expect(error.path == url.path)
            #expect(error.localizedDescription.contains("line"))
        }
    }

    @Test func aMalformedValueNamesTheLineColumnAndValue() throws {
        let url = try fixture("ztf_irsa_bad_qid.csv")
        #expect(throws: CSVError.invalidValue(source: url.path, line: 5, column: "qid", value: "0xZZ")) {
            try ZTFLightcurveTable.read(from: url)
        }
    }

    @Test func writingAndReadingBackPreservesTheTable() async throws {
        try await withTemporaryFolder { folder in
            let table = try ZTFLightcurveTable.read(from: try fixture("ztf_irsa_two_objects.csv"))
            let url = folder.appendingPathComponent("copy.csv")
            try table.write(to: url)
            let back = try ZTFLightcurveTable.read(from: url)
            #expect(back.oid == table.oid)
            #expect(back.mjd == table.mjd)
            #expect(back.catflags == table.catflags)
            #expect(back.ccdid == table.ccdid)
            #expect(zip(back.mag, table.mag).allSatisfy { abs($0 - $1) < 1e-7 })
        }
    }

    @Test func calibrationTurnsMagnitudesIntoMicrojansky() throws {
        // AB: m = 23.9 is 1 µJy; m = 16.4 is 1000 µJy; σ_f = f · 0.4 ln 10 · σ_m.
        let data = PhotometricData(
            time: [1, 2, 3], value: [23.9, 16.4, 18], error: [0.1, 0.01, 0.05], flags: [0, 0, 32768], rows: [0, 1, 2],
            valueKind: .magnitude, timeSystem: .mjd, exposureSeconds: 30)
        let c = try data.calibrated(with: .ztfMagnitudeToMicrojansky(bad: .defaultBad), band: "ZTF g", datasetIndex: 0, source: "x")
        #expect(c.lightcurve.count == 2)
        #expect(c.flaggedRows == 1)
        #expect(abs(c.lightcurve.flux[0] - 1) < 1e-12)
        #expect(abs(c.lightcurve.flux[1] - 1000) < 1e-9)
        #expect(abs(c.lightcurve.fluxError[1] - 1000 * 0.4 * log(10) * 0.01) < 1e-9)
        #expect(c.lightcurve.fluxUnit == .microjansky)
    }
}
