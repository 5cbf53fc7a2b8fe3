import Foundation

/// The quiescent level of a light curve: rotation modelled first, a robust filter on what is left,
/// flare candidates masked, and the local noise measured.
///
/// The method follows the best flare pipelines of our field (AltaiPony's custom detrending, Ilin &
/// Poppenhäger 2022; appaloosa, Davenport 2016; FLATW'RM, Vida & Roettenbacher 2018) with the robust
/// filters of wōtan (Hippke et al. 2019):
///
/// 1. **Rotation.** A generalised Lomb–Scargle periodogram (``LombScargle``; Zechmeister & Kürster
///    2009) of the light curve with impulsive upward outliers masked, periods from `minimumPeriod` to
///    half the baseline, with Baluev's (2008) false-alarm probability; where the data show a roll
///    rhythm (K2, ``RollRhythm``), its period and first two harmonics (±3 %, at least the
///    periodogram's resolution: ``RollRhythm/frequencies(baseline:)``) are the spacecraft's and not
///    searched. If a period is significant
///    (FAP < `maximumFalseAlarm`), strong (power ≥ `minimumPower`: a transit's weak peak is left to
///    the robust filter) and short (≤ `maximumPeriod`), the modulation is modelled explicitly:
///    `harmonics` harmonics plus a straight line, least-squares fitted in windows of
///    `cyclesPerFit` rotations that overlap by half and are blended with triangular weights, so that
///    amplitude and phase drift as spots evolve. When the periodogram's power at twice the period is
///    substantial (two spots on opposite hemispheres put the highest peak at P/2), the harmonics are
///    of 2P.
/// 2. **Robust filter.** What the rotation model leaves is smoothed by a local quadratic made robust
///    the way wōtan's filters are (Tukey's biweight weights) — a Savitzky–Golay filter that ignores
///    outliers (``robustLocalQuadratic(time:values:use:window:)``) — in a sliding time window:
///    `window` days for slow or no rotation, and `windowFraction` × P (at least `minimumWindow` and
///    `minimumWindowCadences` cadences) for modelled rotation: several times longer than a flare,
///    clearly shorter than the rotation. Masked runs are bridged by the neighbouring windows'
///    polynomials. With `correctsRoll`, a robust line per spacecraft roll interval
///    (``RollRhythm/intervals(time:stretches:)``, K2) is added for the roll sawtooth.
/// 3. **Noise.** The returned σ is a rolling robust scatter (1.4826 × MAD) of the final model's
///    unmasked residuals in windows of `scatterWindow` days, interpolated between nodes — not one
///    value per light curve.
/// 4. **Flare-aware masking.** Points more than `clip` σ *above* the model are flare candidates; each
///    run is masked with one point before it, its decay tail (while the excess stays above 1σ, at
///    most four times the run's length) and a padding as long as the run itself. A run longer than
///    half the filter window whose highest point is not in its first quarter is not masked: it rises
///    slowly, like the variability the filter must follow, not like a flare — unless a large flare
///    rises fast within it (a complex flare, masked with a shorter tail and padding:
///    ``maskRuns(_:sign:scatter:time:clip:filterWindow:minimumPeak:into:)``). Short dips are masked
///    the same way (so the residuals keep the symmetry of the noise that the inverted-curve
///    calibration of σ relies on); long, symmetric dips — transits, eclipses — are left to the robust
///    filter, which ignores them. Where the rotation model makes the filter window shorter than half
///    of `window`, upward runs are also looked for against a coarse model (the same rotation model,
///    the filter `window` wide): a large flare whose decay lasts hours is as slow as what a
///    two-hour window must follow, which would follow it and leave only the peak; against the coarse
///    model the whole decay shows, and a run that reaches 2 × `clip` σ and peaks in its first
///    quarter is masked with its tail. Steps 1–4 repeat until the mask stops changing (at most
///    `iterations`); σ for the mask is each stretch's robust scatter.
///
/// Stretches are detrended independently for the robust filter; the rotation model spans them all.
public struct Detrender: Sendable, Codable, Hashable {
    /// Robust-filter window without rotation modelling, days.
    public var window: Double
    /// Rotation modelling, or nil for none (sparse data whose sampling cannot follow a rotation).
    public var rotation: RotationModelling?
    /// Upper clipping threshold for the flare mask, in units of the local σ.
    public var clip: Double
    public var iterations: Int
    /// Width of the rolling-scatter window, days.
    public var scatterWindow: Double
    /// Model a spacecraft roll sawtooth where the data show one (``RollRhythm``).
    public var correctsRoll: Bool

    public init(window: Double, rotation: RotationModelling? = nil, clip: Double = 3, iterations: Int = 3,
                scatterWindow: Double = 1, correctsRoll: Bool = false) {
        self.correctsRoll = correctsRoll
        self.window = window
        self.rotation = rotation
        self.clip = clip
        self.iterations = iterations
        self.scatterWindow = scatterWindow
    }

