import Foundation
import Testing

@testable import Plot

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
        let size = try #require(Self.pngSize(data))
        #expect(size.width == 800 && size.height == 500)
        // The blue series (points half hidden by their gray error bars, a thin antialiased curve above
        // them: pixels bluer than they are red, not the exact series colour) spans the plot from
        // side to side and swings through a full sine in height.
        let raster = try figure.raster(scale: 2)
        var columns = Set<Int>(), rows = Set<Int>()
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = raster.rgba(x: x, y: y)
                if p.blue - p.red > 40 { columns.insert(x); rows.insert(y) }
            }
        }
        #expect(columns.count > raster.width * 3 / 5, "blue in \(columns.count) of \(raster.width) columns")
        #expect(rows.count > raster.height / 4, "blue in \(rows.count) of \(raster.height) rows")
    }

    @Test func titlesWiderThanTheirSpaceAreSetSmallerNotCutOff() throws {
        // A close-up's title carries the file name, which can be longer than the figure is wide.
        /// The first and last pixel columns with dark ink in the top 20 points (where the titles are).
        func inkedColumns(_ figure: Figure) throws -> (first: Int, last: Int, width: Int) {
            let raster = try figure.raster(scale: 2)
            var columns = Set<Int>()
            for y in 0..<40 {
                for x in 0..<raster.width {
                    let p = raster.rgba(x: x, y: y)
                    if p.alpha > 0 && p.red < 128 { columns.insert(x) }
                }
            }
            return (try #require(columns.min()), try #require(columns.max()), raster.width)
        }
        let long = String(repeating: "aumic_tic441420236_s27_20s.csv · ", count: 3) + "peak"
        let figure = Figure(width: 300, height: 200)
        let panel = figure.panel(row: 0, column: 0)
        panel.line(x: [0, 1], y: [0, 1])
        // Too long even at 6 points: shortened, still drawn across most of the width.
        panel.title = long
        let shortened = try inkedColumns(figure)
        #expect(shortened.first > 0 && shortened.last < shortened.width - 1, "\(shortened)")
        #expect(shortened.last - shortened.first > shortened.width / 2)
        // Fits at a smaller size.
        panel.title = "aumic_tic441420236_s27_20s.csv · TESS · peak BTJD 2047.8333 · σ × 5"
        let smaller = try inkedColumns(figure)
        #expect(smaller.first > 0 && smaller.last < smaller.width - 1, "\(smaller)")
        // The figure's own title likewise.
        panel.title = nil
        figure.title = long
        let figureTitle = try inkedColumns(figure)
        #expect(figureTitle.first > 0 && figureTitle.last < figureTitle.width - 1, "\(figureTitle)")
    }

    /// Limits computed for panels that share a scale are those a panel of the same values takes by
    /// itself, on a linear and on a log axis (where non-positive values do not count).
    @Test func sharedLimitsAreThePanelsOwnAutoscale() throws {
        let y = [3.0, .nan, -1, 7, 0.5]
        for scale in [AxisScale.linear, .log] {
            let figure = Figure(width: 200, height: 100)
            let panel = figure.panel(row: 0, column: 0)
            panel.yScale = scale
            panel.points(x: [1, 2, 3, 4, 5], y: y)
            let own = try panel.limits(.y)
            let shared = Panel.autoscaledLimits(of: y, scale: scale)
            #expect(shared.lowerBound == own.lower && shared.upperBound == own.upper, "\(scale)")
        }
        #expect(Panel.autoscaledLimits(of: [0.0, 10]) == -0.5...10.5)
    }

    @Test func pointsLandWhereTheirDataPutThem() throws {
        let figure = Figure(width: 300, height: 300)
        let panel = figure.panel(row: 0, column: 0)
        panel.xLimits = 0...10
        panel.yLimits = 0...10
        panel.points(x: [2], y: [8], color: .red, size: 8)
        panel.points(x: [8], y: [2], color: .orange, size: 8)
        panel.points(x: [5], y: [5], color: .green, size: 8)
        let raster = try figure.raster(scale: 2)
        func centre(_ color: Color) throws -> (x: Double, y: Double) {
            let e = raster.extent(of: color, tolerance: 4)
            try #require(!e.columns.isEmpty, "no pixel of \(color)")
            return (Double(e.columns.min()! + e.columns.max()!) / 2, Double(e.rows.min()! + e.rows.max()!) / 2)
        }
        let red = try centre(.red), orange = try centre(.orange), green = try centre(.green)
        // x grows to the right, y upwards; the linear axes put (5, 5) halfway between (2, 8) and (8, 2).
        #expect(red.x < green.x && green.x < orange.x)
        #expect(red.y < green.y && green.y < orange.y)
        #expect(abs(green.x - (red.x + orange.x) / 2) <= 1)
        #expect(abs(green.y - (red.y + orange.y) / 2) <= 1)
        // 6 units of data span most of the 600-pixel plot.
        #expect(orange.x - red.x > 250)
    }

    /// A hidden panel leaves its cell blank: no frame, ticks or marks; its neighbour is drawn.
    @Test func aHiddenPanelLeavesItsCellBlank() throws {
        let figure = Figure(width: 400, height: 200, rows: 1, columns: 2)
        for column in 0..<2 {
            let panel = figure.panel(row: 0, column: column)
            panel.xLabel = "x"
            panel.points(x: [1, 2, 3], y: [1, 2, 3], color: .red, size: 6)
        }
        figure.panel(row: 0, column: 1).isHidden = true
        let raster = try figure.raster(scale: 1)
        var inked = [0, 0]
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = raster.rgba(x: x, y: y)
                if p.red < 250 || p.green < 250 || p.blue < 250 { inked[x < raster.width / 2 ? 0 : 1] += 1 }
            }
        }
        #expect(inked[0] > 500)
        #expect(inked[1] == 0)
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
        let figure = Figure(width: 200, height: 150, rows: 2, columns: 2)
        let size = try #require(Self.pngSize(try figure.pngData(scale: 1)))
        #expect(size.width == 200 && size.height == 150)
        // Frames and axes only: every pixel is opaque and gray (no series colour), most of them white.
        let raster = try figure.raster(scale: 1)
        var white = 0
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = raster.rgba(x: x, y: y)
                #expect(p.alpha == 255 && abs(p.red - p.green) <= 2 && abs(p.green - p.blue) <= 2, "pixel \(x), \(y): \(p)")
                if raster.pixel(x: x, y: y, is: .white, tolerance: 2) { white += 1 }
            }
        }
        #expect(white > raster.width * raster.height / 2)
    }
}
