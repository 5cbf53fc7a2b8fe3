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

    /// Every readable run, newest first. Folders whose database cannot be read are skipped.
    public func runs() throws -> [Entry] {
        let fm = FileManager.default
        var entries: [Entry] = []
        for analysis in (try? fm.contentsOfDirectory(atPath: root.path)) ?? [] where analysis != "cache" {
            let folder = root.appendingPathComponent(analysis)
            for id in (try? fm.contentsOfDirectory(atPath: folder.path)) ?? [] {
                let runFolder = folder.appendingPathComponent(id)
                let database = runFolder.appendingPathComponent("run.sqlite")
                guard fm.fileExists(atPath: database.path), let store = try? Store(url: database, readOnly: true),
                    let run = try? store.run()
                else { continue }
                entries.append(
                    Entry(
                        folder: runFolder, run: run, sources: (try? store.sources().count) ?? 0,
                        detections: (try? store.detections().count) ?? 0))
            }
        }
        return entries.sorted { $0.run.startedAt > $1.run.startedAt }
    }
}
