import Foundation

/// A light curve as astronomers keep it: a table with time, flux and flux-error columns, and
/// optionally a quality column, in CSV, ECSV, IPAC, VOTable or a FITS table.
///
/// This is the reader for "my own photometry" and for products of other tools (lightkurve's
/// `to_csv`/`to_fits`, TESS-Gaia style exports, a student's spreadsheet). Columns are found by
/// their usual names, ignoring case (see ``Columns``), or named by the caller. The file is not
/// interpreted beyond that: values are kept as they are, NaN where a cell is empty or not a
/// number; quality rejection and normalisation happen when the table is calibrated as a
/// ``PhotometricDataset`` (``Calibration/lightcurveTable(timeSystem:columns:bad:)``).
///
/// Time needs a system. It is taken, in this order, from the caller, from the time column's name
/// (`btjd` → BTJD, `bkjd` → BKJD, `mjd` → MJD, `bjd`/`hjd`/`jd` → full Julian dates), or from
/// header keywords (`BJDREFI` + `BJDREFF` in a FITS header, ECSV `meta` or IPAC `\KEY = value`
/// line). A plain `time` column without such keywords says nothing: ``timeSystem`` is then `nil`
/// and ``requireTimeSystem()`` throws ``LightcurveTableError/unknownTimeSystem(path:column:)``.
///
/// CSV is read with ``CSVTable`` (bytes, no `String` per character) and only the needed columns
/// are converted to numbers, so a 100,000-row TESS 20-second export reads in a fraction of a second;
/// ECSV, IPAC and VOTable go through ``CatalogTable``'s readers, FITS tables through ``FITSFile``.
///
/// ```swift
/// let table = try LightcurveTable.read(from: URL(fileURLWithPath: "aumic_tic441420236_s27_20s.csv"),
///                                      timeSystem: .btjd)
/// print(table.count, table.columns.flux ?? "", table.timeSystem ?? .btjd)
/// ```
public struct LightcurveTable: Sendable {
    /// Which column plays which role. `nil` means "find it by its usual names".
    ///
    /// Stored, resolved, in ``Calibration/lightcurveTable(timeSystem:columns:bad:)`` so that a
    /// dataset is always read back with the same columns.
    public struct Columns: Sendable, Hashable, Codable {
        public var time: String?
        public var flux: String?
        public var error: String?
        public var quality: String?

        public init(time: String? = nil, flux: String? = nil, error: String? = nil, quality: String? = nil) {
            self.time = time
            self.flux = flux
            self.error = error
            self.quality = quality
        }

        /// Usual names of a time column, in order of preference.
        public static let timeNames = ["time", "bjd", "btjd", "bkjd", "mjd", "jd", "hjd"]
        /// Usual names of a flux column, in order of preference.
        public static let fluxNames = ["flux", "pdcsap_flux", "sap_flux", "f", "rel_flux"]
        /// Usual names of a flux-error column; `<flux>_err` and `<flux>_error` of the chosen flux
        /// column are tried first.
        public static let errorNames = ["flux_err", "e_flux", "err", "flux_error", "pdcsap_flux_err", "sigma"]
        /// Usual names of a quality column.
        public static let qualityNames = ["quality", "sap_quality", "flags"]
    }

    /// What a table file says before its rows are read: format, column names and header keywords.
    public struct Layout: Sendable {
        public var source: String
        public var format: CatalogTable.Format
        public var columnNames: [String]
        /// Header keywords that bear on a light curve (``keywordNames``), upper-case names, from
        /// the FITS headers (table over primary), ECSV `meta` or IPAC `\KEY = value` lines.
        public var keywords: [String: String]

