import Foundation

/// One set of axes in a ``Figure``: data series, axis settings, labels and an optional legend.
///
/// Get panels from ``Figure/panel(row:column:)``; the drawing calls record series and nothing is
/// rendered until the figure is written. Series are drawn in the order they were added, except that
/// heat maps and shaded spans go underneath everything else. Non-finite values are skipped (a line
/// breaks at them) and, on a log axis, so are non-positive ones.
///
/// Calls with inconsistent data (arrays of different lengths, histogram edges that do not match the
/// counts) add nothing; the figure then throws ``PlotError/invalidData(_:)`` naming the call when it
/// is rendered.
///
/// ```swift
/// let panel = figure.panel(row: 0, column: 0)
/// panel.points(x: t, y: v, color: .blue, label: "data")
/// panel.line(x: t, y: model, color: .orange, width: 1.5, label: "model")
/// panel.xLabel = "Δt (d)"
/// panel.legend = .upperRight
/// ```
public final class Panel {
    /// Text centred above the plot area.
    public var title: String?
    /// Text below the horizontal axis.
    public var xLabel: String?
    /// Text left of the vertical axis, rotated to read upwards.
    public var yLabel: String?
    /// Linear or logarithmic horizontal axis.
    public var xScale: AxisScale = .linear
    /// Linear or logarithmic vertical axis.
    public var yScale: AxisScale = .linear
    /// The horizontal range shown; `nil` fits the data with a small margin (non-finite values ignored).
    public var xLimits: ClosedRange<Double>?
    /// The vertical range shown; `nil` fits the data with a small margin (non-finite values ignored).
    public var yLimits: ClosedRange<Double>?
    /// Draws larger values lower down (astronomers plot magnitudes upside down).
    public var invertY = false
    /// Where the legend goes; `nil` means no legend. Only labelled series appear in it.
    public var legend: LegendPosition?
    /// Draws light grid lines at the major ticks.
    public var grid = false
    /// Leaves the panel's cell blank (the last cell of a grid with fewer panels than cells).
    public var isHidden = false

    /// Series in the order they were added.
    private(set) var marks: [Mark] = []
    /// Problems found in the calls so far; rendering throws if there are any.
    private(set) var issues: [String] = []

    init() {}

    /// Draws a line through (x, y) in order; non-finite values break the line.
    ///
    /// Long lines are drawn in batches and, when x is sorted, reduced to the points that matter at
    /// the output resolution (see ``decimated(x:y:columns:)``), so a million points draw quickly.
    ///
    /// - Parameters:
    ///   - x: Abscissae.
    ///   - y: Ordinates, as many as `x`.
    ///   - color: Stroke colour.
    ///   - width: Stroke width in points.
    ///   - dash: Alternating on/off lengths in points; empty for a solid line.
    ///   - label: Text for the legend; `nil` keeps the series out of it.
    public func line(x: [Double], y: [Double], color: Color = .blue, width: Double = 1, dash: [Double] = [],
                     label: String? = nil) {
        guard check(x.count == y.count, "line: x has \(x.count) values but y has \(y.count)") else { return }
        marks.append(.line(x: x, y: y, color: color, width: sanitized(width, default: 1),
                           dash: dash.filter { $0.isFinite && $0 >= 0 }, label: label))
    }

    /// Draws a marker at each (x, y); points with a non-finite coordinate are skipped.
    ///
    /// - Parameters:
    ///   - x: Abscissae.
    ///   - y: Ordinates, as many as `x`.
    ///   - color: Fill colour.
    ///   - size: Marker diameter (or side) in points.
    ///   - shape: Marker symbol.
    ///   - label: Text for the legend; `nil` keeps the series out of it.
    public func points(x: [Double], y: [Double], color: Color = .blue, size: Double = 2,
                       shape: MarkerShape = .circle, label: String? = nil) {
        guard check(x.count == y.count, "points: x has \(x.count) values but y has \(y.count)") else { return }
        marks.append(.points(x: x, y: y, color: color, size: sanitized(size, default: 2), shape: shape, label: label))
    }

    /// Draws a vertical bar from y − yError to y + yError at each x.
    ///
    /// Points with a non-finite value or a negative error are skipped. On a log axis a bar whose
    /// lower end is not positive reaches the bottom of the plot.
    ///
    /// - Parameters:
    ///   - x: Abscissae.
    ///   - y: Centres, as many as `x`.
    ///   - yError: Half-lengths (one-sigma errors, say), as many as `x`.
    ///   - color: Stroke colour.
    ///   - width: Stroke width in points.
    public func errorBars(x: [Double], y: [Double], yError: [Double], color: Color = .gray, width: Double = 0.5) {
        guard check(x.count == y.count && x.count == yError.count,
                    "errorBars: x, y and yError have \(x.count), \(y.count) and \(yError.count) values")
        else { return }
        marks.append(.errorBars(x: x, y: y, yError: yError, color: color, width: sanitized(width, default: 0.5)))
    }

    /// Draws a histogram as a stepped outline, optionally filled.
    ///
    /// - Parameters:
    ///   - edges: Bin edges in increasing order, one more than `counts`.
    ///   - counts: The height of each bin.
    ///   - color: Outline colour; the fill uses it with reduced opacity.
    ///   - fill: Fills the area under the steps.
    ///   - label: Text for the legend; `nil` keeps the series out of it.
    public func stepHistogram(edges: [Double], counts: [Double], color: Color = .blue, fill: Bool = false,
                              label: String? = nil) {
        guard check(edges.count == counts.count + 1,
                    "stepHistogram: \(edges.count) edges need \(max(edges.count - 1, 0)) counts, got \(counts.count)")
        else { return }
        marks.append(.stepHistogram(edges: edges, counts: counts, color: color, fill: fill, label: label))
    }

