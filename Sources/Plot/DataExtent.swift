import Foundation

/// The running extent of the values on one axis, with the edges the margin must not cross.
struct DataExtent {
    let scale: AxisScale
    var lowest = Double.infinity
    var highest = -Double.infinity
    var sticky: [Double] = []

    init(scale: AxisScale) {
        self.scale = scale
    }

    /// Adds a value, ignoring non-finite ones (and non-positive ones on a log axis).
    mutating func include(_ v: Double) {
        guard v.isFinite, scale == .linear || v > 0 else { return }
        if v < lowest { lowest = v }
        if v > highest { highest = v }
    }

    /// The limits to show: the extent plus a 5 % margin, stopped at sticky edges.
    func paddedLimits(margin: Double = 0.05) -> (lower: Double, upper: Double) {
        let forward: (Double) -> Double = scale == .log ? { log10($0) } : { $0 }
        let backward: (Double) -> Double = scale == .log ? { pow(10, $0) } : { $0 }
        guard lowest.isFinite, highest.isFinite else {
            return scale == .log ? (1, 10) : (0, 1)
        }
        let a = forward(lowest)
        let b = forward(highest)
        if a == b {
            let half = scale == .log ? 0.5 : max(abs(a) * 0.05, 0.5)
            return (backward(a - half), backward(b + half))
        }
        let pad = (b - a) * margin
        var lower = backward(a - pad)
        var upper = backward(b + pad)
        let lowSticky = sticky.filter { $0 > lower && $0 <= lowest && $0.isFinite }.max()
        let highSticky = sticky.filter { $0 < upper && $0 >= highest && $0.isFinite }.min()
        if let lowSticky { lower = lowSticky }
        if let highSticky { upper = highSticky }
        return (lower, upper)
    }
}

extension Panel {
    /// The limits an axis showing just these values gets when it is not given any: their extent and
    /// a 5 % margin each side (non-finite values ignored; non-positive ones too on a log axis). For
    /// panels that must share one scale: give each these limits, computed once from all their values.
    public static func autoscaledLimits(of values: some Sequence<Double>, scale: AxisScale = .linear) -> ClosedRange<Double> {
        var extent = DataExtent(scale: scale)
        for v in values { extent.include(v) }
        let (lower, upper) = extent.paddedLimits()
        return lower...upper
    }
}
