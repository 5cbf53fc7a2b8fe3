import Foundation

/// Counts of a finished run, as printed at its end.
public struct RunSummary: Sendable {
    public var runDirectory: URL
    public var sources: Int
    public var done: Int
    public var failed: Int
    public var detections: Int
    public var injections: Int
    public var recovered: Int
    public var seconds: Double

    init(store: Store, runDirectory: URL, seconds: Double) throws {
        let sources = try store.sources()
        self.runDirectory = runDirectory
        self.sources = sources.count
        done = sources.filter { $0.status == .done }.count
        failed = sources.filter { $0.status == .failed }.count
        detections = try store.detections().count
        let injections = try store.injections()
        self.injections = injections.count
        recovered = injections.filter(\.recovered).count
        self.seconds = seconds
    }

    public var line: String {
        "\(done)/\(sources) sources done, \(failed) failed; \(detections) detections; "
            + "\(recovered)/\(injections) injected events recovered; \(String(format: "%.1f", seconds)) s"
    }
}
