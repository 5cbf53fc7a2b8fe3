import Foundation

/// The generalised (floating-mean) Lomb–Scargle periodogram of Zechmeister & Kürster (2009, A&A 496,
/// 577), with the false-alarm probability of Baluev (2008, MNRAS 385, 1279).
///
/// Power is the fraction of the weighted variance about the mean that a sinusoid plus offset explains
/// (Zechmeister & Kürster Eqs. 4–20, "standard" normalisation, 0…1). Frequencies run from
/// 2/baseline (periods up to half the baseline) to 1/`minimumPeriod` on a grid `oversampling` times
/// finer than 1/baseline; sums over points are updated by trigonometric recurrences from one
/// frequency to the next (one `sin`/`cos` per point for the whole grid). The best coarse peak is
/// then refined on a grid ten times finer around it. Where the grid is large (multi-year or
/// multi-sector light curves, ZTF: ``prefersFFT(points:frequencies:)``), the coarse grid comes from
/// nonuniform FFTs instead (``NonuniformFFT``: Press & Rybicki's (1989) idea, with Greengard & Lee's
/// (2004) Gaussian gridding), the same powers to 10⁻⁹.
///
/// For speed the series can first be averaged in time bins (``bin(time:flux:weight:width:)``): a
/// bin of a sixth of the shortest period loses 5 % of a sinusoid's amplitude there (less at longer
/// periods) and none of its phase.
///
/// ```swift
/// let result = LombScargle(minimumPeriod: 0.1).search(time: t, flux: f, weight: w)
/// print(result?.period, result?.falseAlarmProbability)
/// ```
public struct LombScargle: Sendable, Codable, Hashable {
    /// Shortest period searched, days.
    public var minimumPeriod: Double
    /// Longest period searched as a fraction of the baseline (½: at least two cycles).
    public var maximumPeriodFraction: Double
    /// Grid points per 1/baseline of frequency, coarse pass.
    public var oversampling: Double
    /// Cap on the number of coarse frequencies (the shortest period is raised to respect it).
    public var maximumFrequencies: Int

    public init(minimumPeriod: Double = 0.1, maximumPeriodFraction: Double = 0.5, oversampling: Double = 2,
                maximumFrequencies: Int = 20_000) {
        self.minimumPeriod = minimumPeriod
        self.maximumPeriodFraction = maximumPeriodFraction
        self.oversampling = oversampling
        self.maximumFrequencies = maximumFrequencies
    }

    /// The strongest periodicity and its best-fitting sinusoid.
    public struct Result: Sendable, Hashable, Codable {
        /// Period of the highest peak, days.
        public var period: Double
        /// Normalised power of that peak (0…1).
        public var power: Double
        /// Probability that noise alone gives a peak this high anywhere in the searched band (Baluev 2008).
        public var falseAlarmProbability: Double
        /// Semi-amplitude of the best-fitting sinusoid at that period, in flux units.
        public var amplitude: Double
        /// Normalised power at twice the period (a two-spotted star often peaks at half its period).
        public var powerAtDoublePeriod: Double
        /// Number of (binned) points used.
        public var points: Int
        /// The frequency band searched, 1/d.
        public var minimumFrequency: Double
        public var maximumFrequency: Double
    }

