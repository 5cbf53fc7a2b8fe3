import Foundation
import Testing

/// Compares text with a committed snapshot in `Snapshots/` beside the calling test file. A missing
/// snapshot, or `RECORD_SNAPSHOTS=1` in the environment, writes it and fails the test: re-recording
/// is explicit.
public func assertSnapshot(
    _ text: String, named name: String, filePath: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
) {
    let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name)")
    guard ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != "1",
        let expected = try? String(contentsOf: url, encoding: .utf8)
    else {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        Issue.record("snapshot \(name) recorded at \(url.path); run the tests again", sourceLocation: sourceLocation)
        return
    }
    let a = expected.components(separatedBy: "\n")
    let b = text.components(separatedBy: "\n")
    if let line = Array(zip(a, b)).firstIndex(where: { $0 != $1 }) ?? (a.count == b.count ? nil : min(a.count, b.count)) {
        Issue.record(
            "snapshot \(name) differs at line \(line + 1): expected «\(line < a.count ? a[line] : "end")», got «\(line < b.count ? b[line] : "end")»",
            sourceLocation: sourceLocation)
    }
}
