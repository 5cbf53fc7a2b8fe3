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
///    half the baseline, with Baluev's (2008) false-alarm probability. If a period is significant
///    (FAP < `maximumFalseAlarm`), strong (power ≥ `minimumPower`: a transit's weak peak is left to
///    the robust filter) and short (≤ `maximumPeriod`), the modulation is modelled explicitly:
///    `harmonics` harmonics plus a straight line, least-squares fitted in windows of
///    `cyclesPerFit` rotations that overlap by half and are blended with triangular weights, so that
///    amplitude and phase drift as spots evolve. When the periodogram's power at twice the period is
///    substantial (two spots on opposite hemispheres put the highest peak at P/2), the harmonics are
///    of 2P.
/// 2. **Robust filter.** What the rotation model leaves is smoothed
///    made robust the way wōtan's filters are (Tukey's biweight weights), as a local quadratic — a
///    Savitzky–Golay filter that ignores outliers (``robustLocalQuadratic(time:values:use:window:)``)
///    — in a sliding time window: `window` days for slow or no rotation, and `windowFraction` × P (at
///    least `minimumWindow` and `minimumWindowCadences` cadences) for modelled rotation: several
///    times longer than a flare, clearly shorter than the rotation. Masked runs are bridged by the
///    neighbouring windows' polynomials.
/// 3. **Noise.** σ is a rolling robust scatter (1.4826 × MAD) of the unmasked residuals in windows of
///    `scatterWindow` days, interpolated between nodes — not one value per light curve.
/// 4. **Flare-aware masking.** Points more than `clip` σ *above* the model are flare candidates (dips —
///    transits, eclipses — are left to the robust filter, which ignores them); each run is masked with
///    one point before it, its decay tail (while the excess stays above 1 σ, at most four times the
///    run's length) and a padding as long as the run itself. A run longer than half the filter window
///    is not masked: it is variability the filter must follow. Steps 1–4 repeat until the mask stops changing (at most `iterations`).
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

    public init(window: Double, rotation: RotationModelling? = nil, clip: Double = 3, iterations: Int = 4,
                scatterWindow: Double = 1) {
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
        /// True for points masked as (part of) flare candidates.
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
        if let settings = self.rotation {
            let spikes = Self.impulsiveOutliers(flux, clip: clip)
            let weight = (0..<n).map { masked[$0] || spikes[$0] ? 0.0 : 1.0 }
            let binned = LombScargle.bin(time: time, flux: flux, weight: weight, width: settings.periodogram.minimumPeriod / 10)
            rotation = settings.periodogram.search(time: binned.time, flux: binned.flux, weight: binned.weight)
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

        var baseline = [Double](repeating: .nan, count: n)
        var scatter = [Double](repeating: .nan, count: n)
        var rotationModel = [Double](repeating: 0, count: n)
        for pass in 0..<max(1, iterations) {
            // 1b. Harmonics of the period, fitted to unmasked points within 4σ (dips excluded too).
            if let period, let cycles = self.rotation?.cyclesPerFit {
                let use = (0..<n).map { i in
                    !masked[i] && (pass == 0 || !scatter[i].isFinite || abs(flux[i] / baseline[i] - 1) < 4 * scatter[i])
                }
                rotationModel = HarmonicFit(period: period, harmonics: harmonics, span: cycles * period)
                    .model(time: time, flux: flux, use: use)
            }
            // 2. Robust filter of what is left, stretch by stretch.
            for stretch in stretches {
                let remainder = stretch.map { flux[$0] - rotationModel[$0] }
                let use = stretch.map { !masked[$0] }
                let smooth = Self.robustLocalQuadratic(
                    time: Array(time[stretch]), values: remainder, use: use, window: filterWindow)
                for (k, i) in stretch.enumerated() { baseline[i] = rotationModel[i] + smooth[k] }
            }
            // 3. Rolling scatter of the unmasked relative residuals.
            let residual = (0..<n).map { baseline[$0] > 0 ? flux[$0] / baseline[$0] - 1 : .nan }
            for stretch in stretches {
                let s = Self.rollingScatter(
                    time: Array(time[stretch]), values: stretch.map { residual[$0] }, use: stretch.map { !masked[$0] },
                    window: scatterWindow)
                for (k, i) in stretch.enumerated() { scatter[i] = s[k] }
            }
            // 4. Flare mask: upward runs, one point before, the decay tail and a padding.
            var newMask = (0..<n).map { !flux[$0].isFinite }
            var i = 0
            while i < n {
                guard residual[i] > clip * scatter[i] else {
                    i += 1
                    continue
                }
                var end = i
                while end + 1 < n && residual[end + 1] > clip * scatter[end + 1] { end += 1 }
                // A run longer than half the filter window is variability the filter must follow, not a
                // flare to bridge: masking it would keep the model from ever reaching it.
                guard time[end] - time[i] <= filterWindow / 2 else {
                    i = end + 1
                    continue
                }
                var tail = end
                let longest = end + 4 * (end - i + 1)
                while tail + 1 < n && tail < longest && residual[tail + 1] > scatter[tail + 1] { tail += 1 }
                let pad = end - i + 1
                for j in max(0, i - 1)...min(n - 1, tail + pad) { newMask[j] = true }
                i = end + 1
            }
            if newMask == masked { break }
            masked = newMask
        }
        return Model(
            baseline: baseline, scatter: scatter, masked: masked, rotation: rotation, modelledPeriod: period,
            smoothingWindow: filterWindow)
    }

    /// Points more than `clip` robust σ above the median of their ±3 neighbours (σ from the first
    /// differences): flares and cosmic rays, kept out of the periodogram. Insensitive to any
    /// modulation slower than a few cadences.
    static func impulsiveOutliers(_ flux: [Double], clip: Double) -> [Bool] {
        let n = flux.count
        guard n > 7 else { return Array(repeating: false, count: n) }
        let differences = (1..<n).map { flux[$0] - flux[$0 - 1] }.filter(\.isFinite)
        guard let s = Statistics.robustSigma(differences), s > 0 else { return Array(repeating: false, count: n) }
        let sigma = s / 2.0.squareRoot()
        var result = [Bool](repeating: false, count: n)
        var window: [Double] = []
        for i in 0..<n where flux[i].isFinite {
            window.removeAll(keepingCapacity: true)
            for j in max(0, i - 3)...min(n - 1, i + 3) where j != i && flux[j].isFinite { window.append(flux[j]) }
            if let m = Statistics.median(window), flux[i] - m > clip * sigma { result[i] = true }
        }
        return result
    }

    /// A robust local quadratic (a Savitzky–Golay filter that ignores outliers): on nodes an eighth
    /// of a window apart, a quadratic in time is fitted to the used points within half a window,
    /// iteratively reweighted with Tukey's biweight (c = 6 MAD of its residuals, three passes); each
    /// point's value blends the polynomials of the two nodes around it linearly. Unlike a running
    /// location (median, biweight location) it follows the curvature of rotation maxima and minima
    /// instead of cutting them; unlike a plain Savitzky–Golay filter, flares, transits and bad points
    /// do not pull it. Nodes with fewer than six used points are skipped; masked runs are bridged by
    /// the neighbouring nodes' polynomials, each held constant beyond the points it was fitted to (a
    /// steep rise into a masked run is not extrapolated).
    static func robustLocalQuadratic(time: [Double], values: [Double], use: [Bool], window: Double) -> [Double] {
        let n = time.count
        guard n > 0 else { return [] }
        let step = window / 8
        let nodeCount = max(1, Int(((time[n - 1] - time[0]) / step).rounded(.up)) + 1)
        var nodes: [(t: Double, c: (Double, Double, Double), lo: Double, hi: Double)] = []
        var left = 0, right = 0
        var xs: [Double] = [], ys: [Double] = [], ws: [Double] = [], scratch: [Double] = []
        for k in 0..<nodeCount {
            let tc = time[0] + Double(k) * step
            while left < n && time[left] < tc - window / 2 { left += 1 }
            if right < left { right = left }
            while right < n && time[right] <= tc + window / 2 { right += 1 }
            xs.removeAll(keepingCapacity: true)
            ys.removeAll(keepingCapacity: true)
            for j in left..<right where use[j] && values[j].isFinite {
                xs.append((time[j] - tc) / window)
                ys.append(values[j])
            }
            guard xs.count >= 6 else { continue }
            // Start from biweight weights about the window's median, not from a plain least-squares
            // fit: a transit or a flare filling a third of the window must not be the starting point.
            scratch.removeAll(keepingCapacity: true)
            let median = Statistics.median(ys) ?? 0
            for y in ys { scratch.append(abs(y - median)) }
            let mad0 = Statistics.median(scratch) ?? 0
            ws = ys.map { y in
                guard mad0 > 0 else { return 1 }
                let u = abs(y - median) / (6 * mad0)
                return u < 1 ? (1 - u * u) * (1 - u * u) : 0
            }
            var c: (Double, Double, Double)?
            for pass in 0..<3 {
                guard let fit = weightedQuadratic(xs, ys, ws) else { break }
                c = fit
                guard pass < 2 else { break }
                scratch.removeAll(keepingCapacity: true)
                for m in xs.indices { scratch.append(abs(ys[m] - (fit.0 + fit.1 * xs[m] + fit.2 * xs[m] * xs[m]))) }
                guard let mad = Statistics.median(scratch), mad > 0 else { break }
                for m in xs.indices {
                    let u = scratch[m] / (6 * mad)
                    ws[m] = u < 1 ? (1 - u * u) * (1 - u * u) : 0
                }
            }
            // The polynomial is trusted only over the span of the points that carried weight.
            let carried = xs.indices.filter { ws[$0] > 0 }
            if let c, let lo = carried.map({ xs[$0] }).min(), let hi = carried.map({ xs[$0] }).max() {
                nodes.append((tc, c, lo, hi))
            }
        }
        guard !nodes.isEmpty else {
            let level = Statistics.median(zip(values, use).filter { $0.1 && $0.0.isFinite }.map(\.0)) ?? .nan
            return Array(repeating: level, count: n)
        }
        func value(_ node: (t: Double, c: (Double, Double, Double), lo: Double, hi: Double), _ t: Double) -> Double {
            // Beyond the points it was fitted to a quadratic is not trusted: hold its value there.
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
        if let c = LinearAlgebra.solve([s0, s1, s2, s1, s2, s3, s2, s3, s4], [t0, t1, t2], size: 3) {
            return (c[0], c[1], c[2])
        }
        // Too few distinct times for a quadratic: the weighted mean.
        return s0 > 0 ? (t0 / s0, 0, 0) : nil
    }

    /// 1.4826 × MAD of the used values in a sliding window of `window` days (nodes a quarter window
    /// apart, at least 10 points each, interpolated); where a window holds fewer, the scatter of
    /// the whole stretch.
    static func rollingScatter(time: [Double], values: [Double], use: [Bool], window: Double) -> [Double] {
        let n = time.count
        guard n > 0 else { return [] }
        let all = zip(values, use).filter { $0.1 && $0.0.isFinite }.map(\.0)
        let global = Statistics.robustSigma(all) ?? .nan
        let step = window / 4
        let nodeCount = max(1, Int(((time[n - 1] - time[0]) / step).rounded(.up)) + 1)
        var nodeTimes: [Double] = []
        var nodeValues: [Double] = []
        var left = 0, right = 0
        var xs: [Double] = []
        for k in 0..<nodeCount {
            let tc = time[0] + Double(k) * step
            while left < n && time[left] < tc - window / 2 { left += 1 }
            if right < left { right = left }
            while right < n && time[right] <= tc + window / 2 { right += 1 }
            xs.removeAll(keepingCapacity: true)
            for j in left..<right where use[j] && values[j].isFinite { xs.append(values[j]) }
            guard xs.count >= 10, let s = Statistics.robustSigma(xs), s > 0 else { continue }
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
