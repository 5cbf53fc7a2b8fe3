import Foundation
import Logging

/// The frame of an analysis: settings, prose, and the run of the pipeline.
///
/// An analysis in `analyses/<name>/main.swift` reads top to bottom like a notebook:
///
/// ```swift
/// import Core
/// import NotebookRuntime
/// let notebook = Notebook(name: "flares", title: "Flares on M dwarfs", defaultSeed: 42)
/// notebook.markdown("We search nearby M dwarfs for white-light flares …")
/// let catalog = try SyntheticSurvey.mDwarfCatalog(count: 200, seed: notebook.seed)
/// let summary = try await notebook.run(
///     catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: notebook.seed)],
///     analysis: FlareSearch(), simulator: FlareSimulator(parameters: …))
/// ```
///
/// Core is a library: a notebook made here from ``RunSettings`` throws its errors and writes
/// nothing to standard output. The command-line frame — parsing `--output`, `--seed`, `--jobs`,
/// `--shard`, `--catalog`, logging to standard error, a one-line error and exit status 1, the run
/// folder printed at the end, a progress bar on a terminal — is `NotebookRuntime`'s
/// `Notebook(name:title:defaultSeed:)`, which fills ``events``. Prose added with
/// ``markdown(_:)`` is stored with the run and shown by the report.
public final class Notebook: @unchecked Sendable {
    public let name: String
    public let title: String
    public let settings: RunSettings
    /// The run's seed: the settings', or the analysis's default.
    public let seed: UInt64
    public let logger: Logger
    /// What the embedding program is told while the notebook runs; see ``Events``.
    public let events: Events
    private var cells: [String] = []

    /// Hooks through which a program hosting notebooks hears of them. Each may be nil.
    public struct Events: Sendable {
        /// A step failed with this error; it is thrown right after (a command-line host ends the
        /// program here with the error's message instead of Swift's report of an uncaught error).
        public var failure: (@Sendable (any Error) -> Void)?
        /// A run finished, with its summary.
        public var finished: (@Sendable (RunSummary) -> Void)?
        /// Sources done (failed included), failed, the total, and seconds since the sources started;
        /// called after each source. Without it, progress is logged every few seconds.
        public var progress: (@Sendable (_ done: Int, _ failed: Int, _ total: Int, _ elapsed: Double) -> Void)?

        public init(
            failure: (@Sendable (any Error) -> Void)? = nil, finished: (@Sendable (RunSummary) -> Void)? = nil,
            progress: (@Sendable (_ done: Int, _ failed: Int, _ total: Int, _ elapsed: Double) -> Void)? = nil
        ) {
            self.failure = failure
            self.finished = finished
            self.progress = progress
        }
    }

    public init(
        name: String, title: String, settings: RunSettings = RunSettings(), defaultSeed: UInt64, logger: Logger? = nil,
        events: Events = Events()
    ) {
        self.name = name
        self.title = title
        self.settings = settings
        self.seed = settings.seed ?? defaultSeed
        self.logger = logger ?? Logger(label: "virtualobserver.\(name)")
        self.events = events
    }

