import Foundation
import Testing

@testable import Core

@Suite("Catalog")
struct CatalogTests {
    @Test func rejectsInvalidPositionsNamingTheRow() {
        #expect(throws: CatalogError.invalidValue(catalog: "c", row: 2, column: "dec", value: "91.0")) {
            try Catalog(name: "c", entries: [CatalogEntry(id: "1", ra: 10, dec: 0), CatalogEntry(id: "2", ra: 10, dec: 91)])
        }
        #expect(throws: CatalogError.duplicateIdentifier(catalog: "c", id: "1", rows: [1, 2])) {
            try Catalog(name: "c", entries: [CatalogEntry(id: "1", ra: 10, dec: 0), CatalogEntry(id: "1", ra: 11, dec: 0)])
        }
    }

    @Test func rejectsControlCharactersAndEmptyIdentifiers() {
        #expect(throws: CatalogError.invalidValue(catalog: "c", row: 1, column: "id", value: "a\\u{0}b")) {
            try Catalog(name: "c", entries: [CatalogEntry(id: "a\u{0}b", ra: 10, dec: 0)])
        }
        #expect(throws: CatalogError.invalidValue(catalog: "c", row: 2, column: "id", value: "")) {
            try Catalog(name: "c", entries: [CatalogEntry(id: "1", ra: 10, dec: 0), CatalogEntry(id: "", ra: 10, dec: 0)])
        }
    }

    @Test func syntheticCatalogHasExact64BitIdentifiers() throws {
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: 50, seed: 4)
        #expect(catalog.count == 50)
        for entry in catalog.entries {
            let id = try #require(UInt64(entry.id))
            #expect(id > 1 << 53)  // beyond Double's exact integers: must never pass through Double
        }
        #expect(try catalog.checksum() == SyntheticSurvey.mDwarfCatalog(count: 50, seed: 4).checksum())
    }

    /// The checksum is hashed entry by entry, but it is the SHA-256 of the whole catalog's canonical
    /// JSON (so run ids do not change), for names and values that need escaping too.
    @Test func theStreamedChecksumIsThatOfTheCanonicalJSON() throws {
        var entries = try SyntheticSurvey.mDwarfCatalog(count: 7, seed: 4).entries
        entries[0].name = "quote \" slash / back\\ tab\t é"
        entries[1].magnitude = nil
        for name in ["plain", "with \"quotes\" and / and \u{1}"] {
            let catalog = try Catalog(name: name, entries: entries)
            #expect(try catalog.checksum() == Checksum.sha256Hex(of: CanonicalJSON.encode(catalog)))
        }
        // Entries are hashed in batches of 4,096: across batch boundaries, and with none at all.
        for count in [0, 4096, 9000] {
            let catalog = try Catalog(name: "many", entries: Array(try SyntheticSurvey.mDwarfCatalog(count: max(count, 1), seed: 5).entries.prefix(count)))
            #expect(try catalog.checksum() == Checksum.sha256Hex(of: CanonicalJSON.encode(catalog)))
        }
    }

    /// The hand-written canonical JSON of an entry is byte for byte Foundation's, for random
    /// doubles of every kind (subnormal, huge, integral, negative zero, NaN, infinities), strings
    /// with every ASCII control character and non-ASCII text, and absent optionals.
    @Test func theHandWrittenEntryJSONIsTheEncoders() throws {
        var random = SeededGenerator(seed: 11)
        func double() -> Double {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return Double(bitPattern: UInt64.random(in: .min ... .max, using: &random))
            case 1: return Double(Int.random(in: -100_000...100_000, using: &random))
            case 2: return [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e16, 1e15, 2016][Int.random(in: 0..<10, using: &random)]
            default: return Double.random(in: -400...400, using: &random) * pow(10, Double(Int.random(in: -8...8, using: &random)))
            }
        }
        func text() -> String {
            let pool: [Unicode.Scalar] = (0..<0x80).compactMap(Unicode.Scalar.init) + ["é", "\u{2028}", "\u{1F600}", "ß", "\u{7FF}"]
            return String(String.UnicodeScalarView((0..<Int.random(in: 0..<12, using: &random)).map { _ in pool.randomElement(using: &random)! }))
        }
        for _ in 0..<3000 {
            func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
            let entry = CatalogEntry(
                id: text(), name: text(), ra: double(), dec: double(), magnitude: maybe(double()), magnitudeBand: maybe(text()),
                pmra: maybe(double()), pmdec: maybe(double()), parallax: maybe(double()), epoch: double())
            var bytes: [UInt8] = []
            entry.appendCanonicalJSON(to: &bytes)
            let expected = try CanonicalJSON.encode(entry)
            #expect(Data(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            if Data(bytes) != expected { break }
        }
    }

    @Test func shardsPartitionTheCatalog() throws {
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: 10, seed: 4)
        let shards = (0..<3).map { catalog.shard($0, of: 3) }
        #expect(shards.map(\.count) == [4, 3, 3])
        #expect(Set(shards.flatMap { $0.entries.map(\.id) }) == Set(catalog.entries.map(\.id)))
    }
}
