import Foundation
import Testing
import Plot

@Suite("Panel")
struct PanelTests {
    private func render(_ configure: (Panel) -> Void) throws {
        let figure = Figure(width: 300, height: 200)
        configure(figure.panel(row: 0, column: 0))
        _ = try figure.pngData(scale: 1)
        _ = try figure.svgString()
    }

    @Test func mismatchedArraysThrowInvalidDataNamingTheCall() {
        do {
            try render { $0.line(x: [1, 2, 3], y: [1, 2]) }
            Issue.record("expected an error")
        } catch let PlotError.invalidData(message) {
            #expect(message.contains("line"))
            #expect(message.contains("panel(row: 0, column: 0)"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: PlotError.self) { try render { $0.stepHistogram(edges: [0, 1], counts: [1, 2]) } }
        #expect(throws: PlotError.self) { try render { $0.bars(edges: [0, 1, 2], counts: [1]) } }
        #expect(throws: PlotError.self) { try render { $0.errorBars(x: [1], y: [1], yError: []) } }
        #expect(throws: PlotError.self) { try render { $0.heatmap(xEdges: [0, 1, 2], yEdges: [0, 1], values: [[1]]) } }
    }

    @Test func badExplicitLimitsThrow() {
        #expect(throws: PlotError.self) { try render { $0.yScale = .log; $0.yLimits = -1...10 } }
        #expect(throws: PlotError.self) { try render { $0.xLimits = 3...3 } }
        #expect(throws: PlotError.self) { try render { $0.xLimits = 0...Double.infinity } }
    }

    @Test func nonFiniteAndNonPositiveValuesAreSkipped() throws {
        try render { panel in
            panel.xScale = .log
            panel.yScale = .log
            panel.line(x: [0, 1, 10, .nan, 100, 1000], y: [5, -1, 10, 20, .infinity, 7])
            panel.points(x: [-1, 1, 2], y: [1, 0, 3])
            panel.errorBars(x: [1, 2], y: [1, 2], yError: [5, .nan])
            panel.stepHistogram(edges: [1, 10, 100], counts: [0, 4], fill: true)
            panel.bars(edges: [1, 10, 100], counts: [3, 0])
            panel.span(from: 0, to: 5)
        }
    }

    @Test func onlyNonFiniteDataStillRenders() throws {
        try render { panel in
            panel.line(x: [.nan, .nan], y: [1, 2])
            panel.points(x: [], y: [])
            panel.invertY = true
            panel.legend = .upperLeft
        }
    }

    @Test func everyLegendPositionAndMarkerShapeRenders() throws {
        for position in [LegendPosition.upperLeft, .upperRight, .lowerLeft, .lowerRight] {
            for shape in [MarkerShape.circle, .square, .triangle] {
                try render { panel in
                    panel.points(x: [1, 2, 3], y: [3, 1, 2], shape: shape, label: "points")
                    panel.bars(edges: [0, 1, 2], counts: [1, 2], color: .green, label: "bars")
                    panel.legend = position
                }
            }
        }
    }

    @Test func unevenHeatmapEdgesRender() throws {
        try render { panel in
            panel.xScale = .log
            panel.heatmap(xEdges: [1, 2, 5, 10, 100], yEdges: [0, 0.5, 2], values: [[1, 2, 3, 4], [.nan, 6, 7, 8]],
                          range: 0...10)
        }
    }
}
