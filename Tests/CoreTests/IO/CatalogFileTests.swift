import Foundation
import Testing

@testable import Core
import TestSupport

/// Catalog files in every supported format, written as the services write them: a Gaia-like table
/// with 64-bit source_ids beyond 2^53, a null magnitude, a designation with a comma.
@Suite("CatalogFiles")
struct CatalogFileTests {
    let ids = ["4295806720000000123", "4295806720000000124", "5853498713190525696"]

    func check(_ catalog: Catalog, names: Bool = true) {
        #expect(catalog.entries.map(\.id) == ids)
        #expect(catalog.entries[0].ra == 45.1234567)
        #expect(catalog.entries[2].dec == -62.67949019)
        #expect(catalog.entries[0].magnitude.map { abs($0 - 14.2) < 1e-5 } == true)
        #expect(catalog.entries[1].magnitude == nil)  // empty cell: null, not zero
        if names { #expect(catalog.entries[1].name == "Star B, the second") }
    }

    @Test(arguments: ["catalog_gaia.csv", "catalog_gaia.ecsv", "catalog_gaia.tbl", "catalog_gaia_tabledata.vot", "catalog_gaia_binary2.vot",
        "catalog_gaia.fits",
    ])
    func readsGaiaTablesWithExactIdentifiersAndNulls(file: String) throws {
        let catalog = try Catalog(contentsOf: try fixture(file))
        check(catalog, names: !file.hasSuffix(".tbl"))
    }

    @Test func gaiaCSVKeepsProperMotionParallaxAndEpoch() throws {
        let catalog = try Catalog(contentsOf: try fixture("catalog_gaia.csv"))
        let proxima = catalog.entries[2]
        #expect(proxima.pmra == -3781.741)
        #expect(proxima.pmdec == 769.465)
        #expect(proxima.parallax == 768.0665)
        #expect(proxima.epoch == 2016.0)
        #expect(proxima.magnitudeBand == "phot_g_mean_mag")
        // Proper motion applied: 5 years of Proxima's 3.8″/yr in RA.
        let moved = proxima.position(atEpoch: 2021.0)
        #expect(abs((moved.ra - proxima.ra) * cos(proxima.dec * .pi / 180) * 3600 - (-3.781741 * 5)) < 1e-6)
        #expect(abs((moved.dec - proxima.dec) * 3600 - 0.769465 * 5) < 1e-6)
    }

    @Test func aHandMadeListMapsNameRaDecMag() throws {
        let catalog = try Catalog(contentsOf: try fixture("catalog_handmade.csv"))
        #expect(catalog.entries.map(\.name) == ["Smith, J. star", "AD Leo"])
        #expect(catalog.entries[1].magnitude == nil)
        #expect(catalog.entries[0].magnitude == 12.1)
    }

    @Test func columnsCanBeNamedByTheUser() throws {
        var columns = CatalogColumns()
        columns.magnitude = ["parallax"]  // any column can play any role
        let catalog = try Catalog(contentsOf: try fixture("catalog_gaia.csv"), columns: columns)
        #expect(catalog.entries[2].magnitude == 768.0665)
    }

    @Test func brokenFilesNameTheFileAndLine() throws {
        let short = try fixture("catalog_handmade-short-row.csv")
        #expect(throws: CSVError.wrongFieldCount(source: short.path, line: 3, expected: 4, found: 2)) {
            try Catalog(contentsOf: short)
        }
        let truncated = try fixture("catalog_gaia_tabledata-truncated.vot")
        do {
            _ = try Catalog(contentsOf: truncated)
            Issue.record("a truncated VOTable must not read")
        } catch let error as CatalogFileError {
            #expect(error.path == truncated.path)
        }
    }

