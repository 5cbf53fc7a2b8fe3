import Foundation

/// A light curve in the NASA SPOC format used by TESS (`*_lc.fits`) and Kepler/K2 (`*_llc.fits`).
///
/// SPOC light-curve files hold, in a binary-table extension named `LIGHTCURVE`, one row per
/// cadence: the barycentric time (`TIME`, in days since `BJDREFI + BJDREFF`), the simple
/// aperture photometry flux (`SAP_FLUX`), the flux corrected for systematics by the Presearch
/// Data Conditioning module (`PDCSAP_FLUX`), their errors, a quality bit field (`QUALITY`; in
/// Kepler and K2 files `SAP_QUALITY`) and the cadence number. The target and observation are
/// described by header keywords in the primary HDU and the extension.
///
/// This value keeps those columns and the keywords a survey needs. Its arrays all have one
/// entry per cadence (checked by the initializer). NaN times and fluxes are normal in these
/// files (gaps, momentum dumps, excluded cadences) and are kept as NaN: callers mask them
/// together with ``quality``.
///
/// References: TESS Science Data Products Description Document, EXP-TESS-ARC-ICD-0014 Rev D
/// (Tenenbaum & Jenkins 2018, NASA/TM-2018-220036), section 5, "Light Curve Files"; for Kepler
/// and K2, the Kepler Archive Manual, KDMC-10008-006 (Thompson et al. 2016), which describes
/// the same layout with `SAP_QUALITY` and the BKJD reference.
///
/// ```swift
/// let lightcurve = try SPOCLightcurve.read(from: url)
/// let good = lightcurve.time.indices.filter {
///     lightcurve.quality[$0] == 0 && lightcurve.time[$0].isFinite && lightcurve.pdcsapFlux[$0].isFinite
/// }
/// print(lightcurve.mission, lightcurve.targetID ?? 0, lightcurve.sector ?? 0, good.count)
/// ```
public struct SPOCLightcurve: Sendable {
    /// The space mission that produced the file, as named by the `TELESCOP`/`MISSION` keywords.
    public enum Mission: String, Sendable, CaseIterable {
        /// Transiting Exoplanet Survey Satellite: `TELESCOP = 'TESS'`.
        case tess = "TESS"
        /// Kepler prime mission: `TELESCOP = 'Kepler'`.
        case kepler = "Kepler"
        /// Kepler's second mission: `TELESCOP = 'Kepler'`, `MISSION = 'K2'`.
        case k2 = "K2"

        /// The keyword holding the target identifier: `TICID` (TESS Input Catalog) or
        /// `KEPLERID` (Kepler Input Catalog, or EPIC for K2).
        public var targetIDKeyword: String { self == .tess ? "TICID" : "KEPLERID" }

        /// The keyword naming the observing period held in ``SPOCLightcurve/sector``:
        /// `SECTOR` (TESS), `QUARTER` (Kepler) or `CAMPAIGN` (K2).
        public var sectorKeyword: String {
            switch self {
            case .tess: return "SECTOR"
            case .kepler: return "QUARTER"
            case .k2: return "CAMPAIGN"
            }
        }

        /// The keyword holding the target's magnitude in the mission band: `TESSMAG` or `KEPMAG`.
        public var magnitudeKeyword: String { self == .tess ? "TESSMAG" : "KEPMAG" }

        /// The name of the quality-flag column: `QUALITY` (TESS) or `SAP_QUALITY` (Kepler, K2).
        public var qualityColumn: String { self == .tess ? "QUALITY" : "SAP_QUALITY" }

        /// The keyword holding the metallicity: `MH` (TESS) or `FEH` (Kepler, K2).
        public var metallicityKeyword: String { self == .tess ? "MH" : "FEH" }

        /// The standard time reference, `BJDREFI + BJDREFF`: BJD 2457000 for TESS (BTJD),
        /// BJD 2454833 for Kepler and K2 (BKJD).
        public var defaultBJDReference: Double { self == .tess ? 2_457_000 : 2_454_833 }

