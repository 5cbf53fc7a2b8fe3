@testable import Core
import Foundation
import GRDB
import Logging
import Testing

@testable import Report
import TestSupport

/// The templates of this checkout.
let templatesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("templates")

/// Runs a tiny end-to-end analysis: a few synthetic stars, one of them with a hostile name.
func tinyRun(in folder: URL, seed: UInt64 = 3, jobs: Int = 2, count: Int = 5) async throws -> RunSummary {
    var entries = try SyntheticSurvey.mDwarfCatalog(count: count, seed: seed).entries
    entries[0].name = "<script>alert(1)</script>"
    entries[1].name = "../../etc/passwd"
    entries[2].name = "Tab\tand\u{7}bell"
    let catalog = try Catalog(name: "tiny", entries: entries)
    let settings = RunSettings(output: folder.path, seed: UInt64(seed), jobs: jobs)
    let notebook = Notebook(name: "flares", title: "Tiny <test> run", settings: settings, defaultSeed: 1, logger: quietLogger)
    notebook.markdown("## Heading\nSome *prose* with <b>markup</b> & **bold**.")
    return try await notebook.run(
        catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: seed), SyntheticSurvey(.tess, seed: seed)],
        analysis: FlareSearch(),
        simulator: FlareSimulator(parameters: .init(ratePerDay: 0.5, amplitude: 0.01...0.5, fwhmMinutes: 5...30)))
}

