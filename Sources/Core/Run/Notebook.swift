import ArgumentParser
import Foundation
import Logging

/// The frame of an analysis executable: options, prose, and the run of the pipeline.
///
/// An analysis in `analyses/<name>/main.swift` reads top to bottom like a notebook:
///
/// ```swift
/// import Core
/// let notebook = Notebook(name: "flares", title: "Flares on M dwarfs", defaultSeed: 42)
/// notebook.markdown("We search nearby M dwarfs for white-light flares …")
/// let catalog = try SyntheticSurvey.mDwarfCatalog(count: 200, seed: notebook.seed)
/// let summary = try await notebook.run(
///     catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: notebook.seed)],
///     analysis: FlareSearch(), simulator: FlareSimulator(parameters: …))
/// ```
///
/// The standard options (``RunOptions``: `--output`, `--seed`, `--jobs`, `--shard`) are parsed when
/// the notebook is made; `--help` prints them and exits. Prose added with ``markdown(_:)`` is stored
/// with the run and shown by the report.
public final class Notebook: @unchecked Sendable {
    public let name: String
    public let title: String
    public let options: RunOptions
    /// The run's seed: `--seed`, or the analysis's default.
    public let seed: UInt64
    public let logger: Logger
    private var cells: [String] = []
    /// A notebook run as a program (made from the command line) ends with a one-line error message
    /// and exit status 1 when a step fails, instead of Swift's crash report for an error thrown at
    /// top level; one made from parsed options (tests, embedding) throws.
    private let exitsOnError: Bool

    /// Parses the standard options from `arguments` (default: the process's), exiting on `--help` or
    /// a usage error as command-line tools do.
    public init(name: String, title: String, defaultSeed: UInt64, arguments: [String]? = nil) {
        Self.bootstrapLogging()
        self.name = name
        self.title = title
        let parsed: RunOptions
        do {
            parsed = try RunOptions.parse(arguments ?? Array(CommandLine.arguments.dropFirst()))
        } catch {
            RunOptions.exit(withError: error)
        }
        options = parsed
        seed = parsed.seed ?? defaultSeed
        logger = Logger(label: "virtualobserver.\(name)")
        exitsOnError = true
    }

    /// Makes a notebook from already-parsed options (for tests and embedding).
    public init(name: String, title: String, options: RunOptions, defaultSeed: UInt64, logger: Logger? = nil) {
        self.name = name
        self.title = title
        self.options = options
        self.seed = options.seed ?? defaultSeed
        self.logger = logger ?? Logger(label: "virtualobserver.\(name)")
        self.exitsOnError = false
    }

