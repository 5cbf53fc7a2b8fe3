import Foundation

/// Finds flares with the criteria of Chang et al. (2015, ApJ 814, 35, Eqs. 3a–d).
///
/// The light curve is divided by its quiescent model (``Detrender``: rotation, robust filter, flare
/// mask), giving relative residuals r with errors e and a local σ (the larger of the rolling
/// robust scatter and the point's own error). A point is a flare candidate when
///  - (3a) r > 0,
///  - (3b) r / σ ≥ N1,
///  - (3c) (r − e) / σ > N2,
/// and (3d) at least N3 consecutive candidates make a flare. A shorter run (of at least
/// `shortRunMinimum` points) also counts if its peak reaches `shortRunThreshold` σ and the point after
/// it is still above +1σ — the decay a flare has and a cosmic ray or a bad cadence lacks: flares one
/// or two cadences long at 30 minutes, a few minutes long at 2 minutes. Where exposures are long and
/// cosmic rays are removed on board, such a run also counts without that decay point if its peak
/// reaches `shortRunWithoutDecayThreshold` σ: a flare over within one 30-minute exposure, or the
/// last point before a gap or a segment's end. A flare extends from one point before its run, if
/// that point is above +1σ, to the end of its decay tail (while the mean excess of three
/// consecutive points stays above 1σ/√3); flares whose extents come within `mergeGap` points are
/// one flare. With `shapeTolerance`, a candidate must be shaped like a flare: it rises no slower
/// than it decays (give or take a cadence), and the flare template fits it at least as well as a symmetric Gaussian bump (``FlareVetting/isFlareShaped(tolerance:cadence:strictBesideGaps:maximumRiseAreaFraction:asymmetricAbove:benefitOfDoubt:)``),
/// within `shapeTolerance` in Δχ² where the point criteria found it and with no tolerance where
/// only the matched filter did (long faint candidates, whose shape is measured: most false ones on
/// spotted fast rotators fitted a bump 1–4 better); beside a missing cadence, below
/// `strictShapeBelow` σ or with the rise in the missing cadence, strictly better.
/// Flares rise fast and decay slowly; leftover stellar variability and systematics do not.
///
/// σ is then calibrated on the star itself (`invertedCalibration`): the same search run on the
/// inverted residuals (−r) finds "anti-flares" only where the noise has heavier tails than the
/// robust σ says — K2 roll residue, detrending residue on spotted stars, bad ground-based epochs.
/// σ is scaled by the smallest factor that leaves none (times `invertedMargin`), the false-positive
/// estimate of Jackman et al. (2021, MNRAS 504, 3246) turned into a threshold. Clean data keep
/// factor 1 and their full sensitivity. Unlike the reference Python
/// implementation (AltaiPony's `find_flares_in_cont_obs_period`), a run that touches the first or
/// last point of a segment is kept.
public struct FlareFinder: Sendable, Codable, Hashable {
    public var n1: Double
    public var n2: Double
    public var n3: Int
    /// Flares at most this many points apart are one flare.
    public var mergeGap: Int
    /// A new segment starts at gaps longer than this, days.
    public var maxGap: Double
    /// Peak significance at which a run shorter than N3 still counts (with a decay point after it);
    /// nil: never.
    public var shortRunThreshold: Double?
    /// The fewest points such a shorter run may have (2 where single-cadence cosmic rays are common).
    public var shortRunMinimum: Int
    /// Peak significance at which such a shorter run counts with no decay point after it (the next
    /// point within 1σ, missing, or past the segment's end); nil: never.
    public var shortRunWithoutDecayThreshold: Double?
    /// Reject candidates that are not shaped like a flare (``FlareVetting/isFlareShaped(tolerance:cadence:strictBesideGaps:maximumRiseAreaFraction:asymmetricAbove:benefitOfDoubt:)``),
    /// with this tolerance on Δχ²; nil: no shape test (sparse data, where a flare is one point).
    public var shapeTolerance: Double?
    /// Below this peak significance, a candidate beside a missing cadence must fit the flare
    /// template better than a symmetric bump by `shapeTolerance` (not merely as well): thruster
    /// firings and other flagged events leave short bumps beside them.
    public var strictShapeBelow: Double
    /// Template FWHM, in cadences, from which a candidate's shape counts as measured: its residuals are
    /// smoothed for rise and decay and its shapes refitted around the smoothed top (``vetting``).
    static let resolvedCadences = 4.0
    /// A candidate of at least `asymmetricAbove` σ with at most this share of its excess before its
    /// peak is flare-shaped whatever the template fits say (complex and round-topped flares); nil: no
    /// such rule.
    public var maximumRiseAreaFraction: Double?
    public var asymmetricAbove: Double
    /// Factors tried, in order, for σ until the inverted residuals show no flare (``Result/noiseScale``);
    /// nil: σ is taken as it is.
    public var invertedCalibration: [Double]?
    /// The factor found is multiplied by this when it is above 1: the last anti-flare sat just below
    /// the new threshold, and the largest real excursion of the same noise would sit just above it.
    public var invertedMargin: Double
    /// Inverted events longer than this (days) do not count: transits and eclipses are dips that no
    /// flare mirrors. Nor do flat-topped ones (``FlareVetting/isFlatTopped(duration:cadence:)``) of
    /// `asymmetricAbove` σ or more at the first factor they are seen at, at that factor or any
    /// later one: a planet's transit of one or two hours, well within this, would otherwise pass
    /// the shape test on the inverted curve (a slowly decaying template fits a flat top as well as
    /// a bump) and scale σ up for the whole light curve. (Fainter ones count: the half-maximum
    /// width of a faint event is too noisy to tell, and on the stress set leaving every flat-topped
    /// anti-flare out more than doubled the false positives at 20 s, 21 → 49 in 300 stars.)
    public var maximumAntiFlareDuration: Double
    /// Sparse data: a candidate with another epoch of its band within this many days is kept only if
    /// the nearest such epoch also shows an excess of at least 1σ (a flare does not vanish between two
    /// exposures minutes apart); nil: no such test.
    public var corroborationWindow: Double?
    /// A light curve with fewer good points is not searched: its residual distribution is unknown.
    public var minimumPoints: Int
    /// Add the fitted template's area beyond a flare's last point to its ED (continuous data, where
    /// the decay is sampled; not for sparse data, where a second point is usually another night).
    public var extrapolatesTail: Bool
    /// Cosmic rays at short cadence: a single cadence at least this many σ (white noise, from the
    /// first differences) above the larger of its two neighbours, whose excess over that neighbour is
    /// most of its excess over its ±3 neighbours' median (no decay follows it), is replaced by the
    /// mean of its neighbours before the search (``spikes(time:flux:cadence:clip:)``); nil: never.
    /// Only where a flare's rise and decay span several cadences (20 s): at 2 minutes a short flare
    /// can be one cadence.
    public var spikeClip: Double?
    /// Length (days) of the blocks whose mean excess must keep falling for a flare's decay tail to
    /// go on (``extents(of:in:context:)``); 0: no such test.
    public var plateauBlock: Double = 30.0 / 1440
    /// A second channel for faint, long flares (``MatchedFilter``); nil: the point criteria only.
    public var matchedFilter: MatchedFilter?
    public var detrender: Detrender

