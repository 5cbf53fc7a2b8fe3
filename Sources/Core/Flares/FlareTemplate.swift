import Foundation

/// Empirical white-light flare shapes.
public enum FlareTemplate: String, Sendable, Codable {
    /// Davenport et al. (2014, ApJ 797, 122), Eqs. 1 and 4: a quartic rise over one FWHM before the peak
    /// and a double-exponential decay, in units of the FWHM t½. Coefficients as in AltaiPony's `aflare1`.
    case davenport2014
    /// Mendoza et al. (2022, AJ 164, 17), Eq. 4: a Gaussian heating profile convolved with a double
    /// exponential decay, in units of t½, with the published MCMC parameters (as in the
    /// `Llamaradas-Estelares` package). Evaluated in a numerically stable form, see ``mendoza(_:)``.
    case mendoza2022

    /// Relative flux above quiescence at time `t` for a flare peaking at `peak` with `fwhm` and `amplitude`
    /// (times in any unit, as long as they agree).
    public func value(at t: Double, peak: Double, fwhm: Double, amplitude: Double) -> Double {
        let x = (t - peak) / fwhm
        switch self {
        case .davenport2014: return amplitude * Self.shape(x)
        case .mendoza2022: return amplitude * Self.mendoza(x)
        }
    }

    /// The template averaged over an exposure of length `exposure` centred on `t` (same units as
    /// `t` and `fwhm`): what a detector integrating for that long records.
    ///
    /// A flare of 5-minute FWHM seen in a 29.4-minute Kepler long cadence is not the template
    /// sampled at the cadence midpoint: the peak is smeared over the exposure, the recorded maximum
    /// is several times lower and the area (ED) is conserved. Both are differences of their
    /// cumulative integrals: Davenport (2014) analytic (``davenportCumulative(_:)``), Mendoza (2022)
    /// tabulated once and analytic in its exponential tail (``mendozaCumulative(_:)``). An
    /// `exposure` of 0 (or shorter than a hundredth of the FWHM) gives the instantaneous value.
    public func value(at t: Double, peak: Double, fwhm: Double, amplitude: Double, exposure: Double) -> Double {
        guard exposure > fwhm / 100 else { return value(at: t, peak: peak, fwhm: fwhm, amplitude: amplitude) }
        let x1 = (t - exposure / 2 - peak) / fwhm
        let x2 = (t + exposure / 2 - peak) / fwhm
        switch self {
        case .davenport2014:
            return amplitude * (Self.davenportCumulative(x2) - Self.davenportCumulative(x1)) / (x2 - x1)
        case .mendoza2022:
            return amplitude * (Self.mendozaCumulative(x2) - Self.mendozaCumulative(x1)) / (x2 - x1)
        }
    }

