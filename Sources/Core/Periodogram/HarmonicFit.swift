import Foundation

/// A rotational modulation that drifts: harmonics of a period plus a straight line, least-squares
/// fitted in windows of `span` days that overlap by half, blended with triangular weights.
///
/// Window j is centred at t₀ + j·span/2 and fits
/// f(t) = c₀ + c₁ (t − t_j)/span + Σₖ aₖ cos(2πk t/P) + bₖ sin(2πk t/P), k = 1…`harmonics`,
/// to the points it may use. Each point's model is the average of the (at most two) windows covering
/// it, weighted 1 − |t − t_j|/(span/2): the weights of neighbouring windows add to one, so the model
/// is continuous and amplitude and phase change smoothly from one window to the next — the way
/// spots evolve over a few rotations. A window with fewer than three bins (below) per parameter is
/// skipped; points no window covers get the fit of the whole light curve.
///
/// The fit is robust: iteratively reweighted with Tukey's biweight (c = 6 MAD of the bins'
/// residuals), so that transits, eclipses and flares the mask missed do not pull the model.
///
/// The usable points are first averaged in bins of ``binFraction`` of the highest harmonic's
/// period (weights: the points in each), and the windows fitted to the bins; the model is then
/// evaluated at every point. Averaging a harmonic over a bin that short changes it by less than
/// 10⁻⁵ of its amplitude, and a 20-s sector of a star rotating in five days becomes a few thousand
/// bins instead of 100,000 points (data sparser than the bins are fitted point by point, as they are).
struct HarmonicFit {
    var period: Double
    var harmonics: Int
    var span: Double

    /// Bin width over the highest harmonic's period, P / `harmonics`: a sinusoid averaged over a
    /// bin of width b is reduced by (2πb/P)²/24 ≈ 10⁻⁵ of its amplitude at this fraction.
    static let binFraction = 0.0025

    /// A window's fit: its centre, coefficients (c₀, c₁, then aₖ, bₖ), and the range its model
    /// takes at the bins it was fitted to.
    private struct Window {
        var centre: Double
        var coefficients: [Double]
        var low: Double
        var high: Double
    }

    func model(time: [Double], flux: [Double], use: [Bool], iterations: Int = 3) -> [Double] {
        let n = time.count
        guard n > 0, period > 0, span > 0 else { return Array(repeating: 0, count: n) }
        let origin = time[0]
        // The usable points in bins (``LombScargle/bin(time:flux:weight:width:)``, unit weights);
        // `binOf` maps each point to its bin (−1: not usable).
        var binOf = [Int](repeating: -1, count: n)
        let (binTime, binFlux, counts) = LombScargle.bin(
            time: time, flux: flux, weight: use.map { $0 ? 1 : 0 }, width: Self.binFraction * period / Double(max(1, harmonics))
        ) { point, bin in binOf[point] = bin }
        guard !binTime.isEmpty else { return Array(repeating: 0, count: n) }
        let binBasis = basis(binTime, origin: origin)
        let (first, last) = (time[0], time[n - 1])
        var weight = counts
        var windows = fitWindows(time: binTime, flux: binFlux, weight: weight, basis: binBasis, first: first, last: last)
        /// The fit of all bins at once about the middle, for points no window covers (not held to a range).
        func global() -> Window? {
            let middle = (first + last) / 2
            return fit(0..<binTime.count, centre: middle, time: binTime, flux: binFlux, weight: weight, basis: binBasis)
                .map { Window(centre: middle, coefficients: $0, low: .infinity, high: -.infinity) }
        }
        for _ in 1..<max(1, iterations) {
            let model = evaluate(windows, time: binTime, basis: binBasis, used: { weight[$0] > 0 }, global: global)
            guard let mad = Statistics.median(zip(binFlux, model).map { abs($0 - $1) }), mad > 0 else { break }
            for j in binTime.indices {
                let u = (binFlux[j] - model[j]) / (6 * mad)
                weight[j] = abs(u) < 1 ? counts[j] * (1 - u * u) * (1 - u * u) : 0
            }
            windows = fitWindows(time: binTime, flux: binFlux, weight: weight, basis: binBasis, first: first, last: last)
        }
        return evaluate(
            windows, time: time, basis: basis(time, origin: origin), used: { binOf[$0] >= 0 && weight[binOf[$0]] > 0 },
            global: global)
    }

