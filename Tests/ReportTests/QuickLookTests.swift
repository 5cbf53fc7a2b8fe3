import Core
import Foundation
import Testing

@testable import Report
import TestSupport

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
        // 28 good epochs, fewer than the 30 a sparse search needs to know its noise: asked for, the
        // search runs and finds nothing rather than reporting noise as flares.
        #expect(result.points == 28)
        #expect(result.flares?.count == 0)
        let json = try QuickLook.json(result)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(object?["points"] as? Int == result.points)
        #expect(object?["flares"] is [Any])
    }

    @Test func aSyntheticTESSSectorWithAFlareIsFoundAndPlotted() async throws {
        try await withTemporaryFolder { folder in
            // One sector of a synthetic survey, with a bright flare injected by hand.
            let cadence = 2.0 / 1440
            let url = try writeNoiseSector(in: folder, points: 10_000, seed: 4, flares: [(1507, 0.01, 0.08)])
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
            // A close-up of the candidate beside the overview, named after it, and named in the result.
            let closeUp = folder.appendingPathComponent("lc-flare-1.png")
            #expect(flare.figure == closeUp.path)
            #expect(try Data(contentsOf: closeUp).starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(QuickLook.text(result).contains("close-up \(closeUp.path)"))
        }
    }

    /// More candidates than close-ups: the most significant get them, in time order, so a sector's
    /// largest flare is never the one left out; ties go to the earlier.
    @Test func closeUpsGoToTheMostSignificantCandidates() {
        #expect(QuickLook.closeUpIndices(significances: [5, 80, 6, 4, 30], limit: 3) == [1, 2, 4])
        #expect(QuickLook.closeUpIndices(significances: [7, 7, 7], limit: 2) == [0, 1])
        #expect(QuickLook.closeUpIndices(significances: [3, 9], limit: 50) == [0, 1])
    }

    /// `--rejected`: a symmetric 10σ bump (detrending residue, a systematic) passes the point criteria
    /// and is turned down for its shape; the quick look names it with the reason and its numbers,
    /// and lists no flare.
    @Test func aQuickLookSaysWhatItTurnedDownAndWhy() async throws {
        try await withTemporaryFolder { folder in
            let cadence = 2.0 / 1440
            let time = (0..<10_000).map { 1500 + Double($0) * cadence }
            var g = SeededGenerator(seed: 5)
            let flux = time.map { t in 1e4 * (1 + 0.001 * g.gaussian() + 0.01 * exp(-0.5 * pow((t - 1507) / 0.012, 2))) }
            let url = folder.appendingPathComponent("tess_lc.fits")
            try SPOCLightcurve(
                mission: .tess, targetID: 6, sector: 3, time: time, pdcsapFlux: flux, pdcsapFluxError: Array(repeating: 10, count: time.count)
            ).write(to: url)
            let result = try QuickLook(file: url).run(flares: true, plot: nil, rejected: true)
            #expect(result.flares?.isEmpty == true, "\(QuickLook.text(result))")
            let bump = try #require(result.rejected?.first { abs($0.peak - 1507) < 0.01 }, "\(QuickLook.text(result))")
            #expect(bump.reason == "shape")
            let v = try #require(bump.vetting)
            #expect(v.symmetricDeltaChiSquare > v.templateDeltaChiSquare)
            #expect(QuickLook.text(result).contains("shape"))
            let plain = try QuickLook(file: url).run(flares: true, plot: nil)
            #expect(plain.rejected == nil)
            let object = try JSONSerialization.jsonObject(with: Data(try QuickLook.json(plain).utf8)) as? [String: Any]
            #expect(object?["flares"] != nil && object?["rejected"] == nil)
            // A list that calls the bump a flare: missed, and the comparison says it was turned down.
            let list = folder.appendingPathComponent("list.csv")
            try Data("peak\n1507.0\n".utf8).write(to: list)
            let compared = try #require(try QuickLook(file: url).run(flares: true, plot: nil, compare: list).comparison)
            #expect(compared.found == 0)
            #expect(compared.missed.first?.turnedDown == .shape)
            #expect((compared.missed.first?.maxSignificance ?? 0) > 5)
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

    /// `--inject N` adds an `injection` object: N flares in the one band, four S/N bins whose counts
    /// add up, the open top bin's `snr_max` null, the trials and the flares that found no place (none
    /// on a flat sector), and the seed recorded; the same seed repeats it.
    @Test func injectionAddsItsSummaryToTheJSONWithTheSeed() async throws {
        try await withTemporaryFolder { folder in
            let url = try writeNoiseSector(in: folder, points: 10_000, seed: 5)
            let result = try QuickLook(file: url).run(flares: false, plot: nil, inject: 40, seed: 7)
            let injection = try #require(result.injection)
            #expect(injection.injected == 40 && injection.perBand == 40 && injection.seed == 7)
            #expect(injection.bySNR.map(\.injected).reduce(0, +) == 40)
            #expect(injection.bySNR.map(\.recovered).reduce(0, +) == injection.recovered)
            #expect(injection.recovered > 10 && injection.recovered < 40)
            let again = try QuickLook(file: url).run(flares: false, plot: nil, inject: 40, seed: 7).injection
            #expect(again?.bySNR == injection.bySNR)

            let object = try JSONSerialization.jsonObject(with: Data(QuickLook.json(result).utf8)) as? [String: Any]
            let json = try #require(object?["injection"] as? [String: Any])
            #expect(json["seed"] as? Int == 7)
            #expect(json["injected"] as? Int == 40)
            #expect(json["ed_ratio_median"] is Double)
            #expect(json["seconds"] is Double)
            #expect(json["unplaced"] as? Int == 0)
            #expect(json["trials"] as? Int == injection.trials)
            let bins = try #require(json["by_snr"] as? [[String: Any]])
            #expect(bins.map { $0["snr_min"] as? Double } == [0, 2, 5, 10])
            #expect(bins.last?["snr_max"] is NSNull)
            #expect(QuickLook.text(result).contains("injection–recovery (seed 7, 40 per band)"))
        }
    }

    /// `--compare LIST`: two bright flares in a sector, a list that has the first and a flare the
    /// search cannot see; the result says which were found, which detection is not listed, and
    /// compares the EDs; an unreadable list stops before the search and names the file.
    @Test func aQuickLookComparesItsFlaresWithAnotherList() async throws {
        try await withTemporaryFolder { folder in
            let cadence = 2.0 / 1440
            let url = try writeNoiseSector(in: folder, points: 10_000, seed: 6, flares: [(1503, 0.01, 0.05), (1510, 0.01, 0.05)])
            // The first flare's ED: 0.05 × 14.4 min × 1.827 = 78.9 s.
            let list = folder.appendingPathComponent("published.csv")
            try Data("tstart,tstop,ed_rec\n1502.999,1503.05,78.9\n1512.0,1512.01,0.5\n".utf8).write(to: list)
            let result = try QuickLook(file: url).run(flares: true, plot: nil, compare: list)
            let c = try #require(result.comparison)
            #expect(result.flares?.count == 2, "\(QuickLook.text(result))")
            #expect(c.listed == 2 && c.found == 1 && c.detections == 2 && c.inList == 1)
            #expect(c.missed.map(\.start) == [1512.0])
            #expect(c.notListed.count == 1 && abs(c.notListed[0] - 1510) < 2 * cadence)
            let ratio = try #require(c.edRatioMedian)
            #expect(abs(ratio - 1) < 0.1)
            let text = QuickLook.text(result)
            #expect(text.contains("compared with \(list.path): 1 of 2 listed flares found; 1 of 2 detections listed"))
            // What the search saw where the missed flare is listed: noise.
            let seen = try #require(c.missed.first?.maxSignificance)
            #expect(seen > 0 && seen < 5)
            #expect(text.contains("listed, not found: 1512.0000 (ED 0.5 s, max \(String(format: "%.1f", seen))σ)"))
            let object = try JSONSerialization.jsonObject(with: Data(QuickLook.json(result).utf8)) as? [String: Any]
            let json = try #require(object?["comparison"] as? [String: Any])
            #expect(json["found"] as? Int == 1 && json["in_list"] as? Int == 1)
            #expect((json["by_ed"] as? [Any])?.count == FlareListComparison.edEdges.count)

            let bad = folder.appendingPathComponent("bad.csv")
            try Data("time,flux\n1503,2\n".utf8).write(to: bad)
            #expect(throws: CatalogFileError.self) { try QuickLook(file: url).run(flares: true, plot: nil, compare: bad) }
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

/// A flat 2-minute TESS sector of 1 ppt Gaussian noise (10,000 e⁻/s), written as a SPOC file, with
/// Davenport flares (peak time, FWHM in days, relative amplitude) added.
func writeNoiseSector(
    in folder: URL, points: Int, seed: UInt64, flares: [(peak: Double, fwhm: Double, amplitude: Double)] = []
) throws -> URL {
    let time = (0..<points).map { 1500 + Double($0) * 2 / 1440 }
    var g = SeededGenerator(seed: seed)
    let flux = time.map { t in
        1e4 * (1 + 0.001 * g.gaussian()
            + flares.reduce(0) { $0 + FlareTemplate.davenport2014.value(at: t, peak: $1.peak, fwhm: $1.fwhm, amplitude: $1.amplitude) })
    }
    let url = folder.appendingPathComponent("tess_lc.fits")
    try SPOCLightcurve(
        mission: .tess, targetID: 6, sector: 4, time: time, pdcsapFlux: flux, pdcsapFluxError: Array(repeating: 10, count: points)
    ).write(to: url)
    return url
}