@Suite("RunRenderer")
struct RunRendererTests {
    @Test func rendersIndexPagesAndFiguresOfARun() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let index = try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render()
            #expect(index.lastPathComponent == "index.html")
            let html = try String(contentsOf: index, encoding: .utf8)
            #expect(html.contains("Synthetic data."))
            #expect(html.contains(summary.runDirectory.lastPathComponent))
            #expect(html.contains("<h3>Heading</h3>"))
            #expect(html.contains("<em>prose</em>"))
            #expect(html.contains("&lt;b&gt;markup&lt;/b&gt;"))
            // Every image and link the page names exists in the run folder.
            for target in references(in: html) where !target.hasPrefix("#") {
                let url = summary.runDirectory.appendingPathComponent(target)
                #expect(FileManager.default.fileExists(atPath: url.path), "missing \(target)")
            }
            #expect(FileManager.default.fileExists(atPath: summary.runDirectory.appendingPathComponent("figures/coverage.png").path))
            #expect(FileManager.default.fileExists(atPath: summary.runDirectory.appendingPathComponent("style.css").path))
            // One card per real detection, each with its figure.
            let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let detections = try store.detections()
            #expect(html.components(separatedBy: "<article class=\"card\"").count - 1 == detections.count)
            for d in detections {
                #expect(FileManager.default.fileExists(atPath: summary.runDirectory.appendingPathComponent("figures/detection-\(d.id!).png").path))
            }
            // Source table: one row per source, in catalog order, each linking its page.
            let rows = try tableRows(summary.runDirectory, "sources")
            #expect(rows.count == 5)
            let names = try store.sources().map(\.name)
            #expect(rows.map { ($0["c"] as? [String])?[0] } == names)
            for row in rows {
                let link = try #require(row["l"] as? String)
                #expect(FileManager.default.fileExists(atPath: summary.runDirectory.appendingPathComponent(link).path), "missing \(link)")
            }
            #expect(try tableRows(summary.runDirectory, "detections").count == detections.count)
            // No network: no http(s) references at all.
            #expect(!html.contains("http://") && !html.contains("https://"))
        }
    }

    @Test func catalogTextIsEscapedAndFileNamesStayInsideTheRunFolder() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let index = try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render()
            let html = try String(contentsOf: index, encoding: .utf8)
            #expect(!html.contains("<script>alert(1)</script>"))
            // The source table's rows are data that report.js sets as text, never as HTML.
            #expect(try tableRows(summary.runDirectory, "sources").contains { ($0["c"] as? [String])?.first == "<script>alert(1)</script>" })
            let script = try String(contentsOf: summary.runDirectory.appendingPathComponent("report.js"), encoding: .utf8)
            #expect(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML") && script.contains("textContent"))
            #expect(html.contains("Tiny &lt;test&gt; run"))
            // Every file written is inside the run folder, under a sanitised name.
            let files = try FileManager.default.subpathsOfDirectory(atPath: summary.runDirectory.path)
            for f in files {
                #expect(!f.contains(".."), "\(f)")
                #expect(!f.unicodeScalars.contains { $0.value < 32 }, "\(f)")
            }
            let pages = try FileManager.default.contentsOfDirectory(atPath: summary.runDirectory.appendingPathComponent("sources").path)
            #expect(pages.count == 5)
            #expect(Set(pages).count == 5)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("etc").path))
        }
    }

    @Test func renderingTwiceGivesIdenticalFiles() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let renderer = RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder)
            _ = try renderer.render()
            let first = try snapshot(summary.runDirectory)
            _ = try renderer.render()
            #expect(try snapshot(summary.runDirectory) == first)
        }
    }

    /// The README's promise: the same inputs give the same database contents and the same report
    /// files, whatever the scheduling. Row ids follow the catalog order (Store.rowID), and the page
    /// leaves out what only describes the execution (times, jobs, the cache folder).
    @Test func parallelJobsChangeNeitherTheDatabaseNorTheReport() async throws {
        try await withTemporaryFolder { folder in
            let one = try await tinyRun(in: folder.appendingPathComponent("one"), jobs: 1, count: 8)
            let four = try await tinyRun(in: folder.appendingPathComponent("four"), jobs: 4, count: 8)
            for run in [one, four] { _ = try RunRenderer(runDirectory: run.runDirectory, templates: templatesFolder).render() }

            func content(_ run: RunSummary) throws -> [String] {
                let store = try Store(url: run.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
                return try store.read { db in
                    var lines: [String] = []
                    let volatile: Set<String> = ["started_at", "finished_at", "jobs", "cache_directory"]
                    for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                        // Rows as a multiset: tables without ids (statistics, counts) keep insertion order.
                        lines += try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { row in
                            table + " " + row.columnNames.filter { !(table == "runs" && volatile.contains($0)) }
                                .map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " ")
                        }.sorted()
                    }
                    return lines
                }
            }
            let a = try content(one), b = try content(four)
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) where x != y {
                Issue.record("database differs:\n\(x)\n\(y)")
                break
            }
            #expect(a.contains { $0.hasPrefix("detections ") })

            let files = try RunArchive.regularFiles(under: one.runDirectory).filter { !$0.hasPrefix("run.sqlite") && $0 != ".lock" }
            #expect(files == (try RunArchive.regularFiles(under: four.runDirectory).filter { !$0.hasPrefix("run.sqlite") && $0 != ".lock" }))
            #expect(files.count > 10)
            var differing: [String] = []
            for file in files
            where try Data(contentsOf: one.runDirectory.appendingPathComponent(file))
                != Data(contentsOf: four.runDirectory.appendingPathComponent(file))
            {
                differing.append(file)
            }
            #expect(differing.isEmpty, "\(differing.count) files differ: \(differing.prefix(8))")
        }
    }

    /// The run folder holds what its report draws (LightcurveProducts): with the raw cache moved
    /// away, rendering again gives the same files, byte for byte, figures included.
    @Test func aRunRendersTheSameWithoutItsRawCache() async throws {
        try await withTemporaryFolder { folder in
            let run = try await tinyRun(in: folder)
            let renderer = RunRenderer(runDirectory: run.runDirectory, templates: templatesFolder)
            _ = try renderer.render()
            let files = try RunArchive.regularFiles(under: run.runDirectory).filter { !$0.hasPrefix("run.sqlite") && $0 != ".lock" }
            let before = try files.map { try Data(contentsOf: run.runDirectory.appendingPathComponent($0)) }
            #expect(files.contains { $0.hasPrefix("figures/detection-") })
            let products = files.filter { $0.hasPrefix("lightcurves/") }
            #expect(products.filter { !$0.hasSuffix("-injections.fits") }.count == run.done)
            // Every source whose injections were recovered keeps their cut-outs, and only those.
            let database = try Store(url: run.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let recovered = Set(try database.injections().filter(\.recovered).map(\.sourceId))
            #expect(Set(products.filter { $0.hasSuffix("-injections.fits") }) == Set(recovered.map { "lightcurves/\($0)-injections.fits" }))

            try FileManager.default.moveItem(at: folder.appendingPathComponent("cache"), to: folder.appendingPathComponent("elsewhere"))
            _ = try renderer.render()
            let after = try RunArchive.regularFiles(under: run.runDirectory).filter { !$0.hasPrefix("run.sqlite") && $0 != ".lock" }
            #expect(after == files)
            for (file, data) in zip(files, before) where try Data(contentsOf: run.runDirectory.appendingPathComponent(file)) != data {
                Issue.record("\(file) differs without the raw cache")
            }

            // Each file reads back as the bands of its source, with the flare search's baseline.
            let store = try Store(url: run.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let withData = Set(try store.datasets().map(\.sourceId))
            let source = try #require(try store.sources().first { $0.status == .done && withData.contains($0.id!) })
            let bands = try LightcurveProducts.read(LightcurveProducts.url(runDirectory: run.runDirectory, sourceID: source.id!))
            #expect(!bands.isEmpty)
            #expect(bands.allSatisfy { $0.model?.count == $0.band.lightcurve.count })
            #expect(Set(bands.map(\.band.band)).isSubset(of: Set(try store.datasets(sourceID: source.id!).map(\.band))))
        }
    }

    @Test func anUnfinishedRunSaysSo() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"))
            try store.read { _ in }
            try store.finish(runID: summary.runDirectory.lastPathComponent, status: .running)
            let html = try String(contentsOf: try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render(), encoding: .utf8)
            #expect(html.contains("This run did not finish"))
        }
    }

    @Test func aFolderWithoutARunIsAClearError() async throws {
        _ = try await withTemporaryFolder { folder in
            #expect(throws: ReportError.notARunFolder(folder.path)) {
                try RunRenderer(runDirectory: folder, templates: templatesFolder).render()
            }
        }
    }

    /// A large run's report: a bounded number of cards and pages, chosen by the documented rule,
    /// every source and detection still in the index's tables, and any other page drawn on demand.
    @Test func pagesAndCardsAreBoundedAndTheRestIsDrawnOnDemand() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder, count: 8)
            let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let sources = try store.sources()
            let detections = try store.detections().sorted(by: RunRenderer.moreSignificant)
            try #require(!detections.isEmpty, "the tiny run needs a detection")
            var renderer = RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder)
            renderer.cardLimit = 1
            renderer.pageLimit = 2
            let html = try String(contentsOf: try renderer.render(), encoding: .utf8)

            // One card: the most significant detection.
            #expect(html.components(separatedBy: "<article class=\"card\"").count - 1 == 1)
            #expect(html.contains("id=\"detection-\(detections[0].id!)\""))
            #expect(html.contains("id=\"detection-table\"") == (detections.count > 1))
            // Two pages: the card's source, then the next by the rule (pageOrder, tested below).
            let order = RunRenderer.pageOrder(
                sources: sources, detections: Dictionary(grouping: detections, by: \.sourceId),
                statistics: Dictionary(grouping: try store.statistics(), by: \.sourceId),
                ranking: try store.statisticDescriptions().first(where: \.ranksSources)?.name, cards: [detections[0]])
            #expect(order.first == detections[0].sourceId)
            let drawn = Array(order.prefix(2))
            let expected = Set(drawn.map { id in FileNames.sourcePage(name: sources.first { $0.id == id }!.name, id: id) })
            let pages = Set(try FileManager.default.contentsOfDirectory(atPath: summary.runDirectory.appendingPathComponent("sources").path).map { "sources/" + $0 })
            #expect(pages == expected)
            // Figures only for the drawn sources (and the summary figures).
            let figures = try FileManager.default.contentsOfDirectory(atPath: summary.runDirectory.appendingPathComponent("figures").path)
            let drawnDetections = detections.filter { drawn.contains($0.sourceId) }
            #expect(figures.filter { $0.hasPrefix("detection-") }.count == drawnDetections.count)
            let withData = Set(try store.datasets().map(\.sourceId))
            #expect(figures.filter { $0.hasPrefix("source-") }.count == drawn.filter(withData.contains).count)
            // Every source and detection is in the tables; only drawn pages are linked.
            let rows = try tableRows(summary.runDirectory, "sources")
            #expect(rows.count == 8)
            #expect(Set(rows.compactMap { $0["l"] as? String }) == expected)
            let detectionRows = try tableRows(summary.runDirectory, "detections")
            #expect(detectionRows.count == detections.count)
            #expect(detectionRows.compactMap { $0["l"] as? String }.count == drawnDetections.count)

            // On demand, by catalog id: the page, its figures, and the links in both tables.
            let other = try #require(sources.first { !drawn.contains($0.id!) && withData.contains($0.id!) })
            let written = try renderer.renderPages(of: [other.catalogId])
            let page = FileNames.sourcePage(name: other.name, id: other.id!)
            #expect(written.map(\.lastPathComponent) == [URL(fileURLWithPath: page).lastPathComponent])
            #expect(Set(try tableRows(summary.runDirectory, "sources").compactMap { $0["l"] as? String }) == expected.union([page]))
            #expect(FileManager.default.fileExists(atPath: summary.runDirectory.appendingPathComponent("figures/source-\(other.id!).png").path))
            // An unknown source is refused by name, and nothing is drawn.
            #expect(throws: ReportError.unknownSource("no-such-star", run: summary.runDirectory.path)) {
                try renderer.renderPages(of: ["no-such-star"])
            }
        }
    }

    /// The data files are written by hand, row by row; they must say what Foundation's encoder says.
    @Test func aTableScriptIsTheJSONFoundationWouldWrite() throws {
        let hostile = ["quote \" and backslash \\", "line\nbreak\ttab\r", "bell \u{07} and \u{1F}", "\u{2028}\u{2029}", "µJy · 😀", "</script>", ""]
        let table = ReportTable(
            name: "odd \"name\"", columns: [.init(label: "a/b", type: .text), .init(label: "n", type: .number)],
            rows: hostile.enumerated().map { k, text in
                ReportTable.Row(cells: [text, String(k)], link: k % 2 == 0 ? "sources/\(text).html" : nil, failed: k == 3 ? true : nil)
            } + [ReportTable.Row(cells: [], link: nil, failed: false)],
            unlinkedHint: "report render \"x\"")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(table), as: UTF8.self)
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        let script = String(decoding: try table.script(), as: UTF8.self)
        let prefix = "// Rows of a table of index.html, drawn by report.js (a script, not JSON: it opens from file://).\n"
            + "window.VO_TABLES = window.VO_TABLES || {};\nwindow.VO_TABLES[\"odd \\\"name\\\"\"] = "
        #expect(script == prefix + json + ";\n")
        // And it parses back to the same cells.
        let body = try #require(script.range(of: "] = ")).upperBound
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(script[body...].dropLast(2).utf8)) as? [String: Any])
        let rows = try #require(parsed["rows"] as? [[String: Any]])
        #expect(rows.compactMap { ($0["c"] as? [String])?.first } == hostile)
    }

    @Test func pageOrderIsCardsThenDetectionsThenPriority() {
        func source(_ id: Int64) -> SourceRecord {
            SourceRecord(
                id: id, runId: "r", catalogIndex: Int(id), catalogId: "\(id)", name: "S\(id)", ra: 0, dec: 0, magnitude: nil,
                magnitudeBand: nil, pmra: nil, pmdec: nil, parallax: nil, epoch: 2016, status: .done)
        }
        func detection(_ id: Int64, source: Int64, significance: Double) -> DetectionRecord {
            DetectionRecord(
                id: id, sourceId: source, band: "TESS", timeSystem: "BTJD", start: 0, stop: 0.01, peakTime: 0.005, amplitude: 0.01,
                ed: 1, edErr: 0.1, significance: significance, nPoints: 3, firstIndex: 0, lastIndex: 2, firstDatasetId: nil,
                firstRow: 0, peakDatasetId: nil, peakRow: 1, lastDatasetId: nil, lastRow: 2, simulated: false, injectionId: nil,
                pointsAbove: nil, riseTime: nil, decayTime: nil, templateDeltaChi2: nil, symmetricDeltaChi2: nil, templateFwhm: nil,
                templateAmplitude: nil, vettingFlags: nil)
        }
        func priority(_ source: Int64, _ value: Double) -> StatisticRecord {
            StatisticRecord(sourceId: source, band: "", name: "priority", value: value, unit: nil)
        }
        let sources = (1...6).map(source)
        let detections: [Int64: [DetectionRecord]] = [
            4: [detection(1, source: 4, significance: 50)], 2: [detection(2, source: 2, significance: 9)],
            5: [detection(3, source: 5, significance: 20)],
        ]
        let statistics: [Int64: [StatisticRecord]] = [1: [priority(1, 0.1)], 3: [priority(3, 0.9)]]
        let order = RunRenderer.pageOrder(
            sources: sources, detections: detections, statistics: statistics, ranking: "priority", cards: [detections[4]![0]])
        #expect(order == [4, 5, 2, 3, 1, 6])
        // An analysis with no ranking statistic: the rest in catalog order.
        #expect(
            RunRenderer.pageOrder(sources: sources, detections: detections, statistics: statistics, ranking: nil, cards: [detections[4]![0]])
                == [4, 5, 2, 1, 3, 6])
    }

    /// A second analysis that is not a flare search: its own statistics become the source table's
    /// columns with its headings and formats, its own ranking chooses the pages, its descriptions
    /// are on the pages, and no flare statistic appears — with no change to the report code.
    @Test func anyAnalysisGetsItsOwnColumnsRankingAndDescriptions() async throws {
        struct Brightness: Analysis {
            let name = "brightness"
            let parameters = ["version": 1]
            func emptyCoverage() -> [Histogram] { [] }
            var statisticDescriptions: [StatisticDescription] {
                [
                    StatisticDescription(
                        "median_flux", label: "median flux", format: .fixed(4), description: "median relative flux", sourceColumn: true),
                    StatisticDescription(
                        "spread", label: "spread", unit: "ppt", format: .significant(2),
                        description: "16–84 % range of the relative flux, in parts per thousand", sourceColumn: true, ranksSources: true),
                    StatisticDescription("n", label: "points", format: .integer, description: "points used"),
                ]
            }
            func analyze(_ input: AnalysisInput) throws -> AnalysisOutput {
                let flux = input.bands.flatMap(\.lightcurve.flux).filter(\.isFinite).sorted()
                guard !flux.isEmpty else { return AnalysisOutput(statistics: [], detections: [], coverage: []) }
                func q(_ p: Double) -> Double { flux[Int(p * Double(flux.count - 1))] }
                return AnalysisOutput(
                    statistics: [
                        Statistic("median_flux", value: q(0.5)), Statistic("spread", value: 1000 * (q(0.84) - q(0.16)), unit: "ppt"),
                        Statistic("n", value: Double(flux.count)),
                    ], detections: [], coverage: [])
            }
        }
        try await withTemporaryFolder { folder in
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 6, seed: 4)
            let notebook = Notebook(
                name: "brightness", title: "Brightness", settings: RunSettings(output: folder.path, seed: 4, jobs: 2), defaultSeed: 1,
                logger: quietLogger)
            let summary = try await notebook.run(
                catalog: catalog, observatories: [SyntheticSurvey(.tess, seed: 4, tessCadences: 500)], analysis: Brightness(),
                simulator: nil as FlareSimulator?)
            var renderer = RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder)
            renderer.pageLimit = 2
            _ = try renderer.render()

            let script = try String(contentsOf: summary.runDirectory.appendingPathComponent("data/sources.js"), encoding: .utf8)
            let prefix = "window.VO_TABLES[\"sources\"] = "
            let line = try #require(script.components(separatedBy: "\n").first { $0.hasPrefix(prefix) })
            let table = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(prefix.count).dropLast().utf8)) as? [String: Any])
            let headings = try #require(table["columns"] as? [[String: Any]]).compactMap { $0["label"] as? String }
            #expect(headings == ["name", "catalog id", "RA (°)", "Dec (°)", "mag", "status", "datasets", "median flux", "spread (ppt)"])
            let rows = try tableRows(summary.runDirectory, "sources")
            #expect(rows.count == 6)
            // Values as the analysis formats them: four decimals, two significant digits.
            let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let stored = Dictionary(grouping: try store.statistics(band: ""), by: \.sourceId)
            let sources = try store.sources()
            for (source, row) in zip(sources, rows) {
                let cells = try #require(row["c"] as? [String])
                let mine = try #require(stored[source.id!])
                #expect(cells[7] == String(format: "%.4f", mine.first { $0.name == "median_flux" }!.value!))
                #expect(cells[8] == String(format: "%.2g", mine.first { $0.name == "spread" }!.value!))
            }
            // The two pages drawn are those of the two largest spreads (no detections to come first).
            let spread = { (id: Int64) in stored[id]!.first { $0.name == "spread" }!.value! }
            let largest = sources.map(\.id!).sorted { spread($0) > spread($1) }.prefix(2)
            let pages = Set(try FileManager.default.contentsOfDirectory(atPath: summary.runDirectory.appendingPathComponent("sources").path))
            #expect(pages == Set(largest.map { id in String(FileNames.sourcePage(name: sources.first { $0.id == id }!.name, id: id).dropFirst("sources/".count)) }))
            // A page explains each statistic in the analysis's words and writes it in its format.
            let page = try String(contentsOf: summary.runDirectory.appendingPathComponent("sources").appendingPathComponent(try #require(pages.first)), encoding: .utf8)
            #expect(page.contains("16–84 % range of the relative flux, in parts per thousand"))
            let pageSource = try #require(sources.first { FileNames.sourcePage(name: $0.name, id: $0.id!).hasSuffix(pages.first!) })
            let n = try #require(stored[pageSource.id!]?.first { $0.name == "n" }?.value)
            #expect(page.contains("<td>all</td><td>n</td><td>\(Int(n))</td>"))
            // Nothing of the flare search.
            let index = try String(contentsOf: summary.runDirectory.appendingPathComponent("index.html"), encoding: .utf8)
            for word in ["flare", "priority", "max ED", "good points"] { #expect(!script.contains(word), "\(word) in sources.js") }
            for word in ["priority", "max ED"] { #expect(!index.contains(word), "\(word) in index.html") }
        }
    }

    /// A detection card shows the numbers the run's analysis described, with its labels, units,
    /// scales and formats, read from the run database: relabelled there, the card follows; with no
    /// descriptions (a run stored before they were), every stored field by its name.
    @Test func detectionCardsShowTheFieldsTheRunDescribes() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let database = summary.runDirectory.appendingPathComponent("run.sqlite")
            let renderer = RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder)
            func card(_ d: DetectionRecord) throws -> String {
                let html = try String(contentsOf: try renderer.render(), encoding: .utf8)
                let start = try #require(html.range(of: "<article class=\"card\" id=\"detection-\(d.id!)\">"))
                let end = try #require(html.range(of: "</article>", range: start.upperBound..<html.endIndex))
                return String(html[start.lowerBound..<end.upperBound])
            }
            let store = try Store(url: database)
            let d = try #require(try store.detections().filter { !$0.simulated }.max { $0.significance < $1.significance })
            let rise = try #require(d.riseTime)
            let fields = try store.productDescriptions().detectionFields
            #expect(fields.map(\.name) == FlareSearch().detectionFields.map(\.name))

            var html = try card(d)
            #expect(html.contains(">rise</dt><dd>\(String(format: "%.1f", rise * 1440)) min</dd>"), "\(html)")
            #expect(html.contains(">Δχ² bump</dt>"))
            #expect(html.contains("title=\"from the last point below half the peak excess to the peak\""))

            // The same run, its descriptions changed in the database only.
            let climb = DetectionFieldDescription(
                "rise_time", label: "climb", unit: "s", format: .integer, scale: 86_400, description: "rise in seconds")
            try await store.queue.write { db in
                try db.execute(sql: "DELETE FROM product_descriptions WHERE kind = 'detection field' AND name != 'rise_time'")
                try db.execute(
                    sql: "UPDATE product_descriptions SET description = ? WHERE kind = 'detection field'",
                    arguments: [try CanonicalJSON.string(climb)])
            }
            html = try card(d)
            #expect(html.contains(">climb</dt><dd>\(Int((rise * 86_400).rounded())) s</dd>"), "\(html)")
            #expect(!html.contains(">rise</dt>") && !html.contains("Δχ²"))

            // None stored: every field the detection carries, by its stored name, unscaled.
            try await store.queue.write { db in try db.execute(sql: "DELETE FROM product_descriptions WHERE kind = 'detection field'") }
            html = try card(d)
            #expect(html.contains(">rise time</dt><dd>\(Format.significant(rise, 3))</dd>"), "\(html)")
            #expect(html.contains(">template delta chi2</dt>"))
        }
    }

    /// The rows of a table data file of the index (data/NAME.js).
    func tableRows(_ run: URL, _ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: run.appendingPathComponent("data/\(name).js"), encoding: .utf8)
        let prefix = "window.VO_TABLES[\"\(name)\"] = "
        let line = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix(prefix) })
        let json = try JSONSerialization.jsonObject(with: Data(line.dropFirst(prefix.count).dropLast().utf8)) as? [String: Any]
        return try #require(json?["rows"] as? [[String: Any]])
    }

    func references(in html: String) -> [String] {
        var result: [String] = []
        for attribute in ["src=\"", "href=\""] {
            for part in html.components(separatedBy: attribute).dropFirst() {
                if let end = part.firstIndex(of: "\"") { result.append(String(part[..<end])) }
            }
        }
        return result
    }

    func snapshot(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for f in try FileManager.default.subpathsOfDirectory(atPath: folder.path) where !f.hasPrefix("run.sqlite") {
            var isDirectory: ObjCBool = false
            let url = folder.appendingPathComponent(f)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[f] = try Data(contentsOf: url)
            }
        }
        return result
    }
}

