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
        statistic(z: z, time: time, segment: segment, decay: tau, sign: 1, into: &result, offset: -segment.lowerBound)
        return result
    }

    /// S(i) × `sign` written to `result[i + offset]` for i in `segment`.
    ///
    /// Regular sampling repeats the same step: its kernel factor exp(−Δt/τ) is computed once and
    /// reused while the step stays within a nanosecond-scale tolerance (a relative error in S far
    /// below 10⁻⁸), so the cost is one exp per change of step, not one per point.
    private static func statistic(
        z: [Double], time: [Double], segment: Range<Int>, decay tau: Double, sign: Double, into result: inout [Double], offset: Int
    ) {
        var y = 0.0, w = 0.0
        var lastStep = -1.0, lastFactor = 0.0
        var i = segment.upperBound - 1
        while i >= segment.lowerBound {
            var a = 0.0
            if i + 1 < segment.upperBound {
                let step = time[i + 1] - time[i]
                if abs(step - lastStep) > 1e-11 {
                    lastStep = step
                    lastFactor = exp(-step / tau)
                }
                a = lastFactor
            }
            y *= a
            w *= a * a
            if z[i].isFinite {
                y += z[i]
                w += 1
            }
            result[i + offset] = w > 0 ? sign * y / w.squareRoot() : .nan
            i -= 1
        }
    }

    /// A point where the normalised S peaks: the filter's candidate for a flare starting there.
    struct Peak: Sendable {
        /// Absolute index of the point in the light curve.
        var index: Int
        /// The largest normalised S over the decay times, at σ factor 1.
        var snr: Double
        /// What the points after the peak alone reach with that decay time (normalised the same way).
        var decaySNR: Double
        /// The decay time of the largest S, days.
        var decay: Double

        /// Whether the peak passes with σ multiplied by `factor` (S scales as 1/factor exactly).
        func passes(threshold: Double, minimumDecay: Double, factor: Double) -> Bool {
            snr >= threshold * factor && decaySNR >= minimumDecay * factor
        }
    }

    /// The filter's peaks on a light curve's whitened residuals z = r/σ, for flares (S) and for
    /// the inverted curve's anti-flares (−S) at once, and the threshold they are held to.
    struct Candidates: Sendable {
        var upright: [Peak] = []
        var inverted: [Peak] = []
        var threshold = Double.infinity
    }

    /// Peaks of the normalised S (local maxima within their decay time either side, per segment) at
    /// or above the threshold whose decay alone reaches `minimumDecay`, at σ factor 1, for both
    /// signs. S is linear in z and its robust scatter is the same for −z, so the inverted curve's
    /// statistic is −S and costs nothing more; and because S scales as 1/factor when σ is multiplied
    /// by a factor, the peaks at any factor ≥ 1 are a subset of these (``Peak/passes(threshold:minimumDecay:factor:)``):
    /// the inverted-curve calibration of σ filters this one list instead of filtering the light
    /// curve again for every factor it tries.
    func candidates(z: [Double], time: [Double], segments: [Range<Int>], cadence: Double) -> Candidates {
        let decays = decays(cadence: cadence)
        guard !decays.isEmpty else { return Candidates() }
        let n = z.count
        let trials = z.reduce(0) { $1.isFinite ? $0 + 1 : $0 } * decays.count
        var result = Candidates(threshold: threshold(trials: trials))
        var best = [Double](repeating: -.infinity, count: n), bestDecay = [Double](repeating: 0, count: n)
        var inverted = [Double](repeating: -.infinity, count: n), invertedDecay = [Double](repeating: 0, count: n)
        var s = [Double](repeating: .nan, count: n)
        var scales: [Double] = []
        for tau in decays {
            for segment in segments { Self.statistic(z: z, time: time, segment: segment, decay: tau, sign: 1, into: &s, offset: 0) }
            let scale = Self.scale(of: s, segments: segments, decay: tau, cadence: cadence)
            scales.append(scale)
            for k in 0..<n where s[k].isFinite {
                let v = s[k] / scale
                if v > best[k] { best[k] = v; bestDecay[k] = tau }
                if -v > inverted[k] { inverted[k] = -v; invertedDecay[k] = tau }
            }
        }
        for segment in segments {
            result.upright += peaks(
                best: best, bestDecay: bestDecay, sign: 1, z: z, time: time, segment: segment, decays: decays, scales: scales,
                threshold: result.threshold)
            result.inverted += peaks(
                best: inverted, bestDecay: invertedDecay, sign: -1, z: z, time: time, segment: segment, decays: decays, scales: scales,
                threshold: result.threshold)
        }
        return result
    }

    /// Robust scatter of S for one decay time over all segments, at least 1 (the unit variance of
    /// white noise), so that red noise does not pass for flares. S is smooth over its decay time, so
    /// every (τ / 2 cadences)-th value — and at most about 10,000 of them — measures it as well as all.
    private static func scale(of s: [Double], segments: [Range<Int>], decay tau: Double, cadence: Double) -> Double {
        let total = segments.reduce(0) { $0 + $1.count }
        let stride = max(1, Int(tau / max(cadence, 1e-9) / 2), total / 10_000)
        var values: [Double] = []
        values.reserveCapacity(total / stride + segments.count)
        for segment in segments {
            var k = segment.lowerBound
            while k < segment.upperBound {
                if s[k].isFinite { values.append(s[k]) }
                k += stride
            }
        }
        var scratch: [Double] = []
        return max(1, Statistics.robustSigmaInPlace(&values, scratch: &scratch) ?? 1)
    }

    /// The peaks of one segment of one sign's best normalised S (absolute indices).
    private func peaks(
        best: [Double], bestDecay: [Double], sign: Double, z: [Double], time: [Double], segment: Range<Int>, decays: [Double],
        scales: [Double], threshold: Double
    ) -> [Peak] {
        var result: [Peak] = []
        for k in segment where best[k] >= threshold {
            // A local maximum of S within its own decay time either side.
            let t = time[k]
            let tau = bestDecay[k]
            var isPeak = true
            var j = k - 1
            while j >= segment.lowerBound, t - time[j] <= tau {
                if best[j] > best[k] { isPeak = false; break }
                j -= 1
            }
            j = k + 1
            while isPeak, j < segment.upperBound, time[j] - t <= tau {
                if best[j] >= best[k] { isPeak = false; break }
                j += 1
            }
            guard isPeak else { continue }
            // What the points after the peak say alone: a cosmic ray or a single bad cadence is all
            // peak, a flare's decay carries S/N of its own.
            var y = 0.0, w = 0.0
            j = k + 1
            while j < segment.upperBound, time[j] - t <= 8 * tau {
                if z[j].isFinite {
                    let a = exp(-(time[j] - t) / tau)
                    y += a * sign * z[j]
                    w += a * a
                }
                j += 1
            }
            let scale = scales[decays.firstIndex(of: tau) ?? 0]
            guard w > 0 else { continue }
            let decay = y / w.squareRoot() / scale
            if decay >= minimumDecay { result.append(Peak(index: k, snr: best[k], decaySNR: decay, decay: tau)) }
        }
        return result
    }
}