        /// The columns to read: each override must exist (ignoring case); the others are found by
        /// their usual names. Time, flux and error are required, quality is optional.
        /// - Throws: ``LightcurveTableError/missingColumn(path:role:tried:available:)``.
        public func resolve(_ overrides: Columns = Columns()) throws -> Columns {
            func find(_ role: String, _ given: String?, _ candidates: [String], required: Bool) throws -> String? {
                let tried = given.map { [$0] } ?? candidates
                if let k = CatalogColumns.firstMatch(tried, in: columnNames) { return columnNames[k] }
                if required || given != nil {
                    throw LightcurveTableError.missingColumn(path: source, role: role, tried: tried, available: columnNames)
                }
                return nil
            }
            let time = try find("time", overrides.time, Columns.timeNames, required: true)
            let flux = try find("flux", overrides.flux, Columns.fluxNames, required: true)
            let own = flux.map { [$0 + "_err", $0 + "_error"] } ?? []
            let error = try find("flux error", overrides.error, own + Columns.errorNames, required: true)
            let quality = try find("quality", overrides.quality, Columns.qualityNames, required: false)
            return Columns(time: time, flux: flux, error: error, quality: quality)
        }

        /// Whether the file has a time and a flux column under their usual names.
        public var hasLightcurveColumns: Bool {
            CatalogColumns.firstMatch(Columns.timeNames, in: columnNames) != nil
                && CatalogColumns.firstMatch(Columns.fluxNames, in: columnNames) != nil
        }

        /// The time system the file states for `timeColumn`: by the column's name, else by
        /// `BJDREFI` (+ `BJDREFF`) in its header; `nil` when it states none.
        public func timeSystem(of timeColumn: String) -> TimeSystem? {
            switch timeColumn.lowercased() {
            case "btjd": return .btjd
            case "bkjd": return .bkjd
            case "mjd": return .mjd
            case "bjd": return .bjd
            case "hjd": return .hjd
            case "jd": return .jd
            default: break
            }
            guard let integer = keywords["BJDREFI"].flatMap(LightcurveTable.number), integer.isFinite else { return nil }
            let fraction = keywords["BJDREFF"].flatMap(LightcurveTable.number).flatMap { $0.isFinite ? $0 : nil } ?? 0
            return .barycentric(reference: integer + fraction)
        }

        /// `TELESCOP` from the header, if any.
        public var telescope: String? { keywords["TELESCOP"] }

        /// "TESS" when the header's `TELESCOP` or the file name says TESS (a `tess` word or a
        /// `tic` followed by digits, as in `aumic_tic441420236_s27_20s.csv`), else "table".
        public var band: String {
            if telescope?.uppercased() == "TESS" { return "TESS" }
            let name = URL(fileURLWithPath: source).lastPathComponent.lowercased()
            return LightcurveTable.nameSaysTESS(name) ? "TESS" : "table"
        }
    }

    /// The quality mask that rejects any non-zero quality (all 32 bits set), the default.
    public static let anyQualityBit: Int32 = -1
    /// Flux whose median lies within this of 1 is taken as already relative, not renormalised.
    public static let relativeTolerance = 0.1

    /// Header keywords kept in ``Layout/keywords``.
    public static let keywordNames = ["BJDREFI", "BJDREFF", "TIMESYS", "TELESCOP", "OBJECT"]

    public var source: String
    public var format: CatalogTable.Format
    /// Every column of the file, in file order.
    public var columnNames: [String]
    public var keywords: [String: String]
    /// The columns read (time, flux, error always set; quality when the file has one).
    public var columns: Columns
    /// The time system given by the caller or stated by the file; `nil` when neither says.
    public var timeSystem: TimeSystem?
    /// One entry per data row, in file order; NaN where a cell is empty or not a number.
    public var time: [Double]
    public var flux: [Double]
    public var fluxError: [Double]
    /// The quality column, 0 where the file has none or the cell is empty.
    public var quality: [Int32]
    /// Band label, see ``Layout/band``.
    public var band: String

    public var count: Int { time.count }

    /// Median spacing of consecutive finite times (days), `nil` with fewer than two distinct times.
    public var medianCadence: Double? {
        let sorted = time.filter(\.isFinite).sorted()
        guard sorted.count > 1 else { return nil }
        let steps = zip(sorted.dropFirst(), sorted).map { $0 - $1 }.filter { $0 > 0 }
        return Statistics.median(steps)
    }

