import Foundation
import Testing

@testable import Core
import TestSupport

/// Light-curve tables as astronomers keep them. Fixtures:
/// - `lightcurve_tic12345_20s.csv`: the column shape of a TESS 20-s export (time, flux, flux_err,
///   quality, cr_flags, flare_flags), 20 rows 20 s apart from BTJD 2036.2834520761414, relative flux
///   0.99475294 + 0.0001·k; data row 5 has flux `nan`, data row 9 quality 32 (a momentum dump, rejected by the SPOC mask this TESS table gets). Broken copies:
///   `-short-row` (data row 13 cut after three cells) and `-bad-flux` (data row 7 flux `0.99x1`).
/// - `lightcurve_meta_btjd.ecsv`: `time`, `pdcsap_flux` in e⁻/s around 10,000, `BJDREFI = 2457000`
///   and `TELESCOP = TESS` in its meta; row 4 flux masked, row 6 quality 128.
/// - `lightcurve_mjd.tbl`: IPAC, `mjd`, `flux` in counts around 250, `flags`; row 4 flux null,
///   row 5 flags 4.
/// - `lightcurve_no-flux.csv`: time and magnitudes only.
@Suite("LightcurveTable")
struct LightcurveTableTests {
    let start = 2036.2834520761414

    @Test func readsATESSStyleCSVKeepingEveryRowAndItsValues() throws {
        let table = try LightcurveTable.read(from: try fixture("lightcurve_tic12345_20s.csv"), timeSystem: .btjd)
        #expect(table.format == .csv)
        #expect(table.count == 20)
        #expect(table.columnNames == ["time", "flux", "flux_err", "quality", "cr_flags", "flare_flags"])
        #expect(table.columns == LightcurveTable.Columns(time: "time", flux: "flux", error: "flux_err", quality: "quality"))
        #expect(table.time[0] == start)
        #expect(abs(table.time[19] - (start + 19 * 20 / 86_400)) < 1e-9)  // 1e-9 d = 0.1 ms
        #expect(table.flux[2] == 0.99495294)
        #expect(table.flux[4].isNaN)
        #expect(table.fluxError[0] == 0.00045151)
        #expect(table.quality[8] == 32)
        #expect(table.quality.filter { $0 != 0 }.count == 1)
        #expect(table.timeSystem == .btjd)
        #expect(table.band == "TESS")  // "tic12345" in the name
        #expect(abs(try #require(table.medianCadence) * 86_400 - 20) < 1e-4)
    }

    @Test func calibratesACSVRejectingTheNaNAndFlaggedRowsWithoutRenormalisingRelativeFlux() throws {
        let bands = try RawFile.lightcurves(of: try fixture("lightcurve_tic12345_20s.csv"), timeSystem: .btjd)
        let band = try #require(bands.first)
        #expect(bands.count == 1)
        #expect(band.band == "TESS")
        #expect(band.rawRows == 20)
        #expect(band.invalidRows == 1)
        #expect(band.flaggedRows == 1)
        #expect(band.lightcurve.count == 18)
        #expect(band.lightcurve.timeSystem == .btjd)
        #expect(band.lightcurve.fluxUnit == .relative)
        #expect(band.normalizations.isEmpty)  // median 0.9957: already relative
        #expect(band.lightcurve.flux[0] == 0.99475294)
        #expect(!band.lightcurve.time.contains(start + 4 * 20 / 86_400))
        #expect(band.lightcurve.origins.map(\.row).contains(8) == false)  // the quality-32 row
        #expect(abs(band.exposureSeconds - 20) < 1e-4)  // the median cadence
    }

