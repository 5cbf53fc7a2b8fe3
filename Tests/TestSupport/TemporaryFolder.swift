import Foundation

/// Helpers the test targets share (one copy, not one per target): temporary folders, a logger
/// that keeps its messages, snapshot comparison, and a loopback HTTP server.

/// A fresh temporary folder, removed when `body` returns.
public func withTemporaryFolder<R>(_ body: (URL) async throws -> R) async throws -> R {
    let url = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// The same for synchronous code.
public func withTemporaryFolderSync<R>(_ body: (URL) throws -> R) throws -> R {
    let url = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

private func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vo-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
