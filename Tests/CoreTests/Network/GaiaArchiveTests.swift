import Foundation
import Logging
import Testing

@testable import Core
import TestSupport

/// The Gaia TAP client against a loopback server that plays the archive's UWS job protocol.
@Suite("GaiaArchive", .serialized)
struct GaiaArchiveTests {
    let fast = RetryPolicy(attempts: 3, baseDelay: 0.01, maximumDelay: 0.02, timeout: 2)

    func query() -> GaiaQuery {
        var q = GaiaQuery()
        q.cone = .init(ra: 45, dec: -12.5, radius: 2)
        q.magnitude = 8...16
        q.colour = 2.0...5.0
        q.minimumParallax = 20
        return q
    }

    @Test func cutsBecomeADQL() {
        var q = query()
        q.maximumRows = 500
        #expect(q.adql == "SELECT TOP 500 source_id, ra, dec, phot_g_mean_mag, bp_rp, pmra, pmdec, parallax, ref_epoch FROM gaiadr3.gaia_source WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 45, -12.5, 2)) AND phot_g_mean_mag BETWEEN 8 AND 16 AND bp_rp BETWEEN 2 AND 5 AND parallax > 20 ORDER BY source_id")
    }

    @Test func anAsynchronousJobIsSubmittedPolledAndFetchedThenCached() async throws {
        let votable = try Data(contentsOf: try fixture("catalog_gaia_binary2.vot"))
        let polls = Counter()
        let server = try LoopbackServer { request in
            switch (request.method, request.path) {
            case ("POST", "/tap/async"):
                return .respond(status: 303, headers: ["Location": "/tap/async/job42"], body: Data())
            case ("GET", "/tap/async/job42"):
                return .respond(status: 200, headers: ["Content-Type": "text/xml"], body: Data("<uws:job><uws:phase>EXECUTING</uws:phase></uws:job>".utf8))
            case ("GET", "/tap/async/job42/phase"):
                return .respond(status: 200, headers: [:], body: Data((polls.next() < 2 ? "EXECUTING" : "COMPLETED").utf8))
            case ("GET", "/tap/async/job42/results/result"):
                return .respond(status: 200, headers: ["Content-Type": "application/x-votable+xml"], body: votable)
            default:
                return .respond(status: 404, headers: [:], body: Data())
            }
        }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let gaia = GaiaArchive(baseURL: server.baseURL.appendingPathComponent("tap"), retry: fast, pollInterval: 0.01, client: URLSessionHTTPClient())
            let result = try await gaia.catalog(query(), cache: cache, logger: quietLogger)
            #expect(result.catalog.entries.map(\.id) == ["4295806720000000123", "4295806720000000124", "5853498713190525696"])
            #expect(result.hitCap == nil)
            #expect(!result.fromCache)
            let submit = try #require(server.requests.first)
            #expect(submit.method == "POST")
            #expect(submit.form["REQUEST"] == "doQuery")
            #expect(submit.form["LANG"] == "ADQL")
            #expect(submit.form["PHASE"] == "RUN")
            #expect(submit.form["QUERY"] == query().adql)
            #expect(server.requests.filter { $0.path.hasSuffix("/phase") }.count == 3)
            // The same query again: from the cache, no request.
            let before = server.requests.count
            let again = try await gaia.catalog(query(), cache: cache, logger: quietLogger)
            #expect(again.fromCache)
            #expect(server.requests.count == before)
        }
    }

    @Test func aSynchronousResultAtTheCapIsFlaggedAndLogged() async throws {
        let votable = try Data(contentsOf: try fixture("catalog_gaia_tabledata.vot"))
        let server = try LoopbackServer { request in
            request.path == "/tap/sync" && request.query["QUERY"] != nil
                ? .respond(status: 200, headers: [:], body: votable) : .respond(status: 400, headers: [:], body: Data())
        }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let logs = CapturedLogs()
            let gaia = GaiaArchive(baseURL: server.baseURL.appendingPathComponent("tap"), retry: fast, synchronousCap: 3, client: URLSessionHTTPClient())
            let result = try await gaia.catalog(query(), mode: .synchronous, cache: try RawCache(root: folder), logger: logs.logger)
            #expect(result.catalog.count == 3)
            #expect(result.hitCap == 3)
            #expect(logs.messages.contains { $0.level == .warning && $0.text.contains("exactly 3 rows") })
        }
    }

    @Test func aFailedJobReportsTheArchivesMessage() async throws {
        let server = try LoopbackServer { request in
            switch request.path {
            case "/tap/async": return .respond(status: 303, headers: ["Location": "/tap/async/bad"], body: Data())
            case "/tap/async/bad": return .respond(status: 200, headers: [:], body: Data("<uws:job/>".utf8))
            case "/tap/async/bad/phase": return .respond(status: 200, headers: [:], body: Data("ERROR".utf8))
            case "/tap/async/bad/error": return .respond(status: 200, headers: [:], body: Data("Column 'bp_rq' not found".utf8))
            default: return .respond(status: 404, headers: [:], body: Data())
            }
        }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let gaia = GaiaArchive(baseURL: server.baseURL.appendingPathComponent("tap"), retry: fast, pollInterval: 0.01, client: URLSessionHTTPClient())
            do {
                _ = try await gaia.catalog(query(), cache: cache, logger: quietLogger)
                Issue.record("must fail")
            } catch let error as NetworkError {
                #expect(error.localizedDescription.contains("bp_rq"))
            }
            // Nothing was cached: no file at all under the cache root.
            let files = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []).filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
            #expect(files.isEmpty, "\(files)")
        }
    }
}
