import Foundation

/// An event found in a light curve: its time span, peak, size and significance, and where it came from.
///
/// Detections found in light curves with injected synthetic events are `simulated`; they are stored
/// beside the real ones but every list, statistic and query of this package excludes them unless
/// asked (see ``Store/detections(includeSimulated:)``).
public struct Detection: Sendable, Hashable, Codable {
    /// Band of the light curve it was found in ("TESS", "ZTF r").
    public var band: String
    public var timeSystem: TimeSystem
    /// First and last time of the event (in `timeSystem`), and the time of the highest point.
    public var start: Double
    public var stop: Double
    public var peakTime: Double
    /// Peak flux above the quiescent level, relative to it (0.1 = 10 % brighter).
    public var amplitude: Double
    /// Equivalent duration: the time integral of the relative excess flux, in seconds.
    public var equivalentDuration: Double
    public var equivalentDurationError: Double
    /// Peak excess divided by the local noise σ.
    public var significance: Double
    public var pointCount: Int
    /// Index range in the source's combined light curve of this band.
    public var firstIndex: Int
    public var lastIndex: Int
    /// Dataset and raw-file row of the first, peak and last point.
    public var firstOrigin: PointOrigin
    public var peakOrigin: PointOrigin
    public var lastOrigin: PointOrigin
    /// True when found in a light curve with injected events.
    public var simulated: Bool
    /// The injection this detection recovered, if simulated and matched.
    public var injectionID: Int?
    /// The numbers a person vetting the candidate looks at, where the analysis gives them.
    public var vetting: FlareVetting?

    public init(
        band: String, timeSystem: TimeSystem, start: Double, stop: Double, peakTime: Double, amplitude: Double,
        equivalentDuration: Double, equivalentDurationError: Double, significance: Double, pointCount: Int,
        firstIndex: Int, lastIndex: Int, firstOrigin: PointOrigin, peakOrigin: PointOrigin, lastOrigin: PointOrigin,
        simulated: Bool = false, injectionID: Int? = nil
    ) {
        self.band = band
        self.timeSystem = timeSystem
        self.start = start
        self.stop = stop
        self.peakTime = peakTime
        self.amplitude = amplitude
        self.equivalentDuration = equivalentDuration
        self.equivalentDurationError = equivalentDurationError
        self.significance = significance
        self.pointCount = pointCount
        self.firstIndex = firstIndex
        self.lastIndex = lastIndex
        self.firstOrigin = firstOrigin
        self.peakOrigin = peakOrigin
        self.lastOrigin = lastOrigin
        self.simulated = simulated
        self.injectionID = injectionID
    }
}

/// What a person vetting a flare candidate looks at, stored with the detection and shown on its card.
public struct FlareVetting: Sendable, Hashable, Codable {
    /// Things about a candidate's surroundings that make it less certain.
    public struct Flags: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The flare includes the first point of its segment (it may have begun before the data).
        public static let segmentStart = Flags(rawValue: 1 << 0)
        /// The flare includes the last point of its segment (its decay is not seen to the end).
        public static let segmentEnd = Flags(rawValue: 1 << 1)
        /// A cadence is missing inside or right beside the flare: a gap, or a cadence rejected for its
        /// quality flag (momentum dump, cosmic ray, scattered light …).
        public static let missingCadence = Flags(rawValue: 1 << 2)
        /// Seen in a single point above the threshold (long cadence, sparse data).
        public static let singlePoint = Flags(rawValue: 1 << 3)
        /// The cadence just before the peak is missing: the rise was not seen.
        public static let gapBeforePeak = Flags(rawValue: 1 << 4)
        /// A point of the flare carries the archive's cosmic-ray flag (``PointFlags/cosmicRay``):
        /// common on real flares at 20 s, but worth a look where few points make the flare.
        public static let cosmicRayFlag = Flags(rawValue: 1 << 5)

