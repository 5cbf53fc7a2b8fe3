import Foundation
import Testing
import Plot

@Suite("formatTick")
struct FormatTickTests {
    /// Reads a label back into a number (typographic minus, ×10ⁿ notation).
    private func parse(_ label: String) -> Double? {
        let superscripts: [Character: Character] = ["⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5",
                                                    "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"]
        let text = label.replacingOccurrences(of: "−", with: "-")
        if let range = text.range(of: "×10") {
            let exponent = String(text[range.upperBound...].map { superscripts[$0] ?? $0 })
            return Double(text[..<range.lowerBound] + "e" + exponent)
        }
        return Double(text)
    }

    @Test func hasNoFloatingPointNoise() {
        #expect(formatTick(0.1 + 0.2, step: 0.1) == "0.3")
        #expect(formatTick(0.30000000000000004, step: 0.1) == "0.3")
        #expect(formatTick(1.0000000000000002, step: 0.5) == "1.0")
    }

    @Test func usesTheDecimalsTheStepNeeds() {
        #expect(formatTick(0.25, step: 0.25) == "0.25")
        #expect(formatTick(58250, step: 250) == "58250")
        #expect(formatTick(0.0003, step: 0.0001) == "0.0003")
        #expect(niceTicks(0, 1).map { formatTick($0, step: 0.2) } == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func negativeValuesHaveAMinusSignAndZeroHasNone() {
        #expect(["−0.5", "-0.5"].contains(formatTick(-0.5, step: 0.5)))
        #expect(formatTick(-1e-17, step: 0.1) == "0.0")
    }

    @Test func hugeAndTinyValuesUseScientificNotation() {
        #expect(formatTick(3e8, step: 1e8) == "3×10⁸")
        #expect(formatTick(2.5e6, step: 5e5) == "2.5×10⁶")
        #expect(formatTick(2e-7, step: 1e-7) == "2×10⁻⁷")
        #expect(formatTick(0, step: 1e-7) == "0")
        // Large values with fine steps (Julian dates) stay plain.
        #expect(formatTick(2458250, step: 250) == "2458250")
    }

    @Test func labelsReadBackAsTheTickValues() throws {
        for (lo, hi) in [(0.0, 1.0), (-3.7, -0.2), (58000.0, 59500.0), (0.0, 3e-7), (1e6, 9e6), (-2e-5, 7e-5)] {
            let ticks = niceTicks(lo, hi)
            let step = ticks[1] - ticks[0]
            for tick in ticks {
                let label = formatTick(tick, step: step)
                let parsed = try #require(parse(label), "label \(label)")
                #expect(abs(parsed - tick) <= step * 1e-9, "tick \(tick) labelled \(label)")
            }
        }
    }
}
