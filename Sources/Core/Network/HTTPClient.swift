import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange: what came back, before any interpretation.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// The URL that answered, after redirects (a TAP job's URL after `303 See Other`).
    public var url: URL?

    public init(status: Int, headers: [String: String], body: Data, url: URL? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// Header value by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The requests the archive clients make.
public enum HTTPMethod: String, Sendable {
    case get = "GET"
    /// With a form body (`application/x-www-form-urlencoded`).
    case post = "POST"
}

/// Sends HTTP requests. The live client is ``URLSessionHTTPClient``; tests point it at a
/// loopback server (every archive client takes its base URL from configuration).
public protocol HTTPClient: Sendable {
    /// Sends `method` to `url`; a POST carries `form` as `application/x-www-form-urlencoded`.
    func send(
        _ method: HTTPMethod, _ url: URL, form: [(String, String)], headers: [String: String], timeout: TimeInterval
    ) async throws -> HTTPResponse
}

extension HTTPClient {
    public func get(_ url: URL, headers: [String: String] = [:], timeout: TimeInterval) async throws -> HTTPResponse {
        try await send(.get, url, form: [], headers: headers, timeout: timeout)
    }

    public func post(_ url: URL, form: [(String, String)], headers: [String: String] = [:], timeout: TimeInterval)
        async throws -> HTTPResponse
    {
        try await send(.post, url, form: form, headers: headers, timeout: timeout)
    }
}

/// `application/x-www-form-urlencoded` encoding (RFC 1866 §8.2.1 as browsers do it).
func formEncoded(_ form: [(String, String)]) -> Data {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._*")
    func encode(_ s: String) -> String {
        (s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s).replacingOccurrences(of: "%20", with: "+")
    }
    return Data(form.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&").utf8)
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

    public func send(
        _ method: HTTPMethod, _ url: URL, form: [(String, String)], headers: [String: String], timeout: TimeInterval
    ) async throws -> HTTPResponse {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method.rawValue
        if method == .post {
            request.httpBody = formEncoded(form)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
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
        return HTTPResponse(status: http.statusCode, headers: fields, body: data, url: http.url)
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
