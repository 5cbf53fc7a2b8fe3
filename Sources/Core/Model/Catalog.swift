import Crypto
import Foundation

/// A named list of stars to search.
///
/// A catalog can be typed in, generated (see ``SyntheticSurvey/mDwarfCatalog(count:seed:)``) or, in
/// later versions, read from files and archives. Entries are validated when the catalog is made, so
/// everything downstream can trust positions and unique identifiers.
///
/// ```swift
/// let catalog = try Catalog(name: "two stars", entries: [
///     CatalogEntry(id: "1", name: "Proxima Cen", ra: 217.42895, dec: -62.67949, magnitude: 8.98),
///     CatalogEntry(id: "2", name: "AD Leo", ra: 154.90117, dec: 19.87000, magnitude: 8.21),
/// ])
/// ```
public struct Catalog: Sendable, Codable {
    public var name: String
    public private(set) var entries: [CatalogEntry]

    /// Makes a catalog, checking that positions are valid and identifiers unique.
    /// - Throws: ``CatalogError`` naming the offending row and value.
    public init(name: String, entries: [CatalogEntry]) throws {
        var seen: [String: Int] = [:]
        // Rows are numbered from 1, as editors and the catalog file readers number data rows.
        for (index, entry) in entries.enumerated() {
            let row = index + 1
            // A NUL would silently cut the text short in C APIs (file names, Cairo); an id, which
            // also names cache folders and figures, takes no control character at all.
            // (Control characters are single UTF-8 bytes, so bytes are checked, not scalars.)
            func reject(_ column: String, _ text: String) -> CatalogError {
                .invalidValue(
                    catalog: name, row: row, column: column,
                    value: text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
            }
            if entry.id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw reject("id", entry.id) }
            if entry.name.utf8.contains(0) { throw reject("name", entry.name) }
            if entry.id.isEmpty { throw CatalogError.invalidValue(catalog: name, row: row, column: "id", value: "") }
            guard entry.ra.isFinite, (0..<360).contains(entry.ra) || entry.ra == 360 else {
                throw CatalogError.invalidValue(catalog: name, row: row, column: "ra", value: String(entry.ra))
            }
            guard entry.dec.isFinite, (-90...90).contains(entry.dec) else {
                throw CatalogError.invalidValue(catalog: name, row: row, column: "dec", value: String(entry.dec))
            }
            if let first = seen[entry.id] {
                throw CatalogError.duplicateIdentifier(catalog: name, id: entry.id, rows: [first, row])
            }
            seen[entry.id] = row
        }
        self.name = name
        self.entries = entries
    }

    public var count: Int { entries.count }

    /// The deterministic slice `index` of `count` (0-based), by position in the catalog.
    public func shard(_ index: Int, of count: Int) -> Catalog {
        precondition(count > 0 && (0..<count).contains(index), "shard \(index)/\(count) out of range")
        var copy = self
        copy.entries = entries.enumerated().filter { Self.shard(index, of: count, contains: $0.offset) }.map(\.element)
        return copy
    }

    /// Whether the entry at `position` belongs to shard `index` of `count`: every count-th entry,
    /// starting at index. The one rule behind ``shard(_:of:)`` and `--shard i/N` runs.
    public static func shard(_ index: Int, of count: Int, contains position: Int) -> Bool {
        position % count == index
    }

    /// SHA-256 of the catalog's canonical JSON, for provenance.
    ///
    /// The JSON is hashed as it is made, entry by entry — `{"entries":[…],"name":…}`, the bytes
    /// ``CanonicalJSON`` gives for the whole catalog — so a catalog of half a million entries is
    /// never encoded at once (that took gigabytes). Entries are written by
    /// ``CatalogEntry/appendCanonicalJSON(to:)``: Foundation's encoder took 8 µs an entry.
    public func checksum() throws -> String {
        var hasher = SHA256()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 16)
        bytes.append(contentsOf: #"{"entries":["#.utf8)
        for (k, entry) in entries.enumerated() {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            entry.appendCanonicalJSON(to: &bytes)
            if bytes.count > 60_000 {
                hasher.update(data: bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        bytes.append(contentsOf: #"],"name":"#.utf8)
        CanonicalJSON.append(string: name, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        hasher.update(data: bytes)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension CatalogEntry {
    /// Appends the entry's canonical JSON — byte for byte what ``CanonicalJSON/encode(_:)`` makes of
    /// it (keys sorted, absent optionals left out); a test compares the two on random entries.
    public func appendCanonicalJSON(to out: inout [UInt8]) {
        var first = true
        func key(_ name: String) {
            out.append(UInt8(ascii: first ? "{" : ","))
            first = false
            CanonicalJSON.append(string: name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func number(_ name: String, _ value: Double?) {
            guard let value else { return }
            key(name)
            CanonicalJSON.append(number: value, to: &out)
        }
        func text(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            CanonicalJSON.append(string: value, to: &out)
        }
        // The synthesized coding keys, in sorted order.
        number("dec", dec)
        number("epoch", epoch)
        text("id", id)
        number("magnitude", magnitude)
        text("magnitudeBand", magnitudeBand)
        text("name", name)
        number("parallax", parallax)
        number("pmdec", pmdec)
        number("pmra", pmra)
        number("ra", ra)
        out.append(UInt8(ascii: "}"))
    }
}

/// Errors in catalog contents.
public enum CatalogError: Error, LocalizedError, Equatable {
    case invalidValue(catalog: String, row: Int, column: String, value: String)
    case duplicateIdentifier(catalog: String, id: String, rows: [Int])
    case empty(catalog: String)

    public var errorDescription: String? {
        switch self {
        case let .invalidValue(catalog, row, column, value):
            return "catalog '\(catalog)', row \(row): invalid \(column) '\(value)'"
        case let .duplicateIdentifier(catalog, id, rows):
            return "catalog '\(catalog)': identifier '\(id)' appears in rows \(rows.map(String.init).joined(separator: " and "))"
        case let .empty(catalog):
            return "catalog '\(catalog)' has no entries"
        }
    }
}