    public init(
        n1: Double = 3, n2: Double = 2, n3: Int = 3, mergeGap: Int = 0, maxGap: Double, shortRunThreshold: Double? = nil,
        shortRunMinimum: Int = 1, shortRunWithoutDecayThreshold: Double? = nil,
        shapeTolerance: Double? = nil, strictShapeBelow: Double = 10, maximumRiseAreaFraction: Double? = 1.0 / 3,
        asymmetricAbove: Double = 10, invertedCalibration: [Double]? = nil, invertedMargin: Double = 1.25,
        maximumAntiFlareDuration: Double = 0.1, corroborationWindow: Double? = nil, minimumPoints: Int = 0,
        extrapolatesTail: Bool = true, matchedFilter: MatchedFilter? = nil, detrender: Detrender
    ) {
        self.matchedFilter = matchedFilter
        self.extrapolatesTail = extrapolatesTail
        self.corroborationWindow = corroborationWindow
        self.minimumPoints = minimumPoints
        self.shapeTolerance = shapeTolerance
        self.strictShapeBelow = strictShapeBelow
        self.maximumRiseAreaFraction = maximumRiseAreaFraction
        self.asymmetricAbove = asymmetricAbove
        self.invertedCalibration = invertedCalibration
        self.invertedMargin = invertedMargin
        self.maximumAntiFlareDuration = maximumAntiFlareDuration
        self.n1 = n1
        self.n2 = n2
        self.n3 = n3
        self.mergeGap = mergeGap
        self.maxGap = maxGap
        self.shortRunThreshold = shortRunThreshold
        self.shortRunMinimum = shortRunMinimum
        self.shortRunWithoutDecayThreshold = shortRunWithoutDecayThreshold
        self.detrender = detrender
    }

    /// The result of a search on one light curve.
    public struct Result: Sendable {
        public var flares: [Detection]
        /// Quiescent model, same length as the light curve.
        public var model: [Double]
        /// Rolling robust scatter of the relative residuals around each point.
        public var scatter: [Double]
        public var segments: [Range<Int>]
        /// The periodogram's strongest period and whether the rotation was modelled.
        public var rotation: LombScargle.Result?
        public var modelledPeriod: Double?
        /// The factor σ was scaled by so that the inverted light curve shows no flares (1: none needed).
        public var noiseScale: Double
        /// Relative residual over the final σ of each point (NaN where there is no model).
        public var significance: [Double]
        /// Candidates that passed the point criteria or the matched filter and were then turned
        /// down, with the reason: what a person asking "why was this not found?" looks at first.
        public var rejected: [Rejection] = []
        /// Indices of the single-cadence spikes (cosmic rays) replaced before the search (``spikeClip``).
        public var spikes: [Int] = []
    }

    /// A candidate turned down after the criteria, and why.
    public struct Rejection: Sendable {
        public enum Reason: String, Sendable, Codable {
            /// Its integral is not positive: mostly a dip (a jump in the data).
            case negativeED = "negative ED"
            /// Not shaped like a flare (``FlareVetting/isFlareShaped(tolerance:cadence:strictBesideGaps:maximumRiseAreaFraction:asymmetricAbove:benefitOfDoubt:)``).
            case shape
            /// Sparse data: the nearest epoch within the corroboration window shows no excess.
            case notCorroborated = "not corroborated"
            /// Its significant points are one or two cadences that the archive flagged for a cosmic
            /// ray in the aperture (``PointFlags/cosmicRay``, ``isCosmicRay(_:context:)``).
            case cosmicRay = "cosmic ray"
        }

        public var candidate: Detection
        public var reason: Reason
    }

