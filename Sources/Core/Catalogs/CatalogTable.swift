import Foundation

/// A table read from a catalog file, as text cells (nil = null), before its columns are mapped.
///
/// Cells stay text so that 64-bit identifiers (Gaia `source_id`) are never rounded through `Double`;
/// numbers are parsed when the columns are mapped (``Catalog/init(table:columns:name:)``).
public struct CatalogTable: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, ecsv, ipac, votable, fits
    }

    public var format: Format
    public var columns: [String]
    public var rows: [[String?]]
    /// Where the table came from, for error messages.
    public var source: String

    public init(format: Format, columns: [String], rows: [[String?]], source: String) {
        self.format = format
        self.columns = columns
        self.rows = rows
        self.source = source
    }

    /// Reads a catalog file, choosing the reader by content (FITS, VOTable, ECSV, IPAC) or else CSV.
    /// - Throws: ``CatalogFileError`` (or a reader's own error) naming the file, row and value.
    public static func read(from url: URL) throws -> CatalogTable {
        if try format(of: url) == .fits { return try readFITS(url) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        switch format(ofHead: data) {
        case .fits: return try readFITS(url)
        case .votable: return try VOTableReader.read(data, source: url.path)
        case .ecsv: return try readECSV(data, source: url.path)
        case .ipac: return try readIPAC(data, source: url.path)
        case .csv:
            let csv = try CSVTable(data: data, source: url.path)
            return CatalogTable(format: .csv, columns: csv.header, rows: csv.rows.map(cells), source: url.path)
        }
    }

    /// CSV fields as cells: blank fields are nulls.
    static func cells(_ fields: [String]) -> [String?] {
        fields.map { $0.trimmingSpaces.isEmpty ? nil : $0 }
    }

    /// The format of a file from its first 2,048 bytes (see ``format(ofHead:)``), without reading the rest.
    public static func format(of url: URL) throws -> Format {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CatalogFileError.unreadable(path: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? "permission denied" : "no such file")
        }
        defer { try? handle.close() }
        do { return format(ofHead: try handle.read(upToCount: 2048) ?? Data()) } catch {
            throw CatalogFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The format of a table from its first bytes: FITS (`SIMPLE  =`), VOTable (`<?xml`, `<VOTABLE`),
    /// ECSV (`# %ECSV`), IPAC (a leading `\` or `|` line), else CSV.
    public static func format(ofHead data: Data) -> Format {
        let head = String(decoding: data.prefix(2048), as: UTF8.self)
        if head.hasPrefix("SIMPLE  =") { return .fits }
        let trimmed = head.drop { $0.isWhitespace }
        if trimmed.hasPrefix("<?xml") || trimmed.hasPrefix("<VOTABLE") { return .votable }
        if head.hasPrefix("# %ECSV") { return .ecsv }
        if trimmed.hasPrefix("\\") || trimmed.hasPrefix("|") { return .ipac }
        return .csv
    }

    // MARK: ECSV

    /// Astropy's Enhanced CSV: a YAML header in `# ` lines (delimiter, column names), then a header
    /// row and data rows; the default delimiter is a space, with double quotes around text that holds
    /// one. Empty cells (and `""`) are nulls.
    static func readECSV(_ data: Data, source: String) throws -> CatalogTable {
        let text = String(decoding: data, as: UTF8.self)
        var delimiter: Character = " "
        var lines: [(number: Int, text: String)] = []
        for (k, line) in text.components(separatedBy: "\n").enumerated() {
            let l = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if l.hasPrefix("#") {
                if let range = l.range(of: "delimiter:") {
                    let value = l[range.upperBound...].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
                    if value == "," { delimiter = "," }
                }
                continue
            }
            if l.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            lines.append((k + 1, l))
        }
        guard let header = lines.first else { throw CatalogFileError.empty(path: source) }
        let columns = try tokens(header.text, delimiter: delimiter, source: source, line: header.number).map { $0 ?? "" }
        var rows: [[String?]] = []
        for line in lines.dropFirst() {
            let cells = try tokens(line.text, delimiter: delimiter, source: source, line: line.number)
            guard cells.count == columns.count else {
                throw CatalogFileError.wrongCellCount(path: source, line: line.number, expected: columns.count, found: cells.count)
            }
            rows.append(cells)
        }
        return CatalogTable(format: .ecsv, columns: columns, rows: rows, source: source)
    }

    /// Splits one ECSV line; quoted cells may hold the delimiter. Unquoted empty cells are nil.
    static func tokens(_ line: String, delimiter: Character, source: String, line number: Int) throws -> [String?] {
        var result: [String?] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var chars = Array(line)
        if delimiter == " " { chars = Array(line.trimmingCharacters(in: .whitespaces)) }
        var i = 0
        func flush() {
            result.append(current.isEmpty && !wasQuoted ? nil : (current.isEmpty ? nil : current))
            current = ""
            wasQuoted = false
        }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        current.append("\"")
                        i += 2
                        continue
                    }
                    quoted = false
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
                wasQuoted = true
            } else if c == delimiter {
                flush()
                if delimiter == " " { while i + 1 < chars.count && chars[i + 1] == " " { i += 1 } }
            } else {
                current.append(c)
            }
            i += 1
        }
        if quoted { throw CatalogFileError.unterminatedQuote(path: source, line: number) }
        flush()
        return result
    }

    // MARK: IPAC

    /// IPAC table format: `\` keyword lines, then `|`-delimited header lines (names, types, units,
    /// null values), then fixed-width data aligned with the header's `|` positions.
    static func readIPAC(_ data: Data, source: String) throws -> CatalogTable {
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        var headers: [String] = []
        var dataLines: [(Int, String)] = []
        for (k, line) in lines.enumerated() {
            if line.hasPrefix("\\") { continue }
            if line.hasPrefix("|") && dataLines.isEmpty {
                headers.append(line)
                continue
            }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { dataLines.append((k + 1, line)) }
        }
        guard let names = headers.first else { throw CatalogFileError.empty(path: source) }
        // Column boundaries are the positions of `|` in the first header line.
        let bars = names.enumerated().filter { $0.element == "|" }.map(\.offset)
        guard bars.count >= 2 else { throw CatalogFileError.malformedHeader(path: source, detail: "no |-delimited column names") }
        func fields(_ line: String) -> [String] {
            let chars = Array(line)
            return (0..<(bars.count - 1)).map { k in
                let lo = min(bars[k] + 1, chars.count)
                let hi = min(bars[k + 1], chars.count)
                return lo < hi ? String(chars[lo..<hi]).trimmingCharacters(in: .whitespaces) : ""
            }
        }
        let columns = fields(names)
        let nulls = headers.count >= 4 ? fields(headers[3]) : Array(repeating: "null", count: columns.count)
        var rows: [[String?]] = []
        for (number, line) in dataLines {
            // Data may run one character past the last bar; beyond that the row is malformed.
            guard line.count <= bars[bars.count - 1] + 1 || line.trimmingCharacters(in: .whitespaces).count <= bars[bars.count - 1] else {
                throw CatalogFileError.wrongCellCount(path: source, line: number, expected: columns.count, found: columns.count + 1)
            }
            rows.append(zip(fields(line), nulls).map { value, null in value.isEmpty || value == null || value == "null" ? nil : value })
        }
        return CatalogTable(format: .ipac, columns: columns, rows: rows, source: source)
    }

    // MARK: FITS

    /// The first binary or ASCII table of a FITS file, read with CFITSIO: integer columns through
    /// 64-bit integers (exact), text as text, floating point as shortest round-trip decimal.
    static func readFITS(_ url: URL) throws -> CatalogTable {
        let file = try FITSFile.open(url)
        let count = try file.hduCount
        guard count >= 2 else { throw CatalogFileError.malformedHeader(path: url.path, detail: "no table extension") }
        try file.moveToHDU(number: 2)
        let columns = try file.columnNames
        let n = try file.rowCount
        var cells = Array(repeating: [String?](repeating: nil, count: columns.count), count: n)
        for (c, name) in columns.enumerated() {
            // The reader follows the column's type, and read errors propagate: a failed integer
            // read must never fall back to doubles (a 64-bit id would be rounded).
            let values: [String?]
            switch try file.columnKind(at: c) {
            case .integer: values = try file.readInt64s(column: name).map { $0.map(String.init) }
            case .string: values = try file.readStrings(column: name).map { $0.flatMap { $0.isEmpty ? nil : $0 } }
            case .floatingPoint, .numeric, .any: values = try file.readDoubles(column: name).map { $0.isNaN ? nil : "\($0)" }
            case .logical: values = try file.readBools(column: name).map { $0.map { $0 ? "true" : "false" } }
            case nil: values = Array(repeating: nil, count: n)  // vector column: not a catalog value
            }
            for r in 0..<n { cells[r][c] = values[r] }
        }
        return CatalogTable(format: .fits, columns: columns, rows: cells, source: url.path)
    }
}

