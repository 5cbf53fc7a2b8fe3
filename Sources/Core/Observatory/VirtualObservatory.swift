import Foundation
import Logging

/// A survey archive (or a stand-in for one) that delivers a star's raw data into the raw cache.
///
/// `fetch` downloads (or finds in the cache) the raw files for one catalog entry;
/// `datasets(in:for:cache:)` links a cached file to the ``PhotometricDataset``s it holds that belong
/// to that star (a cone search can return neighbours: they are matched by position, proper motion
/// applied). An empty answer ("the archive has nothing here") is an empty array, not an error.
public protocol VirtualObservatory: Sendable {
    /// Short name, used in cache paths and the database ("ztf", "synthetic-tess").
    var name: String { get }
    /// One line of what it is and how it is configured, recorded with the run (and part of its hash).
    var description: String { get }
    /// True when the data are made up (the report says so plainly).
    var isSynthetic: Bool { get }
    func fetch(_ entry: CatalogEntry, into cache: RawCache, logger: Logger) async throws -> [CachedFile]
    func datasets(in file: CachedFile, for entry: CatalogEntry, cache: RawCache) throws -> [PhotometricDataset]
}
