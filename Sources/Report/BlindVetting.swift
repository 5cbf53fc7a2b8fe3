import Core
import Foundation
import Logging
import Mustache

/// Blind vetting of a run's candidates: a page where people judge every real candidate and a random
/// sample of recovered simulated ones without being able to tell which is which, the import of their
/// verdicts, and the unblinding that measures vetting efficiency and corrects the flare rates.
///
/// The page (`vet/` in the run folder, self-contained: give a vetter that folder, or the run) shows
/// each card with an opaque id, in an order shuffled with the seed, and the same figure for both kinds:
/// the close-up with the model the search measured against, and the wider context. A simulated card is
/// drawn as the real light curve plus its injection alone, with the model of the search that found it
/// (``InjectionProducts``); real cards are drawn from the real light curve and model. Which card is
/// which is kept in the run database only (`vet_cards`), never in `vet/`.
///
/// ```sh
/// report vet output/flares/<run>                     # writes vet/index.html
/// report vet import output/flares/<run> verdicts.json   # once per vetter
/// report vet unblind output/flares/<run>             # efficiencies, corrected rates; the report shows them
/// ```
public struct BlindVetting: Sendable {
    public let runDirectory: URL
    public let logger: Logger

    /// Name of the page's folder inside the run folder.
    public static let folder = "vet"
    /// The `format` field of a verdicts file.
    public static let verdictsFormat = "virtualobserver-verdicts"

    public init(runDirectory: URL, logger: Logger = Logger(label: "virtualobserver.vet")) {
        self.runDirectory = runDirectory
        self.logger = logger
    }

    var databaseURL: URL { runDirectory.appendingPathComponent("run.sqlite") }

    /// What ``writePage(simulatedFraction:seed:templates:)`` made.
    public struct PageResult: Sendable {
        public var page: VetPageRecord
        public var index: URL
        public var real: Int
        public var simulated: Int
    }

    // MARK: The page

