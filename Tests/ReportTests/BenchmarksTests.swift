import Core
import Foundation
import Testing

@testable import Report
import TestSupport

@Suite("Benchmarks")
struct BenchmarksTests {
    @Test func aFigureSaysWhetherItMeetsItsGoal() {
        let met = Benchmarks.Figure(name: "x", value: 0.01, unit: "per LC", note: "n", goal: .atMost(0.02))
        let missed = Benchmarks.Figure(name: "x", value: 80, unit: "%", note: "n", goal: .atLeast(90))
        let near = Benchmarks.Figure(name: "x", value: 0.57, unit: "", note: "n", goal: .near(1, tolerance: 0.05))
        #expect(met.line.contains("goal ≤ 0.02 per LC: met;"))
        #expect(missed.line.contains("goal ≥ 90 %: NOT met;"))
        #expect(near.line.contains("goal 1 ± 0.05: NOT met;"))
        #expect(!Benchmarks.Figure(name: "x", value: 3, unit: "", note: "").line.contains("goal"))
    }

    /// Gehrels (1986) Eq. 9 gives 2.97 for 0 events (exact: 3.00) and 7.75 for 3 (Table 1: 7.754).
    @Test func poissonUpperLimitsFollowGehrels() {
        #expect(abs(Benchmarks.poissonUpperLimit95(0) - 2.97) < 0.01)
        #expect(abs(Benchmarks.poissonUpperLimit95(3) - 7.754) < 0.02)
    }

    /// The file benchmark counts the file's points and the flares it injected (its times are printed,
    /// never asserted).
    @Test func theFileBenchmarkCountsPointsAndInjections() async throws {
        try await withTemporaryFolder { folder in
            let url = try writeNoiseSector(in: folder, points: 5_000, seed: 6)
            let result = try Benchmarks.file(url, inject: 12, seed: 3)
            #expect(result.points == 5_000)
            #expect(result.injected == 12)
            #expect(result.searchRuns == 5)
            #expect(result.recovered > 0 && result.recovered <= 12)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(Benchmarks.json(result).utf8)) as? [String: Any])
            let keys = Set(object.keys)
            #expect(keys.isSuperset(of: ["points", "search_seconds", "injected", "injection_seconds", "recovered"]))
            #expect(object["injected"] as? Int == 12)
        }
    }
}
