import Foundation
import Testing

@testable import Plot

/// Compares text output with a committed snapshot under `Snapshots/`. A missing snapshot, or
/// `RECORD_SNAPSHOTS=1` in the environment, writes it and fails the test: re-recording is explicit.
func assertSnapshot(_ text: String, named name: String, filePath: String = #filePath) {
    let url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name)")
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: url, encoding: .utf8) else {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        Issue.record("snapshot \(name) recorded at \(url.path); run the tests again")
        return
    }
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
        Issue.record("snapshot \(name) differs from line \(line + 1): expected \(line < a.count ? String(a[line].prefix(200)) : "end of file"), got \(line < b.count ? String(b[line].prefix(200)) : "end of file")")
    }
}

@Suite("Snapshots")
struct SnapshotTests {
    /// A small figure with every kind of mark: its SVG is committed and must not drift.
    @Test func figureSVGMatchesTheCommittedSnapshot() throws {
        let figure = Figure(width: 360, height: 240, rows: 1, columns: 2)
        figure.title = "Snapshot — σ, µJy, Δt"
        let left = figure.panel(row: 0, column: 0)
        left.xLabel = "time (d)"
        left.yLabel = "flux (µJy)"
        let x = (0..<40).map { Double($0) / 4 }
        let y = x.map { 1 + 0.1 * sin($0) }
        left.span(from: 3, to: 4, label: "event")
        left.errorBars(x: x, y: y, yError: Array(repeating: 0.02, count: x.count))
        left.points(x: x, y: y, color: .blue, size: 3, label: "data")
        left.line(x: x, y: y.map { $0 + 0.05 }, color: .orange, label: "model")
        left.legend = .upperRight
        let right = figure.panel(row: 0, column: 1)
        right.xScale = .log
        right.yScale = .log
        right.stepHistogram(edges: [1, 10, 100, 1000], counts: [5, 50, 500], color: .green, label: "counts")
        right.xLabel = "S/N"
        assertSnapshot(try figure.svgString(), named: "two-panels.svg")
    }
}
