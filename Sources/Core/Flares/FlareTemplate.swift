import Foundation

/// Empirical white-light flare shapes.
public enum FlareTemplate: String, Sendable, Codable {
    /// Davenport et al. (2014, ApJ 797, 122), Eqs. 1 and 4: a quartic rise over one FWHM before the peak
    /// and a double-exponential decay, in units of the FWHM t½. Coefficients as in AltaiPony's `aflare1`.
    case davenport2014

    /// Relative flux above quiescence at time `t` for a flare peaking at `peak` with `fwhm` and `amplitude`
    /// (times in any unit, as long as they agree).
    public func value(at t: Double, peak: Double, fwhm: Double, amplitude: Double) -> Double {
        let x = (t - peak) / fwhm
        return amplitude * Self.shape(x)
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
        let rise = 1 - 1.94053 / 2 + -0.175084 / 3 - -2.24588 / 4 + -1.12498 / 5
        let decay = 0.689008 / 1.60053 + 0.302963 / 0.278318
        return rise + decay
    }

    /// Equivalent duration in seconds of a flare with `amplitude` and `fwhm` in days.
    public func equivalentDuration(amplitude: Double, fwhmDays: Double) -> Double {
        areaFactor * amplitude * fwhmDays * 86_400
    }
}
