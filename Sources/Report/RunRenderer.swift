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
    ///
    /// The index holds the summary, figures, the ``cardLimit`` most significant detections as cards,
    /// and two tables, every source and every real detection, drawn a page at a time from data files
    /// (``ReportTable``). Pages and figures are drawn for at most ``pageLimit`` sources, chosen by
    /// ``pageOrder(sources:detections:statistics:cards:)``; ``renderPages(of:)`` draws any other
    /// source's page on demand. A run of a few hundred sources gets every page, as before.
    public func render() throws -> URL {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw ReportError.notARunFolder(runDirectory.path)
        }
        let store = try Store(url: databaseURL, readOnly: true)
        guard let run = try store.run() else { throw StoreError.notARun(path: databaseURL.path) }
        let library = try loadTemplates()
        let figures = runDirectory.appendingPathComponent("figures")
        let pages = runDirectory.appendingPathComponent("sources")
        let data = runDirectory.appendingPathComponent("data")
        for folder in [figures, pages, data] {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }

        let sources = try store.sources()
        // The index needs each source's own statistics (band ""), not every band's: at 100,000
        // sources that is a few hundred thousand records instead of millions. Pages read theirs below.
        let statistics = Dictionary(grouping: try store.statistics(band: ""), by: \.sourceId)
        let detections = Dictionary(grouping: try store.detections(), by: \.sourceId)
        let datasetCounts = try store.datasetCounts()
        let failures = try store.failures()
        let histograms = try store.histograms(contributors: false)  // the figures draw counts
        let cache = try RawCache(root: URL(fileURLWithPath: run.cacheDirectory), create: false)
        var warnings: [String] = []

        var coverageFigure: String?
        let products = try store.productDescriptions()
        let coverageFigures = products.coverageFigures.isEmpty ? CoverageFigure.defaults(for: histograms) : products.coverageFigures
        // Summary figures come as PNG for the page and SVG for papers.
        if let figure = ReportFigures.coverage(histograms, figures: coverageFigures) {
            try figure.write(to: figures.appendingPathComponent("coverage.png"))
            try figure.write(to: figures.appendingPathComponent("coverage.svg"))
            coverageFigure = "figures/coverage"
        }
        var sensitivityFigure: String?
        let injectionColumns = try store.injectionColumns()
        let injectionParameters = products.injectionParameters.isEmpty
            ? InjectionParameterDescription.defaults(for: Array(Set(injectionColumns.values.flatMap(\.injected.keys))))
            : products.injectionParameters
        let sensitivityFigures = products.sensitivityFigures.isEmpty
            ? SensitivityFigure.defaults(for: injectionParameters) : products.sensitivityFigures
        let sensitivityCaption = ReportFigures.sensitivityCaption(injectionColumns, figures: sensitivityFigures)
        if let figure = ReportFigures.sensitivity(injectionColumns, parameters: injectionParameters, figures: sensitivityFigures) {
            try figure.write(to: figures.appendingPathComponent("sensitivity.png"))
            try figure.write(to: figures.appendingPathComponent("sensitivity.svg"))
            sensitivityFigure = "figures/sensitivity"
        }

        // Blind vetting: its progress while blind; efficiencies, corrected rates and per-card verdicts once unblinded.
        var vetting: VettingSectionView?
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
            }
            vetting = section
        }
        let verdicts = try verdictTexts(store: store)

        // The detections shown as cards, and the sources that get a page (those of the cards first).
        let allDetections = detections.values.joined().sorted(by: Self.moreSignificant)
        let cardDetections = Array(allDetections.prefix(cardLimit))
        let descriptions = products.statistics
        let order = Self.pageOrder(
            sources: sources, detections: detections, statistics: statistics, ranking: descriptions.first(where: \.ranksSources)?.name,
            cards: cardDetections)
        let cardSources = Set(cardDetections.map(\.sourceId))
        let paged = order.prefix { cardSources.contains($0) }.count
        let chosen = Array(order.prefix(max(paged, pageLimit)))
        let byID = Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.id.map { ($0, s) } })
        let pageStatistics = Dictionary(grouping: try store.statistics(sourceIDs: chosen), by: \.sourceId)
        let pageDatasets = Dictionary(grouping: try store.datasets(sourceIDs: chosen), by: \.sourceId)

        // Per chosen source: load its light curves once, draw its detections and its page (in parallel).
        let results = Locked([Int64: SourceRendering]())
        let failuresBySource = Dictionary(grouping: failures.filter { $0.sourceId != nil }, by: { $0.sourceId! })
        DispatchQueue.concurrentPerform(iterations: chosen.count) { k in
            let id = chosen[k]
            guard let source = byID[id] else { return }
            let rendering = renderSource(
                source, id: id, run: run, datasets: pageDatasets[id] ?? [], detections: detections[id] ?? [],
                statistics: pageStatistics[id] ?? [], descriptions: descriptions, fields: products.detectionFields,
                sourceFigures: products.sourceFigures,
                failures: failuresBySource[id] ?? [], cache: cache,
                library: library,
                figures: figures, pages: pages, verdicts: verdicts)
            results.withLock { $0[id] = rendering }
        }
        let rendered = results.withLock { $0 }
        for source in sources {
            if let id = source.id, let problem = rendered[id]?.problem { warnings.append("\(source.name): \(problem)") }
        }
        let pageOf = rendered.compactMapValues(\.page)

        let renderedCards = Dictionary(
            rendered.values.flatMap(\.cards).map { ($0.card.id, $0.card) }, uniquingKeysWith: { a, _ in a })
        let cards = cardDetections.compactMap { $0.id.flatMap { renderedCards[$0] } }
        try sourceTable(
            sources: sources, statistics: statistics, descriptions: descriptions, datasetCounts: datasetCounts, pages: pageOf
        ).write(into: runDirectory)
        let names = byID.mapValues(\.name)
        try detectionTable(allDetections, names: names, pages: pageOf).write(into: runDirectory)

        let counts = counts(
            sources: sources, detections: detections, events: try store.eventCounts(), datasets: datasetCounts.values.reduce(0, +),
            rawFiles: try store.rawFiles())
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
            counts: counts,
            coverageFigure: coverageFigure, coverageCaption: ReportFigures.coverageCaption(histograms, figures: coverageFigures),
            sensitivityFigure: sensitivityFigure, sensitivityCaption: sensitivityCaption, detections: cards,
            hasDetections: !cards.isEmpty, cardCount: cards.count, allCards: cards.count == counts.detections, vetting: vetting,
            pages: PagesView(
                drawn: pageOf.count, all: pageOf.count == sources.count, runFolder: runDirectory.lastPathComponent,
                rest: descriptions.first(where: \.ranksSources).map { "by \($0.label), highest first" } ?? "in catalog order"),
            failures: failures.prefix(Self.failureLimit).map { failureView($0, names: names) }, hasFailures: !failures.isEmpty,
            failuresShown: min(failures.count, Self.failureLimit), failuresTotal: failures.count,
            failuresTruncated: failures.count > Self.failureLimit,
            warnings: warnings, hasWarnings: !warnings.isEmpty,
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

    /// Draws the pages and figures of these sources, which the last ``render()`` left out, and links
    /// them from the index's source and detection tables. A source is named by its catalog id, its
    /// name, or its row id in the database. Returns the pages' URLs.
    /// - Throws: ``ReportError/unknownSource(_:run:)`` for a name that matches no source, before
    ///   anything is drawn; ``ReportError/notRendered(_:)`` when the run was never rendered.
    public func renderPages(of requests: [String]) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: databaseURL.path) else {
            throw ReportError.notARunFolder(runDirectory.path)
        }
        guard FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("index.html").path) else {
            throw ReportError.notRendered(runDirectory.path)
        }
        let store = try Store(url: databaseURL, readOnly: true)
        guard let run = try store.run() else { throw StoreError.notARun(path: databaseURL.path) }
        let sources = try store.sources()
        let wanted = try requests.map { request -> SourceRecord in
            let match = sources.first { $0.catalogId == request } ?? sources.first { $0.name == request }
                ?? Int64(request).flatMap { id in sources.first { $0.id == id } }
            guard let match else { throw ReportError.unknownSource(request, run: runDirectory.path) }
            return match
        }
        let library = try loadTemplates()
        let cache = try RawCache(root: URL(fileURLWithPath: run.cacheDirectory), create: false)
        let verdicts = try verdictTexts(store: store)
        let products = try store.productDescriptions()
        let descriptions = products.statistics
        let failures = Dictionary(grouping: try store.failures().filter { $0.sourceId != nil }, by: { $0.sourceId! })
        var written: [URL] = []
        for source in wanted {
            guard let id = source.id else { continue }
            let rendering = renderSource(
                source, id: id, run: run, datasets: try store.datasets(sourceID: id), detections: try store.detections(sourceID: id),
                statistics: try store.statistics(sourceID: id), descriptions: descriptions, fields: products.detectionFields,
                sourceFigures: products.sourceFigures,
                failures: failures[id] ?? [],
                cache: cache, library: library, figures: runDirectory.appendingPathComponent("figures"),
                pages: runDirectory.appendingPathComponent("sources"), verdicts: verdicts)
            if let problem = rendering.problem { logger.warning("\(source.name): \(problem)") }
            if let page = rendering.page { written.append(runDirectory.appendingPathComponent(page)) }
        }
        // The tables link every page that exists now.
        var pages: [Int64: String] = [:]
        for source in sources {
            guard let id = source.id else { continue }
            let page = FileNames.sourcePage(name: source.name, id: id)
            if FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent(page).path) { pages[id] = page }
        }
        let names = Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.id.map { ($0, s.name) } })
        try sourceTable(
            sources: sources, statistics: Dictionary(grouping: try store.statistics(band: ""), by: \.sourceId),
            descriptions: descriptions, datasetCounts: try store.datasetCounts(), pages: pages
        ).write(into: runDirectory)
        try detectionTable(try store.detections().sorted(by: Self.moreSignificant), names: names, pages: pages).write(into: runDirectory)
        return written
    }

    /// At most this many sources get a page and figures in a full render (those of the cards always do).
    public var pageLimit = 1_000
    /// At most this many detections are shown as cards on the index, the most significant.
    public var cardLimit = 100
    /// At most this many failures are listed on the index (all are in the database and `report export`).
    static let failureLimit = 200

    static func moreSignificant(_ a: DetectionRecord, _ b: DetectionRecord) -> Bool {
        (a.significance, b.id ?? 0) > (b.significance, a.id ?? 0)
    }

    /// The order in which sources get pages: those of the cards (in card order), then the other
    /// sources with detections by their most significant one, then the rest by the statistic that
    /// ranks sources (``StatisticDescription/ranksSources``; highest first, none: last), ties in
    /// catalog order.
    static func pageOrder(
        sources: [SourceRecord], detections: [Int64: [DetectionRecord]], statistics: [Int64: [StatisticRecord]],
        ranking: String?, cards: [DetectionRecord]
    ) -> [Int64] {
        var order: [Int64] = []
        var seen = Set<Int64>()
        for card in cards where seen.insert(card.sourceId).inserted { order.append(card.sourceId) }
        let best = detections.compactMapValues { $0.map(\.significance).max() }
        let withDetections = best.keys.filter { !seen.contains($0) }.sorted { (best[$0]!, $1) > (best[$1]!, $0) }
        for id in withDetections where seen.insert(id).inserted { order.append(id) }
        func priority(_ id: Int64) -> Double {
            guard let ranking else { return -.infinity }
            return statistics[id]?.first { $0.band.isEmpty && $0.name == ranking }?.value ?? -.infinity
        }
        let rest = sources.enumerated().compactMap { k, s in s.id.flatMap { seen.contains($0) ? nil : (k, $0, priority($0)) } }
            .sorted { ($0.2, $1.0) > ($1.2, $0.0) }
        order.append(contentsOf: rest.map(\.1))
        return order
    }

    /// Each detection's vetting consensus, once its vetting page is unblinded.
    private func verdictTexts(store: Store) throws -> [Int64: String] {
        guard let vetPage = try store.vetPage(), vetPage.unblindedAt != nil else { return [:] }
        var texts: [Int64: String] = [:]
        for (detection, given) in Dictionary(grouping: try store.verdicts(pageID: vetPage.id), by: \.detectionId) {
            let count = { (v: VerdictRecord.Verdict) in given.filter { $0.verdict == v }.count }
            let verdict = count(.flare) > count(.notFlare) ? "accepted" : "not accepted"
            texts[detection] = "\(verdict) (flare \(count(.flare)), not a flare \(count(.notFlare)), unsure \(count(.unsure)))"
        }
        return texts
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
        statistics: [StatisticRecord], descriptions: [StatisticDescription], fields: [DetectionFieldDescription],
        sourceFigures: [SourceFigure], failures: [FailureRecord], cache: RawCache,
        library: MustacheLibrary, figures: URL, pages: URL, verdicts: [Int64: String]
    ) -> SourceRendering {
        let described = Dictionary(descriptions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
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
            var card = DetectionCard(d, sourceName: source.name, sourcePage: pagePath, figure: figurePath, fields: fields)
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
        // The analysis's own figures of the source (SourceFigure), from its light curves and statistics.
        var extraFigures: [ExtraFigureView] = []
        for (k, f) in sourceFigures.enumerated() where !bands.isEmpty {
            var values: [String: Double] = [:]
            for s in statistics where s.name == f.statistic && !s.band.isEmpty { if let v = s.value, v.isFinite { values[s.band] = v } }
            guard
                let figure = ReportFigures.sourceFigure(
                    f, bands: bands, values: values, description: described[f.statistic], sourceName: source.name)
            else { continue }
            let name = "figures/source-\(id)-\(k + 1).png"
            do {
                try figure.write(to: runDirectory.appendingPathComponent(name), scale: 1.5)
                extraFigures.append(ExtraFigureView(path: "../" + name, alt: "\(f.title): \(source.name)", caption: f.caption))
            } catch {
                problem = "\(f.title) of \(source.name): \(error.localizedDescription)"
            }
        }
        let page = SourcePage(
            title: "\(source.name) – \(run.title)", runID: run.id, name: source.name, catalogID: source.catalogId,
            ra: Format.number(source.ra, 6), dec: Format.number(source.dec, 6),
            magnitude: source.magnitude.map { "\(Format.number($0, 3)) \(source.magnitudeBand ?? "")" } ?? "–",
            properMotion: "\(Format.number(source.pmra, 1)), \(Format.number(source.pmdec, 1))",
            parallax: Format.number(source.parallax, 2), status: source.status.rawValue, figure: sourceFigure,
            extraFigures: extraFigures, figureError: problem,
            statistics: statistics.map {
                let d = described[$0.name]
                return StatisticView(
                    band: $0.band.isEmpty ? "all" : $0.band, name: $0.name, value: Format.value($0.value, d?.format ?? .significant(4)),
                    unit: $0.unit ?? d?.unit ?? "", description: d?.description ?? "")
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

    /// Every source, one row each, in catalog order: what the catalog and the run say of it, then
    /// the analysis's own statistics that it marked as columns (``StatisticDescription/sourceColumn``).
    private func sourceTable(
        sources: [SourceRecord], statistics: [Int64: [StatisticRecord]], descriptions: [StatisticDescription],
        datasetCounts: [Int64: Int], pages: [Int64: String]
    ) -> ReportTable {
        let own = descriptions.filter(\.sourceColumn)
        let columns: [(String, ReportTable.Column.Kind)] = [
            ("name", .text), ("catalog id", .text), ("RA (°)", .number), ("Dec (°)", .number), ("mag", .number),
            ("status", .text), ("datasets", .number),
        ] + own.map { ($0.heading, .number) }
        let rows = sources.map { s -> ReportTable.Row in
            let id = s.id ?? -1
            var values: [String: Double] = [:]
            for statistic in statistics[id] ?? [] where statistic.band.isEmpty { values[statistic.name] = statistic.value }
            let cells = [
                s.name, s.catalogId, Format.number(s.ra, 5), Format.number(s.dec, 5), Format.number(s.magnitude, 2),
                s.status.rawValue, String(datasetCounts[id] ?? 0),
            ] + own.map { Format.value(values[$0.name], $0.format) }
            return ReportTable.Row(cells: cells, link: pages[id], failed: s.status == .failed ? true : nil)
        }
        return ReportTable(
            name: "sources", columns: columns.map { .init(label: $0.0, type: $0.1) }, rows: rows,
            unlinkedHint: "no page drawn: report render \(runDirectory.lastPathComponent) --source <catalog id>")
    }

    /// Every real detection, most significant first; each links to its card on its source's page.
    private func detectionTable(_ detections: [DetectionRecord], names: [Int64: String], pages: [Int64: String]) -> ReportTable {
        let columns: [(String, ReportTable.Column.Kind)] = [
            ("source", .text), ("band", .text), ("peak", .number), ("time system", .text), ("duration (min)", .number),
            ("points", .number), ("amplitude", .number), ("ED (s)", .number), ("± ED (s)", .number), ("significance (σ)", .number),
        ]
        let rows = detections.map { d -> ReportTable.Row in
            let cells = [
                names[d.sourceId] ?? "–", d.band, Format.number(d.peakTime, 4), d.timeSystem, Format.number((d.stop - d.start) * 1440, 1),
                String(d.nPoints), Format.significant(d.amplitude, 3), Format.significant(d.ed, 3), Format.significant(d.edErr, 2),
                Format.number(d.significance, 1),
            ]
            return ReportTable.Row(cells: cells, link: pages[d.sourceId].map { "\($0)#detection-\(d.id ?? 0)" }, failed: nil)
        }
        return ReportTable(
            name: "detections", columns: columns.map { .init(label: $0.0, type: $0.1) }, rows: rows,
            unlinkedHint: "no page drawn: report render \(runDirectory.lastPathComponent) --source <catalog id>")
    }

    private func failureView(_ f: FailureRecord, names: [Int64: String]) -> FailureView {
        FailureView(
            source: f.sourceId.flatMap { names[$0] } ?? "–", stage: f.stage.rawValue, observatory: f.observatory ?? "",
            path: f.path ?? "", message: f.message)
    }

    private func counts(
        sources: [SourceRecord], detections: [Int64: [DetectionRecord]], events: (detections: Int, injections: Int, recovered: Int),
        datasets: Int, rawFiles: [Store.RawFileRecord]
    ) -> CountsView {
        let recovered = events.recovered
        // One checksum for all raw data: SHA-256 of the sorted "sha256  path" lines (each file once:
        // several datasets can share one, e.g. ZTF objects of one answer).
        let manifest = rawFiles.sorted { $0.path < $1.path }.map { "\($0.sha256)  \($0.path)\n" }.joined()
        return CountsView(
            sources: sources.count, done: sources.filter { $0.status == .done }.count,
            failed: sources.filter { $0.status == .failed }.count,
            pending: sources.filter { $0.status == .pending }.count,
            detections: detections.values.reduce(0) { $0 + $1.count }, injections: events.injections, recovered: recovered,
            recoveredPercent: events.injections == 0 ? "–" : Format.number(100 * Double(recovered) / Double(events.injections), 1),
            datasets: datasets, rawFiles: rawFiles.count,
            rawBytes: Format.bytes(rawFiles.reduce(0) { $0 + $1.sizeBytes }), rawChecksum: Checksum.sha256Hex(of: Data(manifest.utf8)))
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