    /// Searches the points with positive finite weight; nil when there are too few (< 8) or the
    /// baseline is too short for two cycles of the shortest period. The highest peak is looked for
    /// outside the `ignoring` frequency bands (1/d): a spacecraft's own rhythm (K2's roll) is not
    /// the star's.
    public func search(time: [Double], flux: [Double], weight: [Double], ignoring: [ClosedRange<Double>] = []) -> Result? {
        var t: [Double] = []
        var y: [Double] = []
        var w: [Double] = []
        t.reserveCapacity(time.count)
        for i in time.indices where weight[i] > 0 && weight[i].isFinite && flux[i].isFinite {
            t.append(time[i])
            y.append(flux[i])
            w.append(weight[i])
        }
        guard t.count >= 8, let t0 = t.min(), let t1 = t.max(), t1 > t0 else { return nil }
        let baseline = t1 - t0
        let step = 1 / (oversampling * baseline)
        let fMin = 1 / (maximumPeriodFraction * baseline)
        var fMax = 1 / minimumPeriod
        if (fMax - fMin) / step > Double(maximumFrequencies) { fMax = fMin + Double(maximumFrequencies) * step }
        guard fMax > fMin else { return nil }
        let sums = Sums(time: t.map { $0 - t0 }, flux: y, weight: w)
        guard sums.yy > 0 else { return nil }
        let count = Int(((fMax - fMin) / step).rounded(.down)) + 1
        let coarse = Self.prefersFFT(points: t.count, frequencies: count)
            ? sums.fastPowers(from: fMin, step: step, count: count) : sums.powers(from: fMin, step: step, count: count)
        func allowed(_ f: Double) -> Bool { !ignoring.contains { $0.contains(f) } }
        var best = -1
        for j in coarse.indices where (best < 0 || coarse[j] > coarse[best]) && allowed(fMin + Double(j) * step) { best = j }
        guard best >= 0 else { return nil }
        // Refine around the peak, ten times finer.
        let fineStep = step / 10
        let fineStart = max(fMin, fMin + (Double(best) - 1) * step)
        var fine = sums.powers(from: fineStart, step: fineStep, count: 21)
        for j in fine.indices where !allowed(fineStart + Double(j) * fineStep) { fine[j] = 0 }
        let k = fine.indices.max(by: { fine[$0] < fine[$1] })!
        let (frequency, power) = fine[k] >= coarse[best]
            ? (fineStart + Double(k) * fineStep, fine[k]) : (fMin + Double(best) * step, coarse[best])
        let fit = sums.fit(frequency: frequency)
        let half = frequency / 2 >= fMin ? sums.powers(from: frequency / 2, step: 0, count: 1)[0] : 0
        return Result(
            period: 1 / frequency, power: power,
            falseAlarmProbability: Self.baluevFAP(power: power, points: t.count, maximumFrequency: fMax, sums: sums),
            amplitude: fit, powerAtDoublePeriod: half, points: t.count, minimumFrequency: fMin, maximumFrequency: fMax)
    }

    /// Whether the coarse grid is computed by nonuniform FFTs (``Sums/fastPowers(from:step:count:)``)
    /// rather than directly. The direct sums cost N·K, the FFTs about K log K plus N: measured on
    /// the ZTF sample (about 550 epochs per band, 20,000 frequencies) and on two 2-min sectors two
    /// years apart (3,240 bins, 15,000 frequencies), the FFTs are the faster from a few hundred
    /// points on. Below 5·10⁶ sums (one sector: 1,620 bins × 540 frequencies) the direct sums are
    /// kept: they take a millisecond there, and single-sector results stay as they were to the bit.
    static func prefersFFT(points: Int, frequencies: Int) -> Bool {
        Double(points) * Double(frequencies) > 5e6 && Double(points) > 20 * log2(Double(max(2, frequencies)))
    }

    /// The strongest periodicity of a light curve as a star's rotation shows it: points that are
    /// `excluded` or not finite, and impulsive upward outliers (flares, cosmic rays: a jump of more
    /// than `clip` robust σ of the point-to-point differences), are left out, and the rest averaged
    /// in bins of a sixth of the shortest period (95 % of a sinusoid's amplitude kept there, more at
    /// longer periods). The one search the flare detrending (``Detrender``) and the rotation
    /// analysis (``RotationSearch``) share; both pass the bands of a K2 roll rhythm as `ignoring`
    /// (``Detrender/RollRhythm/periodogramBands(time:)``).
    public func rotation(time: [Double], flux: [Double], excluded: [Bool]? = nil, clip: Double,
                         ignoring: [ClosedRange<Double>] = []) -> Result? {
        let spikes = Detrender.impulsiveOutliers(flux, clip: clip)
        let weight = time.indices.map { i in (excluded?[i] ?? false) || spikes[i] || !flux[i].isFinite ? 0.0 : 1.0 }
        let binned = Self.bin(time: time, flux: flux, weight: weight, width: minimumPeriod / 6)
        return search(time: binned.time, flux: binned.flux, weight: binned.weight, ignoring: ignoring)
    }

