import Testing
import Foundation
import Plot

@Suite("niceTicks")
struct NiceTicksTests {
    @Test func unitRangeGivesExactFifths() {
        #expect(niceTicks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test func mjdRangeGivesRoundStepsInsideTheRange() throws {
        let ticks = niceTicks(58000, 59500)
        #expect(ticks == [58000, 58250, 58500, 58750, 59000, 59250, 59500])
    }

    @Test func negativeRangeGivesHalfSteps() {
        #expect(niceTicks(-3.7, -0.2) == [-3.5, -3, -2.5, -2, -1.5, -1, -0.5])
    }

    @Test func rangeAcrossZeroIncludesExactZero() {
        let ticks = niceTicks(-0.37, 0.52)
        #expect(ticks.contains(0))
        #expect(ticks.allSatisfy { (-0.37...0.52).contains($0) })
        #expect((4...8).contains(ticks.count))
    }

    @Test func endsMayComeInEitherOrder() {
        #expect(niceTicks(10, 0) == niceTicks(0, 10))
    }

    @Test func tinyAndHugeRangesStayExactDecimals() {
        #expect(niceTicks(0, 3e-7) == [0, 5e-8, 1e-7, 1.5e-7, 2e-7, 2.5e-7, 3e-7])
        #expect(niceTicks(0, 5e9) == [0, 1e9, 2e9, 3e9, 4e9, 5e9])
    }

    @Test func logScaleGivesDecades() {
        #expect(niceTicks(1, 1e4, scale: .log) == [1, 10, 100, 1000, 10000])
        #expect(niceTicks(0.5, 2000, scale: .log) == [1, 10, 100, 1000])
    }

    @Test func logScaleThinsManyDecades() {
        let ticks = niceTicks(1e-10, 1e10, target: 6, scale: .log)
        #expect(ticks.count >= 4 && ticks.count <= 7)
        #expect(ticks.allSatisfy { let e = log10($0); return abs(e - e.rounded()) < 1e-12 })
    }

    @Test func logScaleWithinOneDecadeUsesOneTwoFive() {
        #expect(niceTicks(3, 30, scale: .log) == [5, 10, 20])
    }

    @Test func logScaleWithoutPositivePartIsEmpty() {
        #expect(niceTicks(-5, 0, scale: .log).isEmpty)
    }

    @Test func nonFiniteOrEmptyRanges() {
        #expect(niceTicks(.nan, 1).isEmpty)
        #expect(niceTicks(0, .infinity).isEmpty)
        #expect(niceTicks(5, 5) == [5])
    }
}