    /// Runs a step; a failure is reported to ``Events/failure`` and rethrown.
    func step<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw failed(error) }
    }

    func step<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw failed(error) }
    }

    private func failed(_ error: Error) -> Error {
        events.failure?(error)
        return error
    }

    /// The raw cache under `--output`, shared by all runs (archive clients and catalog queries store there).
    public func rawCache() throws -> RawCache {
        try RawCache(root: URL(fileURLWithPath: settings.output).appendingPathComponent("cache"))
    }

    /// The stars of a Gaia query (cached by query text), for use as an analysis's catalog.
    ///
    /// ```swift
    /// var query = GaiaQuery()
    /// query.cone = .init(ra: 150, dec: 20, radius: 3)
    /// query.colour = 2.0...5.0
    /// let catalog = try notebook.catalog(default: try await notebook.gaia(query))
    /// ```
    public func gaia(_ query: GaiaQuery, archive: GaiaArchive = GaiaArchive()) async throws -> Catalog {
        let result = try await step { try await archive.catalog(query, cache: try rawCache(), logger: logger) }
        markdown(
            "The catalog is the answer of the Gaia archive to `\(query.adql)` (\(result.catalog.count) stars"
                + (result.hitCap.map { "; **the answer has exactly \($0) rows, a cap: stars may be missing**" } ?? "") + ").")
        return result.catalog
    }

    /// The catalog to search: the file given with `--catalog`, or else the analysis's own.
    ///
    /// ```swift
    /// let catalog = try notebook.catalog(default: SyntheticSurvey.mDwarfCatalog(count: 200, seed: notebook.seed))
    /// ```
    public func catalog(default makeDefault: @autoclosure () throws -> Catalog) throws -> Catalog {
        guard let path = settings.catalog else { return try step { try makeDefault() } }
        let catalog = try step { try Catalog(contentsOf: URL(fileURLWithPath: path)) }
        markdown("The catalog of this run was read from `\(path)` (\(catalog.count) entries), given with `--catalog`.")
        return catalog
    }

    /// Adds a prose cell (Markdown-like text) shown in the report in notebook order.
    public func markdown(_ text: String) {
        cells.append(text)
    }

    /// Runs the pipeline over the catalog and stores everything in the run's database.
    ///
    /// For every source, in parallel (`--jobs`, no batch barrier): fetch from each observatory into
    /// the raw cache, link datasets, calibrate and combine into one light curve per band, analyse, and,
    /// with a simulator, analyse again with injected events. A source that fails at any stage is
    /// recorded as failed with the reason and the file involved; the others go on.
    @discardableResult
    public func run<A: Analysis, S: Simulator>(
        catalog: Catalog, observatories: [any VirtualObservatory], analysis: A, simulator: S?
    ) async throws -> RunSummary {
        try await step {
            if let perHost = settings.perHost { await HostLimiter.shared.setLimit(perHost) }
            guard settings.prefetch else {
                return try await runSteps(catalog: catalog, observatories: observatories, analysis: analysis, simulator: simulator)
            }
            let plan = try RunPlan(
                notebook: self, catalog: catalog, observatories: observatories, analysis: analysis, simulator: simulator,
                shard: settings.shard)
            return try await prefetch(catalog: catalog, observatories: observatories, plan: plan)
        }
    }

    private func runSteps<A: Analysis, S: Simulator>(
        catalog: Catalog, observatories: [any VirtualObservatory], analysis: A, simulator: S?
    ) async throws -> RunSummary {
        let outputRoot = URL(fileURLWithPath: settings.output)
        let cache = try rawCache()
        let plan = try RunPlan(
            notebook: self, catalog: catalog, observatories: observatories, analysis: analysis, simulator: simulator,
            shard: settings.shard)
        let runDirectory = outputRoot.appendingPathComponent(name).appendingPathComponent(plan.runID)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let databaseURL = runDirectory.appendingPathComponent("run.sqlite")
        // One process per run folder: a second run of the same inputs stops here, naming the first.
        let lock = try RunFolderLock(folder: runDirectory)
        defer { lock.release() }
        // An unfinished run of the same inputs (killed, a node lost, ended by an error) goes on from
        // its finished sources (``Store/resume(runID:sourceCount:cells:)``), unless `restart`.
        // Otherwise rerunning the same inputs replaces that run's database (the run id is the same by
        // design), but only once the new one is complete: it is built beside the old one and renamed
        // over it at the end, so a rerun that crashes or is killed leaves the previous result as it
        // was — and is itself resumed by the next rerun.
        let newURL = runDirectory.appendingPathComponent("run.sqlite.new")
        // The light-curve products of a rerun are staged the same way, in `.rerun/lightcurves/`, and
        // moved into place with the database: the folder never mixes two runs' files.
        let staging = runDirectory.appendingPathComponent(".rerun")
        let runCells = cells.enumerated().map { NotebookCell(runId: plan.runID, position: $0.offset, kind: "markdown", text: $0.element) }
        let codeVersion = settings.codeVersion ?? VirtualObserver.version
        var previous = FileManager.default.fileExists(atPath: databaseURL.path)
        var resumed: (store: Store, point: Store.ResumePoint)?
        if !settings.restart {
            // The unfinished database: the run itself, or a rerun's beside a finished one.
            let unfinished = previous && (try? Store(url: databaseURL, readOnly: true).run()?.status) == .finished ? newURL : databaseURL
            if FileManager.default.fileExists(atPath: unfinished.path), let store = try? Store(url: unfinished),
                let run = try? store.run(), run.status != .finished, run.id == plan.runID, run.parameterHash == plan.parameterHash,
                run.seed == Int64(bitPattern: seed), run.catalogChecksum == plan.catalogChecksum, run.codeVersion == codeVersion,
                let point = try store.resume(runID: plan.runID, sourceCount: plan.positions.count, cells: runCells)
            {
                resumed = (store, point)
                previous = unfinished == newURL
            }
        }
        let buildURL = previous ? newURL : databaseURL
        let productsRoot = previous ? staging : runDirectory
        let store: Store
        let ids: [Int64]
        let toDo: [Int]
        if let resumed {
            store = resumed.store
            ids = resumed.point.ids
            toDo = ids.indices.filter { !resumed.point.done.contains(ids[$0]) }
            logger.info(
                "run \(plan.runID): resuming, \(ids.count - toDo.count) of \(ids.count) sources already done (\(buildURL.lastPathComponent)), jobs \(jobs)")
        } else {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: buildURL.path + suffix)
            }
            try? FileManager.default.removeItem(at: staging)
            store = try Store(url: buildURL)
            let record = RunRecord(
                id: plan.runID, analysis: name, title: title, parameters: plan.parametersJSON,
                parameterHash: plan.parameterHash, seed: Int64(bitPattern: seed), codeVersion: codeVersion,
                catalogName: catalog.name, catalogChecksum: plan.catalogChecksum, catalogCount: catalog.count,
                cacheDirectory: cache.root.path, shard: settings.shard?.description, jobs: jobs,
                synthetic: observatories.contains { $0.isSynthetic }, startedAt: Store.timestamp(Date()), finishedAt: nil,
                status: .running, error: nil)
            try store.begin(
                record, cells: runCells,
                observatories: observatories.map {
                    ObservatoryRecord(runId: plan.runID, name: $0.name, description: $0.description, synthetic: $0.isSynthetic)
                },
                histograms: analysis.emptyCoverage(),
                products: Store.ProductDescriptions(
                    statistics: analysis.statisticDescriptions + (simulator == nil ? [] : StatisticDescription.simulation),
                    coverageFigures: analysis.coverageFigures, detectionFields: analysis.detectionFields,
                    injectionParameters: simulator?.injectionParameters ?? [], sensitivityFigures: simulator?.sensitivityFigures ?? [],
                    sourceFigures: analysis.sourceFigures))
            ids = try store.register(plan.entries, runID: plan.runID)
            toDo = Array(ids.indices)
            logger.info("run \(plan.runID): \(plan.positions.count) sources, \(observatories.count) observatories, jobs \(jobs)")
        }
        let started = Date()
        let clock = StageClock()
        do {
            let pipeline = SourcePipeline(
                runID: plan.runID, seed: seed, cache: cache, store: store, observatories: observatories,
                analysis: analysis, simulator: simulator, logger: logger, runDirectory: productsRoot, clock: clock)
            let progress = Progress(total: toDo.count, logger: logger, report: events.progress)
            var batch = RecordBatch(total: toDo.count)
            // A source counts as done once it is stored: a kill loses at most the batch in memory,
            // which the resumed run processes again.
            func save(_ outcomes: [SourceOutcome]) throws {
                guard !outcomes.isEmpty else { return }
                let started = StageClock.now()
                try store.record(outcomes, runID: plan.runID)
                clock.add(.record, since: started)
                for _ in outcomes { progress.tick(ok: true) }
            }
            try await withThrowingTaskGroup(of: SourceOutcome?.self) { group in
                var next = 0
                func launch() {
                    let k = toDo[next]
                    next += 1
                    group.addTask { await pipeline.process(entry: catalog.entries[plan.positions[k]], sourceID: ids[k]) }
                }
                while next < min(jobs, toDo.count) { launch() }
                while let result = try await group.next() {
                    if next < toDo.count { launch() }
                    if let outcome = result {
                        if let full = batch.add(outcome) { try save(full) }
                    } else {
                        progress.tick(ok: false)
                    }
                }
            }
            try save(batch.drain())
            try store.finish(runID: plan.runID, status: .finished)
            logger.info("time per stage: \(clock.line(sources: toDo.count))")
        } catch {
            try? store.finish(runID: plan.runID, status: .failed, error: String(describing: error))
            if previous {
                logger.error("the previous result is kept in \(databaseURL.path); this failed run is in \(buildURL.path) and \(staging.path)")
            }
            throw error
        }
        if previous {
            try? FileManager.default.removeItem(atPath: databaseURL.path + "-journal")
            let products = runDirectory.appendingPathComponent(LightcurveProducts.folderName)
            let staged = staging.appendingPathComponent(LightcurveProducts.folderName)
            let old = runDirectory.appendingPathComponent(".\(LightcurveProducts.folderName).old")
            try? FileManager.default.removeItem(at: old)
            if FileManager.default.fileExists(atPath: products.path) { try FileManager.default.moveItem(at: products, to: old) }
            if FileManager.default.fileExists(atPath: staged.path) { try FileManager.default.moveItem(at: staged, to: products) }
            guard rename(buildURL.path, databaseURL.path) == 0 else {
                throw StoreError.cannotOpen(
                    path: databaseURL.path, reason: "cannot replace it with \(buildURL.path): \(String(cString: strerror(errno)))")
            }
            try? FileManager.default.removeItem(at: old)
            try? FileManager.default.removeItem(at: staging)
        }
        var summary = try RunSummary(store: store, runDirectory: runDirectory, seconds: Date().timeIntervalSince(started))
        summary.stages = clock.line(sources: toDo.count)
        logger.info("\(summary.line)")
        if let handoff = settings.handoff {
            let data = try JSONEncoder().encode(["runDirectory": runDirectory.path, "database": databaseURL.path, "runID": plan.runID])
            try data.write(to: URL(fileURLWithPath: handoff), options: .atomic)
        }
        events.finished?(summary)
        return summary
    }

    var jobs: Int { settings.jobs ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The progress line a host shows: "done/total sources, failed failed, rate/s, ETA s".
    public static func progressLine(done: Int, failed: Int, total: Int, elapsed: Double) -> String {
        Progress.line(done: done, failed: failed, total: total, elapsed: elapsed)
    }
}

