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
    /// A CSV file is read a block at a time and each row becomes an entry as it is read, so memory
    /// holds the entries and never the file or its table of text cells (a 500,000-row Gaia CSV).
    ///
    /// ```swift
    /// let stars = try Catalog(contentsOf: URL(fileURLWithPath: "gaia_mdwarfs.vot"))
    /// ```
    /// - Throws: ``CatalogFileError`` naming the file, row, column and value, or ``CatalogError``.
    public init(contentsOf url: URL, columns: CatalogColumns = CatalogColumns()) throws {
        guard try CatalogTable.format(of: url) == .csv else {
            try self.init(table: try CatalogTable.read(from: url), columns: columns, name: url.lastPathComponent)
            return
        }
        var mapper: CatalogRowMapper?
        var entries: [CatalogEntry] = []
        try CSVTable.forEachRow(contentsOf: url) { header in
            mapper = try CatalogRowMapper(columns: header, roles: columns, source: url.path)
        } row: { fields, _ in
            guard let mapper else { return }
            entries.append(try mapper.entry(CatalogTable.cells(fields), row: entries.count + 1))
        }
        try self.init(name: url.lastPathComponent, entries: entries)
    }

    /// Maps a read table onto catalog entries. Empty cells are nulls, never zeros.
    public init(table: CatalogTable, columns: CatalogColumns = CatalogColumns(), name: String) throws {
        let mapper = try CatalogRowMapper(columns: table.columns, roles: columns, source: table.source)
        var entries: [CatalogEntry] = []
        entries.reserveCapacity(table.rows.count)
        for (k, row) in table.rows.enumerated() {
            entries.append(try mapper.entry(row, row: k + 1))
        }
        try self.init(name: name, entries: entries)
    }
}

/// Which column of a table holds which quantity, found once from the header, and the mapping of
/// one row of text cells onto a ``CatalogEntry``.
struct CatalogRowMapper {
    let columns: [String]
    let source: String
    let ra: Int
    let dec: Int
    let id: Int?
    let name: Int?
    /// magnitude, pmra, pmdec, parallax, epoch.
    let optional: [Int?]
    let defaultEpoch: Double

    init(columns: [String], roles: CatalogColumns, source: String) throws {
        func find(_ candidates: [String]) -> Int? { CatalogColumns.firstMatch(candidates, in: columns) }
        func require(_ candidates: [String], _ role: String) throws -> Int {
            guard let i = find(candidates) else {
                throw CatalogFileError.missingColumn(path: source, role: role, tried: candidates, available: columns)
            }
            return i
        }
        self.columns = columns
        self.source = source
        ra = try require(roles.ra, "right ascension")
        dec = try require(roles.dec, "declination")
        id = find(roles.id)
        name = find(roles.name)
        optional = [roles.magnitude, roles.pmra, roles.pmdec, roles.parallax, roles.epoch].map(find)
        defaultEpoch = roles.defaultEpoch
    }

    /// The entry of one row (`row` counts data rows from 1, for errors).
    func entry(_ cells: [String?], row: Int) throws -> CatalogEntry {
        func number(_ column: Int?) throws -> Double? {
            guard let column, let text = cells[column] else { return nil }
            guard let v = Double(text.trimmingSpaces) else {
                throw CatalogFileError.invalidValue(path: source, row: row, column: columns[column], value: text)
            }
            return v.isNaN ? nil : v
        }
        // A position is required: name the column that lacks one, with what it holds.
        guard let ra = try number(ra) else {
            throw CatalogFileError.invalidValue(path: source, row: row, column: columns[ra], value: cells[ra] ?? "")
        }
        guard let dec = try number(dec) else {
            throw CatalogFileError.invalidValue(path: source, row: row, column: columns[dec], value: cells[dec] ?? "")
        }
        let id = id.flatMap { cells[$0] }?.trimmingSpaces ?? String(row)
        return CatalogEntry(
            id: id, name: name.flatMap { cells[$0] }?.trimmingSpaces ?? id, ra: ra, dec: dec,
            magnitude: try number(optional[0]), magnitudeBand: optional[0].map { columns[$0] },
            pmra: try number(optional[1]), pmdec: try number(optional[2]), parallax: try number(optional[3]),
            epoch: try number(optional[4]) ?? defaultEpoch)
    }
}