@Suite("PackageLayout")
struct PackageLayoutTests {
    @Test func anUnknownAnalysisListsTheOnesThatExist() throws {
        let layout = PackageLayout(root: templatesFolder.deletingLastPathComponent())
        #expect(layout.analyses().contains("flares"))
        #expect(try layout.analysis(named: "analyses/flares/") == "flares")
        do {
            _ = try layout.analysis(named: "analyses/nope")
            Issue.record("must throw")
        } catch let error as ReportError {
            #expect(error.localizedDescription.contains("analyses/flares"))
            #expect(error.localizedDescription.contains("analyses/nope"))
        }
    }
}

@Suite("Markdown")
struct MarkdownTests {
    @Test func escapesBeforeFormatting() {
        #expect(Markdown.html("a <i>b</i> **c** `d`") == "<p>a &lt;i&gt;b&lt;/i&gt; <strong>c</strong> <code>d</code></p>")
        #expect(Markdown.html("# T\nbody\n\nnext") == "<h2>T</h2>\n<p>body</p>\n<p>next</p>")
        #expect(Markdown.html("a * b") == "<p>a * b</p>")
    }
}

@Suite("RunArchive")
struct RunArchiveTests {
    @Test func anArchiveVerifiesIsReproducibleAndReportsTampering() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            _ = try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render()
            let first = try RunArchive.create(runDirectory: summary.runDirectory, into: folder.appendingPathComponent("a"), authors: ["Test, Author"])
            let second = try RunArchive.create(runDirectory: summary.runDirectory, into: folder.appendingPathComponent("b"), authors: ["Test, Author"])
            #expect(first.lastPathComponent == summary.runDirectory.lastPathComponent + ".tar.gz")
            #expect(try Data(contentsOf: first) == Data(contentsOf: second))
            let verified = try RunArchive.verify(first)
            #expect(verified.ok, "\(verified.description)")
            #expect(verified.files > 5)

