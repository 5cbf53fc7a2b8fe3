import Foundation

/// Sums of complex values at nonuniformly spaced points over a band of integer frequencies, by the
/// fast Gaussian gridding of Greengard & Lee (2004, SIAM Review 46, 443): the type-1 nonuniform FFT.
///
/// For points xⱼ (radians, any real value: only xⱼ mod 2π matters) with values hⱼ it returns
///
///     S(k) = Σⱼ hⱼ e^{+i k xⱼ},   k = −M/2 … M/2 − 1,
///
/// in O(N·`spread` + M log M) instead of the O(N·M) of the direct sums. Each value is spread onto a
/// regular grid of at least 2M points (a power of two) with a Gaussian of the width their Eq. (9)
/// gives for `spread` grid points either side, the grid is transformed by one FFT, and the
/// Gaussian's transform is divided out. With `spread` = 12 the error is about 10⁻¹² of Σ|hⱼ|
/// (their Table 1); ``LombScargle`` uses it for long, well-sampled light curves, where the direct
/// sums over 20,000 frequencies cost seconds.
enum NonuniformFFT {
    /// S(k) for k = −M/2 … M/2 − 1, at index k + M/2 (`modes` = M, even).
    static func type1(x: [Double], re: [Double], im: [Double], modes: Int, spread: Int = 12) -> (re: [Double], im: [Double]) {
        precondition(modes > 0 && modes % 2 == 0 && x.count == re.count && x.count == im.count)
        var size = 2
        while size < 2 * modes { size <<= 1 }
        let ratio = Double(size) / Double(modes)
        let tau = Double.pi * Double(spread) / (Double(modes) * Double(modes) * ratio * (ratio - 0.5))
        let h = 2 * Double.pi / Double(size)
        var gridRe = [Double](repeating: 0, count: size)
        var gridIm = [Double](repeating: 0, count: size)
        // exp(−l²h²/4τ), l = 0…spread: the factor of the Gaussian that depends on the grid offset only.
        let offsetFactor = (0...spread).map { exp(-Double($0 * $0) * h * h / (4 * tau)) }
        let mask = size - 1
        gridRe.withUnsafeMutableBufferPointer { gr in
            gridIm.withUnsafeMutableBufferPointer { gi in
                for j in x.indices {
                    var xj = x[j].truncatingRemainder(dividingBy: 2 * Double.pi)
                    if xj < 0 { xj += 2 * Double.pi }
                    let m0 = min(Int(xj / h), size - 1)
                    let xi = xj - Double(m0) * h
                    // exp(−(ξ − lh)²/4τ) = exp(−ξ²/4τ) · exp(ξh/2τ)^l · exp(−l²h²/4τ).
                    let e1 = exp(-xi * xi / (4 * tau))
                    let e2 = exp(xi * h / (2 * tau))
                    var power = e1
                    for l in 0...spread {
                        let w = power * offsetFactor[l]
                        let index = (m0 + l) & mask
                        gr[index] += w * re[j]
                        gi[index] += w * im[j]
                        power *= e2
                    }
                    power = e1 / e2
                    for l in 1..<spread {
                        let w = power * offsetFactor[l]
                        let index = (m0 - l) & mask
                        gr[index] += w * re[j]
                        gi[index] += w * im[j]
                        power /= e2
                    }
                }
            }
        }
        fft(&gridRe, &gridIm)
        var outRe = [Double](repeating: 0, count: modes)
        var outIm = [Double](repeating: 0, count: modes)
        let scale = (Double.pi / tau).squareRoot() / Double(size)
        for index in 0..<modes {
            let k = index - modes / 2
            let g = k >= 0 ? k : size + k
            let factor = scale * exp(Double(k * k) * tau)
            outRe[index] = factor * gridRe[g]
            outIm[index] = factor * gridIm[g]
        }
        return (outRe, outIm)
    }