    /// When and how the rotational modulation is modelled.
    public struct RotationModelling: Sendable, Codable, Hashable {
        public var periodogram: LombScargle
        /// Rotation is modelled explicitly only below this period, days; slower modulation is left to
        /// the robust filter, whose window is then much shorter than the period.
        public var maximumPeriod: Double
        public var maximumFalseAlarm: Double
        /// Smallest periodogram power (fraction of the variance a sinusoid explains) worth modelling:
        /// a transit or an eclipse gives a significant but weak peak that no sinusoid should follow.
        public var minimumPower: Double
        public var harmonics: Int
        /// Length of one local harmonic fit, in rotation periods.
        public var cyclesPerFit: Double
        /// Robust-filter window as a fraction of the period, with a floor of `minimumWindow` days and of
        /// `minimumWindowCadences` cadences.
        public var windowFraction: Double
        public var minimumWindow: Double
        public var minimumWindowCadences: Double

        public init(periodogram: LombScargle = LombScargle(), maximumPeriod: Double = 5, maximumFalseAlarm: Double = 1e-3,
                    minimumPower: Double = 0.15, harmonics: Int = 3, cyclesPerFit: Double = 3, windowFraction: Double = 0.1,
                    minimumWindow: Double = 1.0 / 12, minimumWindowCadences: Double = 12) {
            self.periodogram = periodogram
            self.maximumPeriod = maximumPeriod
            self.maximumFalseAlarm = maximumFalseAlarm
            self.minimumPower = minimumPower
            self.minimumWindowCadences = minimumWindowCadences
            self.harmonics = harmonics
            self.cyclesPerFit = cyclesPerFit
            self.windowFraction = windowFraction
            self.minimumWindow = minimumWindow
        }
    }

    /// The quiescent model of one light curve and what was learned making it.
    public struct Model: Sendable {
        /// Quiescent flux, same length as the light curve (NaN where it could not be estimated).
        public var baseline: [Double]
        /// Rolling robust scatter of the relative residuals flux / baseline − 1.
        public var scatter: [Double]
        /// True for points masked as (part of) flare candidates, or of dips as deep.
        public var masked: [Bool]
        /// The periodogram's strongest period, if one was searched for.
        public var rotation: LombScargle.Result?
        /// The period the harmonics were fitted with (nil: rotation not modelled).
        public var modelledPeriod: Double?
        /// The robust filter's window, days.
        public var smoothingWindow: Double
    }