public enum CatalogFileError: Error, LocalizedError, Equatable, FileError {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case malformedHeader(path: String, detail: String)
    case wrongCellCount(path: String, line: Int, expected: Int, found: Int)
    case unterminatedQuote(path: String, line: Int)
    case missingColumn(path: String, role: String, tried: [String], available: [String])
    case invalidValue(path: String, row: Int, column: String, value: String)

    public var path: String? {
        switch self {
        case let .unreadable(p, _), let .empty(p), let .malformedHeader(p, _), let .wrongCellCount(p, _, _, _),
            let .unterminatedQuote(p, _), let .missingColumn(p, _, _, _), let .invalidValue(p, _, _, _):
            return p
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        case let .empty(p): return "\(p): no table in the file"
        case let .malformedHeader(p, d): return "\(p): malformed header: \(d)"
        case let .wrongCellCount(p, l, e, f): return "\(p), line \(l): \(f) cells, the header has \(e)"
        case let .unterminatedQuote(p, l): return "\(p), line \(l): quoted cell never closed"
        case let .missingColumn(p, role, tried, available):
            return "\(p): no \(role) column (looked for \(tried.joined(separator: ", "))); columns are \(available.joined(separator: ", "))"
        case let .invalidValue(p, r, c, v): return "\(p), row \(r), column '\(c)': invalid value '\(v)'"
        }
    }
}
