import Foundation
import Testing

@testable import Core
import TestSupport

/// ``HostLimiter`` against a loopback archive that holds each request open for a while and counts
/// how many it is serving at once: the count the archive sees, not the limiter's own bookkeeping.
@Suite("HostLimiter")
struct HostLimiterTests {
    let fast = RetryPolicy(attempts: 3, baseDelay: 0.01, maximumDelay: 0.05, timeout: 10)

    /// Counts requests in flight on the server side.
    final class Gauge: @unchecked Sendable {
        private let lock = NSLock()
        private var current = 0
        private(set) var peak = 0
        func enter() {
            lock.lock()
            current += 1
            peak = max(peak, current)
            lock.unlock()
        }
        func leave() {
            lock.lock()
            current -= 1
            lock.unlock()
        }
        var inFlight: Int {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
        var highest: Int {
            lock.lock()
            defer { lock.unlock() }
            return peak
        }
    }

    /// A loopback archive that holds each request 0.15 s — or, with `gather`, until that many are in
    /// flight (at most 5 s), so that a limit is reached however the requests are staggered: with the
    /// whole suite running on two cores, four requests started together reached the server more than
    /// 0.15 s apart and the gauge saw one at a time.
    func slowArchive(_ gauge: Gauge, gather: Int? = nil) throws -> LoopbackServer {
        let body = try Data(contentsOf: try fixture("ztf_irsa_two_objects.csv"))
        return try LoopbackServer { _ in
            gauge.enter()
            if let gather {
                let deadline = Date().addingTimeInterval(5)
                while gauge.inFlight < gather && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
                Thread.sleep(forTimeInterval: 0.02)
            } else {
                Thread.sleep(forTimeInterval: 0.15)
            }
            gauge.leave()
            return .respond(status: 200, headers: ["Content-Type": "text/csv"], body: body)
        }
    }

    func entries(_ n: Int) -> [CatalogEntry] {
        (0..<n).map { CatalogEntry(id: "star-\($0)", name: "S\($0)", ra: 359.9997, dec: 51.3937 + Double($0) * 0.01) }
    }

    /// Twelve sources fetched at once through the ZTF client: the archive never serves more than
    /// the host's limit, and does serve that many (the limit is a cap, not a serialisation).
    @Test func anArchiveNeverSeesMoreRequestsAtOnceThanItsHostsLimit() async throws {
        let gauge = Gauge()
        let server = try slowArchive(gauge, gather: 3)
        defer { server.stop() }
        let key = HostLimiter.key(of: server.baseURL)
        #expect(key == "127.0.0.1:\(server.port)")
        // A limit of this host only: other tests' loopback servers (other ports) keep theirs.
        await HostLimiter.shared.setLimit(3, for: key)
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let archive = ZTFArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            let fetched = try await withThrowingTaskGroup(of: Int.self) { group in
                for entry in entries(12) {
                    group.addTask { try await archive.fetch(entry, into: cache, logger: quietLogger).count }
                }
                return try await group.reduce(0, +)
            }
            #expect(fetched == 12)
            #expect(server.requests.count == 12)
            #expect(gauge.highest == 3)
            #expect(await HostLimiter.shared.peak(for: key) == 3)
        }
    }

    /// The limit is per host and port: a slow host at its limit does not hold back another.
    @Test func aBusyHostDoesNotHoldBackAnother() async throws {
        let slowGauge = Gauge()
        let slow = try slowArchive(slowGauge)
        defer { slow.stop() }
        let quickGauge = Gauge()
        let quick = try slowArchive(quickGauge, gather: 4)
        defer { quick.stop() }
        await HostLimiter.shared.setLimit(1, for: HostLimiter.key(of: slow.baseURL))
        await HostLimiter.shared.setLimit(4, for: HostLimiter.key(of: quick.baseURL))
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let slowArchive = ZTFArchive(baseURL: slow.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            let quickArchive = ZTFArchive(baseURL: quick.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for entry in entries(4) {
                    group.addTask { _ = try await slowArchive.fetch(entry, into: cache, logger: quietLogger) }
                }
                for entry in entries(8).suffix(4) {
                    group.addTask { _ = try await quickArchive.fetch(entry, into: cache, logger: quietLogger) }
                }
                try await group.waitForAll()
            }
            #expect(slowGauge.highest == 1)
            #expect(quickGauge.highest == 4)
        }
    }

    /// Limits name a host or a host and port; a host's limit covers all its ports without their own.
    @Test func aPortWithoutItsOwnLimitTakesItsHosts() async {
        let limiter = HostLimiter(limit: 4)
        await limiter.setLimit(2, for: "irsa.example")
        await limiter.setLimit(7, for: "irsa.example:8443")
        #expect(await limiter.limit(for: "irsa.example") == 2)
        #expect(await limiter.limit(for: "irsa.example:8080") == 2)
        #expect(await limiter.limit(for: "irsa.example:8443") == 7)
        #expect(await limiter.limit(for: "mast.example") == 4)
        #expect(HostLimiter.key(of: URL(string: "https://mast.example/api/v0/invoke")!) == "mast.example")
    }
}
