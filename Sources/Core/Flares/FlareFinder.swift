import Foundation

/// Finds flares with the criteria of Chang et al. (2015, ApJ 814, 35, Eqs. 3a–d).
///
/// In each continuous segment the light curve is divided by its quiescent model (``Detrender``),
/// giving relative residuals r with errors e and local scatter σ (robust σ of the segment's
/// residuals). A point is a flare candidate when
///  - (3a) r > 0,
///  - (3b) r / σ ≥ N1,
///  - (3c) (r − e) / σ > N2,
/// and (3d) at least N3 consecutive candidates make a flare. Runs of candidates separated by at most
/// `mergeGap` non-candidate points are merged. Unlike the reference Python implementation
/// (AltaiPony's `find_flares_in_cont_obs_period`), a run that touches the first or last point of a
/// segment is kept.
public struct FlareFinder: Sendable, Codable, Hashable {
    public var n1: Double
    public var n2: Double
    public var n3: Int
    /// Candidate runs at most this many points apart are one flare.
    public var mergeGap: Int
    /// A new segment starts at gaps longer than this, days.
    public var maxGap: Double
    public var detrender: Detrender

    public init(n1: Double = 3, n2: Double = 2, n3: Int = 3, mergeGap: Int = 0, maxGap: Double, detrender: Detrender) {
        self.n1 = n1
        self.n2 = n2
        self.n3 = n3
        self.mergeGap = mergeGap
        self.maxGap = maxGap
        self.detrender = detrender
    }

    /// The result of a search on one light curve.
    public struct Result: Sendable {
        public var flares: [Detection]
        /// Quiescent model, same length as the light curve.
        public var model: [Double]
        /// Robust scatter of the relative residuals of each point's segment.
        public var scatter: [Double]
        public var segments: [Range<Int>]
    }

    /// Searches a sorted light curve.
    /// - Parameter exposureSeconds: exposure of one point; the width given to a flare seen in a
    ///   single point at a segment's end (its ED is then a lower limit). Default: one median cadence.
    public func search(_ lc: Lightcurve, exposureSeconds: Double? = nil) -> Result {
        let n = lc.count
        var model = [Double](repeating: .nan, count: n)
        var scatter = [Double](repeating: .nan, count: n)
        var flares: [Detection] = []
        let segments = lc.segments(maxGap: maxGap)
        for segment in segments {
            let m = detrender.model(time: lc.time, flux: lc.flux, range: segment)
            var residual = [Double](repeating: .nan, count: segment.count)
            var error = [Double](repeating: .nan, count: segment.count)
            for k in 0..<segment.count {
                let i = segment.lowerBound + k
                model[i] = m[k]
                if m[k] > 0 {
                    residual[k] = lc.flux[i] / m[k] - 1
                    error[k] = lc.fluxError[i] / m[k]
                }
            }
            let sigma = Statistics.robustSigma(residual.filter(\.isFinite)) ?? .nan
            // With very few points the scatter is unknown; fall back to the median error.
            let localSigma = sigma > 0 ? sigma : (Statistics.median(error.filter(\.isFinite)) ?? .nan)
            for k in 0..<segment.count { scatter[segment.lowerBound + k] = localSigma }
            guard localSigma > 0 else { continue }
            var isCandidate = [Bool](repeating: false, count: segment.count)
            for k in 0..<segment.count where residual[k].isFinite {
                let r = residual[k]
                isCandidate[k] = r > 0 && r / localSigma >= n1 && (r - error[k]) / localSigma > n2
            }
            for run in candidateRuns(isCandidate) where run.count >= n3 {
                flares.append(
                    describe(
                        run: run, segment: segment, lc: lc, residual: residual, error: error, sigma: localSigma,
                        exposureSeconds: exposureSeconds))
            }
        }
        return Result(flares: flares, model: model, scatter: scatter, segments: segments)
    }

    /// Runs of consecutive candidates (segment-relative index ranges), merged across small gaps.
    func candidateRuns(_ isCandidate: [Bool]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for k in 0...isCandidate.count {
            let c = k < isCandidate.count && isCandidate[k]
            if c, start == nil { start = k }
            if !c, let s = start {
                if let last = runs.last, s - last.upperBound - 1 <= mergeGap {
                    runs[runs.count - 1] = last.lowerBound...(k - 1)
                } else {
                    runs.append(s...(k - 1))
                }
                start = nil
            }
        }
        return runs
    }

    private func describe(
        run: ClosedRange<Int>, segment: Range<Int>, lc: Lightcurve, residual: [Double], error: [Double], sigma: Double,
        exposureSeconds: Double?
    ) -> Detection {
        let first = segment.lowerBound + run.lowerBound
        let last = segment.lowerBound + run.upperBound
        var peak = first
        for i in first...last where residual[i - segment.lowerBound] > residual[peak - segment.lowerBound] { peak = i }
        // Equivalent duration: trapezoidal integral of the relative excess over the flare points and
        // the next point after it (the decay returning to quiescence), within the segment.
        let end = min(last + 1, segment.upperBound - 1)
        var ed = 0.0
        var variance = 0.0
        if end > first {
            for i in first..<end {
                let dt = (lc.time[i + 1] - lc.time[i]) * 86_400
                let a = residual[i - segment.lowerBound]
                let b = residual[i + 1 - segment.lowerBound]
                ed += 0.5 * (a + b) * dt
                variance += pow(0.5 * dt, 2) * (pow(error[i - segment.lowerBound], 2) + pow(error[i + 1 - segment.lowerBound], 2))
            }
        } else {
            // A single point alone in its segment (sparse data): its exposure is all we saw of the
            // flare, so the ED is a lower limit.
            let dt = exposureSeconds ?? min(lc.medianCadence ?? 0, maxGap) * 86_400
            ed = residual[first - segment.lowerBound] * dt
            variance = pow(error[first - segment.lowerBound] * dt, 2)
        }
        return Detection(
            band: lc.band, timeSystem: lc.timeSystem, start: lc.time[first], stop: lc.time[last], peakTime: lc.time[peak],
            amplitude: residual[peak - segment.lowerBound], equivalentDuration: ed,
            equivalentDurationError: variance.squareRoot(), significance: residual[peak - segment.lowerBound] / sigma,
            pointCount: last - first + 1, firstIndex: first, lastIndex: last, firstOrigin: lc.origins[first],
            peakOrigin: lc.origins[peak], lastOrigin: lc.origins[last])
    }
}
