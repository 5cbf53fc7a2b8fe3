import Foundation
import Logging
import Testing

@testable import Core
import TestSupport

/// The IRSA ZTF client against a loopback server that answers in IRSA's exact CSV format (rows of a
/// real response) and misbehaves on demand.
@Suite("ZTFArchive", .serialized)
struct ZTFArchiveTests {
    let fast = RetryPolicy(attempts: 4, baseDelay: 0.01, maximumDelay: 0.05, timeout: 2)

    func irsaCSV() throws -> Data { try Data(contentsOf: try fixture("ztf_irsa_two_objects.csv")) }
    var header: Data { Data((ZTFLightcurveTable.columnNames.joined(separator: ",") + "\n").utf8) }

    func entries(_ n: Int) -> [CatalogEntry] {
        (0..<n).map { CatalogEntry(id: "source-\($0)", name: "S\($0)", ra: 359.9997, dec: 51.3937 + Double($0) * 0.01) }
    }

    @Test func asksIRSAsInterfaceAndStoresTheAnswerExactly() async throws {
        let body = try irsaCSV()
        let server = try LoopbackServer { _ in .respond(status: 200, headers: ["Content-Type": "text/csv"], body: body) }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let archive = ZTFArchive(baseURL: server.baseURL, radius: 2, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            var entry = entries(1)[0]
            entry.pmra = 1000
            entry.pmdec = -500
            let files = try await archive.fetch(entry, into: cache, logger: quietLogger)
            let request = try #require(server.requests.first)
            #expect(request.path == "/cgi-bin/ZTF/nph_light_curves")
            #expect(request.query["FORMAT"] == "CSV")
            #expect(request.query["BAD_CATFLAGS_MASK"] == "32768")
            // Position moved by 5 years of proper motion: Dec −2.5″, RA +5″/cos δ.
            let pos = try #require(request.query["POS"]?.split(separator: " ").map(String.init))
            #expect(pos[0] == "CIRCLE")
            #expect(abs(Double(pos[2])! - (51.3937 - 2.5 / 3600)) < 1e-6)
            #expect(abs(Double(pos[3])! - 2.0 / 3600) < 1e-9)
            #expect(files.count == 1)
            #expect(try Data(contentsOf: cache.url(for: files[0].relativePath)) == body)
            #expect(files[0].sha256 == Checksum.sha256Hex(of: body))
            // The request is recorded beside the file, for the run's provenance.
            let recorded = try #require(RawCache.request(root: folder, relativePath: files[0].relativePath))
            #expect(recorded.hasPrefix(server.baseURL.absoluteString) && recorded.contains("nph_light_curves") && recorded.contains("POS="))
            // Two ZTF objects in the answer; both sit on the star (the fixture's position), so two datasets.
            let here = CatalogEntry(id: "x", ra: 359.9997, dec: 51.3937, epoch: 2019)
            #expect(try archive.datasets(in: files[0], for: here, cache: cache).map(\.selection) == ["736115200001082", "805101300013289"])
            // A star 10″ away matches neither: neighbours never join a light curve.
            let neighbour = CatalogEntry(id: "y", ra: 359.9997, dec: 51.3937 + 10.0 / 3600, epoch: 2019)
            #expect(try archive.datasets(in: files[0], for: neighbour, cache: cache).isEmpty)
            // A second fetch is a cache hit: no request.
            _ = try await archive.fetch(entry, into: cache, logger: quietLogger)
            #expect(server.requests.count == 1)
        }
    }

