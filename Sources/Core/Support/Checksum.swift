import Crypto
import Foundation

/// SHA-256 checksums of files and bytes, as lowercase hexadecimal.
public enum Checksum {
    public static func sha256Hex(of data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Streams the file in 1 MiB chunks, so large raw files are not held in memory.
    public static func sha256Hex(ofFileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// JSON with sorted keys and no insignificant whitespace: the same value always gives the same bytes,
/// so hashes of parameters are stable.
public enum CanonicalJSON {
    /// The encoder that makes canonical JSON (one can be reused for many values).
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// Appends a number as the canonical encoder writes it: the shortest digits that round-trip,
    /// without a trailing ".0"; non-finite values as the strings "nan", "inf", "-inf".
    public static func append(number value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            append(string: value.isNaN ? "nan" : value < 0 ? "-inf" : "inf", to: &out)
            return
        }
        var digits = value.description
        if digits.hasSuffix(".0") { digits.removeLast(2) }
        out.append(contentsOf: digits.utf8)
    }

    /// Appends a JSON string as the canonical encoder writes it: quote, backslash and control
    /// characters escaped (`\b \f \n \r \t`, otherwise `\u00xx`), slashes and everything else as
    /// UTF-8.
    public static func append(string: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case ..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
