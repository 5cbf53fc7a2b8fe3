import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests: it answers each request as a script says, and can
/// misbehave on demand (error statuses, Retry-After, truncated bodies, stalls, dropped connections).
///
/// Plain POSIX sockets on a background thread, one connection at a time per accept loop iteration
/// handled on its own thread; the listen backlog is 128 so concurrent clients do not stall.
public final class LoopbackServer: @unchecked Sendable {
    public enum Behavior: Sendable {
        case respond(status: Int, headers: [String: String], body: Data)
        /// Declares `Content-Length` of the whole body but sends only `sent` bytes, then closes.
        case truncated(body: Data, sent: Int)
        /// Waits this long before answering (to exceed a client's timeout), then answers.
        case stall(seconds: Double, then: Data)
        /// Closes the connection without answering.
        case drop
    }

    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        public var headers: [String: String]
        /// Form fields of a POST body (`application/x-www-form-urlencoded`).
        public var form: [String: String] = [:]
    }

    private let listener: Int32
    public let port: UInt16
    private let handler: @Sendable (Request) -> Behavior
    private let lock = NSLock()
    private var log: [Request] = []
    private var running = true

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Every request received so far, in order.
    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    public init(handler: @escaping @Sendable (Request) -> Behavior) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops listening. Idempotent: closing the descriptor twice could close another server's
    /// socket that reused its number.
    public func stop() {
        lock.lock()
        let wasRunning = running
        running = false
        lock.unlock()
        guard wasRunning else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var received = Data()
        while !received.contains(Data("\r\n\r\n".utf8)) {
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { return }
            received.append(contentsOf: buffer[0..<n])
        }
        let headEnd = received.range(of: Data("\r\n\r\n".utf8))!
        let head = String(decoding: received[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in head.dropFirst() where line.contains(":") {
            let kv = line.split(separator: ":", maxSplits: 1)
            headers[kv[0].lowercased()] = kv[1].trimmingCharacters(in: .whitespaces)
        }
        let target = URLComponents(string: String(parts[1]))
        var query: [String: String] = [:]
        for item in target?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        var body = Data(received[headEnd.upperBound...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length {
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { break }
            body.append(contentsOf: buffer[0..<n])
        }
        var form: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if kv.count == 2 { form[kv[0]] = kv[1] }
        }
        let request = Request(method: String(parts[0]), path: target?.path ?? "", query: query, headers: headers, form: form)
        lock.lock()
        log.append(request)
        lock.unlock()
        switch handler(request) {
        case let .respond(status, extra, body):
            send(connection, status: status, headers: extra, body: body, declaredLength: body.count)
        case let .truncated(body, sent):
            send(connection, status: 200, headers: [:], body: body.prefix(sent), declaredLength: body.count)
        case let .stall(seconds, then):
            Thread.sleep(forTimeInterval: seconds)
            send(connection, status: 200, headers: [:], body: then, declaredLength: then.count)
        case .drop:
            return
        }
    }

    private func send(_ connection: Int32, status: Int, headers: [String: String], body: Data, declaredLength: Int) {
        var text = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\nContent-Length: \(declaredLength)\r\nConnection: close\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        text += "\r\n"
        var data = Data(text.utf8)
        data.append(body)
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(connection, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
