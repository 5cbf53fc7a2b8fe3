import Foundation

/// The ticks of one axis: labelled major ticks and unlabelled minor ones.
struct AxisTicks {
    var major: [(value: Double, label: String)] = []
    var minor: [Double] = []

    /// Ticks for the data range lower…upper with about `target` intervals, labelled for display.
    init(lower: Double, upper: Double, scale: AxisScale, target: Int) {
        let values = niceTicks(lower, upper, target: target, scale: scale)
            .filter { $0 >= min(lower, upper) - abs(upper - lower) * 1e-9 && $0 <= max(lower, upper) + abs(upper - lower) * 1e-9 }
        switch scale {
        case .linear:
            let step = values.count >= 2 ? values[1] - values[0] : leastSignificantUnit(values.first ?? 1)
            major = values.map { ($0, formatTick($0, step: step)) }
        case .log:
            let exponents = values.map { log10($0) }
            let decades = exponents.allSatisfy { abs($0 - $0.rounded()) < 1e-9 }
            if decades {
                let plain = exponents.allSatisfy { $0.rounded() >= -1 && $0.rounded() <= 3 }
                major = zip(values, exponents).map { value, exponent in
                    let n = Int(exponent.rounded())
                    return (value, plain ? formatTick(value, step: value) : "10" + superscript(n))
                }
                let strideDecades = exponents.count >= 2 ? Int((exponents[1] - exponents[0]).rounded()) : 1
                if strideDecades == 1 {
                    minor = AxisTicks.logMinorTicks(lower: min(lower, upper), upper: max(lower, upper))
                } else {
                    // Thinned decades: mark the skipped decades as minor ticks.
                    let first = Int((log10(min(lower, upper)) - 1e-9).rounded(.up))
                    let last = Int((log10(max(lower, upper)) + 1e-9).rounded(.down))
                    if first <= last {
                        minor = (first...last).map(powerOfTen).filter { m in !values.contains { abs($0 / m - 1) < 1e-9 } }
                    }
                }
            } else {
                major = values.map { ($0, formatTick($0, step: leastSignificantUnit($0))) }
                minor = AxisTicks.logMinorTicks(lower: min(lower, upper), upper: max(lower, upper))
                    .filter { m in !values.contains { abs($0 / m - 1) < 1e-9 } }
            }
        }
    }

    /// 2…9 × 10ⁿ inside the range, for log axes.
    private static func logMinorTicks(lower: Double, upper: Double) -> [Double] {
        guard lower > 0, upper > lower else { return [] }
        let first = Int(log10(lower).rounded(.down))
        let last = Int(log10(upper).rounded(.up))
        guard last - first <= 12 else { return [] }
        var ticks: [Double] = []
        for k in first...last {
            for m in 2...9 {
                let v = Double(m) * powerOfTen(k)
                if v >= lower, v <= upper { ticks.append(v) }
            }
        }
        return ticks
    }
}

/// The place value of the last significant decimal digit of `v` (0.01 for 0.25, 1 for 30).
func leastSignificantUnit(_ v: Double) -> Double {
    guard v.isFinite, v != 0 else { return 1 }
    var unit = powerOfTen(Int(floor(log10(abs(v)))))
    for _ in 0..<15 {
        let ratio = v / unit
        if abs(ratio - ratio.rounded()) < 1e-6 { break }
        unit /= 10
    }
    return unit
}