        /// The `TELESCOP` value: `TESS` or `Kepler` (K2 used the Kepler spacecraft).
        public var telescope: String { self == .tess ? "TESS" : "Kepler" }

        /// The catalogue prefix of `OBJECT`: `TIC`, `KIC` or `EPIC`.
        public var objectPrefix: String {
            switch self {
            case .tess: return "TIC"
            case .kepler: return "KIC"
            case .k2: return "EPIC"
            }
        }
    }

    /// Further per-cadence columns of the SPOC layout, kept when present.
    ///
    /// The raw value is the column name. "1" is the CCD column direction and "2" the row.
    public enum AuxiliaryColumn: String, Sendable, CaseIterable, Hashable {
        /// `TIMECORR`: barycentric correction already applied to `TIME` (days).
        case timeCorrection = "TIMECORR"
        /// `SAP_BKG`: background flux summed over the optimal aperture (e-/s).
        case sapBackground = "SAP_BKG"
        /// `SAP_BKG_ERR`: 1-sigma error of `SAP_BKG` (e-/s).
        case sapBackgroundError = "SAP_BKG_ERR"
        /// `PSF_CENTR1`: PSF-fitted centroid, column (pixels).
        case psfCentroidColumn = "PSF_CENTR1"
        /// `PSF_CENTR1_ERR`: error of `PSF_CENTR1` (pixels).
        case psfCentroidColumnError = "PSF_CENTR1_ERR"
        /// `PSF_CENTR2`: PSF-fitted centroid, row (pixels).
        case psfCentroidRow = "PSF_CENTR2"
        /// `PSF_CENTR2_ERR`: error of `PSF_CENTR2` (pixels).
        case psfCentroidRowError = "PSF_CENTR2_ERR"
        /// `MOM_CENTR1`: flux-weighted centroid, column (pixels).
        case momentCentroidColumn = "MOM_CENTR1"
        /// `MOM_CENTR1_ERR`: error of `MOM_CENTR1` (pixels).
        case momentCentroidColumnError = "MOM_CENTR1_ERR"
        /// `MOM_CENTR2`: flux-weighted centroid, row (pixels).
        case momentCentroidRow = "MOM_CENTR2"
        /// `MOM_CENTR2_ERR`: error of `MOM_CENTR2` (pixels).
        case momentCentroidRowError = "MOM_CENTR2_ERR"
        /// `POS_CORR1`: local image motion from the motion polynomials, column (pixels).
        case positionCorrectionColumn = "POS_CORR1"
        /// `POS_CORR2`: local image motion from the motion polynomials, row (pixels).
        case positionCorrectionRow = "POS_CORR2"
    }

    // MARK: Target and observation (header keywords)

    /// The mission (from `TELESCOP`, and `MISSION` for K2).
    public var mission: Mission
    /// The target identifier: `TICID` for TESS, `KEPLERID` for Kepler and K2.
    public var targetID: Int64?
    /// The observing period: `SECTOR` for TESS, `QUARTER` for Kepler, `CAMPAIGN` for K2
    /// (the keyword is ``Mission/sectorKeyword``).
    public var sector: Int?
    /// `OBJECT`, e.g. `TIC 307210830`; `nil` to derive it from ``targetID`` when writing.
    public var objectName: String?
    /// `CAMERA` (TESS, 1–4).
    public var camera: Int?
    /// `CCD` (TESS, 1–4).
    public var ccd: Int?
    /// `RA_OBJ`: right ascension of the target, ICRS, degrees.
    public var objectRA: Double?
    /// `DEC_OBJ`: declination of the target, ICRS, degrees.
    public var objectDec: Double?
    /// `TESSMAG` or `KEPMAG`: magnitude in the mission band.
    public var magnitude: Double?
    /// `TEFF`: effective temperature (K) from the input catalogue.
    public var effectiveTemperature: Double?
    /// `LOGG`: log10 of the surface gravity (cgs) from the input catalogue.
    public var surfaceGravity: Double?
    /// `MH` (TESS) or `FEH` (Kepler): metallicity (dex) from the input catalogue.
    public var metallicity: Double?
    /// `RADIUS`: stellar radius (solar radii) from the input catalogue.
    public var stellarRadius: Double?
    /// `CROWDSAP`: fraction of the flux in the optimal aperture that comes from the target.
    public var crowding: Double?
    /// `FLFRCSAP`: fraction of the target's flux that falls in the optimal aperture.
    public var fluxFraction: Double?

