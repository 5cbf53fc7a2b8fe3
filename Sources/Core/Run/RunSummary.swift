import Foundation

/// Counts of a finished run, as printed at its end.
public struct RunSummary: Sendable {
    /// A run of the analysis, or only a prefetch of its files (``RunSettings/prefetch``).
    public enum Kind: Sendable { case analysis, prefetch(files: Int, bytes: Int64) }
    public var kind: Kind = .analysis
    /// The run folder; for a prefetch, the folder of its record.
    public var runDirectory: URL
    public var sources: Int
    public var done: Int
    public var failed: Int
    public var detections: Int
    public var injections: Int
    public var recovered: Int
    public var seconds: Double
    /// Where the time went: milliseconds per source in each stage of the pipeline, summed over jobs.
    public var stages: String?

    init(store: Store, runDirectory: URL, seconds: Double) throws {
        let states = try store.sourceCounts()
        let events = try store.eventCounts()
        self.runDirectory = runDirectory
        sources = states.values.reduce(0, +)
        done = states[.done] ?? 0
        failed = states[.failed] ?? 0
        detections = events.detections
        injections = events.injections
        recovered = events.recovered
        self.seconds = seconds
    }

    init(prefetchFolder: URL, sources: Int, failed: Int, files: Int, bytes: Int64, seconds: Double) {
        kind = .prefetch(files: files, bytes: bytes)
        runDirectory = prefetchFolder
        self.sources = sources
        done = sources - failed
        self.failed = failed
        detections = 0
        injections = 0
        recovered = 0
        self.seconds = seconds
    }

    public var line: String {
        if case let .prefetch(files, bytes) = kind {
            return "prefetched the files of \(done)/\(sources) sources, \(failed) failed: \(files) files, "
                + String(format: "%.1f MB", Double(bytes) / 1e6) + " in the raw cache; \(String(format: "%.1f", seconds)) s"
        }
        return "\(done)/\(sources) sources done, \(failed) failed; \(detections) detections; "
            + "\(recovered)/\(injections) injected events recovered; \(String(format: "%.1f", seconds)) s"
    }
}
