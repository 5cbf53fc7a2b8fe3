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
