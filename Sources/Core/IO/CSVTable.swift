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
        var parser = CSVRecordParser(source: source)
        let emit = { (record: [String], line: Int) in
            records.append(record)
            lines.append(line)
        }
        try data.withUnsafeBytes { try parser.consume($0.bindMemory(to: UInt8.self), emit) }
        try parser.finish(emit)
        guard let first = records.first else { throw CSVError.empty(source: source) }
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = Array(records.dropFirst())
        lineNumbers = Array(lines.dropFirst())
        for (k, row) in rows.enumerated() where row.count != header.count {
            throw CSVError.wrongFieldCount(source: source, line: lineNumbers[k], expected: header.count, found: row.count)
        }
    }

    /// Reads a CSV file a block at a time, handing over the header once and then each row with the
    /// line where it starts, so that a table of millions of rows is never held in memory.
    ///
    /// The same grammar and the same errors as ``init(data:source:)``: a row whose field count
    /// differs from the header's is ``CSVError/wrongFieldCount(source:line:expected:found:)``.
    public static func forEachRow(
        contentsOf url: URL, blockSize: Int = 1 << 20, header: ([String]) throws -> Void,
        row: (_ fields: [String], _ line: Int) throws -> Void
    ) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw CSVError.unreadable(source: url.path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        var parser = CSVRecordParser(source: url.path)
        var columns: Int?
        func emit(_ record: [String], _ line: Int) throws {
            guard let expected = columns else {
                columns = record.count
                try header(record.map { $0.trimmingCharacters(in: .whitespaces) })
                return
            }
            guard record.count == expected else {
                throw CSVError.wrongFieldCount(source: url.path, line: line, expected: expected, found: record.count)
            }
            try row(record, line)
        }
        while true {
            let block: Data?
            do { block = try handle.read(upToCount: blockSize) } catch {
                throw CSVError.unreadable(source: url.path, reason: error.localizedDescription)
            }
            guard let block, !block.isEmpty else { break }
            try block.withUnsafeBytes { try parser.consume($0.bindMemory(to: UInt8.self), emit) }
        }
        try parser.finish(emit)
        if columns == nil { throw CSVError.empty(source: url.path) }
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

/// The RFC 4180 state machine behind ``CSVTable``: bytes go in, in blocks of any size (a block may
/// end inside a field, a quoted line break or a doubled quote), and each complete record comes out
/// with the 1-based line where it starts. Blank lines are skipped; a UTF-8 byte-order mark at the
/// start is dropped.
struct CSVRecordParser {
    let source: String
    private var record: [String] = []
    private var field: [UInt8] = []
    private var inQuotes = false
    private var fieldWasQuoted = false
    /// A quote was the last byte of a block while in quotes: doubled or closing, the next byte says.
    private var pendingQuote = false
    private var line = 1
    private var recordLine = 1
    private var started = false
    private var bom: [UInt8] = []

    init(source: String) { self.source = source }

    private mutating func endField() {
        record.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        fieldWasQuoted = false
    }

    private mutating func endRecord(_ emit: ([String], Int) throws -> Void) throws {
        endField()
        if !(record.count == 1 && record[0].isEmpty) { try emit(record, recordLine) }
        record.removeAll(keepingCapacity: true)
    }

    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: ([String], Int) throws -> Void) throws {
        var i = 0
        let n = bytes.count
        // The byte-order mark may itself be split across the first blocks.
        while !started && i < n {
            bom.append(bytes[i])
            i += 1
            if bom.count == 3 || bom != Array([0xEF, 0xBB, 0xBF].prefix(bom.count)) {
                started = true
                let held = bom == [0xEF, 0xBB, 0xBF] ? [] : bom
                bom = []
                try held.withUnsafeBufferPointer { try consume($0, emit) }
            }
        }
        if !started { return }
        while i < n {
            let c = bytes[i]
            if pendingQuote {
                pendingQuote = false
                if c == UInt8(ascii: "\"") {
                    field.append(c)
                    i += 1
                    continue
                }
                inQuotes = false
            }
            if inQuotes {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < n {
                        if bytes[i + 1] == UInt8(ascii: "\"") {
                            field.append(c)
                            i += 2
                            continue
                        }
                        inQuotes = false
                    } else {
                        pendingQuote = true
                    }
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
                try endRecord(emit)
                line += 1
                recordLine = line
            default:
                field.append(c)
            }
            i += 1
        }
    }

    /// Ends the input: the last record may lack its line break.
    mutating func finish(_ emit: ([String], Int) throws -> Void) throws {
        if !started && !bom.isEmpty {
            started = true
            let held = bom
            bom = []
            try held.withUnsafeBufferPointer { try consume($0, emit) }
        }
        if pendingQuote {
            pendingQuote = false
            inQuotes = false
        }
        if inQuotes { throw CSVError.unterminatedQuote(source: source, line: recordLine) }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
            endField()
            try emit(record, recordLine)
            record.removeAll()
        }
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