            // Change one figure inside a copy of the archive: verify names it.
            let unpacked = folder.appendingPathComponent("unpacked")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            #expect(try RunArchive.shell("tar -C '\(unpacked.path)' -xzf '\(first.path)'") == 0)
            let root = unpacked.appendingPathComponent(summary.runDirectory.lastPathComponent)
            try Data("not a png".utf8).write(to: root.appendingPathComponent("figures/coverage.png"))
            try FileManager.default.removeItem(at: root.appendingPathComponent("style.css"))
            try Data("x".utf8).write(to: root.appendingPathComponent("extra.txt"))
            let tampered = folder.appendingPathComponent("tampered.tar.gz")
            #expect(try RunArchive.shell("tar -C '\(unpacked.path)' -czf '\(tampered.path)' '\(root.lastPathComponent)'") == 0)
            let result = try RunArchive.verify(tampered)
            #expect(!result.ok)
            #expect(result.changed == ["figures/coverage.png"])
            #expect(result.missing == ["style.css"])
            #expect(result.unlisted == ["extra.txt"])

            // A link in place of a listed file, pointing outside the archive: refused, whatever the
            // manifest says (its checksum would be that of the file outside).
            try FileManager.default.removeItem(at: root.appendingPathComponent("figures/coverage.png"))
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("figures/coverage.png").path, withDestinationPath: "/etc/hostname")
            let linked = folder.appendingPathComponent("linked.tar.gz")
            #expect(try RunArchive.shell("tar -C '\(unpacked.path)' -czf '\(linked.path)' '\(root.lastPathComponent)'") == 0)
            #expect(throws: ArchiveError.self) { try RunArchive.verify(linked) }
        }
    }

    /// With `withRaw`, the archive carries the raw files (checked against the run's record) and a
    /// provenance that lists each; it renders again byte-identically from the archive alone, with
    /// the raw cache moved away and no templates but its own. Edited templates (with the manifest
    /// made to agree) render differently, and `--rerender` says which files.
    @Test func anArchiveWithRawFilesRendersAgainFromItselfAlone() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            _ = try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render()
            let archive = try RunArchive.create(runDirectory: summary.runDirectory, into: folder.appendingPathComponent("a"), withRaw: true, authors: ["Test, Author"])
            try FileManager.default.moveItem(at: folder.appendingPathComponent("cache"), to: folder.appendingPathComponent("elsewhere"))
            let verified = try RunArchive.verify(archive, rerender: true)
            #expect(verified.ok, "\(verified.description)")
            #expect(verified.rerenderDifferences == [])
            #expect(verified.description.contains("byte-identical"))

            let unpacked = folder.appendingPathComponent("unpacked")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            #expect(try RunArchive.shell("tar -C '\(unpacked.path)' -xzf '\(archive.path)'") == 0)
            let root = unpacked.appendingPathComponent(summary.runDirectory.lastPathComponent)
            let provenance = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("provenance.json"))) as? [String: Any]
            let software = try #require(provenance?["software"] as? [String: Any])
            for key in ["virtualobserver", "cfitsio", "cairo", "sqlite", "operating_system", "swift"] {
                #expect(!((software[key] as? String) ?? "").isEmpty, "\(key)")
            }
            let raw = try #require(provenance?["raw_files"] as? [[String: Any]])
            let datasets = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true).datasets()
            #expect(Set(raw.compactMap { $0["path"] as? String }) == Set(datasets.map(\.rawPath)))
            for file in raw {
                let path = try #require(file["path"] as? String)
                #expect(file["included"] as? Bool == true)
                #expect(try Checksum.sha256Hex(ofFileAt: root.appendingPathComponent("raw").appendingPathComponent(path)) == file["sha256"] as? String)
            }
            #expect((provenance?["run"] as? [String: Any])?["id"] as? String == summary.runDirectory.lastPathComponent)

            // Edit a template and make the manifest agree: the files pass, rendering again does not.
            let template = root.appendingPathComponent("templates/index.mustache")
            try Data((try String(contentsOf: template, encoding: .utf8) + "<!-- edited -->").utf8).write(to: template)
            let manifestURL = root.appendingPathComponent(RunArchive.manifestName)
            let sum = try Checksum.sha256Hex(ofFileAt: template)
            let lines = try String(contentsOf: manifestURL, encoding: .utf8).split(separator: "\n").map { line in
                line.hasSuffix("  templates/index.mustache") ? "\(sum)  templates/index.mustache" : String(line)
            }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: manifestURL)
            let edited = folder.appendingPathComponent("edited.tar.gz")
            #expect(try RunArchive.shell("tar -C '\(unpacked.path)' -czf '\(edited.path)' '\(root.lastPathComponent)'") == 0)
            #expect(try RunArchive.verify(edited).ok)
            let rerendered = try RunArchive.verify(edited, rerender: true)
            #expect(!rerendered.ok)
            #expect(rerendered.rerenderDifferences == ["index.html"])

            // Without its raw cache, --with-raw is a clear error naming the file.
            #expect(throws: ArchiveError.self) {
                try RunArchive.create(runDirectory: summary.runDirectory, into: folder.appendingPathComponent("b"), withRaw: true, authors: ["Test, Author"])
            }
        }
    }

    @Test func listingShowsRunsWhoseDatabaseIsBroken() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let output = summary.runDirectory.deletingLastPathComponent().deletingLastPathComponent()
            let damaged = output.appendingPathComponent("flares/damaged")
            let empty = output.appendingPathComponent("flares/empty")
            for f in [damaged, empty] { try FileManager.default.createDirectory(at: f, withIntermediateDirectories: true) }
            try Data(repeating: 0x41, count: 4096).write(to: damaged.appendingPathComponent("run.sqlite"))
            _ = try Store(url: empty.appendingPathComponent("run.sqlite"))
            let (runs, problems) = RunCatalog(root: output).survey()
            #expect(runs.map(\.folder.lastPathComponent) == [summary.runDirectory.lastPathComponent])
            #expect(problems.map(\.folder.lastPathComponent) == ["damaged", "empty"])
            #expect(problems[0].reason.contains("damaged"))
            #expect(problems[1].reason.contains("holds no run"))
            for p in problems { #expect(!p.line.contains("NSCocoaErrorDomain")) }

            // A run folder directly under the root (an unpacked archive) is listed too.
            let unpacked = folder.appendingPathComponent("unpacked")
            try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: summary.runDirectory, to: unpacked.appendingPathComponent(summary.runDirectory.lastPathComponent))
            #expect(RunCatalog(root: unpacked).survey().runs.map(\.folder.lastPathComponent) == [summary.runDirectory.lastPathComponent])
        }
    }
}

