import Testing

@testable import Core

@Suite("Statistics")
struct StatisticsTests {
    @Test func medianMatchesSortingOnRandomAndRepetitiveData() {
        var g = SeededGenerator(seed: 7)
        for n in [1, 2, 3, 10, 101, 1000] {
            let values = (0..<n).map { _ in (g.uniform() * 10).rounded() }  // many ties
            let sorted = values.sorted()
            let expected = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
            #expect(Statistics.median(values) == expected)
        }
        #expect(Statistics.median(Array(repeating: 2.0 / 1440, count: 20_000)) == 2.0 / 1440)
        #expect(Statistics.median([]) == nil)
        #expect(Statistics.median([.nan, 3, 1]) == 2)
    }

    @Test func robustSigmaEstimatesTheGaussianSigma() throws {
        var g = SeededGenerator(seed: 11)
        let values = (0..<20_000).map { _ in 3 * g.gaussian() }
        let sigma = try #require(Statistics.robustSigma(values))
        #expect(abs(sigma - 3) < 0.1)
    }
}

@Suite("SeededGenerator")
struct SeededGeneratorTests {
    @Test func sameSeedAndStreamGiveTheSameSequence() {
        var a = SeededGenerator(seed: 42, stream: "star|1")
        var b = SeededGenerator(seed: 42, stream: "star|1")
        var c = SeededGenerator(seed: 42, stream: "star|2")
        let x = (0..<5).map { _ in a.next() }
        #expect(x == (0..<5).map { _ in b.next() })
        #expect(x != (0..<5).map { _ in c.next() })
    }

    @Test func uniformStaysInItsRangeAndPoissonHasTheRightMean() {
        var g = SeededGenerator(seed: 1)
        for _ in 0..<10_000 {
            let u = g.uniform()
            #expect(u >= 0 && u < 1)
        }
        let mean = Double((0..<20_000).reduce(0) { s, _ in s + g.poisson(mean: 4.5) }) / 20_000
        #expect(abs(mean - 4.5) < 0.1)
    }
}