    /// Runs a step; a failure ends the program with its message (see `exitsOnError`) or is rethrown.
    func step<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw failed(error) }
    }

    func step<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw failed(error) }
    }

    /// Ends the program with the error's message when run as one; otherwise hands the error back.
    private func failed(_ error: Error) -> Error {
        guard exitsOnError else { return error }
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(1)
    }

    /// The raw cache under `--output`, shared by all runs (archive clients and catalog queries store there).
    public func rawCache() throws -> RawCache {
        try RawCache(root: URL(fileURLWithPath: options.output).appendingPathComponent("cache"))
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
        guard let path = options.catalog else { return try step { try makeDefault() } }
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
        try await step { try await runSteps(catalog: catalog, observatories: observatories, analysis: analysis, simulator: simulator) }
    }

    private func runSteps<A: Analysis, S: Simulator>(
        catalog: Catalog, observatories: [any VirtualObservatory], analysis: A, simulator: S?
    ) async throws -> RunSummary {
        let outputRoot = URL(fileURLWithPath: options.output)
        let cache = try rawCache()
        let shard = try options.shardIndex()
        let plan = try RunPlan(
            notebook: self, catalog: catalog, observatories: observatories, analysis: analysis, simulator: simulator,
            shard: shard)
        let runDirectory = outputRoot.appendingPathComponent(name).appendingPathComponent(plan.runID)
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let databaseURL = runDirectory.appendingPathComponent("run.sqlite")
        // One process per run folder: a second run of the same inputs stops here, naming the first.
        let lock = try RunFolderLock(folder: runDirectory)
        defer { lock.release() }
        // Rerunning the same inputs replaces that run's database (the run id is the same by design),
        // but only once the new one is complete: it is built beside the old one and renamed over it
        // at the end, so a rerun that crashes or is killed leaves the previous result as it was.
        let previous = FileManager.default.fileExists(atPath: databaseURL.path)
        let buildURL = previous ? runDirectory.appendingPathComponent("run.sqlite.new") : databaseURL
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: buildURL.path + suffix)
        }
        // The light-curve products of a rerun are staged the same way, in `.rerun/lightcurves/`, and
        // moved into place with the database: the folder never mixes two runs' files.
        let staging = runDirectory.appendingPathComponent(".rerun")
        try? FileManager.default.removeItem(at: staging)
        let productsRoot = previous ? staging : runDirectory
        let store = try Store(url: buildURL)
        let record = RunRecord(
            id: plan.runID, analysis: name, title: title, parameters: plan.parametersJSON,
            parameterHash: plan.parameterHash, seed: Int64(bitPattern: seed),
            codeVersion: options.codeVersion ?? VirtualObserver.version, catalogName: catalog.name,
            catalogChecksum: plan.catalogChecksum, catalogCount: catalog.count, cacheDirectory: cache.root.path,
            shard: options.shard, jobs: jobs, synthetic: observatories.contains { $0.isSynthetic },
            startedAt: Store.timestamp(Date()), finishedAt: nil, status: .running, error: nil)
        try store.begin(
            record,
            cells: cells.enumerated().map { NotebookCell(runId: plan.runID, position: $0.offset, kind: "markdown", text: $0.element) },
            observatories: observatories.map {
                ObservatoryRecord(runId: plan.runID, name: $0.name, description: $0.description, synthetic: $0.isSynthetic)
            },
            histograms: analysis.emptyCoverage())
        logger.info("run \(plan.runID): \(plan.positions.count) sources, \(observatories.count) observatories, jobs \(jobs)")
        let started = Date()
        do {
            let ids = try store.register(plan.entries, runID: plan.runID)
            let pipeline = SourcePipeline(
                runID: plan.runID, seed: seed, cache: cache, store: store, observatories: observatories,
                analysis: analysis, simulator: simulator, logger: logger, runDirectory: productsRoot)
            let progress = Progress(total: ids.count, logger: logger)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                var next = 0
                func launch() {
                    let k = next
                    next += 1
                    group.addTask { await pipeline.process(entry: catalog.entries[plan.positions[k]], sourceID: ids[k]) }
                }
                while next < min(jobs, ids.count) { launch() }
                while let ok = try await group.next() {
                    progress.tick(ok: ok)
                    if next < ids.count { launch() }
                }
            }
            try store.finish(runID: plan.runID, status: .finished)
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
        let summary = try RunSummary(store: store, runDirectory: runDirectory, seconds: Date().timeIntervalSince(started))
        logger.info("\(summary.line)")
        if let handoff = options.handoff {
            let data = try JSONEncoder().encode(["runDirectory": runDirectory.path, "database": databaseURL.path, "runID": plan.runID])
            try data.write(to: URL(fileURLWithPath: handoff), options: .atomic)
        }
        print(runDirectory.path)
        return summary
    }

    var jobs: Int { options.jobs ?? ProcessInfo.processInfo.activeProcessorCount }

    nonisolated(unsafe) private static var loggingReady = false
    private static let loggingLock = NSLock()
    private static func bootstrapLogging() {
        loggingLock.lock()
        defer { loggingLock.unlock() }
        guard !loggingReady else { return }
        loggingReady = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["VO_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
    }
}

/// Package version, recorded with every run.
public enum VirtualObserver {
    public static let version = "0.1.0"
}

/// Counts finished sources and shows progress: on a terminal, one line redrawn in place (done/total,
/// rate, failures, ETA); otherwise a plain log line every few seconds and at the end.
final class Progress: @unchecked Sendable {
    let total: Int
    let logger: Logger
    let started = Date()
    let terminal: Bool
    var done = 0
    var failed = 0
    var lastReport = Date.distantPast

    init(total: Int, logger: Logger, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.logger = logger
        self.terminal = terminal
    }

    func tick(ok: Bool) {
        done += 1
        if !ok { failed += 1 }
        let now = Date()
        let interval = terminal ? 0.2 : 2
        guard now.timeIntervalSince(lastReport) > interval || done == total else { return }
        lastReport = now
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 1e-3)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(done)/\(total) sources, \(failed) failed, \(String(format: "%.1f", rate))/s, ETA \(String(format: "%.0f", eta)) s"
        if terminal {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(bar) \(line)\(done == total ? "\n" : "")".utf8))
        } else {
            logger.info("\(line)")
        }
    }
}