    /// The time system, or the error that tells the user to give one.
    /// - Throws: ``LightcurveTableError/unknownTimeSystem(path:column:)``.
    public func requireTimeSystem() throws -> TimeSystem {
        guard let timeSystem else {
            throw LightcurveTableError.unknownTimeSystem(path: source, column: columns.time ?? "time")
        }
        return timeSystem
    }

    // MARK: Reading

    /// Reads the header of a table file: format, column names and keywords, without its rows.
    /// - Throws: ``LightcurveTableError``, ``CSVError``, ``CatalogFileError`` or ``FITSError``
    ///   naming the file.
    public static func layout(of url: URL) throws -> Layout {
        let data = try contents(of: url)
        let format = CatalogTable.format(ofHead: data)
        switch format {
        case .fits:
            let file = try FITSFile.open(url)
            return try fitsLayout(file, source: url.path)
        case .votable:
            let table = try VOTableReader.read(data, source: url.path)
            return Layout(source: url.path, format: .votable, columnNames: table.columns, keywords: [:])
        case .csv, .ecsv, .ipac:
            return try textLayout(data, format: format, source: url.path)
        }
    }

    /// Reads a light-curve table.
    ///
    /// - Parameters:
    ///   - url: The file (CSV, ECSV, IPAC, VOTable, or FITS with the table in its `LIGHTCURVE`
    ///     extension or else its first extension).
    ///   - columns: Column names that override the usual ones.
    ///   - timeSystem: The system of the time column; overrides what the file says.
    /// - Returns: The table, every row kept (NaN cells as NaN).
    /// - Throws: ``LightcurveTableError`` naming the file and, for a bad cell, the 1-based data row
    ///   (and line, for line-based formats), column and value; ``FITSError`` for unreadable FITS.
    public static func read(from url: URL, columns: Columns = Columns(), timeSystem: TimeSystem? = nil) throws
        -> LightcurveTable
    {
        let data = try contents(of: url)
        let format = CatalogTable.format(ofHead: data)
        let source = url.path
        var layout: Layout
        let resolved: Columns
        let values: (time: [Double], flux: [Double], error: [Double], quality: [Int32])
        switch format {
        case .fits:
            let file = try FITSFile.open(url)
            layout = try fitsLayout(file, source: source)
            resolved = try layout.resolve(columns)
            values = try fitsValues(file, resolved)
            try file.close()
        case .csv:
            layout = try textLayout(data, format: .csv, source: source)
            resolved = try layout.resolve(columns)
            let csv: CSVTable
            do { csv = try CSVTable(data: data, source: source) } catch let CSVError.wrongFieldCount(_, line, expected, found) {
                throw LightcurveTableError.wrongCellCount(
                    path: source, row: dataRow(ofLine: line, in: data, skipping: [], headerIsSkipped: false), line: line, expected: expected, found: found)
            }
            values = try cellValues(
                columns: csv.header, rows: csv.rows.count, resolved: resolved, source: source,
                line: { csv.lineNumbers[$0] }, cell: { r, c in csv.rows[r][c] })
        case .ecsv, .ipac, .votable:
            layout = format == .votable
                ? Layout(source: source, format: .votable, columnNames: [], keywords: [:])
                : try textLayout(data, format: format, source: source)
            let table: CatalogTable
            do {
                switch format {
                case .ecsv: table = try CatalogTable.readECSV(data, source: source)
                case .ipac: table = try CatalogTable.readIPAC(data, source: source)
                default: table = try VOTableReader.read(data, source: source)
                }
            } catch let CatalogFileError.wrongCellCount(_, line, expected, found) {
                throw LightcurveTableError.wrongCellCount(
                    path: source, row: dataRow(
                        ofLine: line, in: data, skipping: format == .ecsv ? ["#"] : ["\\", "|"], headerIsSkipped: format != .ecsv),
                    line: line, expected: expected, found: found)
            }
            layout.columnNames = table.columns
            resolved = try layout.resolve(columns)
            values = try cellValues(
                columns: table.columns, rows: table.rows.count, resolved: resolved, source: source, line: { _ in nil },
                cell: { r, c in table.rows[r][c] })
        }
        return LightcurveTable(
            source: source, format: format, columnNames: layout.columnNames, keywords: layout.keywords, columns: resolved,
            timeSystem: timeSystem ?? resolved.time.flatMap { layout.timeSystem(of: $0) },
            time: values.time, flux: values.flux, fluxError: values.error, quality: values.quality, band: layout.band)
    }

