import Foundation

extension Notebook {
    /// What a prefetch did: written to `<output>/<analysis>/prefetch/<run id>.json` and returned.
    public struct PrefetchRecord: Codable, Sendable, Equatable {
        public struct Failure: Codable, Sendable, Equatable {
            public var catalogID: String
            public var name: String
            public var observatory: String
            public var message: String
        }

        /// The run the files are for (the run id the analysis will have with the same inputs).
        public var runID: String
        public var analysis: String
        public var sources: Int
        /// Files in the cache for those sources after the prefetch (downloaded now or before).
        public var files: Int
        public var bytes: Int64
        /// Sources × observatories whose fetch failed, with the reason. The analysis fetches them
        /// again itself.
        public var failures: [Failure]
        public var perHostLimit: Int
        public var startedAt: String
        public var seconds: Double
    }

    /// Where ``prefetch(catalog:observatories:plan:)`` leaves its record.
    public static func prefetchRecordURL(output: String, analysis: String, runID: String) -> URL {
        URL(fileURLWithPath: output).appendingPathComponent(analysis).appendingPathComponent("prefetch")
            .appendingPathComponent("\(runID).json")
    }

    /// Downloads every source's files into the raw cache and nothing else: no run database, no
    /// analysis. Sources go `jobs` at a time (default 16: the work is waiting on archives), and
    /// ``HostLimiter`` keeps each archive host to its limit. A failed fetch is recorded and the
    /// others go on; the record is written (temporary name, then rename) before anything is thrown.
    /// - Throws: ``PrefetchError/incomplete(failed:total:record:)`` when a fetch failed.
    func prefetch(catalog: Catalog, observatories: [any VirtualObservatory], plan: RunPlan) async throws -> RunSummary {
        let cache = try rawCache()
        let started = Date()
        let concurrency = settings.jobs ?? 16
        let limit = await HostLimiter.shared.standardLimit
        logger.info(
            "prefetch for run \(plan.runID): \(plan.positions.count) sources, \(observatories.count) observatories, \(concurrency) at once, at most \(limit) requests per archive host")
        let progress = Progress(total: plan.positions.count, logger: logger, report: events.progress)
        var failures: [PrefetchRecord.Failure] = []
        var files = 0
        var bytes: Int64 = 0
        let positions = plan.positions
        await withTaskGroup(of: (files: [CachedFile], failures: [PrefetchRecord.Failure]).self) { group in
            var next = 0
            func launch() {
                let entry = catalog.entries[positions[next]]
                next += 1
                group.addTask { [logger] in
                    var fetched: [CachedFile] = []
                    var failed: [PrefetchRecord.Failure] = []
                    for observatory in observatories {
                        do {
                            fetched += try await observatory.fetch(entry, into: cache, logger: logger)
                        } catch {
                            let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
                            logger.warning("prefetch \(entry.name) from \(observatory.name) failed: \(message)")
                            failed.append(.init(catalogID: entry.id, name: entry.name, observatory: observatory.name, message: message))
                        }
                    }
                    return (fetched, failed)
                }
            }
            while next < min(concurrency, positions.count) { launch() }
            while let result = await group.next() {
                files += result.files.count
                bytes += result.files.reduce(0) { $0 + $1.size }
                failures += result.failures
                progress.tick(ok: result.failures.isEmpty)
                if next < positions.count { launch() }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let record = PrefetchRecord(
            runID: plan.runID, analysis: name, sources: positions.count, files: files, bytes: bytes,
            failures: failures.sorted { ($0.catalogID, $0.observatory) < ($1.catalogID, $1.observatory) }, perHostLimit: limit,
            startedAt: Store.timestamp(started), seconds: seconds)
        let url = Self.prefetchRecordURL(output: settings.output, analysis: name, runID: plan.runID)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(record).write(to: url, options: .atomic)
        let failedSources = Set(failures.map(\.catalogID)).count
        let summary = RunSummary(
            prefetchFolder: url.deletingLastPathComponent(), sources: positions.count, failed: failedSources, files: files,
            bytes: bytes, seconds: seconds)
        logger.info("\(summary.line); record in \(url.path)")
        guard failures.isEmpty else {
            throw PrefetchError.incomplete(failed: failedSources, total: positions.count, record: url.path)
        }
        events.finished?(summary)
        return summary
    }
}

public enum PrefetchError: Error, LocalizedError, Equatable {
    case incomplete(failed: Int, total: Int, record: String)

    public var errorDescription: String? {
        switch self {
        case let .incomplete(failed, total, record):
            return "prefetch: the files of \(failed) of \(total) sources could not be fetched (reasons in \(record)); "
                + "the analysis fetches them itself when it runs"
        }
    }
}