    @Test func credentialsFromTheEnvironmentAreSentAsBasicAuthentication() async throws {
        let body = try irsaCSV()
        let server = try LoopbackServer { _ in .respond(status: 200, headers: [:], body: body) }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let archive = ZTFArchive(
                baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(),
                environment: ["IRSA_USER": "astro", "IRSA_PASSWORD": "s3cret"])
            let files = try await archive.fetch(entries(1)[0], into: try RawCache(root: folder), logger: quietLogger)
            #expect(server.requests.first?.headers["authorization"] == "Basic " + Data("astro:s3cret".utf8).base64EncodedString())
            // The recorded request carries no credentials.
            let recorded = try #require(RawCache.request(root: folder, relativePath: files[0].relativePath))
            #expect(!recorded.contains("s3cret") && !recorded.contains("astro"))
        }
    }

    @Test func anEmptyAnswerIsRecordedAndNotAskedAgain() async throws {
        let header = header
        let server = try LoopbackServer { _ in .respond(status: 200, headers: [:], body: header) }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let archive = ZTFArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            #expect(try await archive.fetch(entries(1)[0], into: cache, logger: quietLogger).isEmpty)
            #expect(try await archive.fetch(entries(1)[0], into: cache, logger: quietLogger).isEmpty)
            #expect(server.requests.count == 1)
        }
    }

    @Test func retriesServerErrorsAndRateLimitsHonouringRetryAfter() async throws {
        let body = try irsaCSV()
        let count = Counter()
        let server = try LoopbackServer { _ in
            switch count.next() {
            case 0: return .respond(status: 500, headers: [:], body: Data("internal error".utf8))
            case 1: return .respond(status: 429, headers: ["Retry-After": "0.3"], body: Data())
            default: return .respond(status: 200, headers: [:], body: body)
            }
        }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let archive = ZTFArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            let started = Date()
            let files = try await archive.fetch(entries(1)[0], into: try RawCache(root: folder), logger: quietLogger)
            #expect(files.count == 1)
            #expect(server.requests.count == 3)
            // The Retry-After of 0.3 s was obeyed although the policy's own delays are ≤ 0.05 s.
            #expect(Date().timeIntervalSince(started) >= 0.3)
        }
    }

    @Test func truncatedMalformedStalledAndDroppedAnswersNeverReachTheCache() async throws {
        let body = try irsaCSV()
        let malformed = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: ",0x2,", with: ",0xZZ,").utf8)
        for behavior: LoopbackServer.Behavior in [
            .truncated(body: body, sent: body.count / 2), .respond(status: 200, headers: [:], body: malformed),
            .stall(seconds: 3, then: body), .drop, .respond(status: 503, headers: [:], body: Data()),
        ] {
            let server = try LoopbackServer { _ in behavior }
            defer { server.stop() }
            try await withTemporaryFolder { folder in
                let cache = try RawCache(root: folder)
                let policy = RetryPolicy(attempts: 2, baseDelay: 0.01, maximumDelay: 0.02, timeout: 1)
                let archive = ZTFArchive(baseURL: server.baseURL, retry: policy, client: URLSessionHTTPClient(), environment: [:])
                do {
                    _ = try await archive.fetch(entries(1)[0], into: cache, logger: quietLogger)
                    Issue.record("\(behavior): must fail")
                } catch let error as NetworkError {
                    guard case let .gaveUp(url, attempts, _) = error else {
                        Issue.record("\(behavior): \(error)")
                        return
                    }
                    #expect(url.hasPrefix(server.baseURL.absoluteString))
                    #expect(attempts == 2)
                }
                #expect(server.requests.count == 2, "\(behavior)")
                // Nothing at all in the cache: no file, no partial file.
                #expect(try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix("/") }
                    .allSatisfy { path in
                        var isDirectory: ObjCBool = false
                        return FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDirectory)
                            && isDirectory.boolValue
                    }, "\(behavior)")
            }
        }
    }

    @Test func aNotFoundIsNotRetried() async throws {
        let server = try LoopbackServer { _ in .respond(status: 404, headers: [:], body: Data("no such service".utf8)) }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let archive = ZTFArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            await #expect(throws: NetworkError.self) {
                try await archive.fetch(entries(1)[0], into: try RawCache(root: folder), logger: quietLogger)
            }
            #expect(server.requests.count == 1)
        }
    }

    /// Every source ends done or failed with its reason; a rerun asks only for what is missing.
    @Test func aRunRecordsFailuresAndARerunAsksOnlyForWhatIsMissing() async throws {
        let body = try irsaCSV()
        let failing = Locked(Set(["S1", "S3"]))
        let server = try LoopbackServer { request in
            // Fail the sources whose Dec is that of S1 and S3 while they are in the failing set.
            let dec = Double(request.query["POS"]?.split(separator: " ")[2] ?? "0") ?? 0
            let name = "S\(Int(((dec - 51.3937) / 0.01).rounded()))"
            return failing.withLock { $0.contains(name) } ? .respond(status: 503, headers: [:], body: Data()) : .respond(status: 200, headers: [:], body: body)
        }
        defer { server.stop() }
        try await withTemporaryFolder { folder in
            let catalog = try Catalog(name: "five", entries: entries(5))
            let archive = ZTFArchive(
                baseURL: server.baseURL, retry: RetryPolicy(attempts: 2, baseDelay: 0.01, maximumDelay: 0.02, timeout: 2),
                client: URLSessionHTTPClient(), environment: [:])
            func run() async throws -> (RunSummary, Store) {
                let settings = RunSettings(output: folder.path, seed: 1, jobs: 3)
                let summary = try await Notebook(name: "flares", title: "ztf", settings: settings, defaultSeed: 1, logger: quietLogger)
                    .run(catalog: catalog, observatories: [archive], analysis: FlareSearch(), simulator: Optional<FlareSimulator>.none)
                return (summary, try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true))
            }
            let (first, store) = try await run()
            #expect(first.done == 3)
            #expect(first.failed == 2)
            let failures = try store.failures()
            #expect(failures.count == 2)
            for f in failures {
                #expect(f.stage == .fetch)
                #expect(f.observatory == "ztf")
                #expect(f.message.contains("503"))
                #expect(f.path?.hasPrefix(server.baseURL.absoluteString) == true)
            }
            #expect(server.requests.count == 3 + 2 * 2)
            failing.withLock { $0.removeAll() }
            let (second, _) = try await run()
            #expect(second.done == 5)
            // Only the two missing sources were asked for again.
            #expect(server.requests.count == 7 + 2)
        }
    }
}

final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
