import Foundation
import Testing

@testable import Core

/// A 2-minute light curve: 1 + signal + Gaussian noise σ.
private func whiteCurve(days: Double, sigma: Double = 0.001, seed: UInt64, _ signal: (Double) -> Double = { _ in 0 }) throws -> Lightcurve {
    var g = SeededGenerator(seed: seed)
    let time = stride(from: 0.0, to: days, by: 2.0 / 1440).map { 1500 + $0 }
    return try Lightcurve(
        time: time, flux: time.map { 1 + signal($0) + sigma * g.gaussian() }, fluxError: Array(repeating: sigma, count: time.count),
        band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
}

@Suite("MatchedFilter")
struct MatchedFilterTests {
    /// The recursion gives Σ z(i+k)·exp(−Δt/τ) / √(Σ exp(−2Δt/τ)) over the points present, on
    /// irregular times with missing values, as the sums written out do.
    @Test func theRecursionIsTheSumWrittenOut() {
        var g = SeededGenerator(seed: 3)
        var t = 0.0
        let time = (0..<200).map { _ in t += 0.001 * (1 + 3 * g.uniform()); return t }
        let z = (0..<200).map { $0 % 17 == 5 ? Double.nan : g.gaussian() }
        let segment = 20..<180
        // On irregular times, and on regular ones, where the kernel factor of one step is reused.
        let regular = (0..<200).map { 1500 + Double($0) * 2.0 / 1440 }
        for times in [time, regular] {
            let s = MatchedFilter.statistic(z: z, time: times, segment: segment, decay: 0.01)
            for i in segment {
                var y = 0.0, w = 0.0
                for k in i..<segment.upperBound where z[k].isFinite {
                    let a = exp(-(times[k] - times[i]) / 0.01)
                    y += a * z[k]
                    w += a * a
                }
                #expect(abs(s[i - segment.lowerBound] - y / w.squareRoot()) < 1e-9)
            }
        }
    }

    @Test func theThresholdIsTheGaussianUpperQuantile() {
        #expect(abs(MatchedFilter.upperQuantile(0.001_349_898) - 3) < 1e-4)
        #expect(abs(MatchedFilter.upperQuantile(2.866_516e-7) - 5) < 1e-4)
        // 0.005 false candidates over 20,000 points × 6 decay times.
        #expect(abs(MatchedFilter().threshold(trials: 120_000) - 5.36) < 0.01)
    }

    /// A flare of peak S/N 2.5 and 40-minute FWHM has no run of points at 3σ, yet its ~30 points
    /// together stand out: the filter peaks at it (within its rise) and nowhere else in 13.5 days.
    @Test func theFilterPeaksAtAFaintLongFlareAndNowhereElse() throws {
        let peak = 1506.3
        let lc = try whiteCurve(days: 13.5, seed: 4) {
            FlareTemplate.davenport2014.value(at: $0, peak: peak, fwhm: 40.0 / 1440, amplitude: 0.0025, exposure: 2.0 / 1440)
        }
        let finder = FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440)
        let filter = try #require(finder.matchedFilter)
        let result = finder.search(lc, exposureSeconds: 120)
        let z = result.significance
        let decays = filter.decays(cadence: 2.0 / 1440)
        #expect(decays.map { ($0 * 1440).rounded() } == [2, 4, 8, 16, 32])
        let candidates = filter.candidates(z: z, time: lc.time, segments: [0..<lc.count], cadence: 2.0 / 1440)
        #expect(abs(candidates.threshold - filter.threshold(trials: lc.count * decays.count)) < 1e-12)
        let peaks = candidates.upright
        #expect(peaks.count == 1)
        #expect(peaks.allSatisfy { abs(lc.time[$0.index] - peak) < 20.0 / 1440 && $0.snr > 7 })
        // The inverted curve's peaks come from −S: a flare gives none there.
        #expect(candidates.inverted.allSatisfy { abs(lc.time[$0.index] - peak) > 0.1 })
        // With σ twice as large S halves: the peak passes at factor 1 and not at a factor that
        // takes its S below the threshold.
        let p = try #require(peaks.first)
        #expect(p.passes(threshold: candidates.threshold, minimumDecay: filter.minimumDecay, factor: 1))
        #expect(!p.passes(threshold: candidates.threshold, minimumDecay: filter.minimumDecay, factor: p.snr / candidates.threshold * 1.01))
        // No point reaches the N3 = 3 run of the point criteria at this S/N.
        let k = Statistics.lowerBound(lc.time, peak)
        #expect(!(k - 10..<k + 30).contains { i in (i..<i + 3).allSatisfy { z[$0] >= 3 } })
    }

    /// White noise gives no candidates (expected 0.005 per light curve), and neither does a single
    /// 8σ cosmic ray: all peak, no decay.
    @Test func noiseAndACosmicRayGiveNothing() throws {
        let finder = FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440)
        var total = 0
        for seed in 1...10 {
            let lc = try whiteCurve(days: 27, seed: UInt64(seed)) { abs($0 - 1510.0) < 0.5 / 1440 ? 0.008 : 0 }
            total += finder.search(lc, exposureSeconds: 120).flares.count
        }
        #expect(total == 0)
    }

    /// 30-minute data (a flare is one or two points there) are searched without the filter.
    @Test func longCadenceRunsWithoutTheFilter() {
        #expect(FlareSearch.Parameters.standard.finder(cadence: 29.4 / 1440).matchedFilter == nil)
        #expect(FlareSearch.Parameters.standard.finder(cadence: 20.0 / 86_400).matchedFilter != nil)
    }
}