    /// CSV catalogs are mapped row by row as they stream in; the result must be the catalog the
    /// table route gives, and a bad value must name the same data row.
    @Test func aStreamedCSVCatalogEqualsTheTableRoute() async throws {
        for file in ["catalog_gaia.csv", "catalog_handmade.csv"] {
            let url = try fixture(file)
            let streamed = try Catalog(contentsOf: url)
            let tabled = try Catalog(table: try CatalogTable.read(from: url), name: url.lastPathComponent)
            #expect(streamed.entries == tabled.entries)
            #expect(try streamed.checksum() == tabled.checksum())
        }
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("bad.csv")
            try Data("id,ra,dec\n1,10,20\n\n2,11,21\n3,12,north\n".utf8).write(to: url)
            #expect(throws: CatalogFileError.invalidValue(path: url.path, row: 3, column: "dec", value: "north")) {
                try Catalog(contentsOf: url)
            }
            #expect(throws: CatalogFileError.invalidValue(path: url.path, row: 3, column: "dec", value: "north")) {
                try Catalog(table: try CatalogTable.read(from: url), name: "bad.csv")
            }
        }
    }

    @Test func aMissingPositionColumnListsTheColumnsThere() throws {
        let table = CatalogTable(format: .csv, columns: ["name", "x"], rows: [["a", "1"]], source: "list.csv")
        do {
            _ = try Catalog(table: table, name: "t")
            Issue.record("must throw")
        } catch let error as CatalogFileError {
            #expect(error.localizedDescription.contains("list.csv"))
            #expect(error.localizedDescription.contains("name, x"))
        }
    }

    @Test func aNonNumericPositionNamesRowColumnAndValue() throws {
        let table = CatalogTable(format: .csv, columns: ["ra", "dec"], rows: [["1", "2"], ["ten", "3"]], source: "s.csv")
        #expect(throws: CatalogFileError.invalidValue(path: "s.csv", row: 2, column: "ra", value: "ten")) {
            try Catalog(table: table, name: "t")
        }
    }
}

@Suite("FileInspection")
struct FileInspectionTests {
    @Test func summarisesAnIRSAResponse() throws {
        let i = try FileInspection.inspect(try fixture("ztf_irsa_two_objects.csv"))
        #expect(i.format == "ztf-irsa-csv")
        #expect(i.rows == 31)
        #expect(i.columns.first == "")  // the unnamed index column the saving tool added
        #expect(i.columns.contains("programid"))
        #expect(i.time?.column == "mjd")
        #expect(i.time?.reference == 2_400_000.5)
        #expect(i.flux?.column == "mag")
        #expect(i.quality?.column == "catflags")
        // RA wraps through 0 in this file: the median position must not land near 180°.
        #expect(try #require(i.target?.ra) > 359.9)
        let json = try JSONSerialization.jsonObject(with: Data(try i.json().utf8)) as! [String: Any]
        #expect(json["rows"] as? Int == 31)
        #expect((json["time"] as? [String: Any])?["finite"] as? Int == 31)
    }

    @Test func summarisesASPOCFileWithItsReference() throws {
        let i = try FileInspection.inspect(try fixture("tess_sector_tiny_lc.fits"))
        #expect(i.format == "tess-spoc-lc")
        #expect(i.rows == 200)
        #expect(i.time?.reference == 2_457_000)
        #expect(i.time?.finite == 195)  // NaN times are normal in SPOC files
        #expect(i.flux?.column == "PDCSAP_FLUX")
        #expect(i.quality?.nonzero == 8)
        #expect(i.target?.name == "TIC 123456789")
    }

    @Test func summarisesACatalogWithItsExactFirstID() throws {
        let i = try FileInspection.inspect(try fixture("catalog_gaia_binary2.vot"))
        #expect(i.format == "votable")
        #expect(i.catalog?.idColumn == "source_id")
        #expect(i.catalog?.firstID == "4295806720000000123")
        #expect(i.catalog?.magColumn == "phot_g_mean_mag")
        #expect(i.catalog?.medianMag.map { abs($0 - (14.2 + 8.98) / 2) < 1e-4 } == true)
        let json = try i.json()
        #expect(json.contains("\"first_id\" : \"4295806720000000123\""))
    }
}