    /// Models a sorted light curve. `stretches` are the index ranges detrended independently by the
    /// robust filter (split at gaps longer than the window, e.g. TESS orbits or ZTF seasons).
    public func model(_ lc: Lightcurve, stretches: [Range<Int>]) -> Model {
        let n = lc.count
        let time = lc.time
        let flux = lc.flux
        var masked = [Bool](repeating: false, count: n)
        for i in 0..<n where !flux[i].isFinite { masked[i] = true }

        // 1. Rotation, from the light curve with impulsive upward outliers masked.
        var rotation: LombScargle.Result?
        var period: Double?
        var harmonics = 0
        var filterWindow = window
        // A roll sawtooth (K2) is the spacecraft's rhythm, not the star's: its period and harmonics
        // are left out of the rotation search, and the roll ramps model it.
        let rollRhythm = RollRhythm(time: time)
        let rollFrequencies = rollRhythm?.frequencies(baseline: time[n - 1] - time[0]) ?? []
        /// The periodogram of the points not `excluded`, and whether (and how) its period is modelled.
        func findRotation(excluding excluded: [Bool]) {
            guard let settings = self.rotation else { return }
            rotation = settings.periodogram.rotation(time: time, flux: flux, excluded: excluded, clip: clip, ignoring: rollFrequencies)
            period = nil
            harmonics = 0
            filterWindow = window
            if let r = rotation, r.falseAlarmProbability < settings.maximumFalseAlarm, r.period <= settings.maximumPeriod,
                r.power >= settings.minimumPower
            {
                // Harmonics of 2P cover both readings of a peak at P (one spot, or two half a turn apart).
                let doubled = r.powerAtDoublePeriod > 0.25 * r.power
                period = doubled ? 2 * r.period : r.period
                harmonics = doubled ? 2 * settings.harmonics : settings.harmonics
                let cadence = lc.medianCadence ?? 0
                filterWindow = min(
                    window,
                    max(settings.minimumWindow, settings.minimumWindowCadences * cadence, settings.windowFraction * r.period))
            }
        }
        findRotation(excluding: masked)

        var baseline = [Double](repeating: .nan, count: n)
        var scatter = [Double](repeating: .nan, count: n)
        var rotationModel = [Double](repeating: 0, count: n)
        var rollModel = [Double](repeating: 0, count: n)
        let rollIntervals = correctsRoll ? rollRhythm?.intervals(time: time, stretches: stretches) ?? [] : []
        // Buffers every pass refills.
        let stretchTimes = stretches.map { Array(time[$0]) }
        var residual = [Double](repeating: .nan, count: n)
        var newMask = [Bool](repeating: false, count: n)
        var remainder: [Double] = [], use: [Bool] = [], values: [Double] = [], scratch: [Double] = []
        for pass in 0..<max(1, iterations) {
            // 1b. Harmonics of the period, fitted to unmasked points within 4σ (dips excluded too).
            if let period, let cycles = self.rotation?.cyclesPerFit {
                var fitted = (0..<n).map { i in
                    !masked[i] && (pass == 0 || !scatter[i].isFinite || abs(flux[i] / baseline[i] - 1) < 4 * scatter[i])
                }
                if pass > 0 { Self.readmitRecurring(&fitted, residual: residual, time: time, period: period) }
                rotationModel = HarmonicFit(period: period, harmonics: harmonics, span: cycles * period)
                    .model(time: time, flux: flux, use: fitted)
            }
            // 2. Robust filter of what is left, stretch by stretch, then the roll sawtooth (if any) of
            // what the filter left.
            // The robust filter `width` wide of what the rotation and roll models leave, stretch by
            // stretch; `body` gets each point's index and filtered value.
            func filtered(width: Double, _ body: (Int, Double) -> Void) {
                for (stretch, stretchTime) in zip(stretches, stretchTimes) {
                    remainder.removeAll(keepingCapacity: true)
                    use.removeAll(keepingCapacity: true)
                    for i in stretch {
                        remainder.append(flux[i] - rotationModel[i] - rollModel[i])
                        use.append(!masked[i])
                    }
                    let smooth = Self.robustLocalQuadratic(time: stretchTime, values: remainder, use: use, window: width)
                    for (k, i) in stretch.enumerated() { body(i, smooth[k]) }
                }
            }
            filtered(width: filterWindow) { i, smooth in baseline[i] = rotationModel[i] + smooth }
            if !rollIntervals.isEmpty {
                rollModel = Self.rollRamps(
                    time: time, values: (0..<n).map { flux[$0] - baseline[$0] }, use: masked.map { !$0 }, intervals: rollIntervals)
                for i in 0..<n { baseline[i] += rollModel[i] }
            }
            // 3. The scatter of each stretch's unmasked relative residuals, for the mask (the rolling
            // scatter is measured once, on the final model).
            for i in 0..<n { residual[i] = baseline[i] > 0 ? flux[i] / baseline[i] - 1 : .nan }
            for stretch in stretches {
                values.removeAll(keepingCapacity: true)
                for i in stretch where !masked[i] && residual[i].isFinite { values.append(residual[i]) }
                let s = Statistics.robustSigmaInPlace(&values, scratch: &scratch) ?? .nan
                for i in stretch { scatter[i] = s }
            }
            // 4. Flare mask: upward runs, one point before, the decay tail and a padding; and the same
            // for downward runs, so that the residuals stay as symmetric as the noise (the inverted-
            // curve calibration of σ compares the two sides).
            for i in 0..<n { newMask[i] = !flux[i].isFinite }
            for sign in [1.0, -1.0] {
                Self.maskRuns(
                    residual, sign: sign, scatter: scatter, time: time, clip: clip, filterWindow: filterWindow, into: &newMask)
            }
            // 4b. A long flare's decay is as slow as what a short window must follow: found against a
            // coarse model (the same rotation model, the robust filter `window` wide), its whole extent
            // is masked too, so that the short window bridges it instead of following it.
            if filterWindow < window / 2 {
                var coarse = [Double](repeating: .nan, count: n)
                filtered(width: window) { i, smooth in
                    let level = rotationModel[i] + rollModel[i] + smooth
                    coarse[i] = level > 0 ? flux[i] / level - 1 : .nan
                }
                Self.maskRuns(
                    coarse, scatter: scatter, time: time, clip: clip, filterWindow: filterWindow, minimumPeak: 2 * clip,
                    into: &newMask)
            }
            // 1c. Large flares' decays (not impulsive, so not left out of the first periodogram) can
            // take enough of the variance that a fast rotation misses the power to be modelled; the
            // filter then cannot follow it and σ is scaled up for the whole light curve. Once, with
            // the first flare mask, the periodogram is searched again on the points it leaves, when its
            // first peak was short enough to model but too weak or not significant.
            var rotationChanged = false
            if pass == 0, let settings = self.rotation, period == nil, let first = rotation, first.period <= settings.maximumPeriod,
                newMask.contains(true)
            {
                findRotation(excluding: newMask)
                rotationChanged = period != nil
            }
            if newMask == masked && !rotationChanged { break }
            masked = newMask
        }
        // 3b. The rolling scatter of the final model's unmasked residuals.
        for i in 0..<n { residual[i] = baseline[i] > 0 ? flux[i] / baseline[i] - 1 : .nan }
        for (stretch, stretchTime) in zip(stretches, stretchTimes) {
            let s = Self.rollingScatter(
                time: stretchTime, values: Array(residual[stretch]), use: stretch.map { !masked[$0] }, window: scatterWindow)
            for (k, i) in stretch.enumerated() { scatter[i] = s[k] }
        }
        return Model(
            baseline: baseline, scatter: scatter, masked: masked, rotation: rotation, modelledPeriod: period,
            smoothingWindow: filterWindow)
    }

