import Foundation

/// How raw survey measurements become calibrated flux, applied when a dataset is loaded.
///
/// Raw files are never changed; the calibration is stored with each dataset in the run database, so
/// loading the same raw file with the same calibration always gives the same light curve.
public enum Calibration: Sendable, Hashable, Codable {
    /// Times (in a light curve's own system, days) at or beyond this magnitude are invalid rows:
    /// JD today is 2.46 × 10⁶, MJD 6 × 10⁴, BTJD and BKJD a few thousand.
    public static let maximumTime = 1e7

    /// An exposure (seconds) read from a file, if it is one: positive and at most a day. A damaged
    /// header (EXPOSURE = 1E300, TIMEDEL = −1) gives nil, and the caller's default applies.
    public static func plausibleExposure(_ seconds: Double?) -> Double? {
        guard let seconds, seconds > 0, seconds <= 86_400 else { return nil }
        return seconds
    }

    /// ZTF PSF-fit magnitudes (already zero-pointed with `magzp` by the pipeline) to flux density in
    /// µJy: f = 10^(−0.4 (m − 23.9)), σ_f = f · 0.4 ln 10 · σ_m. Epochs with any bit of `bad` in
    /// `catflags` are rejected, and so are epochs whose limiting magnitude is brighter than the
    /// object's median magnitude + ``ztfLimitMargin`` (near the limit only upward noise is detected).
    case ztfMagnitudeToMicrojansky(bad: ZTFCatalogFlags)
    /// SPOC `PDCSAP_FLUX` divided by its median over good cadences (kept as the normalisation factor);
    /// cadences with any bit of `bad` in `QUALITY` and NaN times or fluxes are rejected.
    case spocNormalizedPDCSAP(bad: SPOCQualityFlags)
    /// The same for Kepler and K2 files, whose `SAP_QUALITY` bits have other meanings. In K2 data the
    /// cadence after each thruster firing is rejected as well (the roll sawtooth's reset).
    case keplerNormalizedPDCSAP(bad: KeplerQualityFlags)
    /// A light-curve table (``LightcurveTable``): `columns` read with times in `timeSystem`; rows
    /// whose quality has any bit of `bad` set (``LightcurveTable/anyQualityBit``, the default,
    /// rejects every non-zero quality) and rows with a non-finite time, flux or error (or an error
    /// ≤ 0) are rejected. Flux whose median is within ``LightcurveTable/relativeTolerance`` of 1 is
    /// taken as already relative; other flux is divided by its median (kept as the normalisation
    /// factor), like SPOC PDCSAP flux.
    case lightcurveTable(timeSystem: TimeSystem, columns: LightcurveTable.Columns, bad: Int32)

    /// One line for provenance and the report.
    public var summary: String {
        switch self {
        case let .ztfMagnitudeToMicrojansky(bad):
            return "ZTF mag → µJy (AB zero point 23.9), reject catflags & \(bad.rawValue) and limitmag < median mag + \(Self.ztfLimitMargin)"
        case let .spocNormalizedPDCSAP(bad):
            return "SPOC PDCSAP_FLUX / median, reject QUALITY & \(bad.rawValue)"
        case let .keplerNormalizedPDCSAP(bad):
            return "Kepler/K2 PDCSAP_FLUX / median, reject SAP_QUALITY & \(bad.rawValue) and the cadence after a thruster firing"
        case let .lightcurveTable(system, columns, bad):
            let quality = columns.quality.map { q in bad == LightcurveTable.anyQualityBit ? ", reject \(q) ≠ 0" : ", reject \(q) & \(bad)" } ?? ""
            return "table \(columns.time ?? "?") (\(system.name)), \(columns.flux ?? "?") ± \(columns.error ?? "?"), "
                + "flux / median unless already relative\(quality)"
        }
    }

    /// The quality bits that mark a cosmic ray in the photometric aperture, where the calibration
    /// keeps such cadences (``PointFlags/cosmicRay``): TESS `QUALITY` 64, Kepler/K2 `SAP_QUALITY`
    /// 128; a TESS table (whose quality column is SPOC's) 64; none for ZTF and other tables, whose
    /// flagged rows are rejected.
    public func cosmicRayBits(band: String) -> Int32 {
        switch self {
        case .ztfMagnitudeToMicrojansky: return 0
        case .spocNormalizedPDCSAP: return SPOCQualityFlags.apertureCosmic.rawValue
        case .keplerNormalizedPDCSAP: return KeplerQualityFlags.apertureCosmic.rawValue
        case let .lightcurveTable(_, _, bad):
            return band == "TESS" && bad != LightcurveTable.anyQualityBit ? SPOCQualityFlags.apertureCosmic.rawValue : 0
        }
    }

    /// ZTF epochs need a limiting magnitude at least this much fainter than the object's median.
    public static let ztfLimitMargin = 0.0

    /// AB magnitude zero point of flux density in µJy.
    public static let microjanskyZeroPoint = 23.9
}

/// The on-disk format of a raw file.
public enum RawFormat: String, Sendable, Hashable, Codable {
    /// IRSA ZTF light-curve service, CSV output.
    case ztfIRSACSV = "ztf-irsa-csv"
    /// NASA SPOC light-curve FITS (`*_lc.fits` TESS, `*_llc.fits` Kepler/K2).
    case spocFITS = "spoc-lc-fits"
    /// A light-curve table of any origin (CSV, ECSV, IPAC, VOTable or a FITS table that is not a
    /// SPOC light curve) with time, flux and flux-error columns (``LightcurveTable``).
    case lightcurveTable = "lightcurve-table"
}

/// Something read from a raw file that can be written back in that file's own format.
///
/// The raw tables of each survey conform: the synthetic survey dumps them to make raw files, and
/// ``PhotometricDataset`` loads them back.
public protocol Dataset: Sendable {
    static var format: RawFormat { get }
    static func read(from url: URL) throws -> Self
    func write(to url: URL) throws
}

extension ZTFLightcurveTable: Dataset {
    public static var format: RawFormat { .ztfIRSACSV }
}

extension SPOCLightcurve: Dataset {
    public static var format: RawFormat { .spocFITS }
}
