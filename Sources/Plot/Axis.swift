import Foundation

/// Maps data values on one axis to device positions, linearly or logarithmically.
struct Axis {
    let scale: AxisScale
    /// The data value at `start`.
    let lower: Double
    /// The data value at `end`.
    let upper: Double
    /// Device coordinate of `lower`.
    let start: Double
    /// Device coordinate of `upper`.
    let end: Double

    private let transformedLower: Double
    private let factor: Double

    init(scale: AxisScale, lower: Double, upper: Double, start: Double, end: Double) {
        self.scale = scale
        self.lower = lower
        self.upper = upper
        self.start = start
        self.end = end
        let a = scale == .log ? log10(lower) : lower
        let b = scale == .log ? log10(upper) : upper
        transformedLower = a
        factor = b != a ? (end - start) / (b - a) : 0
    }

    /// Whether `value` can be placed on this axis (finite, and positive on a log axis).
    func accepts(_ value: Double) -> Bool {
        value.isFinite && (scale == .linear || value > 0)
    }

    /// The device coordinate of `value`; NaN when the axis cannot show it.
    func position(_ value: Double) -> Double {
        switch scale {
        case .linear:
            return value.isFinite ? start + (value - transformedLower) * factor : .nan
        case .log:
            return value > 0 && value.isFinite ? start + (log10(value) - transformedLower) * factor : .nan
        }
    }

    /// Whether `value` lies within the limits (with a little tolerance for rounding).
    func contains(_ value: Double) -> Bool {
        let p = position(value)
        return p.isFinite && p >= min(start, end) - 0.01 && p <= max(start, end) + 0.01
    }
}