    /// Baluev (2008) Eq. 5 upper bound on the false-alarm probability for the "standard" normalisation,
    /// as in astropy's `fap_baluev`: 1 − (1 − FAP_single) e^(−τ), with FAP_single = (1 − z)^((N−3)/2)
    /// and τ = γ(N−1) W (1 − z)^((N−4)/2) √((N−1) z / 2), W = f_max √(4π Var_w(t)).
    static func baluevFAP(power z: Double, points n: Int, maximumFrequency: Double, sums: Sums) -> Double {
        guard n > 4, z > 0 else { return 1 }
        let nh = Double(n - 1), nk = Double(n - 3)
        let single = pow(1 - z, 0.5 * nk)
        let gamma = (2 / nh).squareRoot() * exp(lgamma(nh / 2) - lgamma((nh - 1) / 2))
        let w = maximumFrequency * (4 * Double.pi * sums.timeVariance).squareRoot()
        let tau = gamma * w * pow(1 - z, 0.5 * (nk - 1)) * (0.5 * nh * z).squareRoot()
        let fap = 1 - (1 - single) * exp(-tau)
        return min(1, max(0, fap.isFinite ? fap : 1))
    }

    /// Averages a series in time bins of `width` days (weights add; flux is the weighted mean, time
    /// the weighted mean time). Input must be sorted in time.
    public static func bin(time: [Double], flux: [Double], weight: [Double], width: Double)
        -> (time: [Double], flux: [Double], weight: [Double])
    {
        bin(time: time, flux: flux, weight: weight, width: width) { _, _ in }
    }

    /// ``bin(time:flux:weight:width:)``, telling `member` each used point's index and its bin's.
    static func bin(
        time: [Double], flux: [Double], weight: [Double], width: Double, member: (_ point: Int, _ bin: Int) -> Void
    ) -> (time: [Double], flux: [Double], weight: [Double]) {
        var bt: [Double] = [], bf: [Double] = [], bw: [Double] = []
        var start = -Double.infinity
        var st = 0.0, sf = 0.0, sw = 0.0
        func flush() {
            if sw > 0 {
                bt.append(st / sw)
                bf.append(sf / sw)
                bw.append(sw)
            }
            st = 0
            sf = 0
            sw = 0
        }
        for i in time.indices where weight[i] > 0 && weight[i].isFinite && flux[i].isFinite {
            if time[i] >= start + width {
                flush()
                start = time[i]
            }
            st += weight[i] * time[i]
            sf += weight[i] * flux[i]
            sw += weight[i]
            member(i, bt.count)
        }
        flush()
        return (bt, bf, bw)
    }

    /// Weighted data with the weights normalised to sum 1 and the mean removed.
    struct Sums {
        let time: [Double]
        let flux: [Double]
        let weight: [Double]
        /// Σ w y² (mean removed).
        let yy: Double
        let timeVariance: Double

        init(time: [Double], flux: [Double], weight: [Double]) {
            let total = weight.reduce(0, +)
            let w = weight.map { $0 / total }
            let mean = zip(w, flux).reduce(0) { $0 + $1.0 * $1.1 }
            let y = flux.map { $0 - mean }
            let tm = zip(w, time).reduce(0) { $0 + $1.0 * $1.1 }
            self.time = time
            self.flux = y
            self.weight = w
            self.yy = zip(w, y).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
            self.timeVariance = zip(w, time).reduce(0) { $0 + $1.0 * ($1.1 - tm) * ($1.1 - tm) }
        }