    /// Draws a histogram as filled bars from zero (or the bottom of a log axis) to each count.
    ///
    /// - Parameters:
    ///   - edges: Bin edges in increasing order, one more than `counts`.
    ///   - counts: The height of each bar.
    ///   - color: Fill colour.
    ///   - label: Text for the legend; `nil` keeps the series out of it.
    public func bars(edges: [Double], counts: [Double], color: Color = .blue, label: String? = nil) {
        guard check(edges.count == counts.count + 1,
                    "bars: \(edges.count) edges need \(max(edges.count - 1, 0)) counts, got \(counts.count)")
        else { return }
        marks.append(.bars(edges: edges, counts: counts, color: color, label: label))
    }

    /// Shades the full height of the plot between two x values, beneath the data.
    ///
    /// - Parameters:
    ///   - from: One edge of the band.
    ///   - to: The other edge.
    ///   - color: Fill colour, usually translucent.
    ///   - label: Text for the legend; `nil` keeps the band out of it.
    public func span(from: Double, to: Double, color: Color = Color.orange.withAlpha(0.25), label: String? = nil) {
        guard check(from.isFinite && to.isFinite, "span: edges \(from) and \(to) must be finite") else { return }
        marks.append(.span(from: min(from, to), to: max(from, to), color: color, label: label))
    }

    /// Draws a line across the full height of the plot at `x`.
    ///
    /// - Parameters:
    ///   - x: Position in data coordinates.
    ///   - color: Stroke colour.
    ///   - dash: Alternating on/off lengths in points; empty for a solid line.
    public func verticalLine(at x: Double, color: Color = .gray, dash: [Double] = [4, 3]) {
        guard x.isFinite else { return }
        marks.append(.verticalLine(x: x, color: color, dash: dash.filter { $0.isFinite && $0 >= 0 }))
    }

    /// Draws a line across the full width of the plot at `y`.
    ///
    /// - Parameters:
    ///   - y: Position in data coordinates.
    ///   - color: Stroke colour.
    ///   - dash: Alternating on/off lengths in points; empty for a solid line.
    public func horizontalLine(at y: Double, color: Color = .gray, dash: [Double] = [4, 3]) {
        guard y.isFinite else { return }
        marks.append(.horizontalLine(y: y, color: color, dash: dash.filter { $0.isFinite && $0 >= 0 }))
    }

    /// Writes text whose left end of the baseline sits at (x, y) in data coordinates.
    ///
    /// Text outside the plot area is not drawn. It does not change the automatic axis limits.
    ///
    /// - Parameters:
    ///   - s: The text (UTF-8; Greek letters, µ, superscripts are fine).
    ///   - x: Abscissa of the start of the baseline.
    ///   - y: Ordinate of the baseline.
    ///   - color: Text colour.
    ///   - size: Font size in points.
    public func text(_ s: String, x: Double, y: Double, color: Color = .black, size: Double = 10) {
        guard x.isFinite, y.isFinite, !s.isEmpty else { return }
        marks.append(.text(s, x: x, y: y, color: color, size: sanitized(size, default: 10)))
    }

    /// Draws a grid of values as coloured cells with the viridis colour map and a colour bar at the
    /// right of the panel.
    ///
    /// Cells whose value is not finite (NaN: no data) are drawn light gray. Values outside `range`
    /// take the colour of the nearer end. When both edge arrays are evenly spaced the grid is drawn
    /// as one image, otherwise cell by cell.
    ///
    /// - Parameters:
    ///   - xEdges: Column edges in increasing order, one more than the number of columns.
    ///   - yEdges: Row edges in increasing order, one more than the number of rows.
    ///   - values: `values[row][column]`, rows along y.
    ///   - range: Values mapped to the ends of the colour map; `nil` uses the finite values' extent.
    ///   - colorBarLabel: Text beside the colour bar.
    public func heatmap(xEdges: [Double], yEdges: [Double], values: [[Double]], range: ClosedRange<Double>? = nil,
                        colorBarLabel: String? = nil) {
        let columns = xEdges.count - 1
        guard check(xEdges.count >= 2 && yEdges.count >= 2,
                    "heatmap: needs at least two x edges and two y edges, got \(xEdges.count) and \(yEdges.count)"),
              check(values.count == yEdges.count - 1,
                    "heatmap: \(yEdges.count) y edges need \(yEdges.count - 1) rows, got \(values.count)"),
              check(values.allSatisfy { $0.count == columns },
                    "heatmap: every row needs \(columns) values (one per x bin), got row lengths "
                        + "\(Set(values.map(\.count)).sorted())"),
              check(xEdges.allSatisfy(\.isFinite) && yEdges.allSatisfy(\.isFinite), "heatmap: edges must be finite"),
              check(zip(xEdges, xEdges.dropFirst()).allSatisfy { $0 < $1 }
                        && zip(yEdges, yEdges.dropFirst()).allSatisfy { $0 < $1 },
                    "heatmap: edges must be strictly increasing")
        else { return }
        marks.append(.heatmap(.init(xEdges: xEdges, yEdges: yEdges, values: values, range: range,
                                    colorBarLabel: colorBarLabel)))
    }

    /// Records `message` as a problem when `condition` fails; returns `condition`.
    private func check(_ condition: Bool, _ message: @autoclosure () -> String) -> Bool {
        if !condition { issues.append(message()) }
        return condition
    }

    /// Records a problem found outside the drawing calls (for example by ``Figure``).
    func addIssue(_ message: String) {
        issues.append(message)
    }

    private func sanitized(_ value: Double, default fallback: Double) -> Double {
        value.isFinite && value >= 0 ? value : fallback
    }
}
