/// One thing drawn in a panel, recorded by the ``Panel`` drawing calls and rendered later.
enum Mark {
    case line(x: [Double], y: [Double], color: Color, width: Double, dash: [Double], label: String?)
    case points(x: [Double], y: [Double], color: Color, size: Double, shape: MarkerShape, label: String?)
    case errorBars(x: [Double], y: [Double], yError: [Double], color: Color, width: Double)
    case stepHistogram(edges: [Double], counts: [Double], color: Color, fill: Bool, label: String?)
    case bars(edges: [Double], counts: [Double], color: Color, label: String?)
    case span(from: Double, to: Double, color: Color, label: String?)
    case verticalLine(x: Double, color: Color, dash: [Double])
    case horizontalLine(y: Double, color: Color, dash: [Double])
    case text(String, x: Double, y: Double, color: Color, size: Double)
    case heatmap(Heatmap)

    /// Heat-map data, validated when recorded.
    struct Heatmap {
        var xEdges: [Double]
        var yEdges: [Double]
        var values: [[Double]]
        var range: ClosedRange<Double>?
        var colorBarLabel: String?

        /// The colour-scale limits: the given range or the finite values' extent.
        var valueRange: ClosedRange<Double> {
            if let range, range.lowerBound.isFinite, range.upperBound.isFinite, range.upperBound > range.lowerBound {
                return range
            }
            var lowest = Double.infinity
            var highest = -Double.infinity
            for row in values {
                for v in row where v.isFinite {
                    lowest = min(lowest, v)
                    highest = max(highest, v)
                }
            }
            guard lowest.isFinite else { return 0...1 }
            if lowest == highest { return (lowest - 0.5)...(highest + 0.5) }
            return lowest...highest
        }
    }

    /// What a legend shows for this mark, if it is labelled.
    var legendEntry: LegendEntry? {
        switch self {
        case let .line(_, _, color, width, dash, label?):
            LegendEntry(label: label, sample: .line(color: color, width: width, dash: dash))
        case let .points(_, _, color, size, shape, label?):
            LegendEntry(label: label, sample: .marker(color: color, size: max(size, 4), shape: shape))
        case let .stepHistogram(_, _, color, fill, label?):
            LegendEntry(label: label, sample: fill ? .box(fill: color.withAlpha(color.alpha * 0.35), edge: color)
                                                   : .line(color: color, width: 1, dash: []))
        case let .bars(_, _, color, label?):
            LegendEntry(label: label, sample: .box(fill: color, edge: nil))
        case let .span(_, _, color, label?):
            LegendEntry(label: label, sample: .box(fill: color, edge: nil))
        default:
            nil
        }
    }
}
