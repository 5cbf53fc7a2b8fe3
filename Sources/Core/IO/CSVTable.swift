import Foundation

/// A comma-separated table read into memory: a header and rows of fields (RFC 4180 quoting).
///
/// Hand-written rather than taken from a CSV package because it works on raw bytes: archive
/// responses reach hundreds of thousands of rows, and this reader parses them without creating a
/// `String` per character. Quoted fields may contain commas, doubled quotes and line breaks.
/// Rows are numbered from 1 for the first data row in errors (the header is line 1 of the file).
public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]
    /// 1-based line number in the file where each row starts (for error messages).
    public let lineNumbers: [Int]

    /// Parses CSV bytes.
    /// - Parameter source: a name for error messages (usually the file path).
    /// - Throws: ``CSVError`` naming the source and line.
    public init(data: Data, source: String) throws {
        var records: [[String]] = []
        var lines: [Int] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = bytes.count
            var line = 1
            // Skip a UTF-8 byte-order mark.
            if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
            var record: [String] = []
            var recordLine = 1
            var field: [UInt8] = []
            var inQuotes = false
            var fieldWasQuoted = false
            func endField() {
                record.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldWasQuoted = false
            }
            while i < n {
                let c = bytes[i]
                if inQuotes {
                    if c == UInt8(ascii: "\"") {
                        if i + 1 < n, bytes[i + 1] == UInt8(ascii: "\"") {
                            field.append(c)
                            i += 2
                            continue
                        }
                        inQuotes = false
                    } else {
                        if c == UInt8(ascii: "\n") { line += 1 }
                        field.append(c)
                    }
                    i += 1
                    continue
                }
                switch c {
                case UInt8(ascii: ","):
                    endField()
                case UInt8(ascii: "\""):
                    if field.isEmpty && !fieldWasQuoted {
                        inQuotes = true
                        fieldWasQuoted = true
                    } else {
                        throw CSVError.strayQuote(source: source, line: line)
                    }
                case UInt8(ascii: "\r"):
                    break
                case UInt8(ascii: "\n"):
                    endField()
                    if !(record.count == 1 && record[0].isEmpty) {
                        records.append(record)
                        lines.append(recordLine)
                    }
                    record.removeAll(keepingCapacity: true)
                    line += 1
                    recordLine = line
                default:
                    field.append(c)
                }
                i += 1
            }
            if inQuotes { throw CSVError.unterminatedQuote(source: source, line: recordLine) }
            if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
                endField()
                records.append(record)
                lines.append(recordLine)
            }
        }
        guard let first = records.first else { throw CSVError.empty(source: source) }
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = Array(records.dropFirst())
        lineNumbers = Array(lines.dropFirst())
        for (k, row) in rows.enumerated() where row.count != header.count {
            throw CSVError.wrongFieldCount(source: source, line: lineNumbers[k], expected: header.count, found: row.count)
        }
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CSVError.unreadable(source: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }

    /// Index of the column called `name` (exact, then case-insensitive), or nil.
    public func column(_ name: String) -> Int? {
        header.firstIndex(of: name) ?? header.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// Renders a table as CSV, quoting fields that need it.
    public static func render(header: [String], rows: [[String]]) -> String {
        func quote(_ f: String) -> String {
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }
        var out = header.map(quote).joined(separator: ",") + "\n"
        for row in rows { out += row.map(quote).joined(separator: ",") + "\n" }
        return out
    }
}

public enum CSVError: Error, LocalizedError, Equatable {
    case unreadable(source: String, reason: String)
    case empty(source: String)
    case strayQuote(source: String, line: Int)
    case unterminatedQuote(source: String, line: Int)
    case wrongFieldCount(source: String, line: Int, expected: Int, found: Int)
    case missingColumn(source: String, column: String)
    case invalidValue(source: String, line: Int, column: String, value: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(s, r): return "\(s): cannot read: \(r)"
        case let .empty(s): return "\(s): empty file, expected a header line"
        case let .strayQuote(s, l): return "\(s), line \(l): quote inside an unquoted field"
        case let .unterminatedQuote(s, l): return "\(s), line \(l): quoted field never closed (truncated file?)"
        case let .wrongFieldCount(s, l, e, f): return "\(s), line \(l): \(f) fields, header has \(e) (truncated or malformed row)"
        case let .missingColumn(s, c): return "\(s): no column '\(c)'"
        case let .invalidValue(s, l, c, v): return "\(s), line \(l), column '\(c)': invalid value '\(v)'"
        }
    }
}

extension CSVError: FileError {
    public var path: String? {
        switch self {
        case let .unreadable(s, _), let .empty(s), let .strayQuote(s, _), let .unterminatedQuote(s, _),
            let .wrongFieldCount(s, _, _, _), let .missingColumn(s, _), let .invalidValue(s, _, _, _):
            return s
        }
    }
}
