import Foundation
import Testing
import Plot

@Suite("Figure")
struct FigureTests {
    /// A small figure using every kind of series, for output tests.
    static func sampleFigure(title: String = "Sample — σ, µJy, 10⁻³") -> Figure {
        let figure = Figure(width: 360, height: 240, rows: 1, columns: 2)
        figure.title = title
        let left = figure.panel(row: 0, column: 0)
        let x = (0..<200).map { Double($0) * 0.05 }
        let y = x.map { sin($0) }
        left.span(from: 2, to: 3, label: "window")
        left.errorBars(x: x, y: y, yError: x.map { _ in 0.1 })
        left.points(x: x, y: y, size: 3, shape: .square, label: "data")
        left.line(x: x, y: y.map { $0 * 0.9 }, color: .orange, dash: [3, 2], label: "model")
        left.verticalLine(at: 5)
        left.horizontalLine(at: 0)
        left.text("peak", x: 1.6, y: 1.05)
        left.xLabel = "Δt (d)"
        left.yLabel = "Flux (µJy)"
        left.legend = .lowerLeft
        left.grid = true
        let right = figure.panel(row: 0, column: 1)
        right.heatmap(xEdges: [0, 1, 2, 3], yEdges: [0, 1, 2],
                      values: [[1, 2, .nan], [4, 5, 6]], colorBarLabel: "power")
        right.title = "map"
        return figure
    }

    private static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("PlotTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Width and height from a PNG's IHDR chunk.
    private static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data)
        guard bytes.count >= 24 else { return nil }
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    @Test func pngHasSignatureAndScaledPixelSize() throws {
        let data = try FigureTests.sampleFigure().pngData(scale: 2)
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let size = try #require(FigureTests.pngSize(data))
        #expect(size.width == 720)
        #expect(size.height == 480)
        let small = try #require(FigureTests.pngSize(try FigureTests.sampleFigure().pngData(scale: 1.5)))
        #expect(small.width == 540 && small.height == 360)
    }

    @Test func writesPNGAndSVGFilesWithoutLeavingTemporaries() throws {
        let directory = try FigureTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let figure = FigureTests.sampleFigure()
        let png = directory.appendingPathComponent("figure.png")
        let svg = directory.appendingPathComponent("figure.SVG")
        try figure.write(to: png)
        try figure.write(to: svg)
        try figure.write(to: png, scale: 1)  // overwrites
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["figure.SVG", "figure.png"])
        let pngSize = try #require(FigureTests.pngSize(try Data(contentsOf: png)))
        #expect(pngSize.width == 360)
        let text = try String(contentsOf: svg, encoding: .utf8)
        #expect(text.hasPrefix("<?xml"))
        #expect(text.contains("<svg"))
        #expect(text == (try figure.svgString()))
    }

    @Test func svgIsByteIdenticalAcrossRenders() throws {
        let first = try FigureTests.sampleFigure().svgString()
        // Other drawings in between advance Cairo's process-wide id counters.
        _ = try FigureTests.sampleFigure(title: "other").svgString()
        _ = try FigureTests.sampleFigure(title: "yet another ∑").pngData(scale: 1)
        let figure = FigureTests.sampleFigure()
        let second = try figure.svgString()
        let third = try figure.svgString()
        #expect(first == second)
        #expect(second == third)
        #expect(first.contains("id=\"glyph1\""))
    }

    @Test func unwritablePathThrowsErrorNamingThePath() {
        let url = URL(fileURLWithPath: "/nonexistent-dir/x.png")
        do {
            try FigureTests.sampleFigure().write(to: url)
            Issue.record("writing to \(url.path) succeeded")
        } catch let error as PlotError {
            guard case let .writeFailed(path, status) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == "/nonexistent-dir/x.png")
            #expect(!status.isEmpty)
            #expect(error.localizedDescription.contains("/nonexistent-dir/x.png"))
        } catch {
            Issue.record("not a PlotError: \(error)")
        }
    }

    @Test func unsupportedExtensionThrows() {
        #expect(throws: PlotError.unsupportedFormat(path: "/tmp/figure.jpg")) {
            try FigureTests.sampleFigure().write(to: URL(fileURLWithPath: "/tmp/figure.jpg"))
        }
        #expect(throws: PlotError.self) {
            try FigureTests.sampleFigure().write(to: URL(fileURLWithPath: "/tmp/figure"))
        }
    }

    @Test func drawsHundredThousandPointsIntoPNG() throws {
        let figure = Figure(width: 400, height: 250)
        let panel = figure.panel(row: 0, column: 0)
        let n = 100_000
        let x = (0..<n).map { Double($0) }
        let y = x.map { sin($0 / 500) + (Int($0) % 97 == 0 ? 0.3 : 0) }
        panel.points(x: x, y: y, size: 1.5)
        panel.line(x: x, y: y.map { $0 + 1 }, width: 0.5)
        panel.errorBars(x: x, y: y, yError: y.map { _ in 0.05 })
        let data = try figure.pngData(scale: 2)
        #expect(data.count > 1000)
    }

    @Test func rejectsInvalidSizesAndScales() {
        #expect(throws: PlotError.self) { try Figure(width: 0, height: 100).pngData() }
        #expect(throws: PlotError.self) { try Figure(width: .nan, height: 100).svgString() }
        #expect(throws: PlotError.self) { try Figure(width: 100, height: 100).pngData(scale: -1) }
        #expect(throws: PlotError.self) { try Figure(width: 100, height: 100, rows: 0).pngData() }
    }

    @Test func panelsAreRowMajorAndOutsideGridThrows() throws {
        let figure = Figure(width: 300, height: 300, rows: 2, columns: 3)
        #expect(figure.panels.count == 6)
        #expect(figure.panel(row: 1, column: 0) === figure.panels[3])
        #expect(figure.panel(row: 0, column: 2) === figure.panels[2])
        _ = figure.panel(row: 2, column: 0)
        #expect(throws: PlotError.self) { try figure.svgString() }
    }

    @Test func emptyFigureRenders() throws {
        let data = try Figure(width: 200, height: 150, rows: 2, columns: 2).pngData(scale: 1)
        #expect(data.count > 100)
    }
}