        /// Short names of the set flags, in bit order ("segment start", …).
        public var names: [String] {
            [(Flags.segmentStart, "segment start"), (.segmentEnd, "segment end"), (.missingCadence, "missing cadence"),
             (.singlePoint, "single point"), (.gapBeforePeak, "gap before peak"), (.cosmicRayFlag, "cosmic-ray flag")].filter { contains($0.0) }.map(\.1)
        }
    }

    /// Peak excess over the local σ.
    public var peakSignificance: Double
    /// Points of the candidate run at or above the N1 threshold.
    public var pointsAboveThreshold: Int
    /// Rise and decay at half maximum, days: from the last point below half the peak excess before the
    /// peak to the peak, and from the peak to the first point below half after it, counted in points
    /// times the median cadence (a one-cadence rise is one cadence; missing cadences do not count).
    public var riseTime: Double
    public var decayTime: Double
    /// χ²(quiescent model) − χ²(quiescent model + best exposure-averaged Davenport template) over the
    /// flare and three points either side: how much better a flare explains the points. Where the
    /// symmetric bump fits better than Davenport's template, the Mendoza et al. (2022) template
    /// (rounded peak) is fitted too and the better of the two counts.
    public var templateDeltaChiSquare: Double
    /// The same for the best symmetric Gaussian bump: larger than the template's means the candidate
    /// is shaped like slow variability rather than a flare.
    public var symmetricDeltaChiSquare: Double
    /// FWHM (days) and relative amplitude of that best template.
    public var templateFWHM: Double?
    public var templateAmplitude: Double?
    /// The share of the candidate's excess (positive residuals over its extent) that comes before its
    /// peak: about a fifth for a flare (fast rise, slow decay), a half for a symmetric bump.
    public var riseAreaFraction: Double?
    /// The part of the detection's ED, seconds, that is the fitted template's tail beyond its last
    /// point rather than data (nil: no tail is added, as for sparse data). Large where one template
    /// fits a complex or gradual flare with a long FWHM: the ED is then an upper estimate, and the ED
    /// minus this is what the data alone show.
    public var extrapolatedED: Double?
    public var flags: Flags

    /// Whether the candidate looks like a flare: a rise no longer than its decay plus one cadence
    /// (a peak falling between two cadences puts two points near the top; unless it touches a
    /// segment's start, where the rise may precede the data, or its decay runs into a missing
    /// cadence), and the flare template fitting at least as well as a symmetric bump, within
    /// `tolerance` in Δχ² (for one- or two-point candidates both shapes fit alike). A candidate
    /// beside a missing cadence — a gap, or a cadence rejected for its quality flag, where spacecraft
    /// systematics live (K2's thruster firings every 6 hours) — that is below `strictBesideGaps` σ
    /// or whose rise fell in the missing cadence gets no benefit of the doubt: the template must fit
    /// better than the bump by `tolerance`. Without `benefitOfDoubt` (a candidate only the matched
    /// filter found: faint, but many points long, so its shape is measured) the template must fit
    /// at least as well as the bump, with no tolerance.
    ///
    /// At high S/N no template is exact: a resolved rounded peak, or a second flare in the decay
    /// (complex flares, common on active M dwarfs), lets a bump fit better than either template. A
    /// candidate of at least `asymmetricAbove` σ whose excess lies mostly after its peak — at most
    /// `maximumRiseAreaFraction` of it before — is shaped like a flare whatever the Δχ² say (not
    /// beside a missing cadence, where the strict rule holds), if it is impulsive: above half its
    /// peak for at most half of its `duration` (``halfMaximumShare(duration:cadence:)``; nil: not
    /// asked). Where the smoothed top falls early on a flat top, the excess also lies mostly after
    /// it: a transit on the inverted curve (AU Mic b at 2 minutes, 15σ) passed as an anti-flare and
    /// σ was scaled by 2.5–3.1.
    public func isFlareShaped(
        tolerance: Double, cadence: Double, strictBesideGaps: Double = 0, maximumRiseAreaFraction: Double? = nil,
        asymmetricAbove: Double = 10, benefitOfDoubt: Bool = true, duration: Double? = nil
    ) -> Bool {
        let riseOK = riseTime <= decayTime + cadence * 1.001 || flags.contains(.segmentStart)
            || (decayTime == 0 && (flags.contains(.segmentEnd) || flags.contains(.missingCadence)))
        let strict = flags.contains(.missingCadence) && (peakSignificance < strictBesideGaps || flags.contains(.gapBeforePeak))
        let margin = strict ? -tolerance : benefitOfDoubt ? tolerance : 0
        let asymmetric = !flags.contains(.missingCadence) && peakSignificance >= asymmetricAbove
            && (riseAreaFraction ?? 1) <= (maximumRiseAreaFraction ?? -1)
            && duration.map { halfMaximumShare(duration: $0, cadence: cadence) <= 0.5 } ?? true
        return riseOK && (symmetricDeltaChiSquare <= templateDeltaChiSquare + margin || asymmetric)
    }

    /// The share of a candidate's `duration` (days, its extent plus a cadence) it spends above half
    /// its peak: rise plus decay at half maximum, less the cadence their crossings add (each is
    /// counted to the first point below half). A flare's decay from half its peak to the noise is
    /// several times longer than its half-maximum width: about a fifth at 20σ, at most 0.8 among
    /// the flares of 10σ and more found in AU Mic's 20-s sector 27. A flat top — a transit on the
    /// inverted curve, an eclipse — is above half its peak nearly all along: 0.9 and more.
    public func halfMaximumShare(duration: Double, cadence: Double) -> Double {
        duration > 0 ? max(0, riseTime + decayTime - cadence) / duration : 1
    }

    /// Flat-topped: resolved (`duration` at least eight cadences, so that the half-maximum width is
    /// measured, not a cadence or two) and above half its peak for more than nine tenths of it.
    public func isFlatTopped(duration: Double, cadence: Double) -> Bool {
        duration >= 8 * cadence && halfMaximumShare(duration: duration, cadence: cadence) > 0.9
    }

    enum CodingKeys: String, CodingKey {
        case peakSignificance = "peak_significance"
        case pointsAboveThreshold = "points_above_threshold"
        case riseTime = "rise_time"
        case decayTime = "decay_time"
        case templateDeltaChiSquare = "template_delta_chi2"
        case symmetricDeltaChiSquare = "symmetric_delta_chi2"
        case templateFWHM = "template_fwhm"
        case templateAmplitude = "template_amplitude"
        case riseAreaFraction = "rise_area_fraction"
        case extrapolatedED = "ed_extrapolated"
        case flags
    }

    public init(
        peakSignificance: Double, pointsAboveThreshold: Int, riseTime: Double, decayTime: Double,
        templateDeltaChiSquare: Double, symmetricDeltaChiSquare: Double, templateFWHM: Double?, templateAmplitude: Double?,
        riseAreaFraction: Double? = nil, extrapolatedED: Double? = nil, flags: Flags
    ) {
        self.riseAreaFraction = riseAreaFraction
        self.extrapolatedED = extrapolatedED
        self.peakSignificance = peakSignificance
        self.pointsAboveThreshold = pointsAboveThreshold
        self.riseTime = riseTime
        self.decayTime = decayTime
        self.templateDeltaChiSquare = templateDeltaChiSquare
        self.symmetricDeltaChiSquare = symmetricDeltaChiSquare
        self.templateFWHM = templateFWHM
        self.templateAmplitude = templateAmplitude
        self.flags = flags
    }
}

