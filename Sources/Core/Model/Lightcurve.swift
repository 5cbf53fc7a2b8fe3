import Foundation

/// The unit of a light curve's flux.
public enum FluxUnit: String, Sendable, Codable {
    /// Flux density in micro-jansky (AB magnitude zero point 23.9).
    case microjansky = "µJy"
    /// Flux divided by a normalisation (median) of its segment: 1 is the quiescent level.
    case relative = "relative"
    /// Detector counts, e.g. SPOC `PDCSAP_FLUX` in e⁻/s.
    case electronsPerSecond = "e-/s"
}

/// A calibrated time series of one band: time, flux and flux error of equal length.
///
/// The invariants are checked by the throwing initialiser, so a `Lightcurve` that exists is
/// consistent: equal lengths, finite times, and per-point links back to the dataset rows the points
/// came from (`origins`). Transforms (`normalized()`, `sorted()`, …) return new values and append a
/// line to `provenance`, in the spirit of lightkurve's `meta["NORMALIZED"]`.
///
/// ```swift
/// let lc = try Lightcurve(time: [0, 1, 2], flux: [1, 1.2, 1], fluxError: [0.01, 0.01, 0.01],
///                         band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
/// ```
public struct Lightcurve: Sendable {
    public let time: [Double]
    public private(set) var flux: [Double]
    public let fluxError: [Double]
    /// For each point, where it came from: (index into the source's datasets, row in that dataset's raw table).
    public let origins: [PointOrigin]
    /// For each point, what the archive's quality bits said of it among the bits the calibration
    /// keeps (``PointFlags``): a kept cadence with a cosmic-ray flag, for example.
    public let pointFlags: [PointFlags]
    public let band: String
    public let timeSystem: TimeSystem
    public let fluxUnit: FluxUnit
    /// Everything done to the data since it left the raw file, in order.
    public private(set) var provenance: [String]
    /// Median time between consecutive points, days (nil for fewer than two points): measured once,
    /// when the light curve is made, as every stage of a search asks for it.
    public let medianCadence: Double?

    /// Makes a light curve.
    /// - Parameters:
    ///   - origins: per-point origin; `nil` means "row i of dataset 0".
    ///   - pointFlags: per-point flags; `nil` means none.
    /// - Throws: ``LightcurveError`` when the arrays differ in length or a time is not finite.
    public init(
        time: [Double], flux: [Double], fluxError: [Double], origins: [PointOrigin]? = nil, pointFlags: [PointFlags]? = nil,
        band: String, timeSystem: TimeSystem, fluxUnit: FluxUnit, provenance: [String] = []
    ) throws {
        guard flux.count == time.count, fluxError.count == time.count else {
            throw LightcurveError.lengthMismatch(time: time.count, flux: flux.count, fluxError: fluxError.count)
        }
        if let origins, origins.count != time.count {
            throw LightcurveError.originsMismatch(points: time.count, origins: origins.count)
        }
        if let pointFlags, pointFlags.count != time.count {
            throw LightcurveError.pointFlagsMismatch(points: time.count, flags: pointFlags.count)
        }
        if let bad = time.firstIndex(where: { !$0.isFinite }) {
            throw LightcurveError.nonFiniteTime(index: bad)
        }
        self.time = time
        self.flux = flux
        self.fluxError = fluxError
        self.origins = origins ?? (0..<time.count).map { PointOrigin(dataset: 0, row: Int32($0)) }
        self.pointFlags = pointFlags ?? [PointFlags](repeating: [], count: time.count)
        self.band = band
        self.timeSystem = timeSystem
        self.fluxUnit = fluxUnit
        self.provenance = provenance
        self.medianCadence = Self.medianStep(of: time)
    }

    /// Internal unchecked initialiser for transforms that preserve the invariants by construction.
    init(
        unchecked time: [Double], flux: [Double], fluxError: [Double], origins: [PointOrigin], pointFlags: [PointFlags]? = nil,
        band: String, timeSystem: TimeSystem, fluxUnit: FluxUnit, provenance: [String]
    ) {
        assert(time.count == flux.count && flux.count == fluxError.count && origins.count == time.count)
        assert(pointFlags.map { $0.count == time.count } ?? true)
        self.time = time
        self.flux = flux
        self.fluxError = fluxError
        self.origins = origins
        self.pointFlags = pointFlags ?? [PointFlags](repeating: [], count: time.count)
        self.band = band
        self.timeSystem = timeSystem
        self.fluxUnit = fluxUnit
        self.provenance = provenance
        self.medianCadence = Self.medianStep(of: time)
    }

    /// The same light curve with other fluxes (same times, errors and origins), `note` (if any)
    /// appended to its provenance.
    public func replacingFlux(_ flux: [Double], note: String? = nil) -> Lightcurve {
        assert(flux.count == time.count)
        var copy = self
        copy.flux = flux
        if let note { copy.provenance.append(note) }
        return copy
    }

    private static func medianStep(of time: [Double]) -> Double? {
        guard time.count > 1 else { return nil }
        var steps = (1..<time.count).map { time[$0] - time[$0 - 1] }
        return Statistics.medianInPlace(&steps)
    }

    public var count: Int { time.count }
    public var isEmpty: Bool { time.isEmpty }
    /// Last minus first time, in days (0 for fewer than two points). Assumes a sorted curve.
    public var baseline: Double { count > 1 ? (time[count - 1] - time[0]) : 0 }
}

/// What an archive's quality bits said of a light-curve point that the calibration kept.
///
/// Only bits that matter after the calibration are carried: a point with one of these is good
/// enough to search, but some candidates made of such points are not flares.
public struct PointFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The archive detected a cosmic ray in the photometric aperture at this cadence (TESS and
    /// Kepler/K2 `QUALITY` bit "aperture cosmic"; at 20 s SPOC flags but does not remove them). The
    /// bit is set on flare cadences too, so it does not reject the point: a candidate whose
    /// significant points all carry it is a cosmic ray (``FlareFinder``).
    public static let cosmicRay = PointFlags(rawValue: 1 << 0)
}

/// Where a light-curve point came from: the dataset (index in the source's dataset list) and its row.
public struct PointOrigin: Sendable, Hashable, Codable {
    public var dataset: Int32
    public var row: Int32
    public init(dataset: Int32, row: Int32) {
        self.dataset = dataset
        self.row = row
    }
}

public enum LightcurveError: Error, LocalizedError, Equatable {
    case lengthMismatch(time: Int, flux: Int, fluxError: Int)
    case originsMismatch(points: Int, origins: Int)
    case pointFlagsMismatch(points: Int, flags: Int)
    case nonFiniteTime(index: Int)
    case incompatible(String)

    public var errorDescription: String? {
        switch self {
        case let .lengthMismatch(t, f, e):
            return "light curve arrays differ in length: time \(t), flux \(f), flux error \(e)"
        case let .originsMismatch(p, o):
            return "light curve has \(p) points but \(o) origins"
        case let .pointFlagsMismatch(p, f):
            return "light curve has \(p) points but \(f) point flags"
        case let .nonFiniteTime(i):
            return "light curve time at index \(i) is not finite"
        case let .incompatible(why):
            return "light curves cannot be combined: \(why)"
        }
    }
}