        /// Power at `count` frequencies f₀ + k·Δf (Zechmeister & Kürster 2009, Eqs. 5–20). The mean of
        /// y is zero, so YC = Σ w y cos and YS = Σ w y sin.
        func powers(from f0: Double, step: Double, count: Int) -> [Double] {
            let n = time.count
            var c = [Double](repeating: 0, count: n)
            var s = [Double](repeating: 0, count: n)
            var dc = [Double](repeating: 0, count: n)
            var ds = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let phase = 2 * Double.pi * f0 * time[i]
                c[i] = cos(phase)
                s[i] = sin(phase)
                let d = 2 * Double.pi * step * time[i]
                dc[i] = cos(d)
                ds[i] = sin(d)
            }
            var result = [Double](repeating: 0, count: count)
            // Two points at a time in SIMD2 lanes: the six sums are then twelve independent
            // accumulations, and the loop runs at the processor's throughput instead of waiting on
            // the latency of each addition (twice as fast; the sums differ only in rounding).
            let pairs = n / 2
            weight.withUnsafeBufferPointer { w in
                flux.withUnsafeBufferPointer { y in
                    c.withUnsafeMutableBufferPointer { c in
                        s.withUnsafeMutableBufferPointer { s in
                            for k in 0..<count {
                                var sc = SIMD2<Double>(), ss = SIMD2<Double>(), syc = SIMD2<Double>()
                                var sys = SIMD2<Double>(), scc = SIMD2<Double>(), scs = SIMD2<Double>()
                                for p in 0..<pairs {
                                    let i = 2 * p
                                    let ci = SIMD2(c[i], c[i + 1]), si = SIMD2(s[i], s[i + 1])
                                    let wi = SIMD2(w[i], w[i + 1]), yi = SIMD2(y[i], y[i + 1])
                                    let wc = wi * ci, ws = wi * si
                                    sc += wc
                                    ss += ws
                                    syc += wc * yi
                                    sys += ws * yi
                                    scc += wc * ci
                                    scs += wc * si
                                    // Advance to the next frequency: rotate (cos, sin) by 2π Δf tᵢ.
                                    let dci = SIMD2(dc[i], dc[i + 1]), dsi = SIMD2(ds[i], ds[i + 1])
                                    let cn = ci * dci - si * dsi, sn = si * dci + ci * dsi
                                    c[i] = cn[0]
                                    c[i + 1] = cn[1]
                                    s[i] = sn[0]
                                    s[i + 1] = sn[1]
                                }
                                var tc = sc.sum(), ts = ss.sum(), tyc = syc.sum(), tys = sys.sum()
                                var tcc = scc.sum(), tcs = scs.sum()
                                if n % 2 == 1 {
                                    let i = n - 1
                                    let ci = c[i], si = s[i]
                                    let wc = w[i] * ci, ws = w[i] * si
                                    tc += wc
                                    ts += ws
                                    tyc += wc * y[i]
                                    tys += ws * y[i]
                                    tcc += wc * ci
                                    tcs += wc * si
                                    c[i] = ci * dc[i] - si * ds[i]
                                    s[i] = si * dc[i] + ci * ds[i]
                                }
                                result[k] = power(c: tc, s: ts, yc: tyc, ys: tys, cc: tcc, cs: tcs)
                            }
                        }
                    }
                }
            }
            return result
        }

