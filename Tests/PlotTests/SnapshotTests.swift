import Foundation
import Testing

@testable import Plot
import TestSupport

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