    /// Searches a sorted light curve.
    ///
    /// Two scales of continuity are used. The quiescent model is estimated over *detrending
    /// stretches*, split only at gaps longer than the detrending window (TESS: a half orbit; ZTF: an
    /// observing season), so that sparse data are detrended across nights. Flare runs (N3 consecutive
    /// points, ED integration) never cross a gap longer than `maxGap`.
    /// - Parameter exposureSeconds: exposure of one point; the width given to a flare seen in a
    ///   single point (its ED is then a lower limit) and the integration time of the template fitted
    ///   for vetting. Default: the median cadence, at most `maxGap`.
    public func search(_ lc: Lightcurve, exposureSeconds: Double? = nil) -> Result {
        var spikes: [Int] = []
        var lc = lc
        if let spikeClip, let cadence = lc.medianCadence {
            spikes = Self.spikes(time: lc.time, flux: lc.flux, cadence: cadence, clip: spikeClip)
            if !spikes.isEmpty {
                var flux = lc.flux
                for i in spikes { flux[i] = (lc.flux[i - 1] + lc.flux[i + 1]) / 2 }
                lc = lc.replacingFlux(flux, note: "\(spikes.count) single-cadence spikes (cosmic rays) replaced by their neighbours' mean")
            }
        }
        let n = lc.count
        let stretches = lc.segments(maxGap: max(maxGap, detrender.window))
        let quiescent = detrender.model(lc, stretches: stretches)
        var residual = [Double](repeating: .nan, count: n)
        var error = [Double](repeating: .nan, count: n)
        var sigma = [Double](repeating: .nan, count: n)
        for i in 0..<n where quiescent.baseline[i] > 0 {
            let m = quiescent.baseline[i]
            residual[i] = lc.flux[i] / m - 1
            error[i] = lc.fluxError[i] / m
            // σ of a point is the larger of the local scatter and the point's own error, so that a
            // measurement taken in bad conditions (ground-based data: seeing, clouds) cannot pass the
            // thresholds on the strength of a noise its error bar already announces. For space data
            // the two agree and this is Chang et al.'s σ.
            let s = quiescent.scatter[i]
            let local = s > 0 ? (error[i].isFinite ? max(s, error[i]) : s) : error[i]
            if local > 0 { sigma[i] = local }
        }
        let cadence = lc.medianCadence ?? 0
        let exposure = exposureSeconds ?? min(cadence, maxGap) * 86_400
        let segments = lc.segments(maxGap: maxGap)
        // The matched filter's peaks for both signs, once: at any σ factor they are a subset.
        var candidates = MatchedFilter.Candidates()
        if let matchedFilter {
            let z = (0..<n).map { residual[$0] / sigma[$0] }
            candidates = matchedFilter.candidates(z: z, time: lc.time, segments: segments, cadence: cadence)
        }
        // The star's own noise: the same search on the inverted residuals finds "anti-flares" only
        // where the noise has heavier tails than σ says (systematics, detrending residue, bad
        // photometry). σ is scaled by the smallest factor that leaves none, times a safety margin.
        var noiseScale = 1.0
        if let grid = invertedCalibration {
            let search = AntiFlareSearch(maximumDuration: maximumAntiFlareDuration)
            var inverted = Context(
                lc: lc, residual: residual.map { -$0 }, error: error, sigma: sigma, exposureSeconds: exposure, cadence: cadence)
            inverted.filter = Context.Filter(peaks: candidates.inverted, threshold: candidates.threshold)
            for factor in grid {
                // One anti-flare is enough to reject a factor: the search stops at the first.
                let anti = flares(in: inverted.scaled(by: factor), segments: segments, antiFlares: search)
                noiseScale = factor
                if anti.accepted.isEmpty { break }
            }
            if noiseScale > 1 { noiseScale *= invertedMargin }
        }
        var upright = Context(lc: lc, residual: residual, error: error, sigma: sigma, exposureSeconds: exposure, cadence: cadence)
        upright.filter = Context.Filter(peaks: candidates.upright, threshold: candidates.threshold)
        let context = upright.scaled(by: noiseScale)
        let significance = (0..<n).map { context.residual[$0] / context.sigma[$0] }
        var (found, rejected) = lc.count >= minimumPoints ? flares(in: context, segments: segments) : ([], [])
        if let window = corroborationWindow {
            for flare in found where !Self.corroborated(flare, time: lc.time, significance: significance, window: window) {
                rejected.append(Rejection(candidate: flare, reason: .notCorroborated))
            }
            found = found.filter { Self.corroborated($0, time: lc.time, significance: significance, window: window) }
        }
        return Result(
            flares: found, model: quiescent.baseline, scatter: quiescent.scatter, segments: segments,
            rotation: quiescent.rotation, modelledPeriod: quiescent.modelledPeriod, noiseScale: noiseScale,
            significance: significance, rejected: rejected.sorted { $0.candidate.peakTime < $1.candidate.peakTime },
            spikes: spikes)
    }

    /// Single-cadence spikes: points with both neighbours present (no gap beyond 1.5 cadences) that
    /// stand more than `clip` white-noise σ above the larger neighbour, where that step is more than
    /// two thirds of the point's excess over the median of its ±3 neighbours. A cosmic ray on the
    /// quiescent star or on a flare's decay falls back at once; a flare's peak at 20 s is followed by
    /// a decay that keeps a good part of it (a flare with a FWHM of a minute loses about 40 % in one
    /// 20-s step), so its step is at most about half its excess. σ is 1.4826 × MAD of the first
    /// differences / √2, insensitive to modulation and flares.
    public static func spikes(time: [Double], flux: [Double], cadence: Double, clip: Double) -> [Int] {
        let n = flux.count
        guard n > 7, cadence > 0 else { return [] }
        let differences = (1..<n).map { flux[$0] - flux[$0 - 1] }.filter(\.isFinite)
        guard let s = Statistics.robustSigma(differences), s > 0 else { return [] }
        let sigma = s / 2.0.squareRoot()
        var result: [Int] = []
        var window = [Double]()
        window.reserveCapacity(6)
        for i in 1..<(n - 1) where flux[i].isFinite && flux[i - 1].isFinite && flux[i + 1].isFinite {
            guard time[i] - time[i - 1] < 1.5 * cadence, time[i + 1] - time[i] < 1.5 * cadence else { continue }
            let step = flux[i] - max(flux[i - 1], flux[i + 1])
            guard step > clip * sigma else { continue }
            window.removeAll(keepingCapacity: true)
            for j in max(0, i - 3)...min(n - 1, i + 3) where j != i && flux[j].isFinite { window.append(flux[j]) }
            guard let local = Statistics.medianInPlace(&window) else { continue }
            if step > 2.0 / 3.0 * (flux[i] - local) { result.append(i) }
        }
        return result
    }

    /// Whether the epoch nearest in time to a flare's peak (within `window` days) also shows an
    /// excess ≥ 1σ; true when there is no such epoch.
    /// With `sameBand` false, `time` and `significance` are another band's and every epoch counts.
    static func corroborated(_ flare: Detection, time: [Double], significance: [Double], window: Double, sameBand: Bool = true)
        -> Bool
    {
        // The epoch nearest the peak other than the peak itself (a neighbour the flare's extent took
        // in must show the excess too).
        var nearest: Int?
        for i in time.indices where significance[i].isFinite && (!sameBand || time[i] != flare.peakTime) {
            let d = abs(time[i] - flare.peakTime)
            guard d <= window else { continue }
            if let k = nearest, abs(time[k] - flare.peakTime) <= d { continue }
            nearest = i
        }
        guard let k = nearest else { return true }
        return significance[k] >= 1
    }

    /// The inverted curve's search in the calibration of σ: it ends at the first anti-flare
    /// accepted, leaves out events longer than `maximumDuration` (days) before they are described,
    /// and leaves out the transits it has met: flat-topped events
    /// (``FlareVetting/isFlatTopped(duration:cadence:)``) of `asymmetricAbove` σ or more where first
    /// seen, kept in `transits` for the later factors, at which their shape is no longer measured.
    /// (A class: the transits it meets at one factor are kept for the next.)
    final class AntiFlareSearch {
        let maximumDuration: Double
        var transits: [ClosedRange<Int>] = []

        init(maximumDuration: Double) { self.maximumDuration = maximumDuration }
    }