    /// cos/sin(2πk (t − origin)/P) at every time, k = 1…harmonics, by the Chebyshev recurrence in k
    /// (row-major).
    private func basis(_ time: [Double], origin: Double) -> [Double] {
        let n = time.count
        var basis = [Double](repeating: 0, count: n * 2 * harmonics)
        for i in 0..<n {
            let phase = 2 * Double.pi * (time[i] - origin) / period
            let c1 = cos(phase), s1 = sin(phase)
            var c = c1, s = s1
            for k in 0..<harmonics {
                basis[i * 2 * harmonics + 2 * k] = c
                basis[i * 2 * harmonics + 2 * k + 1] = s
                (c, s) = (c * c1 - s * s1, s * c1 + c * s1)
            }
        }
        return basis
    }

    /// The weighted least-squares coefficients of the points in `range` about `centre`; nil with
    /// fewer than three points per parameter or a singular system.
    private func fit(_ range: Range<Int>, centre: Double, time: [Double], flux: [Double], weight: [Double], basis: [Double])
        -> [Double]?
    {
        let h = 2 * harmonics
        let p = 2 + h
        var ata = [Double](repeating: 0, count: p * p)
        var atb = [Double](repeating: 0, count: p)
        var x = [Double](repeating: 0, count: p)
        var count = 0
        time.withUnsafeBufferPointer { T in
            flux.withUnsafeBufferPointer { F in
                weight.withUnsafeBufferPointer { W in
                    basis.withUnsafeBufferPointer { B in
                        ata.withUnsafeMutableBufferPointer { A in
                            atb.withUnsafeMutableBufferPointer { Y in
                                x.withUnsafeMutableBufferPointer { X in
                                    for i in range where W[i] > 0 {
                                        X[0] = 1
                                        X[1] = (T[i] - centre) / span
                                        for k in 0..<h { X[2 + k] = B[i * h + k] }
                                        let w = W[i]
                                        for a in 0..<p {
                                            let wa = w * X[a]
                                            Y[a] += wa * F[i]
                                            for b in a..<p { A[a * p + b] += wa * X[b] }
                                        }
                                        count += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard count >= 3 * p else { return nil }
        for a in 0..<p { for b in 0..<a { ata[a * p + b] = ata[b * p + a] } }
        return LinearAlgebra.solve(ata, atb, size: p)
    }

    /// The model of window coefficients `c` (about `centre`) at point `i` of a basis.
    private func value(_ c: [Double], centre: Double, time t: Double, basis: UnsafeBufferPointer<Double>, row i: Int) -> Double {
        let h = 2 * harmonics
        var value = c[0] + c[1] * ((t - centre) / span)
        for k in 0..<h { value += c[2 + k] * basis[i * h + k] }
        return value
    }

    /// One weighted least-squares pass over all windows, centred from `first` every half span while
    /// they reach `last`.
    private func fitWindows(time: [Double], flux: [Double], weight: [Double], basis: [Double], first: Double, last: Double)
        -> [Window]
    {
        let m = time.count
        let half = span / 2
        var windows: [Window] = []
        var centre = first
        var lo = 0
        basis.withUnsafeBufferPointer { B in
            while centre - half <= last {
                while lo < m && time[lo] < centre - half { lo += 1 }
                var hi = lo
                while hi < m && time[hi] <= centre + half { hi += 1 }
                if hi > lo, let c = fit(lo..<hi, centre: centre, time: time, flux: flux, weight: weight, basis: basis) {
                    // Where the window has no point to fit (a masked flare, a point cut as an outlier),
                    // the harmonics are held within the range they take where they were fitted: in a
                    // long unconstrained stretch they can swing far beyond the star's modulation, the
                    // points there then look like outliers, are cut again in the next pass and the
                    // model never comes back (seen on a 0.12-d rotator: a model at −30 % for half a day).
                    var low = Double.infinity, high = -Double.infinity
                    for j in lo..<hi where weight[j] > 0 {
                        let v = value(c, centre: centre, time: time[j], basis: B, row: j)
                        low = min(low, v)
                        high = max(high, v)
                    }
                    windows.append(Window(centre: centre, coefficients: c, low: low, high: high))
                }
                centre += half
            }
        }
        return windows
    }

    /// The blended model of `windows` at `time` (whose basis is `basis`); a point not `used` gets each
    /// window's value held within that window's range; a point no window covers, the `global` fit
    /// (computed once, when needed).
    private func evaluate(
        _ windows: [Window], time: [Double], basis: [Double], used: (Int) -> Bool, global: () -> Window?
    ) -> [Double] {
        let n = time.count
        let half = span / 2
        var sum = [Double](repeating: 0, count: n)
        var blend = [Double](repeating: 0, count: n)
        var result = [Double](repeating: 0, count: n)
        basis.withUnsafeBufferPointer { B in
            var lo = 0
            for window in windows {
                while lo < n && time[lo] < window.centre - half { lo += 1 }
                var i = lo
                while i < n && time[i] <= window.centre + half {
                    let v = value(window.coefficients, centre: window.centre, time: time[i], basis: B, row: i)
                    let w = max(0, 1 - abs(time[i] - window.centre) / half)
                    sum[i] += w * (used(i) || window.low > window.high ? v : min(max(v, window.low), window.high))
                    blend[i] += w
                    i += 1
                }
            }
            var globalFit: Window??
            for i in 0..<n {
                if blend[i] > 1e-9 {
                    result[i] = sum[i] / blend[i]
                } else {
                    if globalFit == nil { globalFit = .some(global()) }
                    if let g = globalFit ?? nil {
                        result[i] = value(g.coefficients, centre: g.centre, time: time[i], basis: B, row: i)
                    }
                }
            }
        }
        return result
    }
}

/// Small dense linear algebra for least-squares fits.
enum LinearAlgebra {
    /// Solves A x = b (A: size × size, row-major) by Gaussian elimination with partial pivoting;
    /// nil when A is singular to working precision.
    /// The same for the symmetric 3 × 3 system [[s0 s1 s2] [s1 s2 s3] [s2 s3 s4]] · c = (t0 t1 t2) of
    /// a quadratic's normal equations, without allocating (it is solved thousands of times per
    /// light curve): the same elimination, pivoting and singularity test.
    static func solveSymmetric3(
        _ s0: Double, _ s1: Double, _ s2: Double, _ s3: Double, _ s4: Double, _ t0: Double, _ t1: Double, _ t2: Double
    ) -> (Double, Double, Double)? {
        var m = ((s0, s1, s2), (s1, s2, s3), (s2, s3, s4))
        var x = (t0, t1, t2)
        let scale = max(abs(s0), abs(s2), abs(s4))
        guard scale > 0 else { return nil }
        func row(_ r: Int) -> (Double, Double, Double) { r == 0 ? m.0 : r == 1 ? m.1 : m.2 }
        func setRow(_ r: Int, _ v: (Double, Double, Double)) {
            if r == 0 { m.0 = v } else if r == 1 { m.1 = v } else { m.2 = v }
        }
        func rhs(_ r: Int) -> Double { r == 0 ? x.0 : r == 1 ? x.1 : x.2 }
        func setRHS(_ r: Int, _ v: Double) {
            if r == 0 { x.0 = v } else if r == 1 { x.1 = v } else { x.2 = v }
        }
        func element(_ v: (Double, Double, Double), _ c: Int) -> Double { c == 0 ? v.0 : c == 1 ? v.1 : v.2 }
        for col in 0..<3 {
            var pivot = col
            for r in (col + 1)..<3 where abs(element(row(r), col)) > abs(element(row(pivot), col)) { pivot = r }
            guard abs(element(row(pivot), col)) > 1e-12 * scale else { return nil }
            if pivot != col {
                let a = row(col), b = rhs(col)
                setRow(col, row(pivot))
                setRHS(col, rhs(pivot))
                setRow(pivot, a)
                setRHS(pivot, b)
            }
            let p = row(col)
            for r in (col + 1)..<3 {
                let f = element(row(r), col) / element(p, col)
                guard f != 0 else { continue }
                let v = row(r)
                setRow(r, (v.0 - f * p.0, v.1 - f * p.1, v.2 - f * p.2))
                setRHS(r, rhs(r) - f * rhs(col))
            }
        }
        let c2 = x.2 / m.2.2
        let c1 = (x.1 - m.1.2 * c2) / m.1.1
        let c0 = (x.0 - m.0.1 * c1 - m.0.2 * c2) / m.0.0
        return (c0, c1, c2)
    }

    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var m = a
        var x = b
        let scale = (0..<n).map { abs(m[$0 * n + $0]) }.max() ?? 0
        guard scale > 0 else { return nil }
        for col in 0..<n {
            var pivot = col
            for r in (col + 1)..<max(col + 1, n) where abs(m[r * n + col]) > abs(m[pivot * n + col]) { pivot = r }
            guard abs(m[pivot * n + col]) > 1e-12 * scale else { return nil }
            if pivot != col {
                for c in 0..<n { m.swapAt(col * n + c, pivot * n + c) }
                x.swapAt(col, pivot)
            }
            for r in (col + 1)..<max(col + 1, n) {
                let f = m[r * n + col] / m[col * n + col]
                guard f != 0 else { continue }
                for c in col..<n { m[r * n + c] -= f * m[col * n + c] }
                x[r] -= f * x[col]
            }
        }
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = x[r]
            for c in (r + 1)..<max(r + 1, n) { s -= m[r * n + c] * x[c] }
            x[r] = s / m[r * n + r]
        }
        return x
    }
}