        /// The normalised power from the weighted sums at one frequency, C = Σ w cos, S = Σ w sin,
        /// YC = Σ w y cos, YS = Σ w y sin, CC = Σ w cos², CS = Σ w cos sin (Zechmeister & Kürster
        /// Eqs. 5–20); 0 where the sinusoid is degenerate.
        @inline(__always)
        func power(c: Double, s: Double, yc: Double, ys: Double, cc: Double, cs: Double) -> Double {
            let ccHat = cc - c * c
            let ssHat = (1 - cc) - s * s
            let csHat = cs - c * s
            let d = ccHat * ssHat - csHat * csHat
            guard d > 0 else { return 0 }
            return (ssHat * yc * yc + ccHat * ys * ys - 2 * csHat * yc * ys) / (yy * d)
        }

        /// The same powers from nonuniform FFTs (``NonuniformFFT``): Σ w e^{iωt} and Σ w y e^{iωt} over
        /// the band, and Σ w e^{2iωt} at the doubled frequencies for Σ w cos² = (1 + Σ w cos 2ωt)/2 and
        /// Σ w cos sin = Σ w sin 2ωt / 2. O(N + K log K) for N points and K frequencies instead of
        /// O(N·K); agrees with the direct sums to 10⁻⁹ in power (a test).
        func fastPowers(from f0: Double, step: Double, count: Int) -> [Double] {
            let modes = count + count % 2
            let n = time.count
            let x = time.map { 2 * Double.pi * step * $0 }
            // Band k = 0…K−1 as modes −M/2…M/2−1: the values carry the centre frequency f₀ + (M/2)Δf.
            // The doubled frequencies 2(f₀ + kΔf) are the same modes at twice the points' phase steps
            // (x doubled) about twice that centre, whose factor is the double angle of the same phase.
            let centre = f0 + Double(modes / 2) * step
            var w = (re: [Double](repeating: 0, count: n), im: [Double](repeating: 0, count: n))
            var wy = w, w2 = w
            for i in 0..<n {
                let phase = 2 * Double.pi * centre * time[i]
                let c = cos(phase), s = sin(phase)
                (w.re[i], w.im[i]) = (weight[i] * c, weight[i] * s)
                (wy.re[i], wy.im[i]) = (w.re[i] * flux[i], w.im[i] * flux[i])
                (w2.re[i], w2.im[i]) = (weight[i] * (c * c - s * s), weight[i] * 2 * c * s)
            }
            let single = NonuniformFFT.type1(x: x, re: w.re, im: w.im, modes: modes)
            let weighted = NonuniformFFT.type1(x: x, re: wy.re, im: wy.im, modes: modes)
            let double = NonuniformFFT.type1(x: x.map { 2 * $0 }, re: w2.re, im: w2.im, modes: modes)
            var result = [Double](repeating: 0, count: count)
            for k in 0..<count {
                let tc = single.re[k], ts = single.im[k], tyc = weighted.re[k], tys = weighted.im[k]
                let tcc = (1 + double.re[k]) / 2, tcs = double.im[k] / 2
                result[k] = power(c: tc, s: ts, yc: tyc, ys: tys, cc: tcc, cs: tcs)
            }
            return result
        }

        /// Semi-amplitude √(a² + b²) of the best sinusoid a cos ωt + b sin ωt + c at `frequency`.
        func fit(frequency: Double) -> Double {
            var sc = 0.0, ss = 0.0, syc = 0.0, sys = 0.0, scc = 0.0, scs = 0.0
            for i in time.indices {
                let phase = 2 * Double.pi * frequency * time[i]
                let ci = cos(phase), si = sin(phase), wi = weight[i]
                sc += wi * ci
                ss += wi * si
                syc += wi * ci * flux[i]
                sys += wi * si * flux[i]
                scc += wi * ci * ci
                scs += wi * ci * si
            }
            let cc = scc - sc * sc, ssq = (1 - scc) - ss * ss, cs = scs - sc * ss
            let yc = syc, ys = sys
            let d = cc * ssq - cs * cs
            guard d > 0 else { return 0 }
            let a = (yc * ssq - ys * cs) / d
            let b = (ys * cc - yc * cs) / d
            return (a * a + b * b).squareRoot()
        }
    }
}