    /// Candidates of every segment that pass the criteria and the shape test (the same on the
    /// inverted curve, `antiFlares` set: what counts against the threshold is what would have
    /// passed it upright).
    private func flares(in c: Context, segments: [Range<Int>], antiFlares: AntiFlareSearch? = nil)
        -> (accepted: [Detection], rejected: [Rejection])
    {
        var result: [Detection] = []
        var rejected: [Rejection] = []
        for segment in segments {
            let significance = segment.map { c.residual[$0] / c.sigma[$0] }
            let isCandidate = segment.map { i in
                let r = c.residual[i], s = c.sigma[i]
                return s > 0 && r > 0 && r / s >= n1 && (r - (c.error[i].isFinite ? c.error[i] : 0)) / s > n2
            }
            var runs = candidateRuns(isCandidate, significance: significance)
            // Absolute runs of the point criteria: candidates that overlap none were found by the
            // matched filter alone and get no tolerance in the shape test.
            let pointRuns = runs.map { (segment.lowerBound + $0.lowerBound)...(segment.lowerBound + $0.upperBound) }
            if !c.filter.peaks.isEmpty {
                runs = Self.union(runs, filterRuns(segment: segment, significance: significance, context: c))
            }
            for extent in extents(of: runs, in: segment, context: c) {
                if let anti = antiFlares {
                    guard c.lc.time[max(extent.last, extent.runEnd)] - c.lc.time[extent.first] <= anti.maximumDuration,
                        !anti.transits.contains(where: { $0.overlaps(extent.first...extent.last) })
                    else { continue }
                }
                let flare = describe(extent: extent, run: extent.run, segment: segment, context: c)
                let duration = flare.stop - flare.start + c.cadence
                if antiFlares != nil, let v = flare.vetting, v.peakSignificance >= asymmetricAbove,
                    v.isFlatTopped(duration: duration, cadence: c.cadence)
                {
                    antiFlares?.transits.append(extent.first...extent.last)
                    continue
                }
                // Positive residuals whose integral is not: the extent is mostly a dip (a jump in the data).
                guard flare.equivalentDuration > 0 else {
                    rejected.append(Rejection(candidate: flare, reason: .negativeED))
                    continue
                }
                if isCosmicRay(extent, context: c) {
                    rejected.append(Rejection(candidate: flare, reason: .cosmicRay))
                    continue
                }
                if let tolerance = shapeTolerance, let v = flare.vetting,
                    !v.isFlareShaped(
                        tolerance: tolerance, cadence: c.cadence, strictBesideGaps: strictShapeBelow,
                        maximumRiseAreaFraction: maximumRiseAreaFraction, asymmetricAbove: asymmetricAbove,
                        benefitOfDoubt: pointRuns.contains { $0.overlaps(extent.run) },
                        duration: duration)
                {
                    rejected.append(Rejection(candidate: flare, reason: .shape))
                    continue
                }
                result.append(flare)
                if antiFlares != nil { return (result, rejected) }
            }
        }
        return (result, rejected)
    }

    /// Whether a candidate is a cosmic ray by the archive's word: its points at or above N1 σ are at
    /// most two, and every one carries ``PointFlags/cosmicRay``. At 20 s SPOC flags cosmic rays but
    /// does not remove them, and a hit that spills into the next cadence (or lands on two) passes a
    /// shape test: a jump and a fall by half is what a short flare's peak and first decay point look
    /// like. The same bit is set on flare cadences too (31 of the 114 flares Ilin & Poppenhäger 2022
    /// list in AU Mic's sector 27 contain one), but a flare has significant points the bit does not
    /// mark, its decay, and is kept.
    func isCosmicRay(_ extent: Extent, context c: Context) -> Bool {
        var significant = 0
        for i in extent.first...extent.last where c.sigma[i] > 0 && c.residual[i] / c.sigma[i] >= n1 {
            guard c.lc.pointFlags[i].contains(.cosmicRay) else { return false }
            significant += 1
            if significant > 2 { return false }
        }
        return significant > 0
    }

    /// Runs of the matched filter's peaks (segment-relative) that pass at the context's σ factor:
    /// the points above +1σ from the peak to twice the decay time after it, one of which must stand
    /// out (`minimumPeak`).
    private func filterRuns(segment: Range<Int>, significance: [Double], context c: Context) -> [ClosedRange<Int>] {
        guard let matchedFilter else { return [] }
        var runs: [ClosedRange<Int>] = []
        let peaks = c.filter.peaks
        var p = peaks.firstIndex { $0.index >= segment.lowerBound } ?? peaks.count
        while p < peaks.count, peaks[p].index < segment.upperBound {
            let peak = peaks[p]
            p += 1
            guard peak.passes(threshold: c.filter.threshold, minimumDecay: matchedFilter.minimumDecay, factor: c.filter.factor)
            else { continue }
            let t = c.lc.time[peak.index]
            var above: [Int] = []
            var k = peak.index - segment.lowerBound
            while k < significance.count, c.lc.time[segment.lowerBound + k] - t <= 2 * peak.decay {
                if significance[k] > 1 { above.append(k) }
                k += 1
            }
            guard let first = above.first, let last = above.last,
                above.contains(where: { significance[$0] >= matchedFilter.minimumPeak })
            else { continue }
            runs.append(first...last)
        }
        return runs
    }

