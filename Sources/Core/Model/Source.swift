import Foundation

/// A star with everything the surveys delivered for it.
///
/// Datasets of every observatory that matched the catalog entry end up on one `Source`;
/// ``lightcurves(cache:)`` calibrates them and combines them into one light curve per band.
public struct Source: Sendable {
    public let entry: CatalogEntry
    public private(set) var datasets: [PhotometricDataset]

    public init(entry: CatalogEntry, datasets: [PhotometricDataset] = []) {
        self.entry = entry
        self.datasets = datasets
    }

    public mutating func add(_ new: [PhotometricDataset]) {
        datasets += new
    }

    /// The calibrated, combined light curve of each band (sorted, duplicates resolved), in band order,
    /// with the bookkeeping of what was read.
    /// - Throws: the first error of a dataset that cannot be read or calibrated; it names the file.
    public func lightcurves(cache: RawCache) throws -> [BandLightcurve] {
        var byBand: [String: BandLightcurve] = [:]
        let tables = RawTables()
        for (index, dataset) in datasets.enumerated() {
            let calibrated: CalibratedDataset
            do {
                calibrated = try dataset.calibrated(cache: cache, index: Int32(index), tables: tables)
            } catch {
                throw DatasetError.unreadable(
                    path: cache.url(for: dataset.file.relativePath).path,
                    reason: (error as? LocalizedError)?.errorDescription ?? String(describing: error))
            }
            if var existing = byBand[dataset.band] {
                existing.lightcurve = try existing.lightcurve.combined(with: calibrated.lightcurve)
                existing.rawRows += calibrated.rawRows
                existing.flaggedRows += calibrated.flaggedRows
                existing.invalidRows += calibrated.invalidRows
                existing.datasetIndices.append(index)
                existing.normalizations += calibrated.normalization.map { [$0] } ?? []
                byBand[dataset.band] = existing
            } else {
                byBand[dataset.band] = BandLightcurve(
                    lightcurve: calibrated.lightcurve, observatory: dataset.observatory, rawRows: calibrated.rawRows,
                    flaggedRows: calibrated.flaggedRows, invalidRows: calibrated.invalidRows,
                    exposureSeconds: calibrated.exposureSeconds, datasetIndices: [index],
                    normalizations: calibrated.normalization.map { [$0] } ?? [])
            }
        }
        return byBand.keys.sorted().map { byBand[$0]! }
    }
}

/// One band's combined light curve of a source, with what was rejected on the way.
public struct BandLightcurve: Sendable {
    public var lightcurve: Lightcurve
    public var observatory: String
    public var rawRows: Int
    public var flaggedRows: Int
    public var invalidRows: Int
    /// Exposure of one point, seconds.
    public var exposureSeconds: Double
    /// Indices (in the source's dataset list) of the datasets combined here.
    public var datasetIndices: [Int]
    /// Per normalised dataset (sector, quarter), the factor its flux was divided by.
    public var normalizations: [Double] = []

    public var band: String { lightcurve.band }
}
