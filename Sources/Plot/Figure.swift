import Foundation

/// A figure: a grid of ``Panel``s drawn onto one page, written as PNG or SVG.
///
/// Sizes are in points (1/72 inch): a 6.5 × 4 inch figure for a two-column paper is
/// `Figure(width: 468, height: 288)`. Panels are laid out in equal cells; the margins around each
/// plot area are computed from its tick labels, axis labels and title so nothing is clipped, and
/// plot areas in the same row or column line up.
///
/// ```swift
/// let figure = Figure(width: 468, height: 360, rows: 2)
/// let top = figure.panel(row: 0, column: 0)
/// top.points(x: t, y: v, label: "data")
/// top.legend = .upperRight
/// try figure.write(to: URL(fileURLWithPath: "lightcurve.svg"))
/// ```
///
/// Rendering is deterministic: the same figure gives byte-identical SVG in every run.
public final class Figure {
    /// Page width in points.
    public let width: Double
    /// Page height in points.
    public let height: Double
    /// Number of panel rows.
    public let rows: Int
    /// Number of panel columns.
    public let columns: Int
    /// Text centred at the top of the figure, above all panels.
    public var title: String?
    /// The page colour behind everything.
    public var background: Color = .white

    private let grid: [Panel]
    private(set) var issues: [String] = []

    /// Creates an empty figure.
    ///
    /// Invalid sizes (zero, negative, non-finite, fewer than one row or column) are recorded and make
    /// rendering throw ``PlotError/invalidData(_:)``.
    ///
    /// - Parameters:
    ///   - width: Page width in points.
    ///   - height: Page height in points.
    ///   - rows: Number of panel rows.
    ///   - columns: Number of panel columns.
    public init(width: Double, height: Double, rows: Int = 1, columns: Int = 1) {
        self.width = width
        self.height = height
        self.rows = max(rows, 1)
        self.columns = max(columns, 1)
        grid = (0..<(max(rows, 1) * max(columns, 1))).map { _ in Panel() }
        if !(width.isFinite && width > 0 && height.isFinite && height > 0) {
            issues.append("figure size \(width) × \(height) pt must be positive and finite")
        }
        if rows < 1 || columns < 1 {
            issues.append("figure grid \(rows) × \(columns) needs at least one row and one column")
        }
    }

    /// The panel at a grid position, counted from 0 at the top left.
    ///
    /// A position outside the grid returns a panel that is never drawn and makes rendering throw
    /// ``PlotError/invalidData(_:)``.
    public func panel(row: Int, column: Int) -> Panel {
        guard (0..<rows).contains(row), (0..<columns).contains(column) else {
            issues.append("panel(row: \(row), column: \(column)) is outside the \(rows) × \(columns) grid")
            return Panel()
        }
        return grid[row * columns + column]
    }

    /// All panels, row by row.
    public var panels: [Panel] { grid }

    /// Writes the figure to a file, PNG or SVG by the file name's extension.
    ///
    /// The file is written to a temporary name in the same folder and then renamed, so readers never
    /// see a half-written figure.
    ///
    /// - Parameters:
    ///   - url: Destination ending in `.png` or `.svg` (any letter case).
    ///   - scale: For PNG, pixels per point (2 gives 144 dpi); ignored for SVG.
    /// - Throws: ``PlotError/unsupportedFormat(path:)`` for other extensions,
    ///   ``PlotError/invalidData(_:)`` for figure data that cannot be drawn, and
    ///   ``PlotError/renderFailed(path:status:)`` or ``PlotError/writeFailed(path:status:)`` naming the
    ///   file when Cairo or the file system fails.
    public func write(to url: URL, scale: Double = 2) throws {
        let path = url.path
        let data: Data
        switch url.pathExtension.lowercased() {
        case "png": data = try renderPNG(scale: scale, path: path)
        case "svg": data = Data(try renderSVG(path: path).utf8)
        default: throw PlotError.unsupportedFormat(path: path)
        }
        try Figure.writeAtomically(data, to: url)
    }

    /// The figure as PNG file contents.
    ///
    /// - Parameter scale: Pixels per point; the image is `width × scale` by `height × scale` pixels.
    /// - Throws: ``PlotError`` when the figure cannot be drawn.
    public func pngData(scale: Double = 2) throws -> Data {
        try renderPNG(scale: scale, path: nil)
    }

    /// The figure as SVG text, identical for identical figures.
    ///
    /// Text is drawn as glyph outlines, so the file does not depend on installed fonts.
    ///
    /// - Throws: ``PlotError`` when the figure cannot be drawn.
    public func svgString() throws -> String {
        try renderSVG(path: nil)
    }
}