    /// Sorted, overlapping or touching runs joined.
    static func union(_ a: [ClosedRange<Int>], _ b: [ClosedRange<Int>]) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for run in (a + b).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, run.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, run.upperBound)
            } else {
                result.append(run)
            }
        }
        return result
    }

    /// Runs of at least N3 consecutive candidates (segment-relative index ranges), and shorter runs
    /// whose peak reaches `shortRunThreshold` σ with the next point above +1σ, or
    /// `shortRunWithoutDecayThreshold` σ with no such point.
    func candidateRuns(_ isCandidate: [Bool], significance: [Double] = []) -> [ClosedRange<Int>] {
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for k in 0...isCandidate.count {
            let c = k < isCandidate.count && isCandidate[k]
            if c, start == nil { start = k }
            if !c, let s = start {
                if k - s >= n3 {
                    runs.append(s...(k - 1))
                } else if k - s >= shortRunMinimum, k <= significance.count {
                    var peak = -Double.infinity
                    for j in s..<k { peak = max(peak, significance[j]) }
                    let decays = k < significance.count && significance[k] > 1
                    if shortRunThreshold.map({ peak >= $0 && decays }) == true
                        || shortRunWithoutDecayThreshold.map({ peak >= $0 }) == true
                    {
                        runs.append(s...(k - 1))
                    }
                }
                start = nil
            }
        }
        return runs
    }

    /// What the describing code needs of the light curve and its residuals.
    struct Context {
        let lc: Lightcurve
        let residual: [Double]
        let error: [Double]
        let sigma: [Double]
        let exposureSeconds: Double
        /// Median cadence of the light curve, days (0 for a single point).
        let cadence: Double
        /// The matched filter's peaks for this context's sign at σ factor 1, their threshold, and
        /// the factor σ is scaled by; no peaks: nothing for the filter to add.
        var filter = Filter()

        struct Filter {
            var peaks: [MatchedFilter.Peak] = []
            var threshold = Double.infinity
            var factor = 1.0
        }

        init(lc: Lightcurve, residual: [Double], error: [Double], sigma: [Double], exposureSeconds: Double, cadence: Double? = nil) {
            self.lc = lc
            self.residual = residual
            self.error = error
            self.sigma = sigma
            self.exposureSeconds = exposureSeconds
            self.cadence = cadence ?? lc.medianCadence ?? 0
        }

        /// The same with σ multiplied by `factor`.
        func scaled(by factor: Double) -> Context {
            guard factor != 1 else { return self }
            var copy = Context(
                lc: lc, residual: residual, error: error, sigma: sigma.map { $0 * factor }, exposureSeconds: exposureSeconds,
                cadence: cadence)
            copy.filter = filter
            copy.filter.factor *= factor
            return copy
        }
    }

    /// A flare's points (absolute indices): the candidate run, and the extent with rise and decay.
    struct Extent {
        var run: ClosedRange<Int>
        var first: Int
        var last: Int
        /// Where the event would end without the level-stretch test (its run and the decay tail
        /// above the noise): what its duration is judged by (a transit on the inverted curve is
        /// long, whatever part of it looks like a flare's decay).
        var runEnd: Int
    }

    /// Widens each run by its rise point and decay tail, then merges flares within `mergeGap` points.
    func extents(of runs: [ClosedRange<Int>], in segment: Range<Int>, context c: Context) -> [Extent] {
        var result: [Extent] = []
        for relative in runs {
            let run = (segment.lowerBound + relative.lowerBound)...(segment.lowerBound + relative.upperBound)
            var first = run.lowerBound
            if first > segment.lowerBound, c.residual[first - 1] > c.sigma[first - 1] { first -= 1 }
            var last = run.upperBound
            var peak = run.lowerBound
            for i in run where c.residual[i] > c.residual[peak] { peak = i }
            // Decay tail: while the next three points average above 1σ/√3 (one noisy point neither
            // ends nor extends it), and, two blocks of half an hour (at least three points) past the
            // peak, while the excess still falls from one block to the next: a flare's decay is
            // monotone, and where the excess stays level the model is off (a spotted star's minimum
            // the rotation model misses under the flare's mask), not the flare still decaying.
            // (Checked before conversion: a fuzzed file's times can make the ratio huge or NaN.)
            let ratio = c.cadence > 0 ? plateauBlock / c.cadence : 0
            let block = ratio.isFinite ? max(3, Int(min(ratio, 100_000).rounded())) : 3
            func blockMean(_ range: Range<Int>) -> Double? {
                var sum = 0.0, count = 0.0
                for j in range where c.residual[j].isFinite {
                    sum += c.residual[j]
                    count += 1
                }
                return count > 0 ? sum / count : nil
            }
            var fullLast = run.upperBound
            while fullLast + 1 < segment.upperBound {
                let next = (fullLast + 1)..<min(segment.upperBound, fullLast + 4)
                let mean = next.reduce(0.0) { $0 + c.residual[$1] / c.sigma[$1] } / Double(next.count)
                guard mean > 1 / 3.0.squareRoot(), c.residual[fullLast + 1] > 0 else { break }
                fullLast += 1
            }
            // The plateau test runs through the candidate run too: a model off by several σ makes
            // the level stretch part of the run.
            last = peak
            while last + 1 < segment.upperBound {
                if last + 1 > run.upperBound {
                    let next = (last + 1)..<min(segment.upperBound, last + 4)
                    let mean = next.reduce(0.0) { $0 + c.residual[$1] / c.sigma[$1] } / Double(next.count)
                    guard mean > 1 / 3.0.squareRoot(), c.residual[last + 1] > 0 else { break }
                }
                // Level: not lower, and not higher by 3σ of the difference (a second flare rising in
                // the decay of the first stays part of it, as complex flares are one event).
                if plateauBlock > 0, last + 1 - peak >= 2 * block, last + block < segment.upperBound,
                    let current = blockMean((last + 1 - block)..<(last + 1)), let following = blockMean((last + 1)..<(last + 1 + block)),
                    following >= current, following - current <= 3 * c.sigma[last] * (2 / Double(block)).squareRoot()
                {
                    break
                }
                last += 1
            }
            let kept = run.lowerBound...min(run.upperBound, last)
            if let previous = result.last, first - previous.last - 1 <= mergeGap {
                result[result.count - 1].last = max(previous.last, last)
                result[result.count - 1].run = previous.run.lowerBound...max(previous.run.upperBound, kept.upperBound)
                result[result.count - 1].runEnd = max(previous.runEnd, fullLast)
            } else {
                result.append(Extent(run: kept, first: first, last: last, runEnd: fullLast))
            }
        }
        return result
    }

    private func describe(extent: Extent, run: ClosedRange<Int>, segment: Range<Int>, context c: Context) -> Detection {
        let lc = c.lc
        let first = extent.first, last = extent.last
        var peak = run.lowerBound
        for i in run where c.residual[i] > c.residual[peak] { peak = i }
        // Equivalent duration: the integral of the relative excess from the flare's first point to one
        // point past its decay — at most twice the run's length (at least two points) beyond the run,
        // so that detrending residue after a flare is not counted as its decay — plus the fitted
        // template's tail beyond that point. Each point is the average over its exposure, so its
        // exposure contributes residual × exposure exactly; only time between exposures (a missing
        // cadence, dead time) is interpolated (trapezoid). A trapezoid through the points instead
        // counts half of the first and last points' exposures: at 30 minutes, where a flare is one or
        // two points and rises within its first exposure, that lost a sixth of the ED.
        let end = min(min(last, run.upperBound + max(2, 2 * run.count)) + 1, segment.upperBound - 1)
        var ed = 0.0
        var variance = 0.0
        let exposure = c.exposureSeconds
        if end > first {
            for i in first...end {
                let width = i < end ? min(exposure, (lc.time[i + 1] - lc.time[i]) * 86_400) : exposure
                ed += c.residual[i] * width
                variance += pow(c.error[i] * width, 2)
                guard i < end else { break }
                let between = (lc.time[i + 1] - lc.time[i]) * 86_400 - width
                if between > 0 {
                    ed += 0.5 * (c.residual[i] + c.residual[i + 1]) * between
                    variance += pow(0.5 * between, 2) * (pow(c.error[i], 2) + pow(c.error[i + 1], 2))
                }
            }
        } else {
            // A single point alone in its segment (sparse data): its exposure is all we saw of the
            // flare, so the ED is a lower limit.
            ed = c.residual[first] * c.exposureSeconds
            variance = pow(c.error[first] * c.exposureSeconds, 2)
        }
        var (vetting, fit) = vetting(extent: extent, peak: peak, segment: segment, context: c)
        if extrapolatesTail {
            // The decay goes on below the noise after the last point: add the fitted template's area
            // beyond it (Davenport's slow component holds 60 % of a flare's area; cut at the noise, a
            // 10σ flare would lose about a tenth of its ED). Kept apart in the vetting numbers: where
            // one template fits a complex flare with a long FWHM, most of the ED can be this tail.
            var tail = 0.0
            if end > first, let fit, fit.amplitude > 0 {
                let x = (lc.time[end] + exposure / 2 / 86_400 - fit.peak) / fit.fwhm
                let beyond = FlareTemplate.davenport2014.areaFactor - FlareTemplate.davenportCumulative(x)
                tail = fit.amplitude * fit.fwhm * 86_400 * max(0, beyond)
            }
            ed += tail
            vetting.extrapolatedED = tail
        }
        var detection = Detection(
            band: lc.band, timeSystem: lc.timeSystem, start: lc.time[first], stop: lc.time[last], peakTime: lc.time[peak],
            amplitude: c.residual[peak], equivalentDuration: ed, equivalentDurationError: variance.squareRoot(),
            significance: c.residual[peak] / c.sigma[peak], pointCount: last - first + 1, firstIndex: first, lastIndex: last,
            firstOrigin: lc.origins[first], peakOrigin: lc.origins[peak], lastOrigin: lc.origins[last])
        detection.vetting = vetting
        return detection
    }

    /// The numbers a person vetting a candidate looks at (see ``FlareVetting``).
    private func vetting(extent: Extent, peak: Int, segment: Range<Int>, context c: Context) -> (FlareVetting, TemplateFit.Fit?) {
        let lc = c.lc
        let cadence = c.cadence
        var flags: FlareVetting.Flags = []
        if extent.first == segment.lowerBound { flags.insert(.segmentStart) }
        if extent.last == segment.upperBound - 1 { flags.insert(.segmentEnd) }
        // A missing cadence inside or beside the flare: a gap or a cadence rejected for its quality flag.
        let lo = max(segment.lowerBound, extent.first - 1), hi = min(segment.upperBound - 1, extent.last + 1)
        if cadence > 0, hi > lo, (lo..<hi).contains(where: { lc.time[$0 + 1] - lc.time[$0] > 1.5 * cadence }) {
            flags.insert(.missingCadence)
        }
        if extent.run.count == 1 { flags.insert(.singlePoint) }
        if (extent.first...extent.last).contains(where: { lc.pointFlags[$0].contains(.cosmicRay) }) { flags.insert(.cosmicRayFlag) }
        if cadence > 0, peak > segment.lowerBound, lc.time[peak] - lc.time[peak - 1] > 1.5 * cadence { flags.insert(.gapBeforePeak) }
        let above = extent.run.filter { c.residual[$0] / c.sigma[$0] >= n1 }.count
        let window = max(segment.lowerBound, extent.first - 3)..<min(segment.upperBound, extent.last + 4)
        let exposure = c.exposureSeconds / 86_400
        /// The flare template's fit with the peak near point `anchor`, `reach` cadences either side
        /// allowed beyond the usual range.
        func flareFit(anchor: Int, reach: Int) -> TemplateFit.Fit? {
            TemplateFit.best(
                .flare, time: lc.time, residual: c.residual, sigma: c.sigma, window: window, peak: anchor, cadence: cadence,
                exposure: exposure, reach: reach)
        }
        /// The bump's fit beside the flare template's `fit` (made with the same `anchor` and `reach`),
        /// and the better of the two flare templates.
        func shapes(_ fit: TemplateFit.Fit?, anchor: Int, reach: Int) -> (flare: TemplateFit.Fit?, bump: TemplateFit.Fit?, best: TemplateFit.Fit?) {
            let bump = TemplateFit.best(
                .gaussian, time: lc.time, residual: c.residual, sigma: c.sigma, window: window, peak: anchor, cadence: cadence,
                exposure: exposure, reach: reach)
            // Real flares are not exactly Davenport's: at S/N 20 and more, a rounded peak alone (a flare
            // whose rise the 20-s data resolve) makes a symmetric bump fit better than the template, and a
            // large flare was turned down for its shape (AU Mic, TESS sector 27). Where the bump wins, the
            // Mendoza et al. (2022) template — rounded peak, the same slow decay — is tried too, and the
            // better of the two flare templates is the candidate's template fit.
            // (Only where the exposure is no longer than two cadences: a rounded top needs resolving, and
            // Mendoza's template is averaged over the exposure numerically, at a cost that grows with it.)
            var best = fit
            if let f = fit, let b = bump, b.deltaChiSquare > f.deltaChiSquare, exposure <= 2 * cadence,
                let m = TemplateFit.best(
                    .mendoza, time: lc.time, residual: c.residual, sigma: c.sigma, window: window, peak: anchor, cadence: cadence,
                    exposure: exposure, reach: reach),
                m.deltaChiSquare > f.deltaChiSquare
            {
                best = m
            }
            return (fit, bump, best)
        }
        // The template's FWHM at the brightest point sets the smoothing below; the bump (and
        // Mendoza's template) are fitted once, where the template's final fit is anchored.
        let probe = flareFit(anchor: peak, reach: 0)
        // Rise and decay at half maximum: from the last point below half the peak excess before the
        // peak, and to the first one after it (the extent's ends if none), counted in points times the
        // median cadence, so that a missing cadence (K2 thruster firing) does not lengthen either.
        // Where the fitted flare spans many cadences (20-s and 2-min data), the residuals are first
        // averaged over a quarter of its FWHM: the half-maximum crossings of single noisy points
        // made a long flare's rise as likely to look slower than its decay as not.
        // (Checked before conversion: a fuzzed file's times can make the ratio huge or NaN.)
        let ratio = probe.map { cadence > 0 ? $0.fwhm / Self.resolvedCadences / cadence : 0 } ?? 0
        let h = ratio.isFinite ? Int(min(60, max(0, ratio))) : 0
        func level(_ j: Int) -> Double {
            guard h > 0 else { return c.residual[j] }
            var sum = 0.0, count = 0.0
            for k in max(segment.lowerBound, j - h)...min(segment.upperBound - 1, j + h) where c.residual[k].isFinite {
                sum += c.residual[k]
                count += 1
            }
            return count > 0 ? sum / count : c.residual[j]
        }
        var top = peak
        if h > 0 {
            var best = level(peak)
            for j in max(segment.lowerBound, extent.first - h)...min(segment.upperBound - 1, extent.last) {
                let v = level(j)
                if v > best { best = v; top = j }
            }
        }
        // The same noise that moves the half-maximum crossings moves the highest single point: on a
        // flare a hundred cadences wide it lies anywhere within a few per cent of the top, often
        // several cadences after the true peak, where a template held within a cadence of it could not
        // reach (a Davenport flare of S/N 20 injected at 20 s was fitted 6 % worse than by a bump).
        // There the shapes are fitted around the smoothed top, free to peak anywhere within the
        // smoothing's reach.
        let (fit, bump, bestFit) =
            h > 0 ? shapes(flareFit(anchor: top, reach: h), anchor: top, reach: h) : shapes(probe, anchor: peak, reach: 0)
        let half = level(top) / 2
        let reach = max(3, h)
        var riseStart = top
        while riseStart > segment.lowerBound && riseStart > extent.first - reach && level(riseStart) >= half { riseStart -= 1 }
        var decayEnd = top
        while decayEnd < segment.upperBound - 1 && decayEnd < extent.last + reach && level(decayEnd) >= half { decayEnd += 1 }
        // The share of the excess before the peak: a flare's rise holds about a fifth of it.
        var before = 0.0, total = 0.0
        for i in extent.first...extent.last where c.residual[i].isFinite {
            let r = max(0, c.residual[i])
            total += r
            if i < top { before += r } else if i == top { before += r / 2 }
        }
        return (FlareVetting(
            peakSignificance: c.residual[peak] / c.sigma[peak], pointsAboveThreshold: above,
            riseTime: Double(top - riseStart) * cadence, decayTime: Double(decayEnd - top) * cadence,
            templateDeltaChiSquare: bestFit?.deltaChiSquare ?? 0, symmetricDeltaChiSquare: bump?.deltaChiSquare ?? 0,
            templateFWHM: fit?.fwhm, templateAmplitude: fit?.amplitude, riseAreaFraction: total > 0 ? before / total : nil,
            flags: flags), fit)
    }
}

