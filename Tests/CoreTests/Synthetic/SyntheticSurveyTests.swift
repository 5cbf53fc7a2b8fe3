import Foundation
import Logging
import Testing

@testable import Core
import TestSupport

@Suite("SyntheticSurvey")
struct SyntheticSurveyTests {
    let logger = Logger(label: "test")

    func entries() throws -> [CatalogEntry] {
        // A northern star (seen by ZTF) and one far south (ZTF cannot see it).
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: 40, seed: 9)
        let north = try #require(catalog.entries.first { $0.dec > 10 })
        let south = try #require(catalog.entries.first { $0.dec < -40 })
        return [north, south]
    }

    @Test func sameSeedGivesByteIdenticalRawFiles() async throws {
        try await withTemporaryFolder { folder in
            let a = try RawCache(root: folder.appendingPathComponent("a"))
            let b = try RawCache(root: folder.appendingPathComponent("b"))
            for kind in [SyntheticSurvey.Kind.ztf, .tess] {
                let survey = SyntheticSurvey(kind, seed: 123)
                for entry in try entries() {
                    let fa = try await survey.fetch(entry, into: a, logger: logger)
                    let fb = try await survey.fetch(entry, into: b, logger: logger)
                    #expect(fa == fb)  // same paths, sizes and SHA-256
                    for f in fa {
                        #expect(try Data(contentsOf: a.url(for: f.relativePath)) == Data(contentsOf: b.url(for: f.relativePath)))
                    }
                }
            }
            // Another seed gives other data.
            let other = try await SyntheticSurvey(.ztf, seed: 124).fetch(try entries()[0], into: a, logger: logger)
            let first = try await SyntheticSurvey(.ztf, seed: 123).fetch(try entries()[0], into: a, logger: logger)
            #expect(other.first?.sha256 != first.first?.sha256)
        }
    }

    @Test func ztfResponsesAreRealIRSAFilesWithSeveralObjects() async throws {
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let survey = SyntheticSurvey(.ztf, seed: 1)
            let files = try await survey.fetch(try entries()[0], into: cache, logger: logger)
            let file = try #require(files.first)
            let text = try String(contentsOf: cache.url(for: file.relativePath), encoding: .utf8)
            #expect(text.hasPrefix(ZTFLightcurveTable.columnNames.joined(separator: ",") + "\n"))
            let datasets = try survey.datasets(in: file, for: try entries()[0], cache: cache)
            #expect(Set(datasets.map(\.band)) == ["ZTF g", "ZTF r"])
            #expect(datasets.count >= 2)
            let table = try ZTFLightcurveTable.read(from: cache.url(for: file.relativePath))
            #expect(table.count > 300)
            #expect(table.catflags.contains { $0 != 0 })
            // Errors grow with magnitude.
            let bright = table.magerr.indices.filter { table.mag[$0] < table.mag.sorted()[table.count / 4] }
            let faint = table.magerr.indices.filter { table.mag[$0] > table.mag.sorted()[3 * table.count / 4] }
            let meanErr = { (rows: [Int]) in rows.map { table.magerr[$0] }.reduce(0, +) / Double(rows.count) }
            #expect(meanErr(bright) < meanErr(faint))
            // The southern star gets an empty answer, not an error.
            #expect(try await survey.fetch(try entries()[1], into: cache, logger: logger).isEmpty)
        }
    }

    @Test func tessSectorsAreSPOCFilesWithGapsFlagsAndNaNs() async throws {
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let survey = SyntheticSurvey(.tess, seed: 2)
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 20, seed: 2)
            var checked = 0
            for entry in catalog.entries {
                for file in try await survey.fetch(entry, into: cache, logger: logger) {
                    let lc = try SPOCLightcurve.read(from: cache.url(for: file.relativePath))
                    #expect(lc.mission == .tess)
                    #expect(lc.bjdReference == 2_457_000)
                    #expect(lc.count > 17_000)
                    #expect(lc.pdcsapFlux.contains { $0.isNaN })
                    #expect(lc.quality.contains { $0 & SPOCQualityFlags.desaturation.rawValue != 0 })
                    let steps = zip(lc.time.dropFirst(), lc.time).map { $0 - $1 }
                    #expect(steps.contains { $0 > 0.5 })  // the mid-sector downlink
                    // Calibration divides by the median good PDCSAP flux and keeps that factor.
                    let calibrated = try survey.datasets(in: file, for: entry, cache: cache)[0].calibrated(cache: cache)
                    let good = lc.pdcsapFlux.indices.filter {
                        lc.pdcsapFlux[$0].isFinite && lc.time[$0].isFinite && lc.pdcsapFluxError[$0].isFinite
                            && lc.quality[$0] & SPOCQualityFlags.defaultBad.rawValue == 0
                    }.map { lc.pdcsapFlux[$0] }
                    #expect(calibrated.normalization == Statistics.median(good))
                    #expect(abs((Statistics.median(calibrated.lightcurve.flux) ?? 0) - 1) < 1e-9)
                    checked += 1
                }
            }
            #expect(checked > 0)
        }
    }

    @Test func aSecondFetchIsACacheHit() async throws {
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let survey = SyntheticSurvey(.ztf, seed: 3)
            let entry = try entries()[0]
            let first = try await survey.fetch(entry, into: cache, logger: logger)
            let path = cache.url(for: first[0].relativePath).path
            let before = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            try await Task.sleep(nanoseconds: 20_000_000)
            let second = try await survey.fetch(entry, into: cache, logger: logger)
            let after = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            #expect(first == second)
            #expect(before == after)
        }
    }
}
