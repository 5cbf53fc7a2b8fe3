import Foundation

/// Combines the run folders of the shards of one run (`--shard i/N`) into one run folder.
///
/// The database is merged by ``Store/merge(shards:into:)``, which renumbers sources in catalog
/// order; each source's light-curve products (``LightcurveProducts``, ``InjectionProducts``) are written again under its
/// merged id, with the merged run's id in their headers, so the merged folder stands alone as an
/// unsharded run's does.
public enum RunMerge {
    /// Merges the shard run folders into `folder` (created; it must not hold a run database yet) and
    /// returns the merged run.
    /// - Throws: ``MergeError``, ``StoreError``, or what reading and writing the products throws,
    ///   naming the file.
    @discardableResult
    public static func merge(shardFolders: [URL], into folder: URL) throws -> RunRecord {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let databases = shardFolders.map { $0.appendingPathComponent("run.sqlite") }
        let (run, sourceIDs) = try Store.mergeMappingSources(shards: databases, into: folder.appendingPathComponent("run.sqlite"))
        let merged = try Store(url: folder.appendingPathComponent("run.sqlite"), readOnly: true)
        let entries = Dictionary(uniqueKeysWithValues: try merged.sources().compactMap { s in s.id.map { ($0, s.entry) } })
        for (shard, ids) in zip(shardFolders, sourceIDs) {
            for (old, new) in ids.sorted(by: { $0.key < $1.key }) {
                let product = LightcurveProducts.url(runDirectory: shard, sourceID: old)
                guard FileManager.default.fileExists(atPath: product.path), let entry = entries[new] else { continue }
                let bands = try LightcurveProducts.read(product)
                try LightcurveProducts.write(
                    bands.map(\.band), models: Dictionary(bands.compactMap { b in b.model.map { (b.band.band, $0) } }) { a, _ in a },
                    source: entry, sourceID: new, runID: run.id,
                    to: LightcurveProducts.url(runDirectory: folder, sourceID: new))
                let injected = InjectionProducts.url(runDirectory: shard, sourceID: old)
                if FileManager.default.fileExists(atPath: injected.path) {
                    try InjectionProducts.write(
                        try InjectionProducts.read(injected), source: entry, sourceID: new, runID: run.id,
                        to: InjectionProducts.url(runDirectory: folder, sourceID: new))
                }
            }
        }
        return run
    }
}
