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
