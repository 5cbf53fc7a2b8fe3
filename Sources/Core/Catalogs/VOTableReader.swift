import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the first TABLE of a VOTable (IVOA VOTable 1.4), in TABLEDATA or BINARY2 encoding.
///
/// Columns are named by FIELD's `name` attribute (not `ID`, which services fill differently).
/// BINARY2 rows start with a null bitmask (one bit per field, most significant first), followed by
/// each field big-endian: boolean/unsignedByte 1 byte, short 2, int/float 4, long/double 8,
/// char/unicodeChar arrays of fixed size or, for `*`, a 4-byte length first. `long` values are kept
/// as exact integers.
enum VOTableReader {
    struct Field {
        var name: String
        var datatype: String
        var arraysize: String?
    }

    static func read(_ data: Data, source: String) throws -> CatalogTable {
        // Foundation's XML parser traps on some invalid UTF-8 (inside comments, attribute names):
        // check the bytes first and name the offending one.
        if let offset = invalidByteOffset(data) {
            throw CatalogFileError.malformedHeader(
                path: source, detail: "byte \(offset + 1) is not valid UTF-8 text (a VOTable is UTF-8 XML; damaged or not a VOTable?)")
        }
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw CatalogFileError.malformedHeader(
                path: source, detail: "XML error at line \(parser.lineNumber): \(parser.parserError?.localizedDescription ?? "unknown")")
        }
        guard delegate.tableClosed else {
            throw CatalogFileError.malformedHeader(path: source, detail: "the file ends before </TABLE> (truncated?)")
        }
        guard !delegate.fields.isEmpty else {
            throw CatalogFileError.malformedHeader(path: source, detail: "the first TABLE has no FIELD elements")
        }
        if let stream = delegate.stream {
            guard let bytes = Data(base64Encoded: stream, options: .ignoreUnknownCharacters) else {
                throw CatalogFileError.malformedHeader(path: source, detail: "BINARY2 stream is not base64")
            }
            return CatalogTable(
                format: .votable, columns: delegate.fields.map(\.name),
                rows: try decodeBinary2(bytes, fields: delegate.fields, source: source), source: source)
        }
        for (k, row) in delegate.rows.enumerated() where row.count != delegate.fields.count {
            throw CatalogFileError.wrongCellCount(path: source, line: k + 1, expected: delegate.fields.count, found: row.count)
        }
        return CatalogTable(format: .votable, columns: delegate.fields.map(\.name), rows: delegate.rows, source: source)
    }

    static func decodeBinary2(_ bytes: Data, fields: [Field], source: String) throws -> [[String?]] {
        var rows: [[String?]] = []
        var offset = 0
        let maskBytes = (fields.count + 7) / 8
        func take(_ n: Int) throws -> Data {
            guard n >= 0, n <= bytes.count - offset else {
                throw CatalogFileError.malformedHeader(path: source, detail: "BINARY2 stream ends inside row \(rows.count + 1)")
            }
            defer { offset += n }
            return bytes.subdata(in: (bytes.startIndex + offset)..<(bytes.startIndex + offset + n))
        }
        func integer(_ d: Data) -> UInt64 { d.reduce(0) { $0 << 8 | UInt64($1) } }
        let counts = try fields.map { try elementCount($0, source: source) }
        let sizes: [String: Int] = ["boolean": 1, "unsignedByte": 1, "short": 2, "int": 4, "long": 8, "float": 4, "double": 8]
        while offset < bytes.count {
            let mask = Array(try take(maskBytes))
            var row: [String?] = []
            for (k, field) in fields.enumerated() {
                let isNull = mask[k / 8] & (0x80 >> UInt8(k % 8)) != 0
                let value: String?
                if field.datatype != "char" && field.datatype != "unicodeChar" && counts[k] != 1 {
                    // An array of numbers: not a catalog value; skip its bytes.
                    guard let size = sizes[field.datatype] else {
                        throw CatalogFileError.malformedHeader(
                            path: source, detail: "FIELD \(field.name): datatype \(field.datatype) not supported in BINARY2")
                    }
                    let count = try counts[k] ?? Int(integer(try take(4)))
                    let (length, overflow) = count.multipliedReportingOverflow(by: size)
                    _ = try take(overflow ? -1 : length)
                    row.append(nil)
                    continue
                }
                switch field.datatype {
                case "char", "unicodeChar":
                    let width = field.datatype == "char" ? 1 : 2
                    let count = try counts[k] ?? Int(integer(try take(4)))
                    let (length, overflow) = count.multipliedReportingOverflow(by: width)
                    let raw = try take(overflow ? -1 : length)
                    let text: String
                    if width == 1 {
                        text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    } else {
                        let units = stride(from: 0, to: raw.count - 1, by: 2).map {
                            UInt16(raw[raw.startIndex + $0]) << 8 | UInt16(raw[raw.startIndex + $0 + 1])
                        }
                        text = String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
                    }
                    value = text.trimmingCharacters(in: .whitespaces)
                case "boolean":
                    let b = try take(1)[0]
                    value = b == UInt8(ascii: "T") || b == UInt8(ascii: "t") || b == UInt8(ascii: "1") ? "true" : (b == 0 || b == UInt8(ascii: "?") ? nil : "false")
                case "unsignedByte": value = String(try take(1)[0])
                case "short": value = String(Int16(bitPattern: UInt16(integer(try take(2)))))
                case "int": value = String(Int32(bitPattern: UInt32(integer(try take(4)))))
                case "long": value = String(Int64(bitPattern: integer(try take(8))))
                case "float":
                    let f = Float(bitPattern: UInt32(integer(try take(4))))
                    value = f.isNaN ? nil : "\(f)"
                case "double":
                    let d = Double(bitPattern: integer(try take(8)))
                    value = d.isNaN ? nil : "\(d)"
                default:
                    throw CatalogFileError.malformedHeader(path: source, detail: "FIELD \(field.name): datatype \(field.datatype) not supported in BINARY2")
                }
                row.append(isNull ? nil : value.flatMap { $0.isEmpty ? nil : $0 })
            }
            rows.append(row)
        }
        return rows
    }

    /// The number of elements of a FIELD's value: 1 without `arraysize`, the product of the
    /// dimensions for a fixed size (`8`, `3x2`), nil for a variable one (`*`, `10*`, `3x*`).
    static func elementCount(_ field: Field, source: String) throws -> Int? {
        guard let size = field.arraysize?.trimmingCharacters(in: .whitespaces), !size.isEmpty else { return 1 }
        if size.hasSuffix("*") { return nil }
        var total = 1
        for part in size.split(separator: "x", omittingEmptySubsequences: false) {
            guard let n = Int(part), n >= 0, case let (product, overflow) = total.multipliedReportingOverflow(by: n), !overflow,
                product <= 1 << 30
            else {
                throw CatalogFileError.malformedHeader(path: source, detail: "FIELD \(field.name): arraysize '\(size)' is not valid")
            }
            total = product
        }
        return total
    }

    /// The offset of the first byte that is not part of valid UTF-8 (or is NUL, which XML
    /// forbids), or nil.
    static func invalidByteOffset(_ data: Data) -> Int? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int? in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c == 0 { return i }
                if c < 0x80 {
                    i += 1
                    continue
                }
                let length: Int
                let minimum: UInt32
                var value: UInt32
                switch c {
                case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(c & 0x1F)
                case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(c & 0x0F)
                case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(c & 0x07)
                default: return i
                }
                guard i + length <= n else { return i }
                for k in 1..<length {
                    let d = b[i + k]
                    guard d & 0xC0 == 0x80 else { return i }
                    value = value << 6 | UInt32(d & 0x3F)
                }
                if value < minimum || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) { return i }
                i += length
            }
            return nil
        }
    }

    final class Delegate: NSObject, XMLParserDelegate {
        var fields: [Field] = []
        var rows: [[String?]] = []
        var stream: String?
        var tableClosed = false
        private var inFirstTable = false
        private var tablesSeen = 0
        private var row: [String?]?
        private var text = ""
        private var inCell = false
        private var inStream = false

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            switch name {
            case "TABLE":
                tablesSeen += 1
                inFirstTable = tablesSeen == 1
            case "FIELD" where inFirstTable:
                fields.append(
                    Field(name: attributes["name"] ?? attributes["ID"] ?? "col\(fields.count + 1)",
                          datatype: attributes["datatype"] ?? "char", arraysize: attributes["arraysize"]))
            case "TR" where inFirstTable: row = []
            case "TD" where inFirstTable:
                inCell = true
                text = ""
            case "STREAM" where inFirstTable:
                inStream = true
                text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inCell || inStream { text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "TD" where inCell:
                let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
                row?.append(value.isEmpty || value == "NaN" ? nil : value)
                inCell = false
            case "TR":
                if let r = row { rows.append(r) }
                row = nil
            case "STREAM" where inStream:
                stream = text
                inStream = false
            case "TABLE":
                if inFirstTable { tableClosed = true }
                inFirstTable = false
            default: break
            }
        }
    }
}
