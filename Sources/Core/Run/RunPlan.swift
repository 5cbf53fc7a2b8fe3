import Foundation

/// The identity of a run: its inputs as canonical JSON, their hash, and the run id made from them.
///
/// The run id is `<analysis>-<first 12 hex of the parameter hash>-seed<seed>` (plus `-shard<i>of<N>`),
/// so rerunning the same inputs gives the same id and a changed parameter gives a new one.
struct RunPlan {
    let runID: String
    let parametersJSON: String
    let parameterHash: String
    let catalogChecksum: String
    let catalog: Catalog
    /// Positions (from 0) in the catalog of the sources this run processes: all of them, or a shard's.
    let positions: [Int]

    private struct Parameters<P: Encodable, Q: Encodable>: Encodable {
        var analysis: Named<P>
        var simulator: Named<Q>?
        var catalog: CatalogIdentity
        var observatories: [String]
        var seed: UInt64
    }
    private struct Named<P: Encodable>: Encodable {
        var name: String
        var parameters: P
    }
    private struct CatalogIdentity: Encodable {
        var name: String
        var count: Int
        var sha256: String
    }

    init<A: Analysis, S: Simulator>(
        notebook: Notebook, catalog: Catalog, observatories: [any VirtualObservatory], analysis: A, simulator: S?,
        shard: Shard?
    ) throws {
        guard catalog.count > 0 else { throw CatalogError.empty(catalog: catalog.name) }
        catalogChecksum = try catalog.checksum()
        let parameters = Parameters(
            analysis: Named(name: analysis.name, parameters: analysis.parameters),
            simulator: simulator.map { Named(name: $0.name, parameters: $0.parameters) },
            catalog: CatalogIdentity(name: catalog.name, count: catalog.count, sha256: catalogChecksum),
            observatories: observatories.map(\.description), seed: notebook.seed)
        parametersJSON = try CanonicalJSON.string(parameters)
        // The hash leaves out the seed, which has its own place in the run id.
        var unseeded = parameters
        unseeded.seed = 0
        parameterHash = Checksum.sha256Hex(of: try CanonicalJSON.encode(unseeded))
        var id = "\(notebook.name)-\(parameterHash.prefix(12))-seed\(notebook.seed)"
        // Positions, not copies of the entries: a catalog of half a million stars is held once.
        if let shard {
            id += "-shard\(shard.index)of\(shard.count)"
            positions = catalog.entries.indices.filter { Catalog.shard(shard.index, of: shard.count, contains: $0) }
        } else {
            positions = Array(catalog.entries.indices)
        }
        self.catalog = catalog
        runID = id
    }

    /// The sources of this run with their catalog positions, in catalog order.
    var entries: LazyMapSequence<[Int], (index: Int, entry: CatalogEntry)> {
        positions.lazy.map { [catalog] in (index: $0, entry: catalog.entries[$0]) }
    }
}