/// Shapes fitted to a flare's residuals for vetting: the Davenport (2014) flare template and a
/// symmetric Gaussian bump, both averaged over the exposure.
///
/// Each on a grid of peak times (within a cadence or two of the highest point) and FWHMs (a tenth
/// of a cadence to the window's length, log-spaced), the amplitude fitted by weighted linear least
/// squares at each; Δχ² = χ²(no event) − χ²(best shape) says how much better the shape explains the
/// points than the quiescent model alone. A flare rises fast and decays slowly; stellar variability
/// the detrending left behind, and most systematics, are slow and symmetric — the Gaussian fits
/// those better than the flare template does.
enum TemplateFit {
    enum Shape {
        /// Davenport et al. (2014).
        case flare
        /// Mendoza et al. (2022): a Gaussian heating profile convolved with the decay, so a rounded
        /// peak and a smooth rise, as resolved flares at 20 s often show.
        case mendoza
        case gaussian
    }

    struct Fit {
        var peak: Double
        var fwhm: Double
        var amplitude: Double
        var deltaChiSquare: Double
    }

    /// The best fit of `shape`, its peak near point `peak` (up to a cadence and a half before it and
    /// half a cadence after for the flare, which rises within a cadence; either side for the bump),
    /// widened by `reach` cadences either side.
    static func best(_ shape: Shape, time: [Double], residual: [Double], sigma: [Double], window: Range<Int>, peak: Int,
                     cadence: Double, exposure: Double, reach: Int = 0) -> Fit?
    {
        let points = window.filter { residual[$0].isFinite && sigma[$0] > 0 }
        guard !points.isEmpty else { return nil }
        let span = time[window.upperBound - 1] - time[window.lowerBound]
        let shortest = max(cadence / 10, 10.0 / 86_400)
        let longest = max(shortest * 2, span)
        let step = max(cadence, 1e-6) / 4
        // The points' times, residuals and weights once; each trial shape then costs one pass.
        let times = points.map { time[$0] }
        let values = points.map { residual[$0] }
        let weights = points.map { 1 / (sigma[$0] * sigma[$0]) }
        func fit(fwhm: Double, peak tPeak: Double) -> Fit? {
            var sgg = 0.0, srg = 0.0
            func add(_ m: Int, _ g: Double) {
                sgg += weights[m] * g * g
                srg += weights[m] * values[m] * g
            }
            switch shape {
            case .flare:
                TemplateFit.davenport(times: times, peak: tPeak, fwhm: fwhm, exposure: exposure, each: add)
            case .mendoza:
                for m in times.indices {
                    add(m, FlareTemplate.mendoza2022.value(at: times[m], peak: tPeak, fwhm: fwhm, amplitude: 1, exposure: exposure))
                }
            case .gaussian:
                TemplateFit.gaussian(times: times, centre: tPeak, fwhm: fwhm, exposure: exposure, each: add)
            }
            guard sgg > 0, srg > 0 else { return nil }
            // χ² = χ₀ − 2A Σ w r g + A² Σ w g², least at A = Σ w r g / Σ w g², where it is
            // χ₀ − (Σ w r g)² / Σ w g².
            return Fit(peak: tPeak, fwhm: fwhm, amplitude: srg / sgg, deltaChiSquare: srg * srg / sgg)
        }
        // Coarse grid: 8 log-spaced FWHMs × peak times every half cadence (a flare template peaks up to
        // a cadence and a half before the highest point — its rise is short and the point integrates
        // the decay — a bump either side); then a grid 3× finer in both around the best.
        // (Mendoza's peak is rounded: either side.) With a reach, the offsets span it in about a dozen
        // steps, which the finer grid and the compass search then refine.
        let lowest = -6 - 4 * reach, highest = (shape == .flare ? 2 : 6) + 4 * reach
        let spacing = max(2, (highest - lowest) / 12)
        let offsets = stride(from: lowest, through: highest, by: spacing)
        let ratio = longest / shortest
        var best: Fit?
        var bestK = 0.0
        for k in 0..<8 {
            let fwhm = shortest * pow(ratio, Double(k) / 7)
            for j in offsets {
                if let f = fit(fwhm: fwhm, peak: time[peak] + Double(j) * step), f.deltaChiSquare > (best?.deltaChiSquare ?? -1) {
                    best = f
                    bestK = Double(k)
                }
            }
        }
        guard let coarse = best else { return nil }
        for dk in -3...3 {
            let fwhm = shortest * pow(ratio, (bestK + Double(dk) / 3) / 7)
            for dj in -3...3 {
                if let f = fit(fwhm: fwhm, peak: coarse.peak + Double(dj) * step * Double(spacing) / 3),
                    f.deltaChiSquare > (best?.deltaChiSquare ?? -1)
                {
                    best = f
                }
            }
        }
        // Then a compass search in (peak, log FWHM) from the best grid point, halving its steps
        // until they are a sixty-fourth of the fine grid's: on a grid alone, the shape that happens to
        // sit nearer a grid node wins, and at S/N 50 a 20 % error in FWHM costs more Δχ² than the
        // tolerance — a flare sampled by two 30-minute points was then "better fitted" by a bump.
        // The peak stays within two cadences before and one after (either side for the bump) of the
        // highest point, widened by the reach, the FWHM within the grid's range.
        guard var current = best else { return nil }
        let earliest = time[peak] + Double(lowest - 2) * step, latest = time[peak] + Double(highest + 2) * step
        var dPeak = step * Double(spacing) / 3, dLog = log(ratio) / 21
        for _ in 0..<6 {
            var improved = true
            while improved {
                improved = false
                for (a, b) in [(dPeak, 0.0), (-dPeak, 0.0), (0.0, dLog), (0.0, -dLog)] {
                    let t = current.peak + a
                    let w = current.fwhm * exp(b)
                    guard t >= earliest, t <= latest, w >= shortest, w <= longest,
                        let f = fit(fwhm: w, peak: t), f.deltaChiSquare > current.deltaChiSquare + 1e-9
                    else { continue }
                    current = f
                    improved = true
                }
            }
            dPeak /= 2
            dLog /= 2
        }
        return current
    }