/// Finished sources waiting to be stored together: one transaction per source cost about as much as
/// analysing a small light curve (3.3 against 4.1 ms at 2,000 points; a commit, and on a network
/// filesystem a round trip), so a run stores them in batches. A batch is full at 1 % of the run's sources (at least 1, at most 64) or
/// after 2 s, so a killed run redoes at most that much, and a small run still stores source by source.
struct RecordBatch {
    let size: Int
    let seconds: Double
    private var outcomes: [SourceOutcome] = []
    private var opened = Date()

    init(total: Int, seconds: Double = 2) {
        size = min(max(total / 100, 1), 64)
        self.seconds = seconds
    }

    /// Adds one; returns the batch to store when it is full (and starts a new one).
    mutating func add(_ outcome: SourceOutcome) -> [SourceOutcome]? {
        if outcomes.isEmpty { opened = Date() }
        outcomes.append(outcome)
        guard outcomes.count >= size || Date().timeIntervalSince(opened) >= seconds else { return nil }
        return drain()
    }

    /// What is left, emptying the batch.
    mutating func drain() -> [SourceOutcome] {
        defer { outcomes.removeAll(keepingCapacity: true) }
        return outcomes
    }
}

/// Package version, recorded with every run.
public enum VirtualObserver {
    public static let version = "0.1.0"
}