/// A named per-source (and optionally per-band) summary number, e.g. ("flare_rate", "TESS", 0.12, "1/d").
public struct Statistic: Sendable, Hashable, Codable {
    public var name: String
    /// The band it describes, or nil for the whole source.
    public var band: String?
    public var value: Double
    public var unit: String?

    public init(_ name: String, band: String? = nil, value: Double, unit: String? = nil) {
        self.name = name
        self.band = band
        self.value = value
        self.unit = unit
    }
}

/// Continuous data (a space telescope's light curve, 20 s to 30 min a point) or sparse data
/// (ground-based epochs, a few a night): one rule for the whole package — the search's criteria,
/// the cut-outs, the figures.
public enum Cadence {
    /// Median cadences (days) shorter than this are continuous: 45 minutes, above Kepler/K2 long
    /// cadence (29.4 min) and TESS's 30-minute FFIs, far below a survey's nights.
    public static let continuousLimit = 45.0 / 1440

    /// Whether a light curve of this median cadence (nil: fewer than two points, taken as sparse)
    /// is continuous, below `limit` (a search's own parameter, by default ``continuousLimit``).
    public static func isContinuous(medianCadence: Double?, limit: Double = continuousLimit) -> Bool {
        (medianCadence ?? .infinity) < limit
    }
}

/// The stretch of a light curve that a close-up figure of a detection shows.
///
/// Continuous data (``Cadence/isContinuous(medianCadence:limit:)``): from
/// `max(min(0.15 d, 40 cadences), 6 × duration)` before the peak to twice that after it, for the
/// decay (at 20 s a few-minute flare would be a sliver of a 0.15-d window: 40 cadences are 13 minutes
/// there, 80 at 2 minutes). Sparse data (ground-based epochs): `max(20 d, 5 × duration)` either side,
/// so that the neighbouring nights show the star's quiescent level. One rule for the report's
/// detection cards, the blind-vetting cards and the stored simulated cut-outs
/// (``InjectionProducts``), so that what is stored covers what is drawn.
public enum DetectionWindow {
    public static func isSparse(medianCadence: Double?) -> Bool { !Cadence.isContinuous(medianCadence: medianCadence) }

    public static func cutout(start: Double, stop: Double, peak: Double, medianCadence: Double?) -> ClosedRange<Double> {
        let duration = max(0, stop - start)
        if isSparse(medianCadence: medianCadence) {
            let half = max(20, 5 * duration)
            return (peak - half)...(peak + half)
        }
        let half = max(min(0.15, 40 * (medianCadence ?? .infinity)), 6 * duration)
        return (peak - half)...(peak + 2 * half)
    }
}
