import Foundation
import Logging
import Testing

@testable import Core
import TestSupport

/// The MAST client against a loopback server answering MAST's Mashup JSON and serving SPOC files.
@Suite("TESSArchive", .serialized)
struct TESSArchiveTests {
    let fast = RetryPolicy(attempts: 3, baseDelay: 0.01, maximumDelay: 0.02, timeout: 2)
    let lcURI = "mast:TESS/product/tess2018319095959-s0005-0000000123456789-0125-s_lc.fits"

    func mast(executingOnce: Bool, truncateFirstDownload: Bool, ticRows: Bool = true) throws -> LoopbackServer {
        let good = try Data(contentsOf: try fixture("tess_sector_tiny_lc.fits"))
        let broken = try Data(contentsOf: try fixture("tess_sector_tiny_lc-truncated.fits"))
        let executing = Counter()
        let downloads = Counter()
        let uri = lcURI
        return try LoopbackServer { request in
            func json(_ object: [String: Any]) -> LoopbackServer.Behavior {
                .respond(status: 200, headers: ["Content-Type": "application/json"], body: try! JSONSerialization.data(withJSONObject: object))
            }
            switch request.path {
            case "/api/v0/invoke":
                let body = request.form["request"].flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
                switch body["service"] as? String {
                case "Mast.Catalogs.Tic.Cone":
                    if executingOnce && executing.next() == 0 { return json(["status": "EXECUTING", "msg": "", "data": []]) }
                    let rows: [[String: Any]] = ticRows
                        ? [["ID": "999", "ra": 124.54, "dec": -68.31, "Tmag": 12.1, "dstArcSec": 8.2],
                           ["ID": "123456789", "ra": 124.5332, "dec": -68.3148, "Tmag": 9.8, "dstArcSec": 0.4]] : []
                    return json(["status": "COMPLETE", "msg": "", "fields": [["name": "ID", "type": "string"]], "data": rows])
                case "Mast.Caom.Filtered":
                    return json(["status": "COMPLETE", "msg": "", "data": [["obsid": "27000001", "obs_collection": "TESS", "target_name": "123456789"]]])
                case "Mast.Caom.Products":
                    return json([
                        "status": "COMPLETE", "msg": "",
                        "data": [
                            ["productSubGroupDescription": "LC", "dataURI": uri],
                            ["productSubGroupDescription": "TP", "dataURI": "mast:TESS/product/tess-s0005-0000000123456789-0125-s_tp.fits"],
                        ],
                    ])
                default:
                    return .respond(status: 400, headers: [:], body: Data("unknown service".utf8))
                }
            case "/api/v0.1/Download/file":
                guard request.query["uri"] == uri else { return .respond(status: 404, headers: [:], body: Data()) }
                return truncateFirstDownload && downloads.next() == 0 ? .respond(status: 200, headers: [:], body: broken)
                    : .respond(status: 200, headers: [:], body: good)
            default:
                return .respond(status: 404, headers: [:], body: Data())
            }
        }
    }

    let star = CatalogEntry(id: "star-1", name: "TIC 123456789", ra: 124.5332711499119, dec: -68.31478618755017, epoch: 2020.0)

    @Test func findsTheTICStarItsSectorsAndDownloadsTheLightCurve() async throws {
        let server = try mast(executingOnce: true, truncateFirstDownload: true)
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let tess = TESSArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient())
            let files = try await tess.fetch(star, into: cache, logger: quietLogger)
            #expect(files.count == 1)
            #expect(files[0].relativePath.hasSuffix("s_lc.fits"))
            // The truncated first download was refused and fetched again; the cached file is the good one.
            #expect(try Data(contentsOf: cache.url(for: files[0].relativePath)) == Data(contentsOf: try fixture("tess_sector_tiny_lc.fits")))
            #expect(server.requests.filter { $0.path.hasSuffix("Download/file") }.count == 2)
            #expect(RawCache.request(root: folder, relativePath: files[0].relativePath)?.contains("Download/file?uri=") == true)
            // The nearest TIC star was chosen and asked for by its id.
            let filtered = server.requests.compactMap { $0.form["request"] }.first { $0.contains("Mast.Caom.Filtered") }
            #expect(filtered?.contains("123456789") == true)
            let datasets = try tess.datasets(in: files[0], for: star, cache: cache)
            #expect(datasets.map(\.band) == ["TESS"])
            // A rerun is served from the cache.
            let before = server.requests.count
            #expect(try await tess.fetch(star, into: cache, logger: quietLogger) == files)
            #expect(server.requests.count == before)
        }
    }

    /// Mashup answers decoded into types: ids as strings or numbers, a missing or mistyped column
    /// read as absent, EXECUTING as "ask again", an error status and a body that is not an answer
    /// refused.
    @Test func mashupAnswersAreDecodedIntoTypesLeniently() throws {
        let tic = Data(
            #"{"status":"COMPLETE","msg":"","data":[{"ID":123456789,"dstArcSec":0.4},{"ID":"999","dstArcSec":null},{"ID":7.0,"dstArcSec":"far"}]}"#
                .utf8)
        let rows = try #require(try TESSArchive.answer(tic, rows: Mashup.TICStar.self, service: "Mast.Catalogs.Tic.Cone", url: "u"))
        #expect(rows.map { $0.id?.text } == ["123456789", "999", "7"])
        #expect(rows.map(\.distance) == [0.4, nil, nil])
        let products = Data(#"{"data":[{"productSubGroupDescription":"LC","dataURI":"mast:x_lc.fits","obsid":27000001},{"dataURI":5}]}"#.utf8)
        let p = try #require(try TESSArchive.answer(products, rows: Mashup.Product.self, service: "Mast.Caom.Products", url: "u"))
        #expect(p.map(\.dataURI) == ["mast:x_lc.fits", nil])
        #expect(p.first?.obsid?.text == "27000001")
        #expect(try TESSArchive.answer(Data(#"{"status":"EXECUTING","data":[]}"#.utf8), rows: Mashup.Product.self, service: "s", url: "u") == nil)
        #expect(throws: NetworkError.self) {
            try TESSArchive.answer(Data(#"{"status":"ERROR","msg":"bad cone"}"#.utf8), rows: Mashup.Product.self, service: "s", url: "u")
        }
        #expect(throws: (any Error).self) {
            try TESSArchive.answer(Data("<html>Service Unavailable</html>".utf8), rows: Mashup.Product.self, service: "s", url: "u")
        }
        #expect(throws: (any Error).self) { try TESSArchive.answer(Data("[1, 2]".utf8), rows: Mashup.Product.self, service: "s", url: "u") }
    }

    @Test func aStarWithoutTICMatchIsRecordedAsNothing() async throws {
        let server = try mast(executingOnce: false, truncateFirstDownload: false, ticRows: false)
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let tess = TESSArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient())
            #expect(try await tess.fetch(star, into: cache, logger: quietLogger).isEmpty)
            #expect(try await tess.fetch(star, into: cache, logger: quietLogger).isEmpty)
            #expect(server.requests.count == 1)
        }
    }
}
