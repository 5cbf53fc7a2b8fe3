import Foundation

/// Which columns of a catalog file hold which quantity.
///
/// Each role lists candidate column names, tried in order and without regard to case; the defaults
/// cover Gaia archive tables (`source_id`, `ra`, `dec`, `phot_g_mean_mag`, `pmra`, `pmdec`,
/// `parallax`, `ref_epoch`) and hand-made lists (`name`, `ra`, `dec`, `mag`). Override any role to
/// name a column yourself.
public struct CatalogColumns: Sendable, Hashable {
    public var id = ["source_id", "id", "designation", "name", "objid"]
    public var name = ["name", "designation", "source_id", "id"]
    public var ra = ["ra", "ra_deg", "raj2000", "_raj2000", "ra_icrs"]
    public var dec = ["dec", "dec_deg", "dej2000", "_dej2000", "de_icrs", "decl"]
    public var magnitude = ["phot_g_mean_mag", "mag", "gmag", "magnitude", "tmag", "vmag"]
    public var pmra = ["pmra", "pm_ra", "pmra_cosdec"]
    public var pmdec = ["pmdec", "pm_dec", "pmde"]
    public var parallax = ["parallax", "plx"]
    public var epoch = ["ref_epoch", "epoch"]
    /// Epoch (Julian year) of the positions when the file has no epoch column.
    public var defaultEpoch = 2016.0

    public init() {}

    /// Index of the first of `candidates` among `columns`, ignoring case.
    public static func firstMatch(_ candidates: [String], in columns: [String]) -> Int? {
        let lower = columns.map { $0.lowercased() }
        return candidates.lazy.compactMap { lower.firstIndex(of: $0.lowercased()) }.first
    }
}

extension Catalog {
    /// Reads a catalog file (CSV, ECSV, IPAC, VOTable, FITS) and maps its columns.
    ///
    /// ```swift
    /// let stars = try Catalog(contentsOf: URL(fileURLWithPath: "gaia_mdwarfs.vot"))
    /// ```
    /// - Throws: ``CatalogFileError`` naming the file, row, column and value, or ``CatalogError``.
    public init(contentsOf url: URL, columns: CatalogColumns = CatalogColumns()) throws {
        try self.init(table: try CatalogTable.read(from: url), columns: columns, name: url.lastPathComponent)
    }

    /// Maps a read table onto catalog entries. Empty cells are nulls, never zeros.
    public init(table: CatalogTable, columns: CatalogColumns = CatalogColumns(), name: String) throws {
        func find(_ candidates: [String]) -> Int? { CatalogColumns.firstMatch(candidates, in: table.columns) }
        func require(_ candidates: [String], _ role: String) throws -> Int {
            guard let i = find(candidates) else {
                throw CatalogFileError.missingColumn(path: table.source, role: role, tried: candidates, available: table.columns)
            }
            return i
        }
        let raColumn = try require(columns.ra, "right ascension")
        let decColumn = try require(columns.dec, "declination")
        let idColumn = find(columns.id)
        let nameColumn = find(columns.name)
        let optional = [columns.magnitude, columns.pmra, columns.pmdec, columns.parallax, columns.epoch].map(find)
        var entries: [CatalogEntry] = []
        for (k, row) in table.rows.enumerated() {
            func number(_ column: Int?) throws -> Double? {
                guard let column, let text = row[column] else { return nil }
                guard let v = Double(text.trimmingSpaces) else {
                    throw CatalogFileError.invalidValue(path: table.source, row: k + 1, column: table.columns[column], value: text)
                }
                return v.isNaN ? nil : v
            }
            // A position is required: name the column that lacks one, with what it holds.
            guard let ra = try number(raColumn) else {
                throw CatalogFileError.invalidValue(path: table.source, row: k + 1, column: table.columns[raColumn], value: row[raColumn] ?? "")
            }
            guard let dec = try number(decColumn) else {
                throw CatalogFileError.invalidValue(
                    path: table.source, row: k + 1, column: table.columns[decColumn], value: row[decColumn] ?? "")
            }
            let id = idColumn.flatMap { row[$0] }?.trimmingSpaces ?? String(k + 1)
            entries.append(
                CatalogEntry(
                    id: id, name: nameColumn.flatMap { row[$0] }?.trimmingSpaces ?? id, ra: ra, dec: dec,
                    magnitude: try number(optional[0]),
                    magnitudeBand: optional[0].map { table.columns[$0] }, pmra: try number(optional[1]),
                    pmdec: try number(optional[2]), parallax: try number(optional[3]),
                    epoch: try number(optional[4]) ?? columns.defaultEpoch))
        }
        try self.init(name: name, entries: entries)
    }
}