@Suite("Fuzzer")
struct FuzzerTests {
    /// A stand-in for `report fuzz-case` that crashes, hangs or runs out of memory on cue, so that the
    /// parent's bookkeeping is tested against real signals and timeouts.
    @Test func crashesHangsAndMemoryBlowUpsAreCountedAndTheRestGoesOn() async throws {
        try await withTemporaryFolder { folder in
            let script = folder.appendingPathComponent("child.sh")
            try Data(
                """
                #!/bin/bash
                # args: fuzz-case --format F --list LIST
                k=0
                while IFS= read -r f || [ -n "$f" ]; do
                  echo "start $k"
                  case "$(cat "$f")" in
                    CRASH) kill -SEGV $$ ;;
                    HANG) sleep 3 ;;
                    MEM) echo "fatal error: could not allocate memory" >&2; kill -ILL $$ ;;
                    BAD) echo "end $k error 2048" ;;
                    *) echo "end $k ok 1024" ;;
                  esac
                  k=$((k+1))
                done < "$5"
                """.utf8
            ).write(to: script)
            chmod(script.path, 0o755)
            let contents = ["fine", "BAD", "CRASH", "fine", "HANG", "fine", "MEM", "fine"]
            let files = try contents.enumerated().map { k, text in
                let url = folder.appendingPathComponent("case-\(k).csv")
                try Data(text.utf8).write(to: url)
                return url.path
            }
            let tally = try Fuzzer.run(
                format: .catalogCSV, files: files, executable: script.path, timeout: 1, memoryMiB: 1_024,
                keepFailures: folder.appendingPathComponent("kept"))
            #expect(tally.cases == 8)
            #expect(tally.ok == 4)
            #expect(tally.errors == 1)
            #expect(tally.crashes == 1)
            #expect(tally.hangs == 1)
            #expect(tally.memory == 1)
            #expect(!tally.acceptable)
            #expect(tally.failures.count == 3)
            let kept = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("kept").path).sorted()
            #expect(kept == ["catalog-csv-crash-case-2.csv", "catalog-csv-hang-case-4.csv", "catalog-csv-memory-case-6.csv"])
        }
    }

    @Test func mutationsAreSeededAndReachEveryKind() throws {
        let seed = [UInt8]("ra,dec,mag\n10.5,-3.25,12.0\n11.0,4.0,13.5\n".utf8)
        var a = SeededGenerator(seed: 7, stream: "t")
        var b = SeededGenerator(seed: 7, stream: "t")
        let first = (0..<50).map { _ in Fuzzer.mutate(seed, format: .catalogCSV, using: &a) }
        let second = (0..<50).map { _ in Fuzzer.mutate(seed, format: .catalogCSV, using: &b) }
        #expect(first == second)
        #expect(Set(first).count > 40)
        #expect(first.contains { $0.count < seed.count })  // truncations
        #expect(first.contains { $0.count > seed.count })  // duplicated chunks
        #expect(first.contains { String(decoding: $0, as: UTF8.self).contains("1E300") || String(decoding: $0, as: UTF8.self).contains("NaN") })
    }
}

