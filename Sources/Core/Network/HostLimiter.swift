import Foundation

/// At most so many requests at once to one host (name and port), across every archive client of
/// the process: the polite use IRSA and MAST ask for, and what keeps a prefetch of 100,000 stars
/// from hammering one archive. ``RetryPolicy/fetch(_:method:form:headers:client:logger:accept:)``
/// holds a slot only while a request is in flight, not while it waits to retry.
///
/// Waiters are served in the order they came. The default is 4 per host; ``setLimit(_:for:)``
/// changes it for all hosts or for one.
public actor HostLimiter {
    public static let shared = HostLimiter(limit: 4)

    private var defaultLimit: Int
    private var limits: [String: Int] = [:]
    private var active: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var peaks: [String: Int] = [:]

    public init(limit: Int) {
        defaultLimit = max(limit, 1)
    }

    /// Sets the limit of one host (`host` or `host:port`), or of every host without its own (nil).
    public func setLimit(_ limit: Int, for host: String? = nil) {
        if let host { limits[host] = max(limit, 1) } else { defaultLimit = max(limit, 1) }
    }

    /// The limit of hosts without one of their own.
    public var standardLimit: Int { defaultLimit }

    /// The limit of `host:port`: its own, else its host's, else the default.
    public func limit(for key: String) -> Int {
        if let own = limits[key] { return own }
        if let colon = key.lastIndex(of: ":"), key[key.index(after: colon)...].allSatisfy(\.isNumber),
            let host = limits[String(key[..<colon])]
        {
            return host
        }
        return defaultLimit
    }

    /// The most requests that were in flight at once to `host` since the process started.
    public func peak(for host: String) -> Int { peaks[host] ?? 0 }

    /// `host:port` of a URL (the port only when the URL names one): the key of its slots.
    public nonisolated static func key(of url: URL) -> String {
        let host = url.host ?? ""
        return url.port.map { "\(host):\($0)" } ?? host
    }

    /// Runs `body` holding one of `url`'s host's slots, waiting for one if all are taken.
    public nonisolated func withSlot<T: Sendable>(for url: URL, _ body: () async throws -> T) async throws -> T {
        let key = Self.key(of: url)
        await acquire(key)
        do {
            let result = try await body()
            await release(key)
            return result
        } catch {
            await release(key)
            throw error
        }
    }

    private func acquire(_ key: String) async {
        if active[key, default: 0] < limit(for: key) {
            active[key, default: 0] += 1
            peaks[key] = max(peaks[key] ?? 0, active[key]!)
            return
        }
        // The slot is handed over by `release`, so `active` stays as it is.
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    private func release(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue
            next.resume()
        } else {
            active[key, default: 1] -= 1
        }
    }
}