    /// Writes `vet/` (replacing it) and records the page and its cards in the run database.
    ///
    /// - Parameters:
    ///   - simulatedFraction: the share of cards that are simulated, in [0, 1): with R real candidates,
    ///     round(R · f / (1 − f)) recovered simulated detections are drawn (all of them if fewer exist).
    ///     Simulated detections that overlap a real one of the same band are never drawn (they would
    ///     show the same event twice).
    ///   - seed: seeds the sample, the card ids and the order. The same run, seed and fraction give
    ///     the same page id and the same files.
    /// - Throws: ``VettingError``, ``VettingStoreError/pageHasVerdicts(page:verdicts:)`` when the run already
    ///   has a different page that people judged; ``StoreError`` naming the database.
    public func writePage(simulatedFraction: Double, seed: UInt64, templates: URL) throws -> PageResult {
        guard simulatedFraction >= 0, simulatedFraction < 1, simulatedFraction.isFinite else {
            throw VettingError.badFraction(simulatedFraction)
        }
        guard FileManager.default.fileExists(atPath: databaseURL.path) else { throw ReportError.notARunFolder(runDirectory.path) }
        let store = try Store(url: databaseURL)
        guard let run = try store.run() else { throw StoreError.notARun(path: databaseURL.path) }
        guard run.status == .finished else { throw VettingError.unfinished(run: runDirectory.path, status: run.status.rawValue) }
        let real = try store.detections()
        guard !real.isEmpty else { throw VettingError.nothingToVet(run: runDirectory.path) }
        let realBySource = Dictionary(grouping: real, by: \.sourceId)
        let candidates = try store.simulatedDetections().filter { s in
            s.injectionId != nil
                && !(realBySource[s.sourceId] ?? []).contains { r in r.band == s.band && r.start <= s.stop && s.start <= r.stop }
        }
        let wanted = Int((Double(real.count) * simulatedFraction / (1 - simulatedFraction)).rounded())
        var sampler = SeededGenerator(seed: seed, stream: "vet|sample")
        let simulated = Array(Self.shuffled(candidates, using: &sampler).prefix(wanted))
        if simulated.count < wanted {
            logger.warning("only \(simulated.count) recovered simulated detections can be shown, \(wanted) were asked for")
        }
        var orderer = SeededGenerator(seed: seed, stream: "vet|order")
        let shown = Self.shuffled(real + simulated, using: &orderer)
        var namer = SeededGenerator(seed: seed, stream: "vet|ids")
        var ids = Set<String>()
        let cardIDs = shown.map { _ in
            var id: String
            repeat { id = Self.opaqueID(using: &namer) } while ids.contains(id)
            ids.insert(id)
            return id
        }
        let identity = "\(run.id)|\(seed)|\(simulatedFraction)|" + zip(cardIDs, shown).map { "\($0):\($1.id ?? 0)" }.joined(separator: ",")
        let pageID = String(Checksum.sha256Hex(of: Data(identity.utf8)).prefix(16))

        // Everything is written beside vet/ first; the database learns of the page before it replaces vet/.
        let fm = FileManager.default
        let staging = runDirectory.appendingPathComponent(".\(Self.folder).partial-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: staging) }
        try fm.createDirectory(at: staging.appendingPathComponent("figures"), withIntermediateDirectories: true)
        let sources = Dictionary(uniqueKeysWithValues: try store.sources().compactMap { s in s.id.map { ($0, s) } })
        let injections = Dictionary(uniqueKeysWithValues: try store.injections().compactMap { i in i.id.map { ($0, i) } })
        var loaded: [Int64: (bands: [LightcurveProducts.Band], cutouts: [InjectionProducts.Cutout])] = [:]
        var cards: [VetCardView] = []
        let fields = try store.productDescriptions().detectionFields
        for (k, (cardID, detection)) in zip(cardIDs, shown).enumerated() {
            let sourceName = sources[detection.sourceId]?.name ?? "source \(detection.sourceId)"
            if loaded[detection.sourceId] == nil {
                let product = LightcurveProducts.url(runDirectory: runDirectory, sourceID: detection.sourceId)
                let injected = InjectionProducts.url(runDirectory: runDirectory, sourceID: detection.sourceId)
                loaded[detection.sourceId] = (
                    fm.fileExists(atPath: product.path) ? try LightcurveProducts.read(product) : [],
                    fm.fileExists(atPath: injected.path) ? try InjectionProducts.read(injected) : []
                )
            }
            let (bands, cutouts) = loaded[detection.sourceId]!
            guard let band = bands.first(where: { $0.band.band == detection.band }) else {
                throw VettingError.noLightcurve(run: runDirectory.path, source: sourceName, band: detection.band)
            }
            var lightcurve = band.band.lightcurve
            var model = band.model
            if detection.simulated {
                guard let injection = detection.injectionId.flatMap({ injections[$0] }),
                    let cutout = cutouts.first(where: { $0.band == detection.band && $0.injection == injection.number })
                else {
                    throw VettingError.noLightcurve(run: runDirectory.path, source: sourceName, band: "\(detection.band) (simulation)")
                }
                let applied = cutout.applied(to: lightcurve, model: model)
                lightcurve = applied.lightcurve
                model = applied.model
            }
            let figure = "figures/\(cardID).png"
            try ReportFigures.detection(detection, in: lightcurve, sourceName: sourceName, model: model)
                .write(to: staging.appendingPathComponent(figure), scale: 1.5)
            var card = DetectionCard(detection, sourceName: sourceName, sourcePage: "", figure: figure, fields: fields)
            // The archive's cosmic-ray bit falls on real flares' cadences (SPOC's 20-s detector
            // answers to flares too) and on an injected flare's only by chance: shown, it would tell
            // the kinds apart. Every card has a flags row ("none"), so no card differs by a row.
            let shown = detection.flagNames.filter { !FlareVetting.Flags.cosmicRayFlag.names.contains($0) }
            card.flags = shown.isEmpty ? "none" : shown.joined(separator: ", ")
            cards.append(VetCardView(cardID: cardID, number: k + 1, figure: figure, detection: card))
        }

        let library = try Self.templates(in: templates)
        let page = VetPageView(
            pageID: pageID, runID: run.id, title: run.title, count: cards.count, cards: cards,
            generator: "virtualobserver \(VirtualObserver.version)")
        guard let html = library.render(page, withTemplate: "vet") else {
            throw ReportError.missingTemplate(name: "vet", folder: templates.path)
        }
        try Data(html.utf8).write(to: staging.appendingPathComponent("index.html"))
        for asset in ["style.css", "vet.js"] {
            try Data(contentsOf: templates.appendingPathComponent(asset)).write(to: staging.appendingPathComponent(asset))
        }

        let record = VetPageRecord(id: pageID, runId: run.id, seed: Int64(bitPattern: seed), simulatedFraction: simulatedFraction)
        try store.storeVetPage(
            record,
            cards: zip(cardIDs, shown).enumerated().map { k, pair in
                VetCardRecord(pageId: pageID, cardId: pair.0, position: k + 1, detectionId: pair.1.id ?? 0)
            })
        let destination = runDirectory.appendingPathComponent(Self.folder)
        try? fm.removeItem(at: destination)
        try fm.moveItem(at: staging, to: destination)
        return PageResult(
            page: try store.vetPage() ?? record, index: destination.appendingPathComponent("index.html"), real: real.count,
            simulated: simulated.count)
    }

    /// The templates to write a run's page with: the run's own copy when it has the vetting page's
    /// templates (runs rendered before vetting existed have not), else the checkout's.
    public static func templates(forRun runDirectory: URL) throws -> URL {
        let own = runDirectory.appendingPathComponent(RunRenderer.templatesFolder)
        if FileManager.default.fileExists(atPath: own.appendingPathComponent("vet.mustache").path) { return own }
        guard let layout = try? PackageLayout.locate() else { throw ReportError.noTemplates(run: runDirectory.path) }
        return layout.templates
    }

    static func templates(in folder: URL) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for name in ["vet", "head"] {
            let url = folder.appendingPathComponent("\(name).mustache")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw ReportError.missingTemplate(name: name, folder: folder.path)
            }
            do { try library.register(text, named: name) } catch {
                throw ReportError.templateError(name: name, message: String(describing: error))
            }
        }
        return library
    }

    /// Fisher–Yates with our own generator, so that the order does not depend on the standard
    /// library's shuffling algorithm (which may change between Swift versions).
    static func shuffled<T>(_ items: [T], using generator: inout SeededGenerator) -> [T] {
        var items = items
        guard items.count > 1 else { return items }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            items.swapAt(i, j)
        }
        return items
    }

    /// Six characters of an unambiguous alphabet (no 0/o, 1/l/i): opaque, easy to read out.
    static func opaqueID(using generator: inout SeededGenerator) -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return String((0..<6).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    // MARK: Verdicts

    /// A verdicts file, as the page exports it.
    struct VerdictsFile: Decodable {
        struct Entry: Decodable {
            var card: String
            var verdict: String
            var comment: String?
            var time: String?
        }
        var format: String?
        var version: Int?
        var page: String
        var vetter: String
        var verdicts: [Entry]
    }

    /// Stores the verdicts of one exported file in the run database (replacing that vetter's earlier
    /// ones on the same page) and returns the vetter's name and how many verdicts were stored.
    /// - Throws: ``VettingError`` naming the file and the entry at fault; nothing is stored then.
    @discardableResult
    public func importVerdicts(from file: URL) throws -> (vetter: String, count: Int) {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw VettingError.unreadable(file: file.path, reason: error.localizedDescription) }
        let parsed: VerdictsFile
        do { parsed = try JSONDecoder().decode(VerdictsFile.self, from: data) } catch {
            throw VettingError.notAVerdictsFile(file: file.path, reason: Self.describe(error))
        }
        if let format = parsed.format, format != Self.verdictsFormat {
            throw VettingError.notAVerdictsFile(file: file.path, reason: "format is '\(format)', not '\(Self.verdictsFormat)'")
        }
        let vetter = parsed.vetter.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !vetter.isEmpty else { throw VettingError.notAVerdictsFile(file: file.path, reason: "the vetter's name is empty") }
        let store = try Store(url: databaseURL)
        guard let page = try store.vetPage() else { throw VettingStoreError.noPage(path: runDirectory.path) }
        guard parsed.page == page.id else { throw VettingError.otherPage(file: file.path, filePage: parsed.page, runPage: page.id) }
        let cards = Dictionary(uniqueKeysWithValues: try store.vetCards(pageID: page.id).map { ($0.cardId, $0) })
        var seen = Set<String>()
        var records: [VerdictRecord] = []
        for (k, entry) in parsed.verdicts.enumerated() {
            guard let card = cards[entry.card] else { throw VettingError.badEntry(file: file.path, index: k, reason: "no card '\(entry.card)' on page \(page.id)") }
            guard let verdict = VerdictRecord.Verdict(rawValue: entry.verdict) else {
                throw VettingError.badEntry(
                    file: file.path, index: k,
                    reason: "verdict '\(entry.verdict)' is none of \(VerdictRecord.Verdict.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard seen.insert(entry.card).inserted else { throw VettingError.badEntry(file: file.path, index: k, reason: "card '\(entry.card)' is judged twice") }
            records.append(
                VerdictRecord(
                    pageId: page.id, cardId: entry.card, detectionId: card.detectionId, vetter: vetter, verdict: verdict,
                    comment: entry.comment ?? "", time: entry.time ?? ""))
        }
        try store.importVerdicts(records, pageID: page.id, vetter: vetter)
        return (vetter, records.count)
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        default: return error.localizedDescription
        }
    }

    // MARK: Unblinding

    /// Marks the page unblinded and returns what vetting measured.
    public func unblind() throws -> VettingSummary {
        let store = try Store(url: databaseURL)
        guard let page = try store.vetPage() else { throw VettingStoreError.noPage(path: runDirectory.path) }
        try store.unblind(pageID: page.id)
        return try Self.summary(store: store, page: page)
    }

    /// What vetting measured on `page` (reveals the truth: call only for an unblinded page).
    static func summary(store: Store, page: VetPageRecord) throws -> VettingSummary {
        let cards = try store.vetCards(pageID: page.id)
        let detections = Dictionary(
            uniqueKeysWithValues: try store.detections(includeSimulated: true).compactMap { d in d.id.map { ($0, d) } })
        let injections = try store.injections()
        let injectionsByID = Dictionary(uniqueKeysWithValues: injections.compactMap { i in i.id.map { ($0, i) } })
        // Observed time: the flare search's statistic (blind vetting is of flare candidates), summed
        // over sources (days), for the source and per band.
        let observedTimes = try store.statistics().filter { $0.name == FlareSearch.StatisticName.observedTime }
        let observed = observedTimes.filter { $0.band == "" }.compactMap(\.value).reduce(0, +)
        let observedByBand = Dictionary(grouping: observedTimes.filter { $0.band != "" }, by: \.band)
            .mapValues { $0.compactMap(\.value).reduce(0, +) }
        return VettingSummary(
            cards: cards.compactMap { c in
                detections[c.detectionId].map { d in
                    .init(cardID: c.cardId, detection: d, injection: d.injectionId.flatMap { injectionsByID[$0] })
                }
            }, verdicts: try store.verdicts(pageID: page.id), injections: injections, observedDays: observed,
            observedDaysByBand: observedByBand)
    }
}

