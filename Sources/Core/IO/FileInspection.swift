import Foundation

/// A summary of any file the tool reads, for `report inspect`: its format, size and key columns.
///
/// JSON keys are snake_case and stable; optional parts are present only where they apply
/// (`time`, `flux`, `quality`, `target` for light curves; `catalog` for tables of stars).
public struct FileInspection: Codable, Sendable {
    public struct TimeSummary: Codable, Sendable {
        public var column: String
        /// Earliest and latest finite times, in the file's own time system (files need not be
        /// sorted: IRSA's ZTF answers are not).
        public var first: Double?
        public var last: Double?
        public var finite: Int
        /// Add this to the file's times to get (B)JD; absent when the file does not say its time
        /// system (a light-curve table with a plain `time` column).
        public var reference: Double?
        public var system: String
    }
    public struct FluxSummary: Codable, Sendable {
        public var column: String
        public var finite: Int
        public var median: Double?
    }
    public struct QualitySummary: Codable, Sendable {
        public var column: String
        public var nonzero: Int
    }
    public struct Target: Codable, Sendable {
        public var name: String?
        public var ra: Double?
        public var dec: Double?
    }
    public struct CatalogSummary: Codable, Sendable {
        public var idColumn: String?
        /// Exact, as text (64-bit identifiers never pass through Double).
        public var firstID: String?
        public var magColumn: String?
        public var medianMag: Double?

        enum CodingKeys: String, CodingKey {
            case idColumn = "id_column", firstID = "first_id", magColumn = "mag_column", medianMag = "median_mag"
        }
    }

    public var file: String
    public var format: String
    public var rows: Int
    public var columns: [String]
    public var time: TimeSummary?
    public var flux: FluxSummary?
    public var quality: QualitySummary?
    public var target: Target?
    public var catalog: CatalogSummary?

    /// Inspects a file: SPOC or ZTF light curve, light-curve table, or a catalog table (CSV, ECSV,
    /// IPAC, VOTable, FITS).
    public static func inspect(_ url: URL) throws -> FileInspection {
        if let format = try? RawFile.format(of: url) {
            switch format {
            case .spocFITS:
                if let lc = try? SPOCLightcurve.read(from: url) { return spoc(lc, url: url) }
            case .ztfIRSACSV:
                return ztf(try ZTFLightcurveTable.read(from: url), url: url)
            case .lightcurveTable:
                return lightcurveTable(try LightcurveTable.read(from: url), url: url)
            }
        }
        let table = try CatalogTable.read(from: url)
        return catalog(table, url: url)
    }

    static func spoc(_ lc: SPOCLightcurve, url: URL) -> FileInspection {
        let times = lc.time.filter(\.isFinite)
        let flux = lc.pdcsapFlux.filter(\.isFinite)
        return FileInspection(
            file: url.path, format: lc.mission == .tess ? "tess-spoc-lc" : "kepler-spoc-lc", rows: lc.count,
            columns: lc.columnNames,
            time: TimeSummary(
                column: "TIME", first: times.min(), last: times.max(), finite: times.count, reference: lc.bjdReference,
                system: TimeSystem.barycentric(reference: lc.bjdReference).name),
            flux: FluxSummary(column: "PDCSAP_FLUX", finite: flux.count, median: Statistics.median(flux)),
            quality: QualitySummary(column: lc.mission.qualityColumn, nonzero: lc.quality.filter { $0 != 0 }.count),
            target: Target(
                name: lc.objectName ?? lc.targetID.map { "\(lc.mission.objectPrefix) \($0)" }, ra: lc.objectRA,
                dec: lc.objectDec),
            catalog: nil)
    }

    static func ztf(_ table: ZTFLightcurveTable, url: URL) -> FileInspection {
        let times = table.mjd.filter(\.isFinite)
        let mags = table.mag.filter(\.isFinite)
        let objects = table.objects
        return FileInspection(
            file: url.path, format: "ztf-irsa-csv", rows: table.count, columns: (try? CSVTable(contentsOf: url).header) ?? ZTFLightcurveTable.columnNames,
            time: TimeSummary(
                column: "mjd", first: times.min(), last: times.max(), finite: times.count,
                reference: TimeSystem.mjd.julianDateOffset, system: "MJD"),
            flux: FluxSummary(column: "mag", finite: mags.count, median: Statistics.median(mags)),
            quality: QualitySummary(column: "catflags", nonzero: table.catflags.filter { $0 != 0 }.count),
            target: Target(
                name: objects.count == 1 ? "ZTF \(objects[0].oid)" : "\(objects.count) ZTF objects",
                ra: circularMedian(table.ra.filter(\.isFinite)), dec: Statistics.median(table.dec.filter(\.isFinite))),
            catalog: nil)
    }