    /// A unit-height Gaussian of this FWHM averaged over an exposure centred on `t`.
    static func gaussian(at t: Double, centre: Double, fwhm: Double, exposure: Double) -> Double {
        let s = fwhm / (8 * log(2.0)).squareRoot()
        guard exposure > fwhm / 100 else { return exp(-0.5 * pow((t - centre) / s, 2)) }
        let a = (t - exposure / 2 - centre) / (s * 2.0.squareRoot())
        let b = (t + exposure / 2 - centre) / (s * 2.0.squareRoot())
        return s * (Double.pi / 2).squareRoot() * (erf(b) - erf(a)) / exposure
    }

    /// The unit-height Gaussian at each of `times` (``gaussian(at:centre:fwhm:exposure:)``), passed
    /// to `each` with its index; points more than 6.5 standard deviations (plus half an exposure)
    /// from the centre, where it is below 10⁻⁹, are skipped. Where a point's exposure starts where the
    /// previous one's ended, to 10⁻⁵ of the exposure (real cadences jitter by a few 10⁻¹⁰ d: AU Mic's
    /// 20-s ones by 2·10⁻⁶ of theirs), the error function there is computed once for both: the
    /// value moves by at most that fraction of the bump's height.
    static func gaussian(times: [Double], centre: Double, fwhm: Double, exposure: Double, each: (Int, Double) -> Void) {
        let s = fwhm / (8 * log(2.0)).squareRoot()
        let reach = 6.5 * s + exposure / 2
        guard exposure > fwhm / 100 else {
            for m in times.indices where abs(times[m] - centre) <= reach {
                each(m, gaussian(at: times[m], centre: centre, fwhm: fwhm, exposure: exposure))
            }
            return
        }
        let scale = s * 2.0.squareRoot(), factor = s * (Double.pi / 2).squareRoot() / exposure
        var previous = -2, erfEnd = 0.0
        for m in times.indices where abs(times[m] - centre) <= reach {
            let contiguous = previous == m - 1 && abs(times[m] - times[m - 1] - exposure) <= 1e-5 * exposure
            let erfStart = contiguous ? erfEnd : erf((times[m] - exposure / 2 - centre) / scale)
            erfEnd = erf((times[m] + exposure / 2 - centre) / scale)
            previous = m
            each(m, factor * (erfEnd - erfStart))
        }
    }