/// Counts finished sources and reports progress: to the host's ``Notebook/Events/progress`` after
/// each source, or else as a log line (done/total, rate, failures, ETA) every few seconds and at the end.
final class Progress: @unchecked Sendable {
    let total: Int
    let logger: Logger
    let report: (@Sendable (_ done: Int, _ failed: Int, _ total: Int, _ elapsed: Double) -> Void)?
    let started = Date()
    var done = 0
    var failed = 0
    var lastReport = Date.distantPast

    init(total: Int, logger: Logger, report: (@Sendable (_ done: Int, _ failed: Int, _ total: Int, _ elapsed: Double) -> Void)? = nil) {
        self.total = total
        self.logger = logger
        self.report = report
    }

    func tick(ok: Bool) {
        done += 1
        if !ok { failed += 1 }
        let now = Date()
        if let report {
            report(done, failed, total, now.timeIntervalSince(started))
            return
        }
        guard now.timeIntervalSince(lastReport) > 2 || done == total else { return }
        lastReport = now
        logger.info("\(Self.line(done: done, failed: failed, total: total, elapsed: now.timeIntervalSince(started)))")
    }

    /// "done/total sources, failed failed, rate/s, ETA s".
    static func line(done: Int, failed: Int, total: Int, elapsed: Double) -> String {
        let rate = Double(done) / max(elapsed, 1e-3)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return "\(done)/\(total) sources, \(failed) failed, \(String(format: "%.1f", rate))/s, ETA \(String(format: "%.0f", eta)) s"
    }
}