@Suite("RunExport")
struct RunExportTests {
    /// Every table in every format reads back with the project's own table readers, value for value
    /// (64-bit ids exact, missing values missing); astropy's view of the same files is in the README.
    /// Without `simulated` no simulated detection is exported; with it, the `simulated` column says
    /// which rows are.
    @Test func everyExportReadsBackWithOurReaders() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            let run = summary.runDirectory
            let store = try Store(url: run.appendingPathComponent("run.sqlite"), readOnly: true)
            for name in RunExport.TableName.allCases {
                for simulated in name == .detections ? [false, true] : [false] {
                    let table = try RunExport.table(name, run: run, simulated: simulated)
                    #expect(table.rowCount > 0, "\(name)")
                    for format in RunExport.Format.allCases {
                        let url = folder.appendingPathComponent("\(name)-\(simulated).\(format.fileExtension)")
                        try RunExport.write(table, format: format, to: url)
                        let back = try CatalogTable.read(from: url)
                        #expect(back.columns == table.columns.map(\.name), "\(name) \(format)")
                        #expect(back.rows.count == table.rowCount, "\(name) \(format)")
                        for (c, column) in table.columns.enumerated() {
                            for r in 0..<min(back.rows.count, table.rowCount) {
                                // XML 1.0 cannot hold control characters: VOTable gets U+FFFD for them.
                                let expected = normalized(
                                    format == .votable ? column.text(r).map(RunExport.xmlSafe) : column.text(r), column)
                                let found = normalized(back.rows[r][c], column)
                                #expect(expected == found, "\(name) \(format) row \(r + 1) \(column.name): \(String(describing: found)), wrote \(String(describing: expected))")
                                if expected != found { break }
                            }
                        }
                    }
                }
            }
            let real = try RunExport.table(.detections, run: run)
            #expect(real.rowCount == (try store.detections(includeSimulated: false)).count)
            #expect(!real.columns.contains { $0.name == "simulated" })
            let all = try RunExport.table(.detections, run: run, simulated: true)
            let flags = try #require(all.columns.first { $0.name == "simulated" })
            guard case let .bool(values) = flags.values else { Issue.record("simulated is not boolean"); return }
            #expect(values.filter { $0 == true }.count == (try store.detections(includeSimulated: true)).filter(\.simulated).count)
            #expect(values.contains(true) && values.contains(false))
            // Units and UCDs where they belong.
            let peak = try #require(real.columns.first { $0.name == "peak_time" })
            #expect(peak.unit == "d" && !peak.ucd.isEmpty)
            #expect(real.columns.first { $0.name == "ed" }?.unit == "s")
        }
    }

    /// Text of a cell as each reader gives it: booleans as t/f, the integer null sentinel and empty
    /// text as none.
    func normalized(_ text: String?, _ column: RunExport.Column) -> String? {
        guard let text, !text.isEmpty, text != String(Int64.min) else { return nil }
        if case .bool = column.values { return text.lowercased().hasPrefix("t") ? "t" : "f" }
        return text
    }
}

