import Foundation
import Logging

/// How often and how patiently to ask again: exponential backoff with jitter, honouring `Retry-After`.
///
/// Attempt k (from 1) waits `base · 2^(k−1)` seconds, at most `maximumDelay`, times a jitter factor
/// in [0.5, 1.5) — unless the server said `Retry-After` (seconds or an HTTP date) on a 429 or 503,
/// which is obeyed up to `maximumRetryAfter`. Jitter comes from a seeded generator, so test runs repeat.
public struct RetryPolicy: Sendable, Codable, Hashable {
    public var attempts: Int
    public var baseDelay: Double
    public var maximumDelay: Double
    /// The longest `Retry-After` that is obeyed, seconds.
    public var maximumRetryAfter: Double
    /// Seconds one request may take.
    public var timeout: Double

    public init(
        attempts: Int = 5, baseDelay: Double = 1, maximumDelay: Double = 60, maximumRetryAfter: Double = 600,
        timeout: Double = 60
    ) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
        self.timeout = timeout
    }

    /// The delay before attempt `attempt + 1`.
    func delay(after attempt: Int, retryAfter: Double?, generator: inout SeededGenerator) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), maximumRetryAfter) }
        let exponential = min(baseDelay * pow(2, Double(attempt - 1)), maximumDelay)
        return exponential * (0.5 + generator.uniform())
    }

    /// GETs `url`, retrying retryable failures; `accept` checks a 200 response (throw to retry).
    ///
    /// Returns the accepted response. Non-retryable statuses (404 …) and rejected bodies that are
    /// not retryable fail at once; otherwise after `attempts` tries it throws
    /// ``NetworkError/gaveUp(url:attempts:last:)`` with the last reason.
    public func fetch<T>(
        _ url: URL, method: HTTPMethod = .get, form: [(String, String)] = [], headers: [String: String] = [:],
        client: any HTTPClient, logger: Logger, accept: (HTTPResponse) throws -> T
    ) async throws -> T {
        var generator = SeededGenerator(seed: 0, stream: "retry|\(url.absoluteString)")
        var last: NetworkError?
        for attempt in 1...max(attempts, 1) {
            var retryAfter: Double?
            do {
                let response = try await HostLimiter.shared.withSlot(for: url) {
                    try await client.send(method, url, form: form, headers: headers, timeout: timeout)
                }
                guard response.status == 200 else {
                    retryAfter = response.header("Retry-After").flatMap(Self.seconds(retryAfter:))
                    let detail = String(decoding: response.body.prefix(200), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    throw NetworkError.status(url: url.absoluteString, code: response.status, detail: detail)
                }
                return try accept(response)
            } catch let error as NetworkError {
                guard error.isRetryable else { throw error }
                last = error
            } catch {
                // A body that did not parse: the transfer may have been damaged; try again.
                last = .invalidResponse(url: url.absoluteString, reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
            }
            guard attempt < attempts else { break }
            let wait = delay(after: attempt, retryAfter: retryAfter, generator: &generator)
            logger.info("retrying \(url.absoluteString) in \(String(format: "%.2f", wait)) s (attempt \(attempt) of \(attempts)): \(last?.errorDescription ?? "")")
            try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
        }
        throw NetworkError.gaveUp(url: url.absoluteString, attempts: attempts, last: last?.errorDescription ?? "unknown")
    }
}

extension RetryPolicy {
    /// `Retry-After` as seconds from now: either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
    static func seconds(retryAfter value: String) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { max(0, $0.timeIntervalSinceNow) }
    }
}

extension NetworkError: FileError {
    public var path: String? {
        switch self {
        case let .status(u, _, _), let .timedOut(u, _), let .truncated(u, _, _), let .transport(u, _),
            let .invalidResponse(u, _), let .gaveUp(u, _, _):
            return u
        }
    }
}