    /// Left-out points that recur with the rotation are modulation, not flares: readmitted to the
    /// harmonic fit.
    ///
    /// A point left out of the fit (masked, or 4σ off the last model) whose residual has the same sign
    /// as that of a point also left out one `period` before or after it (the nearest point, within
    /// a hundredth of the period), with a fitted point between the two, is fitted again. On a star
    /// rotating in a few hours with fast-evolving spots, the tops of the modulation the last model
    /// did not reach were masked, the next fit went lower still without them, and the tops stayed
    /// masked and above the model — candidates at every maximum. A flare does not come back one turn
    /// later, and a decay that lasts longer than a turn leaves no fitted point between.
    static func readmitRecurring(_ fitted: inout [Bool], residual: [Double], time: [Double], period: Double) {
        let n = fitted.count
        guard n > 2, period > 0 else { return }
        let left = (0..<n).filter { !fitted[$0] && residual[$0].isFinite && residual[$0] != 0 }
        guard !left.isEmpty else { return }
        let tolerance = period / 100
        var readmit: [Int] = []
        // Fitted points up to each index, to ask whether any lies between two points.
        var fittedBefore = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { fittedBefore[i + 1] = fittedBefore[i] + (fitted[i] ? 1 : 0) }
        for i in left {
            for direction in stride(from: -1.0, through: 1, by: 2) {
                let target = time[i] + direction * period
                // The nearest point to the target time.
                var j = min(Statistics.lowerBound(time, target), n - 1)
                if j > 0 && abs(time[j - 1] - target) < abs(time[j] - target) { j -= 1 }
                guard abs(time[j] - target) <= tolerance, !fitted[j], residual[j].isFinite,
                    (residual[j] > 0) == (residual[i] > 0)
                else { continue }
                let (a, b) = (min(i, j), max(i, j))
                if fittedBefore[b] - fittedBefore[a + 1] > 0 {
                    readmit.append(i)
                    break
                }
            }
        }
        for i in readmit { fitted[i] = true }
    }

    /// A spacecraft's regular attitude corrections, where the data show them.
    ///
    /// K2 fired its thrusters every ~6 hours to undo the solar-pressure roll; the cadences of each
    /// firing are flagged (and rejected), and between firings the flux drifts as the star moves over
    /// the aperture — a sawtooth that PDC leaves in part. Short gaps (one to three missing cadences)
    /// that recur with a median spacing under a day and a rhythm (three quarters of the spacings
    /// whole multiples of the median), at least ten of them, mark the firings. There is no such
    /// rhythm in TESS data (momentum dumps days apart) or Kepler's.
    struct RollRhythm {
        /// The index of the first point after each firing's gap.
        var events: [Int]
        /// The rhythm's period, days: the mean of the spacings one firing apart.
        var period: Double

        /// The rhythm of these times, or nil where they show none.
        init?(time: [Double]) {
            let n = time.count
            guard n > 20 else { return nil }
            let steps = (1..<n).map { time[$0] - time[$0 - 1] }
            guard let cadence = Statistics.median(steps), cadence > 0 else { return nil }
            let events = (1..<n).filter { steps[$0 - 1] > 1.5 * cadence && steps[$0 - 1] < 4.5 * cadence }
            guard events.count >= 10 else { return nil }
            let spacings = zip(events.dropFirst(), events).map { time[$0.0] - time[$0.1] }
            guard let median = Statistics.median(spacings), median < 1, median > 4 * cadence else { return nil }
            // A rhythm: most spacings are whole multiples of the median (a firing that was not flagged
            // makes one twice as long), within a cadence (a firing every 12.2 cadences is seen 12 or 13
            // apart). Cadences missing here and there (quality flags, a user's cuts, averaging) leave
            // gaps as short but with no rhythm, and a line per interval between them would follow the
            // light curve point by point, flares included.
            let tolerance = max(0.05 * median, cadence * 1.001)
            let regular = spacings.filter { spacing in
                let multiple = (spacing / median).rounded()
                return multiple >= 1 && abs(spacing - multiple * median) <= tolerance
            }.count
            guard Double(regular) >= 0.75 * Double(spacings.count) else { return nil }
            // The median spacing is a whole number of cadences (12 for a rhythm of 12.2); the mean of
            // the spacings one firing apart is the rhythm's period.
            let single = spacings.filter { abs($0 - median) <= tolerance }
            self.events = events
            self.period = single.isEmpty ? median : single.reduce(0, +) / Double(single.count)
        }

