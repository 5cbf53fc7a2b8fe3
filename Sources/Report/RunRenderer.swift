import Core
import Foundation
import Logging
import Mustache
import Plot

/// Renders the static HTML report of one run from its database: pages, figures, style.
///
/// Reads only the run folder (the database and the light-curve products); recomputes nothing of the
/// analysis. Output goes into the run folder: `index.html`, `sources/*.html`, `figures/*.png`,
/// `style.css`, `report.js`, and `templates/`, a copy of the templates that rendered it, so that
/// the run renders again the same from any folder, without this checkout
/// (``templates(forRun:)``). The pages need no network (no CDN, no external fonts or scripts).
/// Rendering the same run twice gives the same files.
public struct RunRenderer: Sendable {
    public let runDirectory: URL
    public let templates: URL
    public let logger: Logger

    public init(runDirectory: URL, templates: URL, logger: Logger = Logger(label: "virtualobserver.report")) {
        self.runDirectory = runDirectory
        self.templates = templates
        self.logger = logger
    }

    public var databaseURL: URL { runDirectory.appendingPathComponent("run.sqlite") }

    /// Renders the report and returns the URL of its `index.html`.
    public func render() throws -> URL {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw ReportError.notARunFolder(runDirectory.path)
        }
        let store = try Store(url: databaseURL, readOnly: true)
        guard let run = try store.run() else { throw StoreError.notARun(path: databaseURL.path) }
        let library = try loadTemplates()
        let figures = runDirectory.appendingPathComponent("figures")
        let pages = runDirectory.appendingPathComponent("sources")
        for folder in [figures, pages] {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        let sources = try store.sources()
        let statistics = Dictionary(grouping: try store.statistics(), by: \.sourceId)
        let detections = Dictionary(grouping: try store.detections(), by: \.sourceId)
        let datasets = Dictionary(grouping: try store.datasets(), by: \.sourceId)
        let failures = try store.failures()
        let injections = try store.injections()
        let histograms = try store.histograms()
        let cache = try RawCache(root: URL(fileURLWithPath: run.cacheDirectory), create: false)
        var warnings: [String] = []

        var coverageFigure: String?
        // Summary figures come as PNG for the page and SVG for papers.
        if let figure = ReportFigures.coverage(histograms) {
            try figure.write(to: figures.appendingPathComponent("coverage.png"))
            try figure.write(to: figures.appendingPathComponent("coverage.svg"))
            coverageFigure = "figures/coverage"
        }
        var sensitivityFigure: String?
        if let figure = ReportFigures.sensitivity(injections: injections, simulated: try store.simulatedDetections()) {
            try figure.write(to: figures.appendingPathComponent("sensitivity.png"))
            try figure.write(to: figures.appendingPathComponent("sensitivity.svg"))
            sensitivityFigure = "figures/sensitivity"
        }

        // Blind vetting: its progress while blind; efficiencies, corrected rates and per-card verdicts once unblinded.
        var vetting: VettingSectionView?
        var verdictTexts: [Int64: String] = [:]
        if let vetPage = try store.vetPage() {
            let verdicts = try store.verdicts(pageID: vetPage.id)
            let vetters = Array(Set(verdicts.map(\.vetter))).sorted()
            var section = VettingSectionView(
                pageID: vetPage.id, cards: try store.vetCards(pageID: vetPage.id).count,
                vetters: vetters.isEmpty ? "none yet" : vetters.joined(separator: ", "), verdicts: verdicts.count,
                blind: vetPage.unblindedAt == nil, simulated: 0, overall: [], byED: [], byAmplitude: [], agreements: [],
                hasAgreements: false, figure: nil)
            if vetPage.unblindedAt != nil {
                let summary = try BlindVetting.summary(store: store, page: vetPage)
                section.simulated = summary.simulatedCount
                section.overall = VettingText.overall(summary)
                section.byED = VettingText.bins(summary.byED, summary: summary)
                section.byAmplitude = VettingText.bins(summary.byAmplitude, summary: summary)
                section.agreements = VettingText.agreements(summary)
                section.hasAgreements = !section.agreements.isEmpty
                if let figure = ReportFigures.vetting(summary) {
                    try figure.write(to: figures.appendingPathComponent("vetting.png"))
                    try figure.write(to: figures.appendingPathComponent("vetting.svg"))
                    section.figure = "figures/vetting"
                }
                for (detection, given) in Dictionary(grouping: verdicts, by: \.detectionId) {
                    let count = { (v: VerdictRecord.Verdict) in given.filter { $0.verdict == v }.count }
                    let verdict = count(.flare) > count(.notFlare) ? "accepted" : "not accepted"
                    verdictTexts[detection] =
                        "\(verdict) (flare \(count(.flare)), not a flare \(count(.notFlare)), unsure \(count(.unsure)))"
                }
            }
            vetting = section
        }

        // Per source: load its light curves once, draw its detections and its page (in parallel).
        let names = Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.id.map { ($0, s.name) } })
        let verdictsByDetection = verdictTexts
        let results = Locked([Int64: SourceRendering]())
        let failuresBySource = Dictionary(grouping: failures.filter { $0.sourceId != nil }, by: { $0.sourceId! })
        DispatchQueue.concurrentPerform(iterations: sources.count) { k in
            let source = sources[k]
            guard let id = source.id else { return }
            let rendering = renderSource(
                source, id: id, run: run, datasets: datasets[id] ?? [], detections: detections[id] ?? [],
                statistics: statistics[id] ?? [], failures: failuresBySource[id] ?? [], cache: cache, library: library,
                figures: figures, pages: pages, verdicts: verdictsByDetection)
            results.withLock { $0[id] = rendering }
        }
        let rendered = results.withLock { $0 }
        for source in sources {
            if let id = source.id, let problem = rendered[id]?.problem { warnings.append("\(source.name): \(problem)") }
        }

        let cards = sources.flatMap { s in rendered[s.id ?? -1]?.cards ?? [] }
            .sorted { ($0.significanceValue, $1.card.id) > ($1.significanceValue, $0.card.id) }.map(\.card)
        let page = IndexPage(
            title: run.title, runID: run.id, analysis: run.analysis, status: run.status.rawValue,
            finished: run.status == .finished, synthetic: run.synthetic, seed: String(UInt64(bitPattern: run.seed)),
            parameterHash: run.parameterHash, codeVersion: run.codeVersion,
            catalogName: run.catalogName, catalogCount: run.catalogCount, catalogChecksum: run.catalogChecksum,
            shard: run.shard,
            parametersJSON: Self.pretty(run.parameters),
            observatories: try store.observatories().map {
                ObservatoryView(name: $0.name, description: $0.description, synthetic: $0.synthetic)
            },
            cells: try store.cells().map { CellView(html: Markdown.html($0.text)) },
            counts: counts(sources: sources, detections: detections, injections: injections, datasets: datasets),
            coverageFigure: coverageFigure, sensitivityFigure: sensitivityFigure, detections: cards,
            hasDetections: !cards.isEmpty, vetting: vetting,
            sources: sources.map { sourceRow($0, statistics: statistics[$0.id ?? -1] ?? [], datasets: datasets[$0.id ?? -1]?.count ?? 0, page: rendered[$0.id ?? -1]?.page) },
            failures: failures.map { failureView($0, names: names) }, hasFailures: !failures.isEmpty, warnings: warnings, hasWarnings: !warnings.isEmpty,
            generator: "virtualobserver \(VirtualObserver.version)")
        let index = runDirectory.appendingPathComponent("index.html")
        try write(library.render(page, withTemplate: "index"), template: "index", to: index)
        for asset in ["style.css", "report.js"] {
            let data = try Data(contentsOf: templates.appendingPathComponent(asset))
            try data.write(to: runDirectory.appendingPathComponent(asset), options: .atomic)
        }
        try keepTemplates()
        return index
    }

    /// Name of the run folder's copy of the templates that rendered it.
    public static let templatesFolder = "templates"

    /// The templates to render a run with when none are given: the run's own copy (what rendered it
    /// last), else those of the checkout around the working directory.
    /// - Throws: ``ReportError/noTemplates(run:)`` when there are neither.
    public static func templates(forRun runDirectory: URL) throws -> URL {
        let own = runDirectory.appendingPathComponent(templatesFolder)
        if FileManager.default.fileExists(atPath: own.appendingPathComponent("index.mustache").path) { return own }
        guard let layout = try? PackageLayout.locate() else { throw ReportError.noTemplates(run: runDirectory.path) }
        return layout.templates
    }

    /// Copies the templates folder's files (not its subfolders) into the run folder's `templates/`,
    /// replacing what was there: written beside it, then renamed into place.
    private func keepTemplates() throws {
        let fm = FileManager.default
        let destination = runDirectory.appendingPathComponent(Self.templatesFolder)
        guard destination.standardizedFileURL.path != templates.standardizedFileURL.path else { return }
        let staging = runDirectory.appendingPathComponent(".templates.partial-\(UUID().uuidString)")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            for name in try fm.contentsOfDirectory(atPath: templates.path).sorted() where !name.hasPrefix(".") {
                let source = templates.appendingPathComponent(name)
                var isFolder: ObjCBool = false
                guard fm.fileExists(atPath: source.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                try Data(contentsOf: source).write(to: staging.appendingPathComponent(name))
            }
            try? fm.removeItem(at: destination)
            try fm.moveItem(at: staging, to: destination)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }

    struct SourceRendering: Sendable {
        var page: String?
        var cards: [(card: DetectionCard, significanceValue: Double)]
        var problem: String?
    }

    private func renderSource(
        _ source: SourceRecord, id: Int64, run: RunRecord, datasets: [DatasetRecord], detections: [DetectionRecord],
        statistics: [StatisticRecord], failures: [FailureRecord], cache: RawCache, library: MustacheLibrary,
        figures: URL, pages: URL, verdicts: [Int64: String]
    ) -> SourceRendering {
        let pagePath = FileNames.sourcePage(name: source.name, id: id)
        var problem: String?
        var bands: [BandLightcurve] = []
        var models: [String: [Double]] = [:]
        // The run's own copy of the calibrated light curves and models (LightcurveProducts); runs
        // made before it existed are drawn from the raw cache, without models.
        let product = LightcurveProducts.url(runDirectory: runDirectory, sourceID: id)
        do {
            if source.status == .done, FileManager.default.fileExists(atPath: product.path) {
                for stored in try LightcurveProducts.read(product) {
                    bands.append(stored.band)
                    if let model = stored.model { models[stored.band.band] = model }
                }
            } else {
                let linked = Source(entry: source.entry, datasets: try datasets.map { try $0.dataset() })
                bands = try linked.lightcurves(cache: cache)
            }
        } catch {
            problem = "light curves not drawn: \((error as? LocalizedError)?.errorDescription ?? String(describing: error))"
        }
        var cards: [(card: DetectionCard, significanceValue: Double)] = []
        for d in detections {
            var figurePath: String?
            if let band = bands.first(where: { $0.band == d.band }), let detectionID = d.id {
                let name = "figures/detection-\(detectionID).png"
                do {
                    try ReportFigures.detection(d, in: band.lightcurve, sourceName: source.name, model: models[band.band])
                        .write(to: runDirectory.appendingPathComponent(name), scale: 1.5)
                    figurePath = name
                } catch {
                    problem = "figure of detection \(detectionID): \(error.localizedDescription)"
                }
            }
            var card = DetectionCard(d, sourceName: source.name, sourcePage: pagePath, figure: figurePath)
            card.verdict = d.id.flatMap { verdicts[$0] }
            cards.append((card, d.significance))
        }
        var sourceFigure: String?
        if !bands.isEmpty {
            let name = "figures/source-\(id).png"
            do {
                try ReportFigures.source(
                    bands, detections: detections.map { .init(band: $0.band, start: $0.start, stop: $0.stop) },
                    sourceName: source.name, models: models)
                    .write(to: runDirectory.appendingPathComponent(name), scale: 1.5)
                sourceFigure = "../" + name
            } catch {
                problem = "figure of \(source.name): \(error.localizedDescription)"
            }
        }
        let page = SourcePage(
            title: "\(source.name) – \(run.title)", runID: run.id, name: source.name, catalogID: source.catalogId,
            ra: Format.number(source.ra, 6), dec: Format.number(source.dec, 6),
            magnitude: source.magnitude.map { "\(Format.number($0, 3)) \(source.magnitudeBand ?? "")" } ?? "–",
            properMotion: "\(Format.number(source.pmra, 1)), \(Format.number(source.pmdec, 1))",
            parallax: Format.number(source.parallax, 2), status: source.status.rawValue, figure: sourceFigure,
            figureError: problem,
            statistics: statistics.map {
                StatisticView(band: $0.band.isEmpty ? "all" : $0.band, name: $0.name, value: Format.significant($0.value, 4), unit: $0.unit ?? "")
            },
            detections: cards.map { c in
                // The page sits in sources/: its links go up one folder.
                var card = c.card
                card.figure = card.figure.map { "../" + $0 }
                card.sourcePage = "../" + card.sourcePage
                return card
            }, hasDetections: !cards.isEmpty,
            datasets: datasets.map {
                DatasetView(
                    observatory: $0.observatory, band: $0.band, format: $0.format.rawValue, path: $0.rawPath,
                    selection: $0.selection ?? "", size: Format.bytes($0.sizeBytes), sha256: $0.sha256,
                    calibration: (try? JSONDecoder().decode(Calibration.self, from: Data($0.calibration.utf8)).summary) ?? $0.calibration)
            }, failures: failures.map { failureView($0, names: [id: source.name]) }, hasFailures: !failures.isEmpty,
            synthetic: run.synthetic)
        do {
            try write(library.render(page, withTemplate: "source"), template: "source", to: runDirectory.appendingPathComponent(pagePath))
        } catch {
            return SourceRendering(page: nil, cards: cards, problem: "page not written: \(error.localizedDescription)")
        }
        return SourceRendering(page: pagePath, cards: cards, problem: problem)
    }

    private func sourceRow(_ s: SourceRecord, statistics: [StatisticRecord], datasets: Int, page: String?) -> SourceRow {
        func stat(_ name: String) -> Double? { statistics.first { $0.band == "" && $0.name == name }?.value }
        return SourceRow(
            name: s.name, catalogID: s.catalogId, page: page, ra: Format.number(s.ra, 5), dec: Format.number(s.dec, 5),
            magnitude: Format.number(s.magnitude, 2), status: s.status.rawValue, failed: s.status == .failed,
            datasets: datasets, points: stat("good_points").map { String(Int($0)) } ?? "–",
            observedDays: Format.number(stat("observed_time"), 2), flares: stat("flares").map { String(Int($0)) } ?? "–",
            rate: Format.significant(stat("flare_rate"), 3), maxED: Format.significant(stat("max_ed"), 3),
            priority: Format.significant(stat("priority"), 3))
    }

    private func failureView(_ f: FailureRecord, names: [Int64: String]) -> FailureView {
        FailureView(
            source: f.sourceId.flatMap { names[$0] } ?? "–", stage: f.stage, observatory: f.observatory ?? "",
            path: f.path ?? "", message: f.message)
    }

    private func counts(
        sources: [SourceRecord], detections: [Int64: [DetectionRecord]], injections: [InjectionRecord],
        datasets: [Int64: [DatasetRecord]]
    ) -> CountsView {
        let recovered = injections.filter(\.recovered).count
        // Several datasets can share one raw file (ZTF oids): count each file once.
        var files: [String: Int64] = [:]
        var sums: [String: String] = [:]
        for d in datasets.values.joined() {
            files[d.rawPath] = d.sizeBytes
            sums[d.rawPath] = d.sha256
        }
        // One checksum for all raw data: SHA-256 of the sorted "sha256  path" lines.
        let manifest = sums.keys.sorted().map { "\(sums[$0]!)  \($0)\n" }.joined()
        return CountsView(
            sources: sources.count, done: sources.filter { $0.status == .done }.count,
            failed: sources.filter { $0.status == .failed }.count,
            pending: sources.filter { $0.status == .pending }.count,
            detections: detections.values.reduce(0) { $0 + $1.count }, injections: injections.count, recovered: recovered,
            recoveredPercent: injections.isEmpty ? "–" : Format.number(100 * Double(recovered) / Double(injections.count), 1),
            datasets: datasets.values.reduce(0) { $0 + $1.count }, rawFiles: files.count,
            rawBytes: Format.bytes(files.values.reduce(0, +)), rawChecksum: Checksum.sha256Hex(of: Data(manifest.utf8)))
    }

    private func loadTemplates() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for name in ["index", "source", "head", "detection-card"] {
            let url = templates.appendingPathComponent("\(name).mustache")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ReportError.missingTemplate(name: name, folder: templates.path)
            }
            do {
                try library.register(text, named: name)
            } catch {
                throw ReportError.templateError(name: name, message: String(describing: error))
            }
        }
        return library
    }

    private func write(_ html: String?, template: String, to url: URL) throws {
        guard let html else { throw ReportError.missingTemplate(name: template, folder: templates.path) }
        try Data(html.utf8).write(to: url, options: .atomic)
    }

    static func pretty(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
