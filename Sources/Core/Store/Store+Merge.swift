import Foundation
import GRDB

extension Store {
    /// Combines the databases of the shards of one run (`--shard i/N`) into one run database.
    ///
    /// The shards must come from the same analysis, parameters and seed, each shard once, all `N`
    /// of them. Sources are renumbered in catalog order, so the merged database lists them as the
    /// unsharded run does; coverage histograms are summed bin by bin (integer counts, so exactly).
    /// The merged run's id is the shards' id without the `-shard<i>of<N>` suffix.
    ///
    /// - Throws: ``MergeError`` naming the shard that does not fit, or ``StoreError``.
    @discardableResult
    public static func merge(shards: [URL], into target: URL) throws -> RunRecord {
        try mergeMappingSources(shards: shards, into: target).run
    }

    /// ``merge(shards:into:)``, also returning, for each shard in the order given, its source ids and
    /// the merged run's ids for them.
    public static func mergeMappingSources(shards: [URL], into target: URL) throws -> (run: RunRecord, sourceIDs: [[Int64: Int64]]) {
        guard !shards.isEmpty else { throw MergeError.noShards }
        guard !FileManager.default.fileExists(atPath: target.path) else { throw MergeError.targetExists(target.path) }
        let stores = try shards.map { try Store(url: $0, readOnly: true) }
        var runs: [RunRecord] = []
        for (store, url) in zip(stores, shards) {
            guard let run = try store.run() else { throw StoreError.notARun(path: url.path) }
            runs.append(run)
        }
        let first = runs[0]
        var seen: [Int: String] = [:]
        var count: Int?
        for (run, url) in zip(runs, shards) {
            guard run.analysis == first.analysis, run.parameterHash == first.parameterHash, run.seed == first.seed else {
                throw MergeError.differentRun(path: url.path, expected: first.id, found: run.id)
            }
            guard let shard = run.shard, let parsed = try? Shard(parsing: shard) else {
                throw MergeError.notAShard(path: url.path)
            }
            let (i, n) = (parsed.index, parsed.count)
            if let count, count != n { throw MergeError.differentRun(path: url.path, expected: "\(count) shards", found: shard) }
            count = n
            if let other = seen[i] { throw MergeError.duplicateShard(shard: shard, paths: [other, url.path]) }
            seen[i] = url.path
        }
        let missing = (0..<(count ?? 0)).filter { seen[$0] == nil }
        guard missing.isEmpty else { throw MergeError.missingShards(missing.map { "\($0)/\(count!)" }) }

        // Everything of every shard, in memory (run databases are small next to their raw data).
        struct ShardContent {
            var sources: [SourceRecord]
            var datasets: [DatasetRecord]
            var statistics: [StatisticRecord]
            var injections: [InjectionRecord]
            var injectionParameters: [InjectionParameterRecord]
            var detections: [DetectionRecord]
            var failures: [FailureRecord]
            var counts: [(name: String, bin: Int, count: Int64)]
            var contributors: [(name: String, sourceID: Int64)]
        }
        let content: [ShardContent] = try stores.map { store in
            try store.read { db in
                ShardContent(
                    sources: try SourceRecord.fetchAll(db), datasets: try DatasetRecord.fetchAll(db),
                    statistics: try StatisticRecord.fetchAll(db), injections: try InjectionRecord.fetchAll(db),
                    injectionParameters: try InjectionParameterRecord.fetchAll(db),
                    detections: try DetectionRecord.fetchAll(db), failures: try FailureRecord.fetchAll(db),
                    counts: try Row.fetchAll(db, sql: "SELECT name, bin, count FROM histogram_counts").map {
                        (name: $0["name"], bin: $0["bin"], count: $0["count"])
                    },
                    contributors: try db.tableExists("histogram_sources")
                        ? Row.fetchAll(db, sql: "SELECT name, source_id FROM histogram_sources").map { (name: $0[0], sourceID: $0[1]) }
                        : [])
            }
        }
        var owner: [String: Int] = [:]
        for (k, shard) in content.enumerated() {
            for s in shard.sources {
                if let other = owner[s.catalogId] {
                    throw MergeError.sourceInTwoShards(catalogID: s.catalogId, paths: [shards[other].path, shards[k].path])
                }
                owner[s.catalogId] = k
            }
        }

        let mergedID = first.id.replacingOccurrences(of: "-shard\\d+of\\d+$", with: "", options: .regularExpression)
        var merged = first
        merged.id = mergedID
        merged.shard = nil
        merged.jobs = runs.map(\.jobs).max() ?? first.jobs
        merged.startedAt = runs.map(\.startedAt).min() ?? first.startedAt
        merged.finishedAt = runs.contains { $0.finishedAt == nil } ? nil : runs.compactMap(\.finishedAt).max()
        merged.status = runs.contains { $0.status == .failed } ? .failed
            : runs.contains { $0.status == .running } ? .running : .finished
        merged.error = runs.compactMap(\.error).first

        let store = try Store(url: target)
        let cells = try stores[0].cells().map { NotebookCell(runId: mergedID, position: $0.position, kind: $0.kind, text: $0.text) }
        let observatories = try stores[0].observatories().map {
            ObservatoryRecord(runId: mergedID, name: $0.name, description: $0.description, synthetic: $0.synthetic)
        }
        let histograms = try stores[0].histogramDefinitions()
        let descriptions = try stores[0].productDescriptions()
        for (store, url) in zip(stores.dropFirst(), shards.dropFirst()) where try store.histogramDefinitions() != histograms {
            throw MergeError.differentHistograms(path: url.path)
        }
        var sourceID: [Int: [Int64: Int64]] = [:]
        try store.queue.write { db in
            try merged.insert(db)
            for var c in cells { try c.insert(db) }
            for var o in observatories { try o.insert(db) }
            for h in histograms {
                try db.execute(
                    sql: "INSERT INTO histograms (run_id, name, quantity, axes) VALUES (?, ?, ?, ?)",
                    arguments: [mergedID, h.name, h.quantity, h.axes])
            }
            try Store.insert(descriptions, runID: mergedID, into: db)
            // Sources in catalog order, with new ids; then everything that points at them.
            let ordered = content.enumerated().flatMap { k, shard in shard.sources.map { (k, $0) } }
                .sorted { $0.1.catalogIndex < $1.1.catalogIndex }
            sourceID = [:]
            for (k, old) in ordered {
                var s = old
                s.id = nil
                s.runId = mergedID
                try s.insert(db)
                sourceID[k, default: [:]][old.id!] = s.id!
            }
            for (k, shard) in content.enumerated() {
                let ids = sourceID[k] ?? [:]
                var datasetID: [Int64: Int64] = [:]
                // Per-source rows keep their ordinal under the source's new id (Store.rowID).
                func moved(_ id: Int64?, from source: Int64, to newSource: Int64) -> Int64? {
                    id.flatMap { Store.ordinal(of: $0, source: source) }.map { Store.rowID(source: newSource, ordinal: $0) }
                }
                for old in shard.datasets {
                    var d = old
                    d.sourceId = ids[old.sourceId]!
                    d.id = moved(old.id, from: old.sourceId, to: d.sourceId)
                    try d.insert(db)
                    datasetID[old.id!] = d.id!
                }
                for old in shard.statistics {
                    var s = old
                    s.sourceId = ids[old.sourceId]!
                    try s.insert(db)
                }
                var injectionID: [Int64: Int64] = [:]
                for old in shard.injections {
                    var i = old
                    i.sourceId = ids[old.sourceId]!
                    i.id = moved(old.id, from: old.sourceId, to: i.sourceId)
                    try i.insert(db)
                    injectionID[old.id!] = i.id!
                }
                for old in shard.injectionParameters {
                    var p = old
                    p.injectionId = injectionID[old.injectionId]!
                    try p.insert(db)
                }
                for old in shard.detections {
                    var d = old
                    d.sourceId = ids[old.sourceId]!
                    d.id = moved(old.id, from: old.sourceId, to: d.sourceId)
                    d.firstDatasetId = old.firstDatasetId.flatMap { datasetID[$0] }
                    d.peakDatasetId = old.peakDatasetId.flatMap { datasetID[$0] }
                    d.lastDatasetId = old.lastDatasetId.flatMap { datasetID[$0] }
                    d.injectionId = old.injectionId.flatMap { injectionID[$0] }
                    try d.insert(db)
                }
                for old in shard.failures {
                    var f = old
                    f.runId = mergedID
                    f.sourceId = old.sourceId.flatMap { ids[$0] }
                    f.id = old.sourceId.flatMap { source in f.sourceId.flatMap { moved(old.id, from: source, to: $0) } }
                    try f.insert(db)
                }
                for c in shard.counts {
                    try Self.addCount(db, runID: mergedID, name: c.name, bin: c.bin, count: c.count)
                }
                for c in shard.contributors {
                    guard let id = ids[c.sourceID] else { continue }
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO histogram_sources (run_id, name, source_id) VALUES (?, ?, ?)",
                        arguments: [mergedID, c.name, id])
                }
            }
        }
        return (merged, shards.indices.map { sourceID[$0] ?? [:] })
    }

    /// Name, quantity and axes (JSON) of each histogram, in creation order.
    func histogramDefinitions() throws -> [HistogramDefinition] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT name, quantity, axes FROM histograms ORDER BY rowid").map {
                HistogramDefinition(name: $0["name"], quantity: $0["quantity"], axes: $0["axes"])
            }
        }
    }

    struct HistogramDefinition: Equatable {
        var name: String
        var quantity: String
        var axes: String
    }
}

public enum MergeError: Error, LocalizedError, Equatable {
    case noShards
    case targetExists(String)
    case notAShard(path: String)
    case differentRun(path: String, expected: String, found: String)
    case duplicateShard(shard: String, paths: [String])
    case missingShards([String])
    case sourceInTwoShards(catalogID: String, paths: [String])
    case differentHistograms(path: String)

    public var errorDescription: String? {
        switch self {
        case .noShards: return "no shard databases to merge"
        case let .targetExists(p): return "\(p) exists already; merge writes a new database"
        case let .notAShard(p): return "\(p) is not a shard run (it was not run with --shard i/N)"
        case let .differentRun(p, e, f): return "\(p) belongs to run \(f), not to \(e)"
        case let .duplicateShard(s, p): return "shard \(s) given twice: \(p.joined(separator: " and "))"
        case let .missingShards(s): return "shards missing: \(s.joined(separator: ", "))"
        case let .sourceInTwoShards(id, p): return "source \(id) is in two shards (\(p.joined(separator: " and "))): it would be counted twice"
        case let .differentHistograms(p): return "\(p) has coverage histograms with other axes than the first shard"
        }
    }
}
