import Foundation

/// Tick positions a human would choose (1, 2, 2.5, 5 × 10ⁿ) spanning [lo, hi], about `target` of them;
/// log scale gives decades.
///
/// On a linear axis the step is the 1, 2, 2.5 or 5 × 10ⁿ whose number of ticks inside the range is
/// nearest `target`, and each tick is an exact multiple of the step computed without accumulated
/// rounding (0.6, not 0.6000000000000001). On a log axis the ticks are powers of ten, thinned to every
/// second, third … decade when there are more than `target` of them; a range narrower than two
/// decades falls back to 1, 2, 5 × 10ⁿ and then to linear ticks.
///
/// ```swift
/// niceTicks(0, 1)                  // [0, 0.2, 0.4, 0.6, 0.8, 1]
/// niceTicks(1, 1e4, scale: .log)   // [1, 10, 100, 1000, 10000]
/// ```
///
/// - Parameters:
///   - lo: One end of the range (the ends may come in either order).
///   - hi: The other end.
///   - target: The number of ticks wanted; the result has about this many.
///   - scale: Linear or logarithmic spacing.
/// - Returns: Increasing tick values inside the range; empty when the range is not finite (or, on a
///   log axis, has no positive part).
public func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6, scale: AxisScale = .linear) -> [Double] {
    guard lo.isFinite, hi.isFinite else { return [] }
    let (lower, upper) = lo <= hi ? (lo, hi) : (hi, lo)
    let target = max(target, 1)
    switch scale {
    case .linear:
        return linearTicks(lower, upper, target: target)
    case .log:
        guard upper > 0 else { return [] }
        let positiveLower = lower > 0 ? lower : upper / 1e6
        return logTicks(positiveLower, upper, target: target)
    }
}

/// Formats a tick value for display, with as many decimals as the tick step needs.
///
/// Floating-point noise never shows (`0.30000000000000004` with step 0.1 gives `"0.3"`). Negative
/// values use the typographic minus sign `−` (U+2212). Values on axes with a step of 10⁵ or more, and
/// values below 0.01 on axes with a step below 10⁻⁴, use scientific notation such as `2.5×10⁶`.
///
/// - Parameters:
///   - value: The tick value.
///   - step: The distance between neighbouring ticks; it decides the number of decimals.
/// - Returns: The label text.
public func formatTick(_ value: Double, step: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
    let step = step.isFinite && step > 0 ? abs(step) : (value == 0 ? 1 : abs(value))
    let magnitude = abs(value)
    let scientific = (step >= 1e5 && magnitude >= 1e5) || (step < 1e-4 && magnitude < 1e-2)
    if scientific, magnitude < step * 1e-6 { return "0" }
    if scientific {
        var exponent = Int(floor(log10(magnitude)))
        var mantissa = value / powerOfTen(exponent)
        if abs(mantissa) >= 10 - 1e-9 {
            exponent += 1
            mantissa = value / powerOfTen(exponent)
        }
        let digits = min(decimalsNeeded(step / powerOfTen(exponent)), 6)
        var text = String(format: "%.\(digits)f", mantissa)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return typographicMinus(text) + "×10" + superscript(exponent)
    }
    let digits = min(decimalsNeeded(step), 15)
    return typographicMinus(String(format: "%.\(digits)f", value))
}

// MARK: - Internal helpers

/// 10ⁿ as the double nearest the decimal value (exact for |n| ≤ 22).
func powerOfTen(_ n: Int) -> Double {
    Double("1e\(n)") ?? pow(10, Double(n))
}

/// The smallest number of decimals that writes multiples of `step` exactly (up to 15).
func decimalsNeeded(_ step: Double) -> Int {
    guard step.isFinite, step > 0 else { return 0 }
    var digits = 0
    while digits < 15 {
        let scaled = step * powerOfTen(digits)
        if abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled) { break }
        digits += 1
    }
    return digits
}

/// The integer written with Unicode superscript digits and minus sign, e.g. `⁻³`.
func superscript(_ n: Int) -> String {
    let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    let body = String(String(abs(n)).compactMap { $0.wholeNumberValue.map { digits[$0] } })
    return n < 0 ? "⁻" + body : body
}

/// Replaces a leading ASCII hyphen with U+2212 and drops the sign of a printed negative zero.
private func typographicMinus(_ text: String) -> String {
    guard text.hasPrefix("-") else { return text }
    let body = text.dropFirst()
    if body.allSatisfy({ $0 == "0" || $0 == "." }) { return String(body) }
    return "−" + body
}

private func linearTicks(_ lower: Double, _ upper: Double, target: Int) -> [Double] {
    let span = upper - lower
    guard span > 0 else { return [lower] }
    // Candidate steps m × 10^e around span/target, written as integer tenths of 10^e so every tick is
    // an exact decimal multiple; keep the one whose tick count is nearest the target (ties: more ticks).
    let exponent = Int(floor(log10(span / Double(target))))
    var best: (tenths: Int, exponent: Int, first: Double, last: Double)?
    var bestMiss = Double.infinity
    for e in (exponent - 1)...(exponent + 1) {
        for tenths in [10, 20, 25, 50] {
            let step = Double(tenths) * powerOfTen(e - 1)
            let first = (lower / step - 1e-9).rounded(.up)
            let last = (upper / step + 1e-9).rounded(.down)
            let count = last - first + 1
            guard count >= 2 || (count >= 1 && best == nil) else { continue }
            let miss = abs(count - Double(target))
            if miss < bestMiss || (miss == bestMiss && count > (best.map { $0.last - $0.first + 1 } ?? 0)) {
                best = (tenths, e, first, last)
                bestMiss = miss
            }
        }
    }
    guard let (tenths, e, first, last) = best, abs(first) * Double(tenths) < 9e15,
          abs(last) * Double(tenths) < 9e15, last - first < 10_000 else { return [lower, upper] }
    let scaleExponent = e - 1
    var ticks: [Double] = []
    var k = first
    while k <= last {
        let units = k * Double(tenths)  // an exact integer in a double
        let value = scaleExponent >= 0 ? units * powerOfTen(scaleExponent) : units / powerOfTen(-scaleExponent)
        ticks.append(value == 0 ? 0 : value)
        k += 1
    }
    return ticks
}

private func logTicks(_ lower: Double, _ upper: Double, target: Int) -> [Double] {
    guard upper > lower else { return [lower] }
    let firstDecade = Int((log10(lower) - 1e-9).rounded(.up))
    let lastDecade = Int((log10(upper) + 1e-9).rounded(.down))
    let decades = lastDecade - firstDecade + 1
    if decades >= 2 {
        let stride = max(1, Int((Double(decades) / Double(target)).rounded(.up)))
        var ticks: [Double] = []
        var k = Int((Double(firstDecade) / Double(stride)).rounded(.up)) * stride
        while k <= lastDecade {
            ticks.append(powerOfTen(k))
            k += stride
        }
        return ticks
    }
    var candidates: [Double] = []
    for k in (firstDecade - 1)...(lastDecade + 1) {
        for m in [1.0, 2.0, 5.0] {
            let value = k >= 0 ? m * powerOfTen(k) : m / powerOfTen(-k)
            if value >= lower * (1 - 1e-9), value <= upper * (1 + 1e-9) { candidates.append(value) }
        }
    }
    if candidates.count >= 3 { return candidates }
    return linearTicks(lower, upper, target: max(2, min(target, 5))).filter { $0 > 0 }
}