    /// Davenport et al.'s (2014) unit-amplitude template averaged over the exposure at each of
    /// `times` (``FlareTemplate/value(at:peak:fwhm:amplitude:exposure:)``), passed to `each` with its
    /// index; points before the rise are skipped. Where a whole exposure is in the decay, the
    /// difference of the cumulative integral at its two ends is one exponential per decay term times
    /// a factor of the exposure alone, so each point costs two exponentials instead of four; and
    /// from one point of the decay to the next, each exponential is the previous one times that of
    /// the step (the data's cadence, the same for a run of points), so a run costs two exponentials
    /// in all.
    static func davenport(times: [Double], peak: Double, fwhm: Double, exposure: Double, each: (Int, Double) -> Void) {
        let template = FlareTemplate.davenport2014
        guard exposure > fwhm / 100 else {
            for m in times.indices where times[m] >= peak - fwhm {
                each(m, template.value(at: times[m], peak: peak, fwhm: fwhm, amplitude: 1))
            }
            return
        }
        let (kFast, kSlow) = (1.60053, 0.278318)
        let width = exposure / fwhm
        let fast = 0.689008 / kFast * -expm1(-kFast * width) / width
        let slow = 0.302963 / kSlow * -expm1(-kSlow * width) / width
        // The two exponentials at the previous decay point (index `previous`), and those of the step
        // `stepLength` (days) between decay points.
        var previous = -2, eFast = 0.0, eSlow = 0.0
        var stepLength = Double.nan, stepFast = 0.0, stepSlow = 0.0
        for m in times.indices {
            let x1 = (times[m] - exposure / 2 - peak) / fwhm
            if x1 + width <= -1 { continue }
            guard x1 >= 0 else {
                each(m, template.value(at: times[m], peak: peak, fwhm: fwhm, amplitude: 1, exposure: exposure))
                continue
            }
            // Real cadences jitter by a few 10⁻¹⁰ d (AU Mic, sector 27); a step that differs from the
            // last one by δ multiplies it by exp(−kδ/FWHM), taken to second order where kδ/FWHM is
            // below 10⁻⁴ (error below 2·10⁻¹³ per step), computed afresh where it is not.
            var chained = false
            if previous == m - 1 {
                let dt = times[m] - times[m - 1]
                let u = (dt - stepLength) / fwhm
                if abs(kFast * u) < 1e-4 {
                    let (uFast, uSlow) = (kFast * u, kSlow * u)
                    eFast *= stepFast * (1 - uFast + uFast * uFast / 2)
                    eSlow *= stepSlow * (1 - uSlow + uSlow * uSlow / 2)
                    chained = true
                } else if dt > 0 {
                    stepLength = dt
                    stepFast = exp(-kFast * dt / fwhm)
                    stepSlow = exp(-kSlow * dt / fwhm)
                }
            }
            if !chained {
                eFast = exp(-kFast * x1)
                eSlow = exp(-kSlow * x1)
            }
            // Far down the decay a term only underflows (and slows the products): it is 0.
            if eFast < 1e-200 { eFast = 0 }
            if eSlow < 1e-200 { eSlow = 0 }
            previous = m
            each(m, fast * eFast + slow * eSlow)
        }
    }
}
