import Foundation

extension Panel {
    /// Which of a panel's two axes.
    enum Direction { case x, y }

    /// The data limits shown on an axis: the explicit limits, or the data's extent with a margin.
    ///
    /// The margin is 5 % of the range on each side (of the logarithm on a log axis), except where a
    /// "sticky" edge (the zero of a histogram, the outer edges of a heat map) lies inside it: there
    /// the axis stops at the edge, as in matplotlib.
    ///
    /// - Throws: ``PlotError/invalidData(_:)`` for explicit limits that are empty, non-finite or not
    ///   positive on a log axis.
    func limits(_ direction: Direction) throws -> (lower: Double, upper: Double) {
        let scale = direction == .x ? xScale : yScale
        let name = direction == .x ? "xLimits" : "yLimits"
        if let explicit = direction == .x ? xLimits : yLimits {
            let (a, b) = (explicit.lowerBound, explicit.upperBound)
            guard a.isFinite, b.isFinite, a < b else {
                throw PlotError.invalidData("\(name) \(a)...\(b) must be finite and non-empty")
            }
            guard scale == .linear || a > 0 else {
                throw PlotError.invalidData("\(name) \(a)...\(b) must be positive on a log axis")
            }
            return (a, b)
        }
        var extent = DataExtent(scale: scale)
        collect(direction, into: &extent)
        return extent.paddedLimits()
    }

    /// Adds every value the marks contribute on one axis.
    private func collect(_ direction: Direction, into extent: inout DataExtent) {
        let xOK: (Double) -> Bool = { [xScale] v in v.isFinite && (xScale == .linear || v > 0) }
        let yOK: (Double) -> Bool = { [yScale] v in v.isFinite && (yScale == .linear || v > 0) }
        let isX = direction == .x
        for mark in marks {
            switch mark {
            case let .line(x, y, _, _, _, _), let .points(x, y, _, _, _, _):
                for i in 0..<min(x.count, y.count) where xOK(x[i]) && yOK(y[i]) {
                    extent.include(isX ? x[i] : y[i])
                }
            case let .errorBars(x, y, e, _, _):
                for i in 0..<min(x.count, y.count, e.count) where xOK(x[i]) && yOK(y[i]) {
                    if isX {
                        extent.include(x[i])
                    } else {
                        extent.include(y[i])
                        if e[i].isFinite, e[i] >= 0 {
                            extent.include(y[i] - e[i])
                            extent.include(y[i] + e[i])
                        }
                    }
                }
            case let .stepHistogram(edges, counts, _, _, _), let .bars(edges, counts, _, _):
                if isX {
                    edges.forEach { extent.include($0) }
                } else {
                    counts.forEach { extent.include($0) }
                    if yScale == .linear {
                        extent.include(0)
                        extent.sticky.append(0)
                    }
                }
            case let .span(from, to, _, _):
                if isX {
                    extent.include(from)
                    extent.include(to)
                }
            case let .verticalLine(x, _, _):
                if isX { extent.include(x) }
            case let .horizontalLine(y, _, _):
                if !isX { extent.include(y) }
            case .text:
                break
            case let .heatmap(map):
                let edges = isX ? map.xEdges : map.yEdges
                edges.forEach { extent.include($0) }
                if let first = edges.first, let last = edges.last {
                    extent.sticky += [first, last]
                }
            }
        }
    }
}