    // MARK: Helpers

    static func contents(of url: URL) throws -> Data {
        do { return try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw LightcurveTableError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The table of a FITS file: its `LIGHTCURVE` extension, else HDU 2; keywords of the primary
    /// header, overridden by the table's. Leaves the table HDU current.
    static func fitsLayout(_ file: FITSFile, source: String) throws -> Layout {
        guard try file.hduCount >= 2 else { throw LightcurveTableError.noTable(path: source) }
        var keywords: [String: String] = [:]
        for name in keywordNames { keywords[name] = try file.stringKeyword(name) }
        if try file.hduNames.contains(where: { $0.uppercased() == "LIGHTCURVE" }) {
            try file.moveToExtension(named: "LIGHTCURVE")
        } else {
            try file.moveToHDU(number: 2)
        }
        for name in keywordNames { if let value = try file.stringKeyword(name) { keywords[name] = value } }
        return Layout(source: source, format: .fits, columnNames: try file.columnNames, keywords: keywords)
    }

    static func fitsValues(_ file: FITSFile, _ columns: Columns) throws -> (
        time: [Double], flux: [Double], error: [Double], quality: [Int32]
    ) {
        let time = try file.readDoubles(column: columns.time ?? "")
        let flux = try file.readDoubles(column: columns.flux ?? "")
        let error = try file.readDoubles(column: columns.error ?? "")
        var quality = [Int32](repeating: 0, count: time.count)
        if let name = columns.quality {
            if let ints = try? file.readInt64s(column: name) {
                for (r, value) in ints.enumerated() where r < quality.count {
                    guard let value else { continue }
                    guard let q = Int32(exactly: value) else {
                        throw LightcurveTableError.invalidValue(path: file.path, row: r + 1, line: nil, column: name, value: "\(value)")
                    }
                    quality[r] = q
                }
            } else {
                for (r, value) in try file.readDoubles(column: name).enumerated() where r < quality.count {
                    guard let q = qualityValue(value) else {
                        throw LightcurveTableError.invalidValue(path: file.path, row: r + 1, line: nil, column: name, value: "\(value)")
                    }
                    quality[r] = q
                }
            }
        }
        return (time, flux, error, quality)
    }

    /// Column names and keywords of a CSV (first record), ECSV (first line after the `#` header)
    /// or IPAC (first `|` line) file.
    static func textLayout(_ data: Data, format: CatalogTable.Format, source: String) throws -> Layout {
        var keywords: [String: String] = [:]
        var columns: [String] = []
        var delimiter: Character = " "
        var headerLines: [Substring] = []
        var offset = data.startIndex
        // Walk the lines of the head only: the header ends at the first line of column names.
        lines: while offset < data.endIndex {
            let end = data[offset...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            var line = Substring(String(decoding: data[offset..<end], as: UTF8.self))
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            offset = end < data.endIndex ? data.index(after: end) : end
            switch format {
            case .ecsv:
                if line.hasPrefix("#") {
                    headerLines.append(line)
                    if let range = line.range(of: "delimiter:"),
                        line[range.upperBound...].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) == ","
                    {
                        delimiter = ","
                    }
                    continue
                }
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                columns = try CatalogTable.tokens(String(line), delimiter: delimiter, source: source, line: 0).map { $0 ?? "" }
            case .ipac:
                if line.hasPrefix("\\") {
                    headerLines.append(line)
                    continue
                }
                if line.hasPrefix("|") {
                    columns = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                } else if line.trimmingCharacters(in: .whitespaces).isEmpty {
                    continue
                }
            default:
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                columns = try CSVTable(data: Data(line.utf8), source: source).header
            }
            break lines
        }
        for line in headerLines {
            for name in keywordNames where keywords[name] == nil {
                if let value = keywordValue(name, in: line) { keywords[name] = value }
            }
        }
        return Layout(source: source, format: format, columnNames: columns, keywords: keywords)
    }

    /// The value of `KEY: value` or `KEY = value` in a header line (ECSV `meta`, IPAC keywords),
    /// the key in upper case as FITS writes it, without quotes; the value ends at `,`, `}`, ` /` or the end of the line.
    static func keywordValue(_ key: String, in line: Substring) -> String? {
        var search = line.startIndex
        while let range = line.range(of: key, range: search..<line.endIndex) {
            search = range.upperBound
            if range.lowerBound > line.startIndex {
                let before = line[line.index(before: range.lowerBound)]
                if before.isLetter || before.isNumber || before == "_" { continue }
            }
            var rest = line[range.upperBound...].drop { $0 == " " }
            guard let sign = rest.first, sign == ":" || sign == "=" else { continue }
            rest = rest.dropFirst()
            var value = rest.prefix { $0 != "," && $0 != "}" }
            if let slash = value.range(of: " /") { value = value[..<slash.lowerBound] }
            let text = value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
                .trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        return nil
    }

    /// Converts the resolved columns of a text table to numbers.
    static func cellValues<Cell: StringProtocol>(
        columns: [String], rows: Int, resolved: Columns, source: String, line: (Int) -> Int?, cell: (Int, Int) -> Cell?
    ) throws -> (time: [Double], flux: [Double], error: [Double], quality: [Int32]) {
        func index(_ name: String?) -> Int? { name.flatMap { CatalogColumns.firstMatch([$0], in: columns) } }
        guard let t = index(resolved.time), let f = index(resolved.flux), let e = index(resolved.error) else {
            throw LightcurveTableError.missingColumn(
                path: source, role: "time, flux and flux error",
                tried: [resolved.time, resolved.flux, resolved.error].compactMap { $0 }, available: columns)
        }
        let q = index(resolved.quality)
        var time = [Double](), flux = [Double](), error = [Double](), quality = [Int32]()
        time.reserveCapacity(rows)
        flux.reserveCapacity(rows)
        error.reserveCapacity(rows)
        quality.reserveCapacity(rows)
        func bad(_ r: Int, _ c: Int, _ text: Cell) -> LightcurveTableError {
            .invalidValue(path: source, row: r + 1, line: line(r), column: columns[c], value: String(text))
        }
        func double(_ r: Int, _ c: Int) throws -> Double {
            guard let text = cell(r, c) else { return .nan }
            if let value = Double(text) { return value }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let value = Double(trimmed) { return value }
            if missingTokens.contains(trimmed.lowercased()) { return .nan }
            throw bad(r, c, text)
        }
        for r in 0..<rows {
            time.append(try double(r, t))
            flux.append(try double(r, f))
            error.append(try double(r, e))
            if let q {
                let value = try double(r, q)
                guard let flag = qualityValue(value) else { throw bad(r, q, cell(r, q) ?? "") }
                quality.append(flag)
            } else {
                quality.append(0)
            }
        }
        return (time, flux, error, quality)
    }

    /// Cell texts that mean "no value".
    static let missingTokens: Set<String> = ["", "nan", "null", "none", "--", "n/a", "na"]

    /// A quality value as a 32-bit flag word: NaN (empty) is 0, integral values that fit are kept,
    /// anything else is `nil`.
    static func qualityValue(_ value: Double) -> Int32? {
        if value.isNaN { return 0 }
        guard value == value.rounded() else { return nil }
        return Int32(exactly: value)
    }

    static func number(_ text: String) -> Double? { Double(text.trimmingCharacters(in: .whitespaces)) }

    /// Whether a file name says TESS: a `tess` word, or `tic` followed by digits.
    static func nameSaysTESS(_ name: String) -> Bool {
        let chars = Array(name.lowercased())
        func word(at i: Int, _ w: String) -> Bool {
            let letters = Array(w)
            guard i + letters.count <= chars.count, Array(chars[i..<(i + letters.count)]) == letters else { return false }
            return i == 0 || !chars[i - 1].isLetter
        }
        for i in chars.indices {
            if word(at: i, "tess"), i + 4 == chars.count || !chars[i + 4].isLetter { return true }
            if word(at: i, "tic") {
                var j = i + 3
                while j < chars.count, chars[j] == "_" || chars[j] == "-" || chars[j] == " " { j += 1 }
                if j < chars.count, chars[j].isNumber { return true }
            }
        }
        return false
    }

    /// The 1-based data row that starts on file line `line`: one more than the data lines before
    /// it. Lines that hold no text or start with one of `skipping` (comment and keyword lines) are
    /// not counted, nor the column-name line unless `headerIsSkipped` says the prefixes already
    /// skip it (IPAC's `|` lines). Assumes no line breaks inside quoted cells, as in numeric tables.
    static func dataRow(ofLine line: Int, in data: Data, skipping prefixes: [Character], headerIsSkipped: Bool) -> Int {
        var number = 1
        var filled = 0
        var lineHasText = false
        var firstCharacter: UInt8?
        let skip = Set(prefixes.compactMap(\.asciiValue))
        for byte in data {
            if number >= line { break }
            if byte == UInt8(ascii: "\n") {
                if lineHasText, let first = firstCharacter, !skip.contains(first) { filled += 1 }
                number += 1
                lineHasText = false
                firstCharacter = nil
                continue
            }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\r") && byte != UInt8(ascii: "\t") {
                if !lineHasText { firstCharacter = byte }
                lineHasText = true
            }
        }
        return max(1, headerIsSkipped ? filled + 1 : filled)
    }
}

/// Errors of ``LightcurveTable``: each names the file, and a bad cell its 1-based data row (the
/// first row after the header is row 1), its line where the format has lines, column and value.
public enum LightcurveTableError: Error, LocalizedError, Equatable, FileError {
    case unreadable(path: String, reason: String)
    /// A FITS file without a table extension.
    case noTable(path: String)
    case missingColumn(path: String, role: String, tried: [String], available: [String])
    case unknownTimeSystem(path: String, column: String)
    case invalidValue(path: String, row: Int, line: Int?, column: String, value: String)
    case wrongCellCount(path: String, row: Int, line: Int, expected: Int, found: Int)

    public var path: String? {
        switch self {
        case let .unreadable(p, _), let .noTable(p), let .missingColumn(p, _, _, _), let .unknownTimeSystem(p, _),
            let .invalidValue(p, _, _, _, _), let .wrongCellCount(p, _, _, _, _):
            return p
        }
    }

    public var errorDescription: String? {
        func at(_ row: Int, _ line: Int?) -> String { "data row \(row)" + (line.map { " (line \($0))" } ?? "") }
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        case let .noTable(p): return "\(p): no table extension in this FITS file"
        case let .missingColumn(p, role, tried, available):
            return "\(p): no \(role) column (looked for \(tried.joined(separator: ", "))); the file's columns are "
                + (available.isEmpty ? "none" : available.joined(separator: ", "))
        case let .unknownTimeSystem(p, c):
            return "\(p): the time column '\(c)' does not say its time system; give --time-system "
                + TimeSystem.named.map(\.name).joined(separator: "|")
        case let .invalidValue(p, r, l, c, v): return "\(p), \(at(r, l)), column '\(c)': invalid value '\(v)'"
        case let .wrongCellCount(p, r, l, e, f):
            return "\(p), \(at(r, l)): \(f) cells, the header has \(e) (truncated or malformed row)"
        }
    }
}
