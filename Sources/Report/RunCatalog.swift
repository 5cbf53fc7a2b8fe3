import Core
import Foundation

/// The runs found under an output root (`<root>/<analysis>/<run-id>/run.sqlite`).
public struct RunCatalog: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public struct Entry: Sendable {
        public var folder: URL
        public var run: RunRecord
        public var sources: Int
        public var detections: Int

        public var line: String {
            "\(run.startedAt)  \(run.analysis)  \(run.id)  \(run.status.rawValue)  \(sources) sources  \(detections) detections  \(folder.path)"
        }
    }

    /// A folder that looks like a run folder but whose run cannot be read, and why.
    public struct Problem: Sendable {
        public var folder: URL
        public var reason: String

        public var line: String { "unreadable  \(folder.path)  \(reason)" }
    }

    /// Every readable run, newest first. Folders whose database cannot be read are skipped (see
    /// ``survey()`` for them).
    public func runs() throws -> [Entry] { survey().runs }

    /// Every run folder under the root: the readable runs, newest first, and the ones with a
    /// problem (a database that is corrupt, not a run database, or empty), in path order.
    public func survey() -> (runs: [Entry], problems: [Problem]) {
        let fm = FileManager.default
        var entries: [Entry] = []
        var problems: [Problem] = []
        // Runs as `report analyses/<name>` places them (<root>/<analysis>/<run>), and run folders
        // directly under the root (unpacked archives).
        var candidates: [URL] = []
        for name in ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).sorted() where name != "cache" {
            let folder = root.appendingPathComponent(name)
            candidates.append(folder)
            candidates += ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted().map { folder.appendingPathComponent($0) }
        }
        for runFolder in candidates {
            let database = runFolder.appendingPathComponent("run.sqlite")
            guard fm.fileExists(atPath: database.path) else { continue }
            do {
                let store = try Store(url: database, readOnly: true)
                guard let run = try store.run() else {
                    problems.append(Problem(folder: runFolder, reason: "the database holds no run (it was never started, or is not a run database)"))
                    continue
                }
                entries.append(
                    Entry(folder: runFolder, run: run, sources: try store.sources().count, detections: try store.detections().count))
            } catch {
                problems.append(Problem(folder: runFolder, reason: Self.plain(error)))
            }
        }
        return (entries.sorted { $0.run.startedAt > $1.run.startedAt }, problems)
    }

    /// One sentence for an error, without Foundation's domain and code.
    static func plain(_ error: Error) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        if text.contains("file is not a database") || text.contains("malformed") { return "the database is damaged (not a readable SQLite file)" }
        if text.contains("no such table") { return "the database is incomplete (a run that never got its tables)" }
        return text
    }
}