    /// ∫₋∞ˣ of the Mendoza (2022) shape, in units of t½ (→ ``areaFactor`` as x → ∞).
    ///
    /// Below x = −2.5 the shape is below 10⁻⁴⁰: 0. Up to x = 3, a table of the integral and the
    /// shape every 1/1024 t½ (each step integrated by Simpson's rule), read by cubic Hermite
    /// interpolation (error ~10⁻¹⁵). Beyond, erfc(zₖ) = 2 to double precision and the shape is
    /// √π A C Σ fₖ exp(uₖ² − Dₖx), integrated analytically. The template fit of the flare search
    /// evaluates this hundreds of thousands of times per light curve; Simpson's rule at each call
    /// took a tenth of the search.
    static func mendozaCumulative(_ x: Double) -> Double {
        let table = mendozaTable
        if x <= table.start { return 0 }
        let end = table.start + Double(table.integral.count - 1) * table.step
        if x >= end {
            let (a, b, c, d, f) = mendozaParameters
            var tail = 0.0
            for k in 0..<2 {
                let u = b / c + d[k] * c / 2
                tail += f[k] * exp(u * u) * (exp(-d[k] * end) - exp(-d[k] * x)) / d[k]
            }
            return table.integral[table.integral.count - 1] + Double.pi.squareRoot() * a * c * tail
        }
        let position = (x - table.start) / table.step
        let i = min(Int(position), table.integral.count - 2)
        let s = position - Double(i)
        // Cubic Hermite on [xᵢ, xᵢ₊₁] with the shape as the integral's derivative.
        let h00 = (1 + 2 * s) * (1 - s) * (1 - s), h10 = s * (1 - s) * (1 - s)
        let h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1)
        return h00 * table.integral[i] + h10 * table.step * table.shape[i] + h01 * table.integral[i + 1]
            + h11 * table.step * table.shape[i + 1]
    }

    /// The Mendoza (2022) shape and its integral from −∞ on a regular grid from x = −2.5 to 3.
    private static let mendozaTable: (start: Double, step: Double, integral: [Double], shape: [Double]) = {
        let start = -2.5, step = 1.0 / 1024
        let count = Int((3 - start) / step) + 1
        var integral = [Double](repeating: 0, count: count)
        var shape = [Double](repeating: 0, count: count)
        shape[0] = mendoza(start)
        for i in 1..<count {
            let x = start + Double(i) * step
            shape[i] = mendoza(x)
            integral[i] = integral[i - 1] + step / 6 * (shape[i - 1] + 4 * mendoza(x - step / 2) + shape[i])
        }
        return (start, step, integral, shape)
    }()

    /// ∫₋∞ˣ of the Davenport (2014) shape, in units of t½ (→ ``areaFactor`` as x → ∞).
    static func davenportCumulative(_ x: Double) -> Double {
        if x <= -1 { return 0 }
        // Antiderivative of the rise polynomial, zero at x = −1.
        func rise(_ x: Double) -> Double {
            x * (1 + x * (1.94053 / 2 + x * (-0.175084 / 3 + x * (-2.24588 / 4 + x * -1.12498 / 5))))
        }
        if x <= 0 { return rise(x) - rise(-1) }
        return -rise(-1) + 0.689008 / 1.60053 * (1 - exp(-1.60053 * x)) + 0.302963 / 0.278318 * (1 - exp(-0.278318 * x))
    }

    /// Mendoza et al. (2022) Eq. 4 at x = (t − t_peak)/t½:
    ///
    ///     F(x) = ½√π A C Σₖ fₖ exp(−Dₖ x + uₖ²) erfc(zₖ),   uₖ = B/C + Dₖ C/2,  zₖ = uₖ − x/C,
    ///
    /// with f₁ + f₂ = 1. Written like this, exp overflows long before the rise (x ≪ 0) while erfc
    /// underflows, and the product becomes ∞ · 0 = NaN: the reference Python code returns NaN there.
    /// For zₖ ≥ 0 we use exp(−Dₖx + uₖ² − zₖ²) · erfcx(zₖ), whose exponent −Dₖx + 2uₖx/C − x²/C² never
    /// overflows; for zₖ < 0, erfc(zₖ) ≤ 2 and the direct form is safe.
    static func mendoza(_ x: Double) -> Double {
        let (a, b, c, d, f) = mendozaParameters
        var sum = 0.0
        for k in 0..<2 {
            let u = b / c + d[k] * c / 2
            let z = u - x / c
            let term: Double
            if z >= 0 {
                term = exp(-d[k] * x + 2 * u * x / c - x * x / (c * c)) * erfcx(z)
            } else {
                term = exp(-d[k] * x + u * u) * erfc(z)
            }
            sum += f[k] * term
        }
        return 0.5 * Double.pi.squareRoot() * a * c * sum
    }

    /// A, B, C, (D₁, D₂), (f₁, f₂) of Mendoza et al. (2022), Table 2 (MCMC medians).
    static let mendozaParameters: (Double, Double, Double, [Double], [Double]) = (
        0.9687734504375167, -0.251299705922117, 0.22675974948468916,
        [0.15551880775110513, 1.2150539528490194], [0.12695865022878844, 1 - 0.12695865022878844]
    )

    /// The scaled complementary error function erfcx(z) = exp(z²) erfc(z), for z ≥ 0.
    ///
    /// Directly below z = 5 (no overflow: exp(25) · erfc(5) is tame); above, the continued fraction
    /// erfc(z) = exp(−z²)/√π · 1/(z + ½/(z + 1/(z + 3⁄2/(z + …)))) (Abramowitz & Stegun 7.1.14),
    /// evaluated backwards with 60 terms (relative error < 1e-15 for z ≥ 5).
    static func erfcx(_ z: Double) -> Double {
        if z < 5 { return exp(z * z) * erfc(z) }
        var fraction = 0.0
        for n in stride(from: 60, through: 1, by: -1) {
            fraction = (Double(n) / 2) / (z + fraction)
        }
        return 1 / (Double.pi.squareRoot() * (z + fraction))
    }

    /// The Davenport (2014) shape at x = (t − t_peak)/t½: 0 before x = −1, 1 at the peak.
    static func shape(_ x: Double) -> Double {
        if x < -1 { return 0 }
        if x <= 0 {
            // Eq. 1: rise phase.
            let v = 1 + x * (1.94053 + x * (-0.175084 + x * (-2.24588 + x * -1.12498)))
            return max(0, v)
        }
        // Eq. 4: decay phase.
        return 0.689008 * exp(-1.60053 * x) + 0.302963 * exp(-0.278318 * x)
    }

    /// Area under the shape in units of A·t½ (analytic: 1.826884 for Davenport 2014).
    public var areaFactor: Double {
        switch self {
        case .davenport2014:
            let rise = 1 - 1.94053 / 2 + -0.175084 / 3 - -2.24588 / 4 + -1.12498 / 5
            let decay = 0.689008 / 1.60053 + 0.302963 / 0.278318
            return rise + decay
        case .mendoza2022:
            // The area of a convolution is the product of the areas. Eq. 4 is the convolution of the
            // Gaussian A·exp(B²/C²)·exp(−((x−B)/C)²) … written with the constant folded into the
            // exponent (uₖ² = B²/C² + BDₖ + Dₖ²C²/4), so its area is A·C·√π·exp(B²/C²); the decay
            // Σ fₖ exp(−Dₖx) has Σ fₖ/Dₖ.
            let (a, b, c, d, f) = Self.mendozaParameters
            return Double.pi.squareRoot() * a * c * exp(b * b / (c * c)) * (f[0] / d[0] + f[1] / d[1])
        }
    }

    /// Equivalent duration in seconds of a flare with `amplitude` and `fwhm` in days.
    public func equivalentDuration(amplitude: Double, fwhmDays: Double) -> Double {
        areaFactor * amplitude * fwhmDays * 86_400
    }
}