        /// The intervals between firings, each a ramp of the sawtooth; an interval more than 1.6
        /// periods long (a firing that was not flagged) is cut into pieces of about a period.
        func intervals(time: [Double], stretches: [Range<Int>]) -> [Range<Int>] {
            var result: [Range<Int>] = []
            for stretch in stretches {
                var bounds = [stretch.lowerBound] + events.filter { stretch.contains($0) && $0 > stretch.lowerBound } + [stretch.upperBound]
                bounds = Array(Set(bounds)).sorted()
                for (a, b) in zip(bounds, bounds.dropFirst()) where b > a {
                    let length = time[b - 1] - time[a]
                    let pieces = length > 1.6 * period ? Int(min(Double(b - a), (length / period).rounded())) : 1
                    var start = a
                    for k in 1...max(1, pieces) {
                        let cut = k == pieces ? b : (start..<b).first { time[$0] >= time[a] + Double(k) * length / Double(pieces) } ?? b
                        if cut > start { result.append(start..<cut) }
                        start = cut
                    }
                }
            }
            return result
        }

        /// The frequency bands (1/d) of the rhythm and its first two harmonics, ±3 % or the
        /// periodogram's resolution (1 / `baseline` days), whichever is wider: the spacecraft's, not
        /// the star's, and left out of every rotation search (``periodogramBands(time:)``). A star
        /// rotating at those periods is not found there.
        func frequencies(baseline: Double) -> [ClosedRange<Double>] {
            (1...3).map { k in
                let f = Double(k) / period
                let width = max(0.03 * f, baseline > 0 ? 1 / baseline : 0)
                return (f - width)...(f + width)
            }
        }

        /// The bands a rotation periodogram of these times leaves out: those of their roll rhythm,
        /// if any. The one rule the flare detrending and the rotation analysis share.
        static func periodogramBands(time: [Double]) -> [ClosedRange<Double>] {
            RollRhythm(time: time)?.frequencies(baseline: time[time.count - 1] - time[0]) ?? []
        }
    }

    /// A straight line per roll interval, fitted robustly (biweight-reweighted, three passes) to the
    /// used values; intervals with fewer than four used points get their median, or nothing.
    static func rollRamps(time: [Double], values: [Double], use: [Bool], intervals: [Range<Int>]) -> [Double] {
        var model = [Double](repeating: 0, count: time.count)
        var xs: [Double] = [], ys: [Double] = [], ws: [Double] = [], scratch: [Double] = []
        for interval in intervals {
            xs.removeAll(keepingCapacity: true)
            ys.removeAll(keepingCapacity: true)
            let t0 = time[interval.lowerBound]
            for i in interval where use[i] && values[i].isFinite {
                xs.append(time[i] - t0)
                ys.append(values[i])
            }
            guard !ys.isEmpty else { continue }
            scratch = ys
            let median = Statistics.medianInPlace(&scratch) ?? 0
            guard xs.count >= 4 else {
                for i in interval { model[i] = median }
                continue
            }
            ws = Array(repeating: 1, count: xs.count)
            var line = (median, 0.0)
            for pass in 0..<3 {
                var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
                for j in xs.indices {
                    sw += ws[j]
                    sx += ws[j] * xs[j]
                    sy += ws[j] * ys[j]
                    sxx += ws[j] * xs[j] * xs[j]
                    sxy += ws[j] * xs[j] * ys[j]
                }
                let d = sw * sxx - sx * sx
                guard sw > 0, d > 0 else { break }
                line = ((sy * sxx - sx * sxy) / d, (sw * sxy - sx * sy) / d)
                guard pass < 2 else { break }
                scratch = xs.indices.map { abs(ys[$0] - line.0 - line.1 * xs[$0]) }
                var copy = scratch
                guard let mad = Statistics.medianInPlace(&copy), mad > 0 else { break }
                for j in xs.indices { ws[j] = biweight(scratch[j], mad) }
            }
            for i in interval { model[i] = line.0 + line.1 * (time[i] - t0) }
        }
        return model
    }

