import Foundation

/// A fresh temporary folder, removed when `body` returns.
func withTemporaryFolder<R>(_ body: (URL) async throws -> R) async throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vo-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

func fixture(_ name: String) throws -> URL {
    let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
    guard let url = Bundle.module.url(forResource: parts[0], withExtension: parts[1], subdirectory: "Fixtures") else {
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: name])
    }
    return url
}

import Logging

/// A logger that keeps its messages for assertions instead of printing them.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(Logger.Level, String)] = []
    var messages: [(level: Logger.Level, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func append(_ level: Logger.Level, _ text: String) {
        lock.lock()
        stored.append((level, text))
        lock.unlock()
    }
    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(logs: self) }
    }
}

struct CapturingHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        logs.append(event.level, event.message.description)
    }
}

let quietLogger = CapturedLogs().logger
