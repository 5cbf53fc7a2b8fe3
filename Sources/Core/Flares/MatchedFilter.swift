import Foundation

/// A matched-filter channel for flares too faint for the point criteria.
///
/// A flare of peak S/N 3 that lasts twenty cadences has few or no points at 3σ, yet its twenty
/// points together carry S/N ~10. Correlating the whitened residuals z = r/σ with the decay of a
/// flare — an exponential of e-folding time τ starting at the peak, which the Davenport (2014)
/// template's decay is a sum of — gives, at every point, the S/N of a flare peaking there:
///
///     S(i) = Σₖ z(i+k) aᵏ / √(Σₖ a²ᵏ),   aᵏ = exp(−(t(i+k) − t(i)) / τ),
///
/// computed for all points at once by a backward recursion in O(n) per τ (irregular sampling and
/// missing points are exact: the kernel is in time, and the normalisation counts only the points
/// present), for τ from one cadence doubling up to `longestDecay`. Red noise and detrending residue
/// make S wider than unit variance at long τ, so each τ's S is divided by its robust scatter over
/// the light curve (when above 1). A point is a candidate when the largest normalised S reaches the
/// threshold for a false-alarm probability `falseAlarm` per light curve over n points × the number
/// of τ (Bonferroni, one-sided Gaussian). The point criteria, the shape test and the inverted-curve
/// calibration of σ then apply to these candidates as to the others (see ``FlareFinder``).
public struct MatchedFilter: Sendable, Codable, Hashable {
    /// Expected false candidates per light curve from Gaussian noise alone.
    public var falseAlarm: Double
    /// The longest decay e-folding time tried, days.
    public var longestDecay: Double
    /// The brightest point of a candidate must reach this many σ: a smooth hump of detrending residue
    /// can add up to a high S without any point standing out, a flare's peak does stand out.
    public var minimumPeak: Double
    /// The points after the peak alone must reach this S/N (the same filter without the peak): a
    /// cosmic ray or a single bad cadence is all peak and no decay.
    public var minimumDecay: Double

    public init(falseAlarm: Double = 0.005, longestDecay: Double = 60.0 / 1440, minimumPeak: Double = 2.5, minimumDecay: Double = 3) {
        self.falseAlarm = falseAlarm
        self.longestDecay = longestDecay
        self.minimumPeak = minimumPeak
        self.minimumDecay = minimumDecay
    }

    /// Decay times tried for a light curve of this median cadence, days: one cadence, doubling.
    func decays(cadence: Double) -> [Double] {
        guard cadence > 0 else { return [] }
        var result = [cadence]
        while result.count < 16, result.last! * 2 <= longestDecay { result.append(result.last! * 2) }
        return result
    }

    /// The S/N threshold for `trials` independent trials.
    func threshold(trials: Int) -> Double {
        Self.upperQuantile(falseAlarm / Double(max(1, trials)))
    }

    /// z such that P(N(0,1) > z) = p, by bisection on erfc (p from 10⁻³⁰⁰ to 0.5).
    static func upperQuantile(_ p: Double) -> Double {
        guard p < 0.5 else { return 0 }
        var lo = 0.0, hi = 40.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if 0.5 * erfc(mid / 2.0.squareRoot()) > p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// S(i) for one decay time over one segment (NaN where no point at or after i is present).
    static func statistic(z: [Double], time: [Double], segment: Range<Int>, decay tau: Double) -> [Double] {
        var result = [Double](repeating: .nan, count: segment.count)
        var y = 0.0, w = 0.0
        var i = segment.upperBound - 1
        while i >= segment.lowerBound {
            let a = i + 1 < segment.upperBound ? exp(-(time[i + 1] - time[i]) / tau) : 0
            y *= a
            w *= a * a
            if z[i].isFinite {
                y += z[i]
                w += 1
            }
            if w > 0 { result[i - segment.lowerBound] = y / w.squareRoot() }
            i -= 1
        }
        return result
    }

    /// Robust scatter of S for each decay time over all segments, at least 1 (the unit variance
    /// of white noise), so that red noise does not pass for flares.
    func scales(z: [Double], time: [Double], segments: [Range<Int>], decays: [Double]) -> [Double] {
        decays.map { tau in
            var all: [Double] = []
            for segment in segments {
                all += Self.statistic(z: z, time: time, segment: segment, decay: tau).filter(\.isFinite)
            }
            return max(1, Statistics.robustSigma(all) ?? 1)
        }
    }

    /// The points of one segment where the normalised S peaks at or above `threshold` (local maxima
    /// within the decay time found there) and the points after the peak alone reach `minimumDecay`,
    /// segment-relative, with that S.
    static func peaks(
        z: [Double], time: [Double], segment: Range<Int>, decays: [Double], scales: [Double], threshold: Double, minimumDecay: Double
    )
        -> [(index: Int, snr: Double, decay: Double)]
    {
        let n = segment.count
        var best = [Double](repeating: -.infinity, count: n)
        var bestDecay = [Double](repeating: 0, count: n)
        for (tau, scale) in zip(decays, scales) {
            let s = statistic(z: z, time: time, segment: segment, decay: tau)
            for k in 0..<n where s[k].isFinite && s[k] / scale > best[k] {
                best[k] = s[k] / scale
                bestDecay[k] = tau
            }
        }
        var result: [(index: Int, snr: Double, decay: Double)] = []
        for k in 0..<n where best[k] >= threshold {
            // A local maximum of S within its own decay time either side.
            let t = time[segment.lowerBound + k]
            var isPeak = true
            var j = k - 1
            while j >= 0, t - time[segment.lowerBound + j] <= bestDecay[k] {
                if best[j] > best[k] { isPeak = false; break }
                j -= 1
            }
            j = k + 1
            while isPeak, j < n, time[segment.lowerBound + j] - t <= bestDecay[k] {
                if best[j] >= best[k] { isPeak = false; break }
                j += 1
            }
            // What the points after the peak say alone: a cosmic ray or a single bad cadence is all
            // peak, a flare's decay carries S/N of its own.
            guard isPeak else { continue }
            var y = 0.0, w = 0.0
            j = k + 1
            while j < n, time[segment.lowerBound + j] - t <= 8 * bestDecay[k] {
                let i = segment.lowerBound + j
                if z[i].isFinite {
                    let a = exp(-(time[i] - t) / bestDecay[k])
                    y += a * z[i]
                    w += a * a
                }
                j += 1
            }
            let scale = scales[decays.firstIndex(of: bestDecay[k]) ?? 0]
            if w > 0, y / w.squareRoot() / scale >= minimumDecay { result.append((k, best[k], bestDecay[k])) }
        }
        return result
    }
}