    @Test func aPlainTimeColumnWithoutATimeSystemIsANamedError() throws {
        let url = try fixture("lightcurve_tic12345_20s.csv")
        #expect(throws: LightcurveTableError.unknownTimeSystem(path: url.path, column: "time")) {
            try RawFile.lightcurves(of: url)
        }
        let message = LightcurveTableError.unknownTimeSystem(path: url.path, column: "time").errorDescription ?? ""
        #expect(message == "\(url.path): the time column 'time' does not say its time system; give --time-system BTJD|BKJD|BJD|HJD|JD|MJD")
        // Reading the table alone does not need it; asking for it does.
        let table = try LightcurveTable.read(from: url)
        #expect(table.timeSystem == nil)
        #expect(throws: LightcurveTableError.unknownTimeSystem(path: url.path, column: "time")) { try table.requireTimeSystem() }
    }

    @Test func timeSystemsAreParsedByNameIgnoringCase() throws {
        #expect(try TimeSystem(named: "btjd") == .btjd)
        #expect(try TimeSystem(named: "BKJD").julianDateOffset == 2_454_833)
        #expect(try TimeSystem(named: "Bjd") == .bjd)
        #expect(try TimeSystem(named: "jd").julianDateOffset == 0)
        #expect(try TimeSystem(named: "MJD") == .mjd)
        #expect(throws: TimeSystemError.unknownName("TJD", valid: ["BTJD", "BKJD", "BJD", "HJD", "JD", "MJD"])) {
            try TimeSystem(named: "TJD")
        }
    }

    @Test func anECSVTakesItsTimeSystemAndBandFromItsMetaAndIsNormalisedByItsMedian() throws {
        let url = try fixture("lightcurve_meta_btjd.ecsv")
        #expect(try RawFile.format(of: url) == .lightcurveTable)
        let table = try LightcurveTable.read(from: url)
        #expect(table.format == .ecsv)
        #expect(table.columns == LightcurveTable.Columns(time: "time", flux: "pdcsap_flux", error: "pdcsap_flux_err", quality: "quality"))
        #expect(table.timeSystem == .btjd)  // BJDREFI 2457000 + BJDREFF 0
        #expect(table.flux[3].isNaN)  // masked cell
        #expect(table.quality[5] == 128)
        let band = try #require(try RawFile.lightcurves(of: url).first)
        #expect(band.band == "TESS")  // TELESCOP in the meta
        #expect(band.lightcurve.count == 6)
        #expect(band.invalidRows == 1 && band.flaggedRows == 1)
        #expect(band.normalizations == [10_000])  // median of 9980, 9990, 10000, 10000, 10010, 10020
        #expect(band.lightcurve.flux == [1, 1.002, 0.998, 1.001, 0.999, 1])
        #expect(band.lightcurve.fluxError.allSatisfy { abs($0 - 0.001) < 1e-12 })
    }

    @Test func anIPACTableWithAnMJDColumnIsReadInMJDAndAnOverrideWins() throws {
        let url = try fixture("lightcurve_mjd.tbl")
        let table = try LightcurveTable.read(from: url)
        #expect(table.format == .ipac)
        #expect(table.timeSystem == .mjd)
        #expect(table.columns.quality == "flags")
        #expect(table.time == [59000.1, 59000.2, 59000.3, 59000.4, 59000.5, 59000.6])
        #expect(table.flux[3].isNaN)  // "null"
        #expect(table.quality == [0, 0, 0, 0, 4, 0])
        #expect(table.band == "table")
        #expect(try LightcurveTable.read(from: url, timeSystem: .jd).timeSystem == .jd)
        let band = try #require(try RawFile.lightcurves(of: url).first)
        #expect(band.lightcurve.timeSystem == .mjd)
        #expect(band.lightcurve.count == 4)
        #expect(band.normalizations == [251])  // median of 245, 250, 252, 255
        #expect(band.lightcurve.flux[0] == 250.0 / 251)
    }

    @Test func columnsCanBeNamedByTheUser() throws {
        let url = try fixture("lightcurve_tic12345_20s.csv")
        let table = try LightcurveTable.read(
            from: url, columns: LightcurveTable.Columns(quality: "CR_FLAGS"), timeSystem: .btjd)
        #expect(table.columns.quality == "cr_flags")
        #expect(table.quality.allSatisfy { $0 == 0 })
        #expect(throws: LightcurveTableError.missingColumn(
            path: url.path, role: "flux", tried: ["sap_flux"], available: table.columnNames)) {
            try LightcurveTable.read(from: url, columns: LightcurveTable.Columns(flux: "sap_flux"), timeSystem: .btjd)
        }
    }

    @Test func aTableWithoutAFluxColumnSaysWhichColumnsItHas() throws {
        let url = try fixture("lightcurve_no-flux.csv")
        let error = LightcurveTableError.missingColumn(
            path: url.path, role: "flux", tried: LightcurveTable.Columns.fluxNames, available: ["time", "mag", "mag_err"])
        #expect(throws: error) { try LightcurveTable.read(from: url, timeSystem: .btjd) }
        #expect(error.errorDescription?.hasSuffix("the file's columns are time, mag, mag_err") == true)
        #expect(throws: RawFileError.unknownFormat(path: url.path)) { try RawFile.format(of: url) }
    }

    @Test func aShortRowIsNamedByItsDataRowAndLine() throws {
        let url = try fixture("lightcurve_tic12345_20s-short-row.csv")
        let error = LightcurveTableError.wrongCellCount(path: url.path, row: 13, line: 14, expected: 6, found: 3)
        #expect(throws: error) { try LightcurveTable.read(from: url, timeSystem: .btjd) }
        #expect(error.errorDescription == "\(url.path), data row 13 (line 14): 3 cells, the header has 6 (truncated or malformed row)")
    }

    @Test func aNonNumericFluxIsNamedByRowColumnAndValue() throws {
        let url = try fixture("lightcurve_tic12345_20s-bad-flux.csv")
        #expect(throws: LightcurveTableError.invalidValue(path: url.path, row: 7, line: 8, column: "flux", value: "0.99x1")) {
            try LightcurveTable.read(from: url, timeSystem: .btjd)
        }
    }

    @Test func aFITSTableThatIsNotSPOCTakesItsTimeSystemFromBJDREFI() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("star_photometry.fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [FITSKeyword("OBJECT", "My star")])
            try file.createBinaryTable(
                name: "PHOTOMETRY",
                columns: [
                    FITSColumn(name: "TIME", format: "D", unit: "d"), FITSColumn(name: "FLUX", format: "E"),
                    FITSColumn(name: "FLUX_ERR", format: "E"), FITSColumn(name: "SAP_QUALITY", format: "J"),
                ],
                keywords: [FITSKeyword("BJDREFI", 2_457_000), FITSKeyword("BJDREFF", 0.5)])
            try file.writeColumn(0, doubles: [1500, 1500.01, 1500.02, .nan, 1500.04])
            try file.writeColumn(1, doubles: [1, 1.5, 0.75, 1, 1])
            try file.writeColumn(2, doubles: [0.25, 0.25, 0.25, 0.25, 0.25])
            try file.writeColumn(3, int32s: [0, 0, 0, 0, 16])
            try file.close()

            #expect(try RawFile.format(of: url) == .lightcurveTable)
            let table = try LightcurveTable.read(from: url)
            #expect(table.format == .fits)
            #expect(table.columns == LightcurveTable.Columns(time: "TIME", flux: "FLUX", error: "FLUX_ERR", quality: "SAP_QUALITY"))
            #expect(table.timeSystem?.julianDateOffset == 2_457_000.5)
            #expect(table.flux == [1, 1.5, 0.75, 1, 1])
            #expect(table.quality == [0, 0, 0, 0, 16])
            #expect(table.keywords["OBJECT"] == "My star")
            let band = try #require(try RawFile.lightcurves(of: url).first)
            #expect(band.band == "table")
            #expect(band.lightcurve.time == [1500, 1500.01, 1500.02])
            #expect(band.invalidRows == 1 && band.flaggedRows == 1)
            let inspection = try FileInspection.inspect(url)
            #expect(inspection.format == "lightcurve-fits")
            #expect(inspection.time?.reference == 2_457_000.5)
            #expect(inspection.quality?.nonzero == 1)
            #expect(inspection.target?.name == "My star")
        }
    }

    @Test func inspectionSaysWhenATableDoesNotStateItsTimeSystem() throws {
        let inspection = try FileInspection.inspect(try fixture("lightcurve_tic12345_20s.csv"))
        #expect(inspection.format == "lightcurve-csv")
        #expect(inspection.rows == 20)
        #expect(inspection.time?.system == "unknown")
        #expect(inspection.time?.reference == nil)
        #expect(inspection.time?.first == start)
        #expect(inspection.time?.finite == 20)
        #expect(inspection.flux?.finite == 19)
        #expect(inspection.quality?.nonzero == 1)
        #expect(inspection.text.contains("time time (unknown, give --time-system to read it)"))
    }

    @Test func theCalibrationKeepsColumnsAndTimeSystemThroughJSON() throws {
        let calibration = Calibration.lightcurveTable(
            timeSystem: .bkjd, columns: LightcurveTable.Columns(time: "BKJD", flux: "f", error: "sigma", quality: nil),
            bad: LightcurveTable.anyQualityBit)
        let decoded = try JSONDecoder().decode(Calibration.self, from: try JSONEncoder().encode(calibration))
        #expect(decoded == calibration)
        #expect(calibration.summary == "table BKJD (BKJD), f ± sigma, flux / median unless already relative")
    }

    @Test func fileNamesSayTESSOnlyForATESSWordOrATICNumber() {
        #expect(LightcurveTable.nameSaysTESS("aumic_tic441420236_s27_20s.csv"))
        #expect(LightcurveTable.nameSaysTESS("TIC_123.csv"))
        #expect(LightcurveTable.nameSaysTESS("my-tess-data.ecsv"))
        #expect(!LightcurveTable.nameSaysTESS("synthetic_star.csv"))
        #expect(!LightcurveTable.nameSaysTESS("tesselation.csv"))
    }
}
