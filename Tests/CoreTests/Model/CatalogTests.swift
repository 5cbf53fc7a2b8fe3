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
    }

    @Test func shardsPartitionTheCatalog() throws {
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: 10, seed: 4)
        let shards = (0..<3).map { catalog.shard($0, of: 3) }
        #expect(shards.map(\.count) == [4, 3, 3])
        #expect(Set(shards.flatMap { $0.entries.map(\.id) }) == Set(catalog.entries.map(\.id)))
    }
}
