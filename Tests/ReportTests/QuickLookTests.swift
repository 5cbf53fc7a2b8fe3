import Core
import Foundation
import Testing

@testable import Report

let coreFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("CoreTests/Fixtures")

@Suite("QuickLook")
struct QuickLookTests {
    @Test func aZTFResponseGivesOneLightCurvePerFilterInItsOwnTimeSystem() throws {
        let result = try QuickLook(file: coreFixtures.appendingPathComponent("ztf_irsa_two_objects.csv")).run(flares: true, plot: nil)
        #expect(result.format == "ztf-irsa-csv")
        #expect(result.bands.map(\.band) == ["ZTF g"])
        #expect(result.bands[0].timeSystem == "MJD")
        #expect(result.points + result.bands[0].rejected == 31)
        #expect(result.flares != nil)
        let json = try QuickLook.json(result)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["points"] as? Int == result.points)
        #expect(object?["flares"] is [Any])
    }

    @Test func aSyntheticTESSSectorWithAFlareIsFoundAndPlotted() async throws {
        try await withTemporaryFolder { folder in
            // One sector of a synthetic survey, with a bright flare injected by hand.
            let cadence = 2.0 / 1440
            let time = (0..<10_000).map { 1500 + Double($0) * cadence }
            var g = SeededGenerator(seed: 4)
            let flux = time.map { t in
                1e4 * (1 + 0.001 * g.gaussian() + FlareTemplate.davenport2014.value(at: t, peak: 1507, fwhm: 0.01, amplitude: 0.08))
            }
            let url = folder.appendingPathComponent("tess_lc.fits")
            try SPOCLightcurve(
                mission: .tess, targetID: 5, sector: 3, time: time, pdcsapFlux: flux, pdcsapFluxError: Array(repeating: 10, count: time.count)
            ).write(to: url)
            let plot = folder.appendingPathComponent("lc.png")
            let result = try QuickLook(file: url).run(flares: true, plot: plot)
            #expect(result.format == "spoc-lc-fits")
            #expect(result.points == 10_000)
            #expect(result.bands.first?.timeSystem == "BTJD")
            let flare = try #require(result.flares?.first)
            #expect(abs(flare.peak - 1507) < 2 * cadence)
            #expect(abs(flare.amplitude - 0.08) < 0.01)
            #expect(result.flares?.count == 1, "\(QuickLook.text(result))")
            let png = try Data(contentsOf: plot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
    }

    @Test func aLightcurveTableIsReadInTheTimeSystemTheUserGives() throws {
        let url = coreFixtures.appendingPathComponent("lightcurve_tic12345_20s.csv")
        let result = try QuickLook(file: url, timeSystem: .btjd).run(flares: false, plot: nil)
        #expect(result.format == "lightcurve-table")
        #expect(result.bands.map(\.band) == ["TESS"])
        #expect(result.bands[0].timeSystem == "BTJD")
        #expect(result.bands[0].fluxUnit == "relative")
        #expect(result.points == 18)
        #expect(result.bands[0].rejected == 2)  // one NaN flux, one quality 32 (momentum dump)
        #expect(throws: LightcurveTableError.unknownTimeSystem(path: url.path, column: "time")) {
            try QuickLook(file: url).run(flares: false, plot: nil)
        }
    }

    @Test func anUnknownFileIsNamedInTheError() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("notes.txt")
            try Data("hello".utf8).write(to: url)
            #expect(throws: RawFileError.unknownFormat(path: url.path)) { try QuickLook(file: url).run(flares: false, plot: nil) }
        }
    }
}