@Suite("DepositMetadata")
struct DepositMetadataTests {
    /// cffconvert's command line, through the Python that has it (no dependence on where pip put
    /// its script).
    let cffconvert = ["python3", "-c", "from cffconvert.cli.cli import cli; cli()"]

    /// Runs a command found on the PATH; its exit status and standard output.
    func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// CITATION.cff is checked against the Citation File Format 1.2.0 schema by the format's own
    /// validator (`cffconvert --validate`, installed by scripts/install-deps); .zenodo.json against
    /// Zenodo's documented deposit metadata (developers.zenodo.org, "Deposit metadata": required
    /// fields, vocabularies, date format) and against cffconvert's own Zenodo conversion of our
    /// CITATION.cff. Both for an archived run and for metadata citing every survey.
    @Test func citationAndZenodoMetadataAreValid() async throws {
        let (found, _) = try run(cffconvert + ["--version"])
        try #require(found == 0, "cffconvert is not installed: run scripts/install-deps (pip install cffconvert==2.0.0)")
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder)
            _ = try RunRenderer(runDirectory: summary.runDirectory, templates: templatesFolder).render()
            let archive = try RunArchive.create(
                runDirectory: summary.runDirectory, into: folder, authors: ["Ilin, Ekaterina", "Davenport, James R. A.", "Gaia Collaboration"])
            #expect(try RunArchive.shell("tar -C '\(folder.path)' -xzf '\(archive.path)'") == 0)
            let root = folder.appendingPathComponent(summary.runDirectory.lastPathComponent)
            #expect(try RunArchive.verify(archive).ok)