    /// In place, Fₖ = Σₘ gₘ e^{+2πi k m / n} (n a power of two): iterative radix-2, decimation in time.
    static func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        precondition(n == im.count && n > 0 && n & (n - 1) == 0)
        guard n > 1 else { return }
        // e^{2πik/n}, k < n/2: exact every 64th, rotated by e^{2πi/n} in between (error ~10⁻¹⁵;
        // a sine and cosine for each took a fifth of the transform).
        var cosines = [Double](repeating: 1, count: n / 2), sines = [Double](repeating: 0, count: n / 2)
        let (stepCos, stepSin) = (cos(2 * Double.pi / Double(n)), sin(2 * Double.pi / Double(n)))
        for k in 0..<(n / 2) {
            if k % 64 == 0 {
                cosines[k] = cos(2 * Double.pi * Double(k) / Double(n))
                sines[k] = sin(2 * Double.pi * Double(k) / Double(n))
            } else {
                cosines[k] = cosines[k - 1] * stepCos - sines[k - 1] * stepSin
                sines[k] = sines[k - 1] * stepCos + cosines[k - 1] * stepSin
            }
        }
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { s in
                var j = 0
                for i in 1..<n {
                    var bit = n >> 1
                    while j & bit != 0 {
                        j ^= bit
                        bit >>= 1
                    }
                    j |= bit
                    if i < j {
                        r.swapAt(i, j)
                        s.swapAt(i, j)
                    }
                }
                // The first stage has no twiddle; later ones read theirs from a contiguous copy. The
                // stages up to `block` points run block by block, each block through all of them while
                // it is in the cache; only the last few stages sweep the whole transform.
                var start = 0
                while start < n {
                    let (ar, ai, br, bi) = (r[start], s[start], r[start + 1], s[start + 1])
                    r[start] = ar + br
                    s[start] = ai + bi
                    r[start + 1] = ar - br
                    s[start + 1] = ai - bi
                    start += 2
                }
                var twiddleCos = [Double](repeating: 0, count: n / 2), twiddleSin = twiddleCos
                /// One stage over [first, last), its twiddles at `offset` of the tables.
                func stage(_ length: Int, from first: Int, to last: Int, cosTable: [Double], sinTable: [Double], offset: Int = 0) {
                    let half = length / 2
                    cosTable.withUnsafeBufferPointer { tc in
                        sinTable.withUnsafeBufferPointer { ts in
                            var start = first
                            while start < last {
                                for k in 0..<half {
                                    let wr = tc[offset + k], wi = ts[offset + k]
                                    let a = start + k, b = a + half
                                    let vr = r[b] * wr - s[b] * wi
                                    let vi = r[b] * wi + s[b] * wr
                                    r[b] = r[a] - vr
                                    s[b] = s[a] - vi
                                    r[a] += vr
                                    s[a] += vi
                                }
                                start += length
                            }
                        }
                    }
                }
                func loadTwiddles(_ length: Int) {
                    let stride = n / length
                    for k in 0..<(length / 2) {
                        twiddleCos[k] = cosines[k * stride]
                        twiddleSin[k] = sines[k * stride]
                    }
                }
                let block = min(n, 2048)
                // Twiddles of every blocked stage, concatenated in order of stage.
                var blockedCos: [Double] = [], blockedSin: [Double] = []
                var length = 4
                while length <= block {
                    loadTwiddles(length)
                    blockedCos.append(contentsOf: twiddleCos[0..<(length / 2)])
                    blockedSin.append(contentsOf: twiddleSin[0..<(length / 2)])
                    length <<= 1
                }
                var first = 0
                while first < n {
                    var length = 4, offset = 0
                    while length <= block {
                        stage(length, from: first, to: first + block, cosTable: blockedCos, sinTable: blockedSin, offset: offset)
                        offset += length / 2
                        length <<= 1
                    }
                    first += block
                }
                length = block * 2
                while length <= n {
                    loadTwiddles(length)
                    stage(length, from: 0, to: n, cosTable: twiddleCos, sinTable: twiddleSin)
                    length <<= 1
                }
            }
        }
    }
}