    /// A light-curve table: format `lightcurve-<csv|ecsv|ipac|votable|fits>`, the columns found for
    /// time, flux and quality, and the time system the file states (`unknown` when it states none).
    static func lightcurveTable(_ table: LightcurveTable, url: URL) -> FileInspection {
        let times = table.time.filter(\.isFinite)
        let flux = table.flux.filter(\.isFinite)
        return FileInspection(
            file: url.path, format: "lightcurve-\(table.format.rawValue)", rows: table.count, columns: table.columnNames,
            time: TimeSummary(
                column: table.columns.time ?? "", first: times.min(), last: times.max(), finite: times.count,
                reference: table.timeSystem?.julianDateOffset, system: table.timeSystem?.name ?? "unknown"),
            flux: FluxSummary(column: table.columns.flux ?? "", finite: flux.count, median: Statistics.median(flux)),
            quality: table.columns.quality.map { QualitySummary(column: $0, nonzero: table.quality.filter { $0 != 0 }.count) },
            target: table.keywords["OBJECT"].map { Target(name: $0, ra: nil, dec: nil) }, catalog: nil)
    }

    static func catalog(_ table: CatalogTable, url: URL) -> FileInspection {
        let defaults = CatalogColumns()
        let idColumn = CatalogColumns.firstMatch(defaults.id, in: table.columns)
        let magColumn = CatalogColumns.firstMatch(defaults.magnitude, in: table.columns)
        let mags = magColumn.map { c in table.rows.compactMap { $0[c].flatMap(Double.init) }.filter(\.isFinite) } ?? []
        return FileInspection(
            file: url.path, format: table.format.rawValue, rows: table.rows.count, columns: table.columns, time: nil, flux: nil,
            quality: nil, target: nil,
            catalog: CatalogSummary(
                idColumn: idColumn.map { table.columns[$0] }, firstID: idColumn.flatMap { table.rows.first?[$0] },
                magColumn: magColumn.map { table.columns[$0] }, medianMag: Statistics.median(mags)))
    }

    /// Median RA that survives the 0°/360° wrap (ZTF positions near RA 0 come as 359.99… and 0.00…).
    static func circularMedian(_ ra: [Double]) -> Double? {
        guard !ra.isEmpty else { return nil }
        let wraps = ra.contains { $0 > 270 } && ra.contains { $0 < 90 }
        guard wraps, let m = Statistics.median(ra.map { $0 > 180 ? $0 - 360 : $0 }) else { return Statistics.median(ra) }
        return m < 0 ? m + 360 : m
    }

    enum CodingKeys: String, CodingKey {
        case file, format, rows, columns, time, flux, quality, target, catalog
    }

    /// One JSON object, keys sorted.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A few human-readable lines.
    public var text: String {
        var lines = ["\(file): \(format), \(rows) rows, \(columns.count) columns"]
        lines.append("  columns: \(columns.joined(separator: ", "))")
        if let t = time {
            let reference = t.reference.map { "+\($0) for JD" } ?? "give --time-system to read it"
            lines.append("  time \(t.column) (\(t.system), \(reference)): \(t.first.map { "\($0)" } ?? "–") … \(t.last.map { "\($0)" } ?? "–"), \(t.finite) finite")
        }
        if let f = flux { lines.append("  flux \(f.column): \(f.finite) finite, median \(f.median.map { "\($0)" } ?? "–")") }
        if let q = quality { lines.append("  quality \(q.column): \(q.nonzero) rows flagged") }
        if let t = target { lines.append("  target \(t.name ?? "–") at RA \(t.ra.map { "\($0)" } ?? "–"), Dec \(t.dec.map { "\($0)" } ?? "–")") }
        if let c = catalog {
            lines.append("  catalog: id column \(c.idColumn ?? "–") (first \(c.firstID ?? "–")), magnitude column \(c.magColumn ?? "–") (median \(c.medianMag.map { "\($0)" } ?? "–"))")
        }
        return lines.joined(separator: "\n")
    }
}
