@testable import Core
import Foundation
@testable import Plot
import Testing

@testable import Report
import TestSupport

/// The rotation analysis (``RotationSearch`` with ``SpotModulationSimulator``) renders from what its
/// run database says of its products: none of its statistic, histogram or parameter names is in
/// Report or the templates.
@Suite("A second analysis")
struct SecondAnalysisTests {
    func rotationRun(in folder: URL, count: Int = 40) async throws -> RunSummary {
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: count, seed: 6)
        let notebook = Notebook(
            name: "rotation", title: "Rotation", settings: RunSettings(output: folder.path, seed: 6, jobs: 2), defaultSeed: 1,
            logger: quietLogger)
        return try await notebook.run(
            catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: 6), SyntheticSurvey(.tess, seed: 6)],
            analysis: RotationSearch(), simulator: SpotModulationSimulator(parameters: .init(period: 0.2...30, amplitude: 0.0005...0.05)))
    }

    @Test func rotationPeriodsAreTheSyntheticStarsOwnAndTheReportDrawsThemFromTheirDescriptions() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await rotationRun(in: folder)
            let run = summary.runDirectory
            _ = try RunRenderer(runDirectory: run, templates: templatesFolder).render()
            let store = try Store(url: run.appendingPathComponent("run.sqlite"), readOnly: true)
            let sources = try store.sources()
            let statistics = try store.statistics()

            // The synthetic truth: a TESS sector shows a star's sinusoid of 0.2 % or more and at most
            // 9 days (a third of a sector) at its own period.
            var checked = 0
            for source in sources {
                let star = SyntheticStar(entry: source.entry, seed: 6)
                guard star.rotationAmplitude >= 0.002, star.rotationPeriod <= 9,
                    let period = statistics.first(where: { $0.sourceId == source.id && $0.band == "TESS" && $0.name == "period" })?.value
                else { continue }
                #expect(abs(period / star.rotationPeriod - 1) < 0.02, "\(source.name): \(period) d, truth \(star.rotationPeriod) d")
                #expect(statistics.contains { $0.sourceId == source.id && $0.band == "TESS" && $0.name == "significant" && $0.value == 1 })
                checked += 1
            }
            #expect(checked >= 2, "too few stars to check the truth against")

            // Sensitivity: the simulator's panels, from the stored descriptions, and the recovered
            // fraction drawn is the database's.
            let products = try store.productDescriptions()
            #expect(products.injectionParameters.map(\.name) == ["period", "amplitude"])
            let columns = try store.injectionColumns()
            let figure = try #require(
                ReportFigures.sensitivity(columns, parameters: products.injectionParameters, figures: products.sensitivityFigures))
            let shown = figure.panels.filter { !$0.isHidden }
            #expect(shown.prefix(3).map(\.title) == ["Period recovered within 5 %", "Period recovered within 5 %", "Measured / injected period"])
            #expect(shown.prefix(3).map(\.xLabel) == ["injected period (d)", "injected semi-amplitude", "injected period (d)"])
            #expect(shown.dropFirst(3).allSatisfy { $0.title?.hasPrefix("Recovered, ") == true })
            // The panel of recovery by semi-amplitude draws, per band, found / injected in each bin with 3 or more.
            let tess = try #require(columns["TESS"])
            let amplitudes = columns.values.flatMap { $0.injected["amplitude"] ?? [] }
            let edges = try #require(ReportFigures.parameterEdges(amplitudes, log: true))
            var injected = [Int](repeating: 0, count: edges.count - 1), found = injected
            for (a, r) in zip(tess.injected["amplitude"]!, tess.recovered) {
                guard let k = edges.indices.dropLast().last(where: { edges[$0] <= a }) else { continue }
                injected[k] += 1
                if r { found[k] += 1 }
            }
            let expected = injected.indices.filter { injected[$0] >= 3 }.map { Double(found[$0]) / Double(injected[$0]) }
            let drawn = shown[1].marks.compactMap { mark -> [Double]? in
                if case let .line(_, y, _, _, _, label) = mark, label == "TESS" { return y }
                return nil
            }
            #expect(!expected.isEmpty)
            #expect(drawn == [expected])
            let recovered = Double(tess.recovered.filter { $0 }.count) / Double(tess.count)
            let stored = try store.injections().filter { $0.band == "TESS" }
            #expect(recovered == Double(stored.filter(\.recovered).count) / Double(stored.count))
            // Measured periods are kept for found and missed ones alike.
            #expect(stored.contains { !$0.recovered && $0.measured["period"] != nil })

            // The index: the simulator's captions, nothing of the flare search.
            let index = try String(contentsOf: run.appendingPathComponent("index.html"), encoding: .utf8)
            for f in products.sensitivityFigures { #expect(index.contains(f.caption)) }
            for f in products.coverageFigures { #expect(index.contains(f.caption)) }
            for word in ["flare", "FWHM", "equivalent duration", "ED (s)"] { #expect(!index.contains(word), "\(word) in index.html") }

            // A source page: its bands folded on their own periods.
            let pages = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("sources").path)
            var folded = 0
            for source in sources {
                let name = String(FileNames.sourcePage(name: source.name, id: source.id!).dropFirst("sources/".count))
                guard pages.contains(name) else { continue }
                let page = try String(contentsOf: run.appendingPathComponent("sources").appendingPathComponent(name), encoding: .utf8)
                let periods = statistics.filter { $0.sourceId == source.id && !$0.band.isEmpty && $0.name == "period" && ($0.value ?? 0) > 0 }
                let image = "figures/source-\(source.id!)-1.png"
                #expect(page.contains("../" + image) == !periods.isEmpty)
                if !periods.isEmpty {
                    #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(image).path))
                    folded += 1
                }
            }
            #expect(folded > 0)
        }
    }

    /// The phase-folded figure: one panel per band with a period, titled with it, phases in 0–1,
    /// and the median of each phase bin where the sinusoid puts it.
    @Test func aPhaseFoldedFigureFoldsEachBandOnItsOwnPeriod() throws {
        let time = stride(from: 0.0, to: 20, by: 0.01).map { $0 }
        func band(_ name: String, period: Double) throws -> BandLightcurve {
            let lc = try Lightcurve(
                time: time, flux: time.map { 1 + 0.01 * sin(2 * .pi * $0 / period) }, fluxError: time.map { _ in 0.001 }, band: name,
                timeSystem: .btjd, fluxUnit: .relative)
            return BandLightcurve(lightcurve: lc, observatory: "o", rawRows: lc.count, flaggedRows: 0, invalidRows: 0, exposureSeconds: 120, datasetIndices: [0])
        }
        let f = SourceFigure(.phaseFolded, statistic: "period", title: "Folded", caption: "")
        let figure = try #require(
            ReportFigures.sourceFigure(
                f, bands: [try band("TESS", period: 2), try band("ZTF g", period: 3), try band("K2", period: 1)],
                values: ["TESS": 2, "ZTF g": 3],
                description: StatisticDescription("period", label: "P", unit: "d", format: .significant(3), description: ""), sourceName: "star"))
        let shown = figure.panels.filter { !$0.isHidden }
        #expect(shown.map(\.title) == ["TESS: P 2 d", "ZTF g: P 3 d"])
        let median = try #require(shown[0].marks.compactMap { mark -> (x: [Double], y: [Double])? in
            if case let .line(x, y, _, _, _, _) = mark { return (x, y) }
            return nil
        }.first)
        #expect(median.x.count == 20 && median.x.allSatisfy { (0...1).contains($0) })
        // Bin 5 of 20 (phase 0.25–0.30) holds the maximum of sin(2π φ): 1 + 0.01 sin(2π · 0.275).
        #expect(abs(median.y[5] - (1 + 0.01 * sin(2 * .pi * 0.275))) < 0.001)
        #expect(ReportFigures.sourceFigure(f, bands: [try band("K2", period: 1)], values: [:], description: nil, sourceName: "star") == nil)
    }
}
