import Foundation
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

    /// Every rank of random, tied, sorted, reversed and constant arrays lands where sorting puts
    /// it, with nothing larger before it and nothing smaller after.
    /// A fuzzed FITS table whose fluxes were mostly infinite made the median infinite and the
    /// deviations ∞ − ∞ = NaN, on which the selection looped for ever (report fuzz, lc-fits).
    @Test func infiniteValuesGiveAnAnswerNotAHang() {
        let values = [Double.infinity, .infinity, .infinity, -.infinity, 1, 2]
        #expect(Statistics.robustSigma(values) == .infinity)
        var v = values, scratch: [Double] = []
        #expect(Statistics.robustSigmaInPlace(&v, scratch: &scratch) == .infinity)
        // The selection itself never loops on a NaN it must not be given (the order is then unspecified).
        var withNaN = (0..<40).map { Double($0 % 7) } + [.nan] + (0..<40).map { Double($0) }
        withNaN.withUnsafeMutableBufferPointer { Statistics.quickselect($0, k: 60) }
        #expect(withNaN.count == 81)
    }

    @Test func quickselectPlacesEveryRank() {
        var g = SeededGenerator(seed: 5)
        let shapes: [(Int) -> [Double]] = [
            { n in (0..<n).map { _ in g.gaussian() } },
            { n in (0..<n).map { _ in (g.uniform() * 4).rounded() } },
            { n in (0..<n).map(Double.init) },
            { n in (0..<n).map { Double(n - $0) } },
            { n in Array(repeating: 1.5, count: n) },
        ]
        for shape in shapes {
            for n in [1, 2, 17, 33, 200] {
                let values = shape(n)
                let sorted = values.sorted()
                for k in stride(from: 0, to: n, by: max(1, n / 23)) {
                    var v = values
                    v.withUnsafeMutableBufferPointer { Statistics.quickselect($0, k: k) }
                    #expect(v[k] == sorted[k], "n \(n) k \(k)")
                    #expect(v[..<k].allSatisfy { $0 <= v[k] } && v[(k + 1)...].allSatisfy { $0 >= v[k] })
                    #expect(v.sorted() == sorted)
                }
            }
        }
    }

    @Test func robustSigmaEstimatesTheGaussianSigma() throws {
        var g = SeededGenerator(seed: 11)
        let values = (0..<20_000).map { _ in 3 * g.gaussian() }
        let sigma = try #require(Statistics.robustSigma(values))
        #expect(abs(sigma - 3) < 0.1)
    }
}

@Suite("LinearAlgebra")
struct LinearAlgebraTests {
    /// The allocation-free 3 × 3 solver of the robust filter gives what the general one gives, on
    /// well-conditioned normal equations and on ones that need pivoting, and both refuse a singular
    /// system.
    @Test func theSymmetricThreeByThreeSolverAgreesWithTheGeneralOne() throws {
        var g = SeededGenerator(seed: 9)
        for trial in 0..<200 {
            let x = (0..<12).map { _ in g.gaussian() * (trial % 2 == 0 ? 1 : 0.1) }
            let w = (0..<12).map { _ in g.uniform() }
            let y = (0..<12).map { _ in g.gaussian() }
            var s = [Double](repeating: 0, count: 5), t = [Double](repeating: 0, count: 3)
            for i in 0..<12 {
                for p in 0..<5 { s[p] += w[i] * pow(x[i], Double(p)) }
                for p in 0..<3 { t[p] += w[i] * pow(x[i], Double(p)) * y[i] }
            }
            let general = LinearAlgebra.solve([s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]], t, size: 3)
            let specific = LinearAlgebra.solveSymmetric3(s[0], s[1], s[2], s[3], s[4], t[0], t[1], t[2])
            // (Should a system fail the singularity test, both must say so.)
            guard let general, let c = specific else {
                #expect(general == nil && specific == nil, "trial \(trial)")
                continue
            }
            for (a, b) in zip([c.0, c.1, c.2], general) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
        }
        // A zero first pivot (needs a row swap) and a singular system.
        let swapped = try #require(LinearAlgebra.solveSymmetric3(0, 1, 2, 3, 5, 1, 2, 3))
        let reference = try #require(LinearAlgebra.solve([0, 1, 2, 1, 2, 3, 2, 3, 5], [1, 2, 3], size: 3))
        #expect(abs(swapped.0 - reference[0]) < 1e-12 && abs(swapped.1 - reference[1]) < 1e-12 && abs(swapped.2 - reference[2]) < 1e-12)
        #expect(LinearAlgebra.solveSymmetric3(1, 1, 1, 1, 1, 1, 1, 1) == nil)
        #expect(LinearAlgebra.solve([1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1], size: 3) == nil)
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