            // Every survey's reference too, and a title with quotes, a colon and a line break.
            let everything = DepositMetadata(
                title: "Flares: \"all\" surveys\nsecond line", creators: [DepositMetadata.Person("Ilin, Ekaterina")],
                description: "Prose with: colons, # hashes and 'quotes'.", keywords: ["flares", "K2: C4"], date: "2026-12-01",
                version: "flares-x-seed1", references: DepositMetadata.surveyReferences.map(\.reference))
            let other = folder.appendingPathComponent("other")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            try Data(everything.citationCFF().utf8).write(to: other.appendingPathComponent("CITATION.cff"))
            try everything.zenodoJSON().write(to: other.appendingPathComponent(".zenodo.json"))

            for folder in [root, other] {
                let cff = folder.appendingPathComponent("CITATION.cff").path
                let (status, output) = try run(cffconvert + ["--validate", "-i", cff])
                #expect(status == 0, "\(cff): \(output)")
                let zenodo = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(".zenodo.json"))) as? [String: Any])
                checkZenodo(zenodo)
                // cffconvert's own conversion of the CITATION.cff agrees with our .zenodo.json.
                let (converted, json) = try run(cffconvert + ["-f", "zenodo", "-i", cff])
                #expect(converted == 0, "\(json)")
                let theirs = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                for key in ["title", "publication_date", "version"] {
                    #expect(theirs[key] as? String == zenodo[key] as? String, "\(key)")
                }
                #expect((theirs["keywords"] as? [String]) == (zenodo["keywords"] as? [String]))
                #expect(
                    (theirs["creators"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                        == (zenodo["creators"] as? [[String: Any]])?.compactMap { $0["name"] as? String })
            }
            let creators = try #require(
                (try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(".zenodo.json"))) as? [String: Any])?["creators"]
                    as? [[String: Any]])
            #expect(creators.compactMap { $0["name"] as? String } == ["Ilin, Ekaterina", "Davenport, James R. A.", "Gaia Collaboration"])
            #expect(DepositMetadata.Person("Jim Davenport", splittingAtLastSpace: true).zenodoName == "Davenport, Jim")
            let related = try #require(
                (try JSONSerialization.jsonObject(with: Data(contentsOf: other.appendingPathComponent(".zenodo.json"))) as? [String: Any])?[
                    "related_identifiers"] as? [[String: Any]])
            #expect(Set(related.compactMap { $0["identifier"] as? String }) == Set(DepositMetadata.surveyReferences.map(\.reference.doi)))
        }
    }

    /// Zenodo's deposit metadata rules (developers.zenodo.org, REST API, "Deposit metadata").
    func checkZenodo(_ z: [String: Any]) {
        let uploadTypes: Set = ["publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson", "physicalobject", "other"]
        #expect(uploadTypes.contains(z["upload_type"] as? String ?? ""))
        #expect((z["publication_date"] as? String)?.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil)
        #expect(!((z["title"] as? String) ?? "").isEmpty)
        #expect(!((z["description"] as? String) ?? "").isEmpty)
        let creators = z["creators"] as? [[String: Any]] ?? []
        #expect(!creators.isEmpty)
        for c in creators { #expect(!((c["name"] as? String) ?? "").isEmpty) }
        let access = z["access_right"] as? String ?? "open"
        #expect(["open", "embargoed", "restricted", "closed"].contains(access))
        if access == "open" { #expect(!((z["license"] as? String) ?? "").isEmpty) }
        #expect((z["keywords"] as? [String]) != nil)
        let relations: Set = [
            "isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues", "isDescribedBy", "describes",
            "hasMetadata", "isMetadataFor", "isNewVersionOf", "isPreviousVersionOf", "isPartOf", "hasPart", "isReferencedBy",
            "references", "isDocumentedBy", "documents", "isCompiledBy", "compiles", "isVariantFormOf", "isOriginalFormof",
            "isIdenticalTo", "isAlternateIdentifier", "isReviewedBy", "reviews", "isDerivedFrom", "isSourceOf", "requires",
            "isRequiredBy", "isObsoletedBy", "obsoletes",
        ]
        for r in z["related_identifiers"] as? [[String: Any]] ?? [] {
            #expect(relations.contains(r["relation"] as? String ?? ""))
            #expect(!((r["identifier"] as? String) ?? "").isEmpty)
        }
        let known: Set = [
            "upload_type", "publication_date", "title", "creators", "description", "access_right", "license", "keywords",
            "related_identifiers", "version", "publication_type", "image_type", "embargo_date", "access_conditions", "doi",
            "prereserve_doi", "contributors", "references", "communities", "grants", "journal_title", "notes", "language",
            "subjects", "method", "locations", "dates",
        ]
        #expect(Set(z.keys).isSubset(of: known), "unknown keys \(Set(z.keys).subtracting(known))")
    }
}