    /// Masks each run of residuals above `clip` σ with one point before it, its decay tail (while the
    /// excess stays above 1σ, at most four times the run's length) and a padding as long as the run.
    /// With `minimumPeak`, only runs whose highest point reaches that many σ and lies in the run's
    /// first quarter (a flare's fast rise) are masked.
    /// A run longer than half the filter window that rises slowly (its highest point not in its first
    /// quarter) is variability the filter must follow, not a flare to bridge: masking it would keep
    /// the model from ever reaching it. A long flare rises fast: an upward run is also masked when
    /// its peak reaches 2 × `clip` σ and its last ascent — from the last point before the peak below
    /// half its excess — takes at most a tenth of the run's time (a complex flare: a smaller flare
    /// began the run, and the large one rises within it; in time, not points, so that one point
    /// after a gap is no fast ascent). Its tail and padding are held to a quarter and an eighth of
    /// the window, so that the bridge stays shorter than the window. AU Mic's sector 27 averaged to
    /// 2 minutes: a flare at BTJD 2056.83, the large one at 2056.92 (from 1 % to 3.5 % in 8 minutes)
    /// and its gradual decay made one run of 0.25 d, peaking a third of the way in; unmasked, the
    /// model rose into the decay and the large flare's ED was 59 s against 147 s at 20 s, where the
    /// noise broke the run in pieces.
    /// The residuals are `sign` × `values` (−1: the downward runs).
    static func maskRuns(_ values: [Double], sign: Double = 1, scatter: [Double], time: [Double], clip: Double, filterWindow: Double,
                         minimumPeak: Double? = nil, into mask: inout [Bool])
    {
        let n = values.count
        @inline(__always) func residual(_ i: Int) -> Double { sign * values[i] }
        var i = 0
        while i < n {
            guard residual(i) > clip * scatter[i] else {
                i += 1
                continue
            }
            var end = i
            while end + 1 < n && residual(end + 1) > clip * scatter[end + 1] { end += 1 }
            var peak = i
            for j in i...end where residual(j) > residual(peak) { peak = j }
            if let minimumPeak, residual(peak) < minimumPeak * scatter[peak] || peak - i > (end - i) / 4 {
                i = end + 1
                continue
            }
            var complexFlare = false
            if time[end] - time[i] > filterWindow / 2 && peak - i > (end - i) / 4 {
                // The last ascent to the peak: from the last point before it below half its excess.
                var ascent = peak
                while ascent > i && residual(ascent - 1) >= residual(peak) / 2 { ascent -= 1 }
                complexFlare = sign > 0 && ascent > i && 10 * (time[peak] - time[ascent - 1]) <= time[end] - time[i]
                    && residual(peak) >= 2 * clip * scatter[peak]
                guard complexFlare else {
                    i = end + 1
                    continue
                }
            }
            var tail = end
            let longest = end + 4 * (end - i + 1)
            // A complex flare's run is already half a window long: its tail and padding are held to a
            // quarter and an eighth of the window, so that the bridge stays shorter than the window.
            while tail + 1 < n && tail < longest && residual(tail + 1) > scatter[tail + 1]
                && (!complexFlare || time[tail + 1] - time[end] <= filterWindow / 4) { tail += 1 }
            var last = min(n - 1, tail + end - i + 1)
            while complexFlare && last > tail && time[last] - time[tail] > filterWindow / 8 { last -= 1 }
            for j in max(0, i - 1)...last { mask[j] = true }
            i = end + 1
        }
    }