    // MARK: Time system (LIGHTCURVE header keywords)

    /// `BJDREFI + BJDREFF`: the BJD that `TIME = 0` stands for (2457000 for TESS,
    /// 2454833 for Kepler and K2).
    public var bjdReference: Double
    /// `TIMEUNIT`: the unit of `TIME`, `TSTART` and `TSTOP` (`d` in SPOC files).
    public var timeUnit: String
    /// `TIMESYS`: the time scale (`TDB` in SPOC files).
    public var timeSystem: String
    /// `TSTART`: observation start, in the units of ``time``; `nil` to use the first finite time.
    public var startTime: Double?
    /// `TSTOP`: observation end, in the units of ``time``; `nil` to use the last finite time.
    public var stopTime: Double?
    /// `EXPOSURE`: time on source (days).
    public var exposureDays: Double?
    /// `TIMEDEL`: time between cadences (days): 0.00138889 for 2-minute TESS data,
    /// 0.0204335 for Kepler long cadence.
    public var cadenceDays: Double?

    // MARK: Per-cadence columns

    /// `TIME`: mid-exposure time in days since ``bjdReference``; NaN where unknown.
    public private(set) var time: [Double]
    /// `PDCSAP_FLUX`: systematics-corrected flux (e-/s); NaN where unavailable.
    public private(set) var pdcsapFlux: [Double]
    /// `PDCSAP_FLUX_ERR`: 1-sigma error of ``pdcsapFlux`` (e-/s).
    public private(set) var pdcsapFluxError: [Double]
    /// `SAP_FLUX`: simple aperture photometry flux (e-/s).
    public private(set) var sapFlux: [Double]
    /// `SAP_FLUX_ERR`: 1-sigma error of ``sapFlux`` (e-/s).
    public private(set) var sapFluxError: [Double]
    /// `QUALITY` (TESS) or `SAP_QUALITY` (Kepler, K2): quality bit field, 0 for a clean cadence.
    public private(set) var quality: [Int32]
    /// `CADENCENO`: the spacecraft's running cadence number.
    public private(set) var cadenceNumber: [Int32]
    /// The further SPOC columns that are present (see ``AuxiliaryColumn``).
    public private(set) var auxiliary: [AuxiliaryColumn: [Double]]
    /// The columns of the source file, in file order; for a value built in memory, the columns
    /// that were given.
    public var columnNames: [String]

    /// The number of cadences.
    public var count: Int { time.count }