/// Why a vetting step cannot go on.
public enum VettingError: Error, LocalizedError, Equatable {
    case badFraction(Double)
    case unfinished(run: String, status: String)
    case nothingToVet(run: String)
    case noLightcurve(run: String, source: String, band: String)
    case unreadable(file: String, reason: String)
    case notAVerdictsFile(file: String, reason: String)
    case otherPage(file: String, filePage: String, runPage: String)
    case badEntry(file: String, index: Int, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .badFraction(f): return "--simulated-fraction must be at least 0 and below 1, not \(f)"
        case let .unfinished(r, s): return "\(r): the run is \(s), not finished; vet it when it has finished"
        case let .nothingToVet(r): return "\(r) has no real candidates to vet"
        case let .noLightcurve(r, s, b):
            return "\(r): no stored light curve of \(s) in \(b) (lightcurves/ is missing or was made before vetting existed)"
        case let .unreadable(f, r): return "cannot read \(f): \(r)"
        case let .notAVerdictsFile(f, r): return "\(f) is not a verdicts file exported by a vetting page: \(r)"
        case let .otherPage(f, fp, rp):
            return "\(f) holds verdicts for vetting page \(fp), but this run's page is \(rp); nothing was imported"
        case let .badEntry(f, i, r): return "\(f), verdict \(i + 1): \(r); nothing was imported"
        }
    }
}