    /// Points more than `clip` robust σ above the median of their ±3 neighbours (σ from the first
    /// differences): flares and cosmic rays, kept out of the periodogram. Insensitive to any
    /// modulation slower than a few cadences.
    static func impulsiveOutliers(_ flux: [Double], clip: Double) -> [Bool] {
        let n = flux.count
        guard n > 7 else { return Array(repeating: false, count: n) }
        var differences = (1..<n).map { flux[$0] - flux[$0 - 1] }.filter(\.isFinite)
        var scratch: [Double] = []
        guard let s = Statistics.robustSigmaInPlace(&differences, scratch: &scratch), s > 0 else {
            return Array(repeating: false, count: n)
        }
        let sigma = s / 2.0.squareRoot()
        var result = [Bool](repeating: false, count: n)
        // The median of at most six neighbours, by insertion into a sorted buffer on the stack.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 6) { window in
            let limit = clip * sigma
            for i in 0..<n where flux[i].isFinite {
                // The median is at least the smallest neighbour and at most the largest: most points
                // are decided by those two alone.
                var lowest = Double.infinity, highest = -Double.infinity
                for j in max(0, i - 3)...min(n - 1, i + 3) where j != i && flux[j].isFinite {
                    lowest = min(lowest, flux[j])
                    highest = max(highest, flux[j])
                }
                guard lowest <= highest else { continue }
                if flux[i] - lowest <= limit { continue }
                if flux[i] - highest > limit {
                    result[i] = true
                    continue
                }
                var count = 0
                for j in max(0, i - 3)...min(n - 1, i + 3) where j != i && flux[j].isFinite {
                    var k = count
                    while k > 0 && window[k - 1] > flux[j] {
                        window[k] = window[k - 1]
                        k -= 1
                    }
                    window[k] = flux[j]
                    count += 1
                }
                guard count > 0 else { continue }
                let m = count % 2 == 1 ? window[count / 2] : (window[count / 2 - 1] + window[count / 2]) / 2
                if flux[i] - m > limit { result[i] = true }
            }
        }
        return result
    }

    /// A robust local quadratic (a Savitzky–Golay filter that ignores outliers): on nodes a sixth of
    /// a window apart, a quadratic in time is fitted to the used points within half a window,
    /// iteratively reweighted with Tukey's biweight (c = 6 MAD of its residuals, starting from the
    /// window's median, so a transit or flare filling a third of the window is not the starting
    /// point); each point's value blends the polynomials of the two nodes around it linearly. Unlike
    /// a running location (median, biweight location) it follows the curvature of rotation maxima
    /// and minima instead of cutting them; unlike a plain Savitzky–Golay filter, flares, transits and
    /// bad points do not pull it.
    ///
    /// The used points are first averaged in bins of 1/64 of the window (a 20-second sector becomes
    /// a few thousand bins; 30-minute data are left as they are), which changes nothing a window 64
    /// bins wide can follow and makes the cost independent of the cadence. Nodes with fewer than six
    /// bins are skipped; masked runs are bridged by the neighbouring nodes' polynomials, each held
    /// constant beyond the bins it was fitted to (a steep rise into a masked run is not extrapolated).
    static func robustLocalQuadratic(time: [Double], values: [Double], use: [Bool], window: Double) -> [Double] {
        let n = time.count
        guard n > 0 else { return [] }
        let bins = LombScargle.bin(
            time: time, flux: values, weight: (0..<n).map { use[$0] && values[$0].isFinite ? 1.0 : 0.0 }, width: window / 64)
        let m = bins.time.count
        let step = window / 6
        let nodeCount = max(1, Int(((time[n - 1] - time[0]) / step).rounded(.up)) + 1)
        var nodes: [(t: Double, c: (Double, Double, Double), lo: Double, hi: Double)] = []
        var left = 0, right = 0
        var xs: [Double] = [], ys: [Double] = [], counts: [Double] = [], ws: [Double] = [], scratch: [Double] = []
        var residuals: [Double] = []
        for k in 0..<nodeCount {
            let tc = time[0] + Double(k) * step
            while left < m && bins.time[left] < tc - window / 2 { left += 1 }
            if right < left { right = left }
            while right < m && bins.time[right] <= tc + window / 2 { right += 1 }
            guard right - left >= 6 else { continue }
            xs.removeAll(keepingCapacity: true)
            ys.removeAll(keepingCapacity: true)
            counts.removeAll(keepingCapacity: true)
            for j in left..<right {
                xs.append((bins.time[j] - tc) / window)
                ys.append(bins.flux[j])
                counts.append(bins.weight[j])
            }
            // (The scratch buffer is refilled, not assigned: an assigned array would share the
            // source's storage and be copied into a fresh allocation when the median reorders it.)
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: ys)
            let median = Statistics.medianInPlace(&scratch) ?? 0
            residuals.removeAll(keepingCapacity: true)
            for y in ys { residuals.append(abs(y - median)) }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: residuals)
            let mad0 = Statistics.medianInPlace(&scratch) ?? 0
            ws.removeAll(keepingCapacity: true)
            for (y, count) in zip(ys, counts) { ws.append(count * biweight(abs(y - median), mad0)) }
            var c: (Double, Double, Double)?
            for pass in 0..<3 {
                guard let fit = weightedQuadratic(xs, ys, ws) else { break }
                c = fit
                guard pass < 2 else { break }
                residuals.removeAll(keepingCapacity: true)
                for j in xs.indices { residuals.append(abs(ys[j] - (fit.0 + fit.1 * xs[j] + fit.2 * xs[j] * xs[j]))) }
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: residuals)
                guard let mad = Statistics.medianInPlace(&scratch), mad > 0 else { break }
                for j in xs.indices { ws[j] = counts[j] * biweight(residuals[j], mad) }
            }
            // The polynomial is trusted only over the span of the bins that carried weight.
            var lo = Double.infinity, hi = -Double.infinity
            for j in xs.indices where ws[j] > 0 {
                lo = min(lo, xs[j])
                hi = max(hi, xs[j])
            }
            if let c, lo <= hi { nodes.append((tc, c, lo, hi)) }
        }
        guard !nodes.isEmpty else {
            let level = Statistics.median(zip(values, use).filter { $0.1 && $0.0.isFinite }.map(\.0)) ?? .nan
            return Array(repeating: level, count: n)
        }
        func value(_ node: (t: Double, c: (Double, Double, Double), lo: Double, hi: Double), _ t: Double) -> Double {
            let x = min(max((t - node.t) / window, node.lo), node.hi)
            return node.c.0 + node.c.1 * x + node.c.2 * x * x
        }
        var result = [Double](repeating: 0, count: n)
        var k = 0
        for (j, t) in time.enumerated() {
            while k + 1 < nodes.count && nodes[k + 1].t < t { k += 1 }
            if t <= nodes[0].t || k + 1 >= nodes.count {
                result[j] = value(nodes[t <= nodes[0].t ? 0 : nodes.count - 1], t)
            } else {
                let f = (t - nodes[k].t) / (nodes[k + 1].t - nodes[k].t)
                result[j] = (1 - f) * value(nodes[k], t) + f * value(nodes[k + 1], t)
            }
        }
        return result
    }

    /// Tukey's biweight weight of a deviation, c = 6 MAD (1 when the MAD is 0).
    @inline(__always) static func biweight(_ deviation: Double, _ mad: Double) -> Double {
        guard mad > 0 else { return 1 }
        let u = deviation / (6 * mad)
        return u < 1 ? (1 - u * u) * (1 - u * u) : 0
    }

    /// Weighted least-squares quadratic c₀ + c₁x + c₂x² (normal equations, 3 × 3).
    static func weightedQuadratic(_ x: [Double], _ y: [Double], _ w: [Double]) -> (Double, Double, Double)? {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, t0 = 0.0, t1 = 0.0, t2 = 0.0
        for m in x.indices where w[m] > 0 {
            let xm = x[m], wm = w[m], x2 = xm * xm
            s0 += wm
            s1 += wm * xm
            s2 += wm * x2
            s3 += wm * x2 * xm
            s4 += wm * x2 * x2
            t0 += wm * y[m]
            t1 += wm * xm * y[m]
            t2 += wm * x2 * y[m]
        }
        if let c = LinearAlgebra.solveSymmetric3(s0, s1, s2, s3, s4, t0, t1, t2) { return c }
        // Too few distinct times for a quadratic: the weighted mean.
        return s0 > 0 ? (t0 / s0, 0, 0) : nil
    }

    /// 1.4826 × MAD of the used values in a sliding window of `window` days (nodes half a window
    /// apart, at least 10 points each, interpolated); where a window holds fewer, the scatter of
    /// the whole stretch.
    static func rollingScatter(time: [Double], values: [Double], use: [Bool], window: Double) -> [Double] {
        let n = time.count
        guard n > 0 else { return [] }
        let all = zip(values, use).filter { $0.1 && $0.0.isFinite }.map(\.0)
        let global = Statistics.robustSigma(all) ?? .nan
        let step = window / 2
        let nodeCount = max(1, Int(((time[n - 1] - time[0]) / step).rounded(.up)) + 1)
        var nodeTimes: [Double] = []
        var nodeValues: [Double] = []
        var left = 0, right = 0
        var xs: [Double] = [], scratch: [Double] = []
        for k in 0..<nodeCount {
            let tc = time[0] + Double(k) * step
            while left < n && time[left] < tc - window / 2 { left += 1 }
            if right < left { right = left }
            while right < n && time[right] <= tc + window / 2 { right += 1 }
            xs.removeAll(keepingCapacity: true)
            for j in left..<right where use[j] && values[j].isFinite { xs.append(values[j]) }
            guard xs.count >= 10, let s = Statistics.robustSigmaInPlace(&xs, scratch: &scratch), s > 0 else { continue }
            let tNode = min(max(tc, time[left]), time[right - 1])
            guard tNode > (nodeTimes.last ?? -.infinity) else { continue }
            nodeTimes.append(tNode)
            nodeValues.append(s)
        }
        guard !nodeTimes.isEmpty else { return Array(repeating: global, count: n) }
        return interpolate(nodeTimes, nodeValues, at: time, extrapolationSpan: nil)
    }

    /// Linear interpolation through nodes (sorted, distinct times). Beyond the outer nodes: flat when
    /// `extrapolationSpan` is nil, else linear with the slope between the outer node and the first
    /// node at least that far from it (flat if there is none).
    static func interpolate(_ nodeTimes: [Double], _ nodeValues: [Double], at time: [Double], extrapolationSpan: Double?)
        -> [Double]
    {
        func slope(from anchor: Int, step: Int) -> Double {
            guard let span = extrapolationSpan else { return 0 }
            var j = anchor + step
            while j >= 0 && j < nodeTimes.count {
                if abs(nodeTimes[j] - nodeTimes[anchor]) >= span {
                    return (nodeValues[j] - nodeValues[anchor]) / (nodeTimes[j] - nodeTimes[anchor])
                }
                j += step
            }
            return 0
        }
        let last = nodeTimes.count - 1
        let startSlope = slope(from: 0, step: 1)
        let endSlope = slope(from: last, step: -1)
        var result = [Double](repeating: 0, count: time.count)
        var k = 0
        for (j, t) in time.enumerated() {
            while k + 1 < nodeTimes.count && nodeTimes[k + 1] < t { k += 1 }
            if t <= nodeTimes[0] {
                result[j] = nodeValues[0] + startSlope * (t - nodeTimes[0])
            } else if k >= last {
                result[j] = nodeValues[last] + endSlope * (t - nodeTimes[last])
            } else {
                let f = (t - nodeTimes[k]) / (nodeTimes[k + 1] - nodeTimes[k])
                result[j] = nodeValues[k] + f * (nodeValues[k + 1] - nodeValues[k])
            }
        }
        return result
    }
}