    /// Creates a light curve, checking that every column has one value per cadence.
    ///
    /// Columns not given are filled: errors and SAP flux with NaN, quality with 0, cadence
    /// numbers with the row index. Keywords other than those below are set through the
    /// properties afterwards.
    ///
    /// ```swift
    /// var lightcurve = try SPOCLightcurve(
    ///     mission: .tess, targetID: 307210830, sector: 5,
    ///     time: time, pdcsapFlux: flux, pdcsapFluxError: fluxError, quality: quality)
    /// lightcurve.objectRA = 124.5332711499119
    /// try lightcurve.write(to: url)
    /// ```
    ///
    /// - Parameters:
    ///   - mission: The mission.
    ///   - targetID: `TICID` or `KEPLERID`.
    ///   - sector: `SECTOR`, `QUARTER` or `CAMPAIGN`.
    ///   - bjdReference: `BJDREFI + BJDREFF`; `nil` for the mission's standard reference.
    ///   - timeUnit: `TIMEUNIT`.
    ///   - timeSystem: `TIMESYS`.
    ///   - time: `TIME`, in days since `bjdReference`.
    ///   - pdcsapFlux: `PDCSAP_FLUX`.
    ///   - pdcsapFluxError: `PDCSAP_FLUX_ERR`.
    ///   - sapFlux: `SAP_FLUX`.
    ///   - sapFluxError: `SAP_FLUX_ERR`.
    ///   - quality: `QUALITY` / `SAP_QUALITY`.
    ///   - cadenceNumber: `CADENCENO`.
    ///   - auxiliary: Further SPOC columns.
    ///   - columnNames: The column names to report; `nil` for the columns given.
    /// - Throws: ``FITSError/lengthMismatch(path:column:expected:actual:)`` when a column's
    ///   length differs from `time`'s.
    public init(
        mission: Mission,
        targetID: Int64? = nil,
        sector: Int? = nil,
        bjdReference: Double? = nil,
        timeUnit: String = "d",
        timeSystem: String = "TDB",
        time: [Double],
        pdcsapFlux: [Double],
        pdcsapFluxError: [Double]? = nil,
        sapFlux: [Double]? = nil,
        sapFluxError: [Double]? = nil,
        quality: [Int32]? = nil,
        cadenceNumber: [Int32]? = nil,
        auxiliary: [AuxiliaryColumn: [Double]] = [:],
        columnNames: [String]? = nil
    ) throws {
        try self.init(
            path: nil, mission: mission, targetID: targetID, sector: sector, bjdReference: bjdReference,
            timeUnit: timeUnit, timeSystem: timeSystem, time: time, pdcsapFlux: pdcsapFlux,
            pdcsapFluxError: pdcsapFluxError, sapFlux: sapFlux, sapFluxError: sapFluxError, quality: quality,
            cadenceNumber: cadenceNumber, auxiliary: auxiliary, columnNames: columnNames)
    }

    /// The designated initializer; `path` is quoted in length errors when reading a file.
    init(
        path: String?, mission: Mission, targetID: Int64?, sector: Int?, bjdReference: Double?,
        timeUnit: String, timeSystem: String, time: [Double], pdcsapFlux: [Double],
        pdcsapFluxError: [Double]?, sapFlux: [Double]?, sapFluxError: [Double]?, quality: [Int32]?,
        cadenceNumber: [Int32]?, auxiliary: [AuxiliaryColumn: [Double]], columnNames: [String]?
    ) throws {
        let count = time.count
        func checked<T>(_ values: [T]?, _ column: String) throws -> [T]? {
            if let values, values.count != count {
                throw FITSError.lengthMismatch(path: path, column: column, expected: count, actual: values.count)
            }
            return values
        }
        let nan = [Double](repeating: .nan, count: count)
        self.mission = mission
        self.targetID = targetID
        self.sector = sector
        self.bjdReference = bjdReference ?? mission.defaultBJDReference
        self.timeUnit = timeUnit
        self.timeSystem = timeSystem
        self.time = time
        self.pdcsapFlux = try checked(pdcsapFlux, "PDCSAP_FLUX")!
        self.pdcsapFluxError = try checked(pdcsapFluxError, "PDCSAP_FLUX_ERR") ?? nan
        self.sapFlux = try checked(sapFlux, "SAP_FLUX") ?? nan
        self.sapFluxError = try checked(sapFluxError, "SAP_FLUX_ERR") ?? nan
        self.quality = try checked(quality, mission.qualityColumn) ?? [Int32](repeating: 0, count: count)
        self.cadenceNumber =
            try checked(cadenceNumber, "CADENCENO") ?? (0..<count).map { Int32(truncatingIfNeeded: $0) }
        for (column, values) in auxiliary {
            _ = try checked(values, column.rawValue)
        }
        self.auxiliary = auxiliary
        var given = ["TIME", "PDCSAP_FLUX"]
        if pdcsapFluxError != nil { given.append("PDCSAP_FLUX_ERR") }
        if sapFlux != nil { given.append("SAP_FLUX") }
        if sapFluxError != nil { given.append("SAP_FLUX_ERR") }
        if quality != nil { given.append(mission.qualityColumn) }
        if cadenceNumber != nil { given.append("CADENCENO") }
        given += AuxiliaryColumn.allCases.filter { auxiliary[$0] != nil }.map(\.rawValue)
        self.columnNames = columnNames ?? given
    }
}
