import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange: what came back, before any interpretation.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Header value by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends HTTP GET requests. The live client is ``URLSessionHTTPClient``; tests point it at a
/// loopback server (every archive client takes its base URL from configuration).
public protocol HTTPClient: Sendable {
    func get(_ url: URL, headers: [String: String], timeout: TimeInterval) async throws -> HTTPResponse
}

/// The live client: Foundation's URLSession, no caching, one timeout per request.
///
/// URLSession does not throw on HTTP errors, and may hand back a body shorter than its
/// `Content-Length` when a connection drops: both are checked here and turned into
/// ``NetworkError``s.
public struct URLSessionHTTPClient: HTTPClient {
    let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: configuration)
    }

    public func get(_ url: URL, headers: [String: String], timeout: TimeInterval) async throws -> HTTPResponse {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        // URLSession's own timeout is an idle timeout (and not always honoured on Linux): a server
        // that trickles or stalls is cut off here after `timeout` seconds in all.
        let once = Once()
        let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                guard once.claim() else { return }
                if let error {
                    let timedOut = (error as? URLError)?.code == .timedOut
                    continuation.resume(
                        throwing: timedOut
                            ? NetworkError.timedOut(url: url.absoluteString, seconds: timeout)
                            : NetworkError.transport(url: url.absoluteString, reason: error.localizedDescription))
                } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: NetworkError.transport(url: url.absoluteString, reason: "no response"))
                }
            }
            task.resume()
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                guard once.claim() else { return }
                task.cancel()
                continuation.resume(throwing: NetworkError.timedOut(url: url.absoluteString, seconds: timeout))
            }
        }
        guard let http = response as? HTTPURLResponse else {
            throw NetworkError.transport(url: url.absoluteString, reason: "not an HTTP response")
        }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let k = key as? String, let v = value as? String { fields[k] = v }
        }
        let expected = http.expectedContentLength
        if expected >= 0 && Int64(data.count) != expected {
            throw NetworkError.truncated(url: url.absoluteString, expected: expected, received: Int64(data.count))
        }
        return HTTPResponse(status: http.statusCode, headers: fields, body: data)
    }
}

/// Lets exactly one of several racing callbacks through.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

/// What went wrong talking to an archive. Every case names the URL.
public enum NetworkError: Error, LocalizedError, Equatable {
    case status(url: String, code: Int, detail: String)
    case timedOut(url: String, seconds: Double)
    case truncated(url: String, expected: Int64, received: Int64)
    case transport(url: String, reason: String)
    case invalidResponse(url: String, reason: String)
    case gaveUp(url: String, attempts: Int, last: String)

    /// Whether trying again may help (server trouble, rate limits, broken transfers).
    public var isRetryable: Bool {
        switch self {
        case let .status(_, code, _): return code == 408 || code == 429 || (500...599).contains(code)
        case .timedOut, .truncated, .transport: return true
        case .invalidResponse, .gaveUp: return false
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .status(u, c, d): return "\(u): HTTP \(c)\(d.isEmpty ? "" : ": \(d)")"
        case let .timedOut(u, s): return "\(u): no answer within \(s) s"
        case let .truncated(u, e, r): return "\(u): body cut short (\(r) of \(e) bytes)"
        case let .transport(u, r): return "\(u): \(r)"
        case let .invalidResponse(u, r): return "\(u): unusable answer: \(r)"
        case let .gaveUp(u, n, last): return "\(u): gave up after \(n) attempts; last: \(last)"
        }
    }
}
