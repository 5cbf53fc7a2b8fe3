import Foundation
import Logging

/// A logger that keeps its messages for assertions instead of printing them.
public final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(Logger.Level, String)] = []

    public init() {}

    public var messages: [(level: Logger.Level, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func append(_ level: Logger.Level, _ text: String) {
        lock.lock()
        stored.append((level, text))
        lock.unlock()
    }

    public var logger: Logger {
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

/// A logger for code under test whose messages no test reads.
public let quietLogger = CapturedLogs().logger
