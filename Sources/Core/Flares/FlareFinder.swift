import Foundation

/// Finds flares with the criteria of Chang et al. (2015, ApJ 814, 35, Eqs. 3a–d).
///
/// In each continuous segment the light curve is divided by its quiescent model (``Detrender``),
/// giving relative residuals r with errors e and local scatter σ (robust σ of the segment's
/// residuals). A point is a flare candidate when
///  - (3a) r > 0,
///  - (3b) r / σ ≥ N1,
///  - (3c) (r − e) / σ > N2,
/// and (3d) at least N3 consecutive candidates make a flare. Flares separated by at most `mergeGap`
/// non-candidate points are merged (a decay tail dipping under the threshold stays one flare). Unlike the reference Python implementation
/// (AltaiPony's `find_flares_in_cont_obs_period`), a run that touches the first or last point of a
/// segment is kept.
public struct FlareFinder: Sendable, Codable, Hashable {
    public var n1: Double
    public var n2: Double
    public var n3: Int
    /// Flares (runs of ≥ N3 candidates) at most this many points apart are one flare.
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
    ///
    /// Two scales of continuity are used. The quiescent model and the scatter σ are estimated over
    /// *detrending stretches*, split only at gaps longer than the detrending window (TESS: a half
    /// orbit; ZTF: an observing season), so that sparse data are detrended across nights. Flare
    /// runs (N3 consecutive points, ED integration) never cross a gap longer than `maxGap`.
    /// - Parameter exposureSeconds: exposure of one point; the width given to a flare seen in a
    ///   single point (its ED is then a lower limit). Default: the median cadence, at most `maxGap`.
    public func search(_ lc: Lightcurve, exposureSeconds: Double? = nil) -> Result {
        let n = lc.count
        var model = [Double](repeating: .nan, count: n)
        var scatter = [Double](repeating: .nan, count: n)
        var residual = [Double](repeating: .nan, count: n)
        var error = [Double](repeating: .nan, count: n)
        for stretch in lc.segments(maxGap: max(maxGap, detrender.window)) {
            let m = detrender.model(time: lc.time, flux: lc.flux, range: stretch)
            for k in 0..<stretch.count where m[k] > 0 {
                let i = stretch.lowerBound + k
                model[i] = m[k]
                residual[i] = lc.flux[i] / m[k] - 1
                error[i] = lc.fluxError[i] / m[k]
            }
            let sigma = Statistics.robustSigma(residual[stretch].filter(\.isFinite)) ?? .nan
            // With very few points the scatter is unknown; fall back to the median error.
            let local = sigma > 0 && stretch.count >= 10 ? sigma : (Statistics.median(error[stretch].filter(\.isFinite)) ?? .nan)
            for i in stretch { scatter[i] = local }
        }
        // σ of a point is the larger of the stretch's scatter and the point's own error, so that a
        // measurement taken in bad conditions (ground-based data: seeing, clouds) cannot pass the
        // thresholds on the strength of a noise its error bar already announces. For space data
        // the two agree and this is Chang et al.'s σ.
        var sigma = [Double](repeating: .nan, count: n)
        var isCandidate = [Bool](repeating: false, count: n)
        for i in 0..<n where residual[i].isFinite && scatter[i] > 0 {
            let r = residual[i]
            sigma[i] = error[i].isFinite ? max(scatter[i], error[i]) : scatter[i]
            isCandidate[i] = r > 0 && r / sigma[i] >= n1 && (r - error[i]) / sigma[i] > n2
        }
        var flares: [Detection] = []
        let segments = lc.segments(maxGap: maxGap)
        for segment in segments {
            for run in candidateRuns(Array(isCandidate[segment])) {
                let first = segment.lowerBound + run.lowerBound
                let last = segment.lowerBound + run.upperBound
                flares.append(
                    describe(
                        first: first, last: last, segment: segment, lc: lc, residual: residual, error: error,
                        sigma: sigma, exposureSeconds: exposureSeconds))
            }
        }
        return Result(flares: flares, model: model, scatter: scatter, segments: segments)
    }

    /// Runs of at least N3 consecutive candidates (segment-relative index ranges); runs at most
    /// `mergeGap` points apart are then merged into one flare. Merging comes after the N3 test, so
    /// scattered single noise points never add up to a flare.
    func candidateRuns(_ isCandidate: [Bool]) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for k in 0...isCandidate.count {
            let c = k < isCandidate.count && isCandidate[k]
            if c, start == nil { start = k }
            if !c, let s = start {
                if k - s >= n3 { runs.append(s...(k - 1)) }
                start = nil
            }
        }
        var merged: [ClosedRange<Int>] = []
        for run in runs {
            if let last = merged.last, run.lowerBound - last.upperBound - 1 <= mergeGap {
                merged[merged.count - 1] = last.lowerBound...run.upperBound
            } else {
                merged.append(run)
            }
        }
        return merged
    }

    private func describe(
        first: Int, last: Int, segment: Range<Int>, lc: Lightcurve, residual: [Double], error: [Double],
        sigma: [Double], exposureSeconds: Double?
    ) -> Detection {
        var peak = first
        for i in first...last where residual[i] > residual[peak] { peak = i }
        // Equivalent duration: trapezoidal integral of the relative excess over the flare points and
        // the next point after it (the decay returning to quiescence), within the segment.
        let end = min(last + 1, segment.upperBound - 1)
        var ed = 0.0
        var variance = 0.0
        if end > first {
            for i in first..<end {
                let dt = (lc.time[i + 1] - lc.time[i]) * 86_400
                ed += 0.5 * (residual[i] + residual[i + 1]) * dt
                variance += pow(0.5 * dt, 2) * (pow(error[i], 2) + pow(error[i + 1], 2))
            }
        } else {
            // A single point alone in its segment (sparse data): its exposure is all we saw of the
            // flare, so the ED is a lower limit.
            let dt = exposureSeconds ?? min(lc.medianCadence ?? 0, maxGap) * 86_400
            ed = residual[first] * dt
            variance = pow(error[first] * dt, 2)
        }
        return Detection(
            band: lc.band, timeSystem: lc.timeSystem, start: lc.time[first], stop: lc.time[last], peakTime: lc.time[peak],
            amplitude: residual[peak], equivalentDuration: ed, equivalentDurationError: variance.squareRoot(),
            significance: residual[peak] / sigma[peak], pointCount: last - first + 1, firstIndex: first, lastIndex: last,
            firstOrigin: lc.origins[first], peakOrigin: lc.origins[peak], lastOrigin: lc.origins[last])
    }
}
