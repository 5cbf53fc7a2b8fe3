import Foundation

/// Reading and writing SPOC light-curve files.
///
/// Layout (TESS Science Data Products Description Document, EXP-TESS-ARC-ICD-0014 Rev D,
/// section 5; Kepler Archive Manual, KDMC-10008-006): a primary HDU without data whose header
/// describes the target (`TELESCOP`, `OBJECT`, `TICID`/`KEPLERID`, `SECTOR`/`QUARTER`/`CAMPAIGN`,
/// `RA_OBJ`, `DEC_OBJ`, `TESSMAG`/`KEPMAG`, `TEFF`, ...), then a binary table `LIGHTCURVE` with
/// one row per cadence and the time-system keywords (`BJDREFI`, `BJDREFF`, `TIMEUNIT`,
/// `TIMESYS`, `TSTART`, `TSTOP`, `TIMEDEL`, `EXPOSURE`). Real files carry a third HDU, the
/// aperture image, which this reader ignores and the writer does not produce.
extension SPOCLightcurve {
    /// Reads a TESS (`*_lc.fits`), Kepler or K2 (`*_llc.fits`) SPOC light-curve file.
    ///
    /// Target keywords are taken from the primary header, falling back to the `LIGHTCURVE`
    /// header; time keywords from the `LIGHTCURVE` header, falling back to the primary one.
    /// `TIME` and `PDCSAP_FLUX` are required; other columns are optional (missing errors and
    /// SAP fluxes read as NaN, missing quality as 0). The quality column is `QUALITY` or
    /// `SAP_QUALITY`, whichever the file has. A missing `BJDREFI` falls back to the mission's
    /// standard reference.
    ///
    /// ```swift
    /// let lightcurve = try SPOCLightcurve.read(from: URL(fileURLWithPath: "tess2018…-s0005-…_lc.fits"))
    /// let bjd = lightcurve.time.map { $0 + lightcurve.bjdReference }
    /// ```
    ///
    /// - Parameter url: The file.
    /// - Returns: The light curve, NaN values kept.
    /// - Throws: ``FITSError`` naming the file: ``FITSError/missingExtension(path:name:)`` without
    ///   a `LIGHTCURVE` extension, ``FITSError/missingColumn(path:hdu:column:)`` without `TIME` or
    ///   `PDCSAP_FLUX`, ``FITSError/unrecognizedMission(path:telescope:)``, and
    ///   ``FITSError/cfitsio(path:operation:status:message:)`` for truncated or corrupt files.
    /// The mission of a SPOC light-curve file, from its headers alone (no column is read): what
    /// linking a file to its source needs. The columns are read, and checked, when it is loaded.
    /// - Throws: as ``read(from:)`` for a file without a `LIGHTCURVE` extension or mission.
    public static func mission(of url: URL) throws -> Mission {
        let file = try FITSFile.open(url)
        let primary = try SPOCHeader(file)
        try file.moveToExtension(named: "LIGHTCURVE")
        return try resolveMission(primary.filled(from: try SPOCHeader(file)), path: file.path)
    }

    public static func read(from url: URL) throws -> SPOCLightcurve {
        let file = try FITSFile.open(url)
        let primary = try SPOCHeader(file)
        try file.moveToExtension(named: "LIGHTCURVE")
        let table = try SPOCHeader(file)
        let target = primary.filled(from: table)
        let timing = table.filled(from: primary)

        let mission = try resolveMission(target, path: file.path)
        let present = Set(try file.columnNames.map { $0.uppercased() })
        func optionalDoubles(_ name: String) throws -> [Double]? {
            present.contains(name) ? try file.readDoubles(column: name) : nil
        }
        func optionalInt32s(_ name: String) throws -> [Int32]? {
            present.contains(name) ? try file.readInt32s(column: name).map { $0 ?? 0 } : nil
        }

        let time = try file.readDoubles(column: "TIME")
        let pdcsapFlux = try file.readDoubles(column: "PDCSAP_FLUX")
        let qualityColumn =
            [mission.qualityColumn, "QUALITY", "SAP_QUALITY"].first { present.contains($0) }
        var auxiliary: [AuxiliaryColumn: [Double]] = [:]
        for column in AuxiliaryColumn.allCases {
            auxiliary[column] = try optionalDoubles(column.rawValue)
        }

        var bjdReference: Double?
        if let integer = timing.bjdReferenceInteger {
            bjdReference = integer + (timing.bjdReferenceFraction ?? 0)
            // A Julian date: anything outside 0 … 10⁷ days (year 22,000) is a damaged header, and
            // would trap where the reference is formatted as an integer.
            guard let reference = bjdReference, reference.isFinite, (0...1e7).contains(reference),
                (timing.bjdReferenceFraction ?? 0).isFinite
            else {
                throw FITSError.truncatedOrCorrupt(
                    path: file.path,
                    detail: "BJDREFI + BJDREFF = \(integer) + \(timing.bjdReferenceFraction ?? 0) is not a Julian date")
            }
        }
        var lightcurve = try SPOCLightcurve(
            path: file.path, mission: mission,
            targetID: mission == .tess ? target.ticID : target.keplerID,
            sector: (mission == .tess ? target.sector : mission == .kepler ? target.quarter : target.campaign)
                .flatMap { Int(exactly: $0) },
            bjdReference: bjdReference,
            timeUnit: timing.timeUnit ?? "d", timeSystem: timing.timeSystem ?? "TDB",
            time: time, pdcsapFlux: pdcsapFlux,
            pdcsapFluxError: try optionalDoubles("PDCSAP_FLUX_ERR"),
            sapFlux: try optionalDoubles("SAP_FLUX"),
            sapFluxError: try optionalDoubles("SAP_FLUX_ERR"),
            quality: try qualityColumn.flatMap { try optionalInt32s($0) },
            cadenceNumber: try optionalInt32s("CADENCENO"),
            auxiliary: auxiliary,
            columnNames: try file.columnNames)
        lightcurve.objectName = target.object
        lightcurve.camera = target.camera.flatMap { Int(exactly: $0) }
        lightcurve.ccd = target.ccd.flatMap { Int(exactly: $0) }
        lightcurve.objectRA = target.ra
        lightcurve.objectDec = target.dec
        lightcurve.magnitude = mission == .tess ? target.tessMagnitude : target.keplerMagnitude
        lightcurve.effectiveTemperature = target.teff
        lightcurve.surfaceGravity = target.logg
        lightcurve.metallicity = mission == .tess ? target.mh : target.feh
        lightcurve.stellarRadius = target.radius
        lightcurve.crowding = timing.crowdsap
        lightcurve.fluxFraction = timing.flfrcsap
        lightcurve.startTime = timing.tstart
        lightcurve.stopTime = timing.tstop
        lightcurve.exposureDays = timing.exposure
        lightcurve.cadenceDays = timing.timedel
        try file.close()
        return lightcurve
    }

    /// Writes the light curve as a SPOC light-curve file, replacing any file at `url`.
    ///
    /// The layout follows the SPOC products: a primary HDU without data holding the target
    /// keywords, then a binary table `LIGHTCURVE` with the columns `TIME` (D),
    /// `TIMECORR` (E), `CADENCENO` (J), `SAP_FLUX`, `SAP_FLUX_ERR`, `SAP_BKG`, `SAP_BKG_ERR`,
    /// `PDCSAP_FLUX`, `PDCSAP_FLUX_ERR` (E, e-/s), `QUALITY` (J; `SAP_QUALITY` for Kepler and
    /// K2), `PSF_CENTR1`, `PSF_CENTR2`, `MOM_CENTR1`, `MOM_CENTR2` (D, pixel) and `POS_CORR1`,
    /// `POS_CORR2` (E), with SPOC's units and display formats. Columns without data are filled
    /// with NaN; the centroid error columns (`PSF_CENTR1_ERR`, ...) are written, in their SPOC
    /// places, only when ``auxiliary`` holds them. Fluxes are stored as 32-bit floats, as in
    /// SPOC files. The target keywords use the mission's names (`TICID`/`SECTOR`/`TESSMAG`
    /// for TESS, `KEPLERID`/`QUARTER`/`KEPMAG` for Kepler, `KEPLERID`/`CAMPAIGN` and
    /// `MISSION = 'K2'` for K2); absent values are left out.
    ///
    /// The output is deterministic: no `DATE`, `CHECKSUM` or other time-dependent keyword is
    /// written, so equal values give byte-identical files. If writing fails the partial file
    /// is removed; callers that replace an existing file should still write to a temporary
    /// name and rename.
    ///
    /// - Parameter url: The destination.
    /// - Throws: ``FITSError`` when the file cannot be written.
    public func write(to url: URL) throws {
        let file = try FITSFile.create(url)
        do {
            try file.writePrimaryHeader(keywords: primaryKeywords)
            let columns = tableColumns
            try file.createBinaryTable(name: "LIGHTCURVE", columns: columns.map(\.column), keywords: tableKeywords)
            for (index, column) in columns.enumerated() {
                switch column.data {
                case .doubles(let values): try file.writeColumn(index, doubles: values)
                case .int32s(let values): try file.writeColumn(index, int32s: values)
                }
            }
            try file.close()
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(at: url)
            throw error
        }
    }

    // MARK: - Reading helpers

    private static func resolveMission(_ header: SPOCHeader, path: String) throws -> Mission {
        let telescope = header.telescope?.uppercased()
        if header.mission?.uppercased() == "K2" { return .k2 }
        if telescope == "TESS" { return .tess }
        if telescope == "KEPLER" { return header.campaign != nil ? .k2 : .kepler }
        if header.ticID != nil { return .tess }
        if header.keplerID != nil { return header.campaign != nil ? .k2 : .kepler }
        throw FITSError.unrecognizedMission(path: path, telescope: header.telescope)
    }

    // MARK: - Writing helpers

    /// Data for one column of the written table.
    private enum ColumnData {
        case doubles([Double])
        case int32s([Int32])
    }

    /// The `BJDREFI` part of ``bjdReference``.
    private var bjdReferenceInteger: Int64 { Int64(bjdReference.rounded(.down)) }

    /// The text of ``bjdReference`` in the `TIME` unit, e.g. `2457000`.
    private var bjdReferenceText: String {
        let fraction = bjdReference - bjdReference.rounded(.down)
        return fraction == 0 ? String(bjdReferenceInteger) : "\(bjdReference)"
    }

    /// `TSTART`: the given start, else the first finite time.
    private var resolvedStart: Double? { startTime ?? time.lazy.filter(\.isFinite).min() }
    /// `TSTOP`: the given stop, else the last finite time.
    private var resolvedStop: Double? { stopTime ?? time.lazy.filter(\.isFinite).max() }

    private var resolvedObjectName: String? {
        objectName ?? targetID.map { "\(mission.objectPrefix) \($0)" }
    }

    private var timeReferenceName: String { mission == .tess ? "BTJD" : "BKJD" }

    /// Target keywords, shared by both headers.
    private var targetKeywords: [FITSKeyword] {
        var keywords: [FITSKeyword] = [
            FITSKeyword("TELESCOP", mission.telescope, comment: "telescope"),
            FITSKeyword(
                "INSTRUME", mission == .tess ? "TESS Photometer" : "Kepler Photometer", comment: "detector type"),
        ]
        if let name = resolvedObjectName {
            keywords.append(FITSKeyword("OBJECT", name, comment: "string version of target id"))
        }
        if let targetID {
            keywords.append(
                FITSKeyword(
                    mission.targetIDKeyword, targetID,
                    comment: mission == .tess ? "unique tess target identifier" : "unique Kepler target identifier"))
        }
        return keywords
    }

    /// Sky-position keywords, shared by both headers.
    private var positionKeywords: [FITSKeyword] {
        var keywords: [FITSKeyword] = [
            FITSKeyword("RADESYS", "ICRS", comment: "reference frame of celestial coordinates")
        ]
        if let objectRA { keywords.append(FITSKeyword("RA_OBJ", objectRA, comment: "[deg] right ascension")) }
        if let objectDec { keywords.append(FITSKeyword("DEC_OBJ", objectDec, comment: "[deg] declination")) }
        keywords.append(FITSKeyword("EQUINOX", 2000.0, comment: "equinox of celestial coordinate system"))
        return keywords
    }

    private var primaryKeywords: [FITSKeyword] {
        var keywords: [FITSKeyword] = [
            FITSKeyword("NEXTEND", 1, comment: "number of standard extensions"),
            FITSKeyword("EXTNAME", "PRIMARY", comment: "name of extension"),
            FITSKeyword("EXTVER", 1, comment: "extension version number (not format version)"),
        ]
        if let start = resolvedStart {
            keywords.append(FITSKeyword("TSTART", start, comment: "observation start time in \(timeReferenceName)"))
        }
        if let stop = resolvedStop {
            keywords.append(FITSKeyword("TSTOP", stop, comment: "observation stop time in \(timeReferenceName)"))
        }
        keywords += targetKeywords
        if mission == .k2 {
            keywords.append(FITSKeyword("MISSION", "K2", comment: "Mission name"))
        }
        if let sector {
            let comment: String
            switch mission {
            case .tess: comment = "Observing sector"
            case .kepler: comment = "Observing quarter"
            case .k2: comment = "Observing campaign number"
            }
            keywords.append(FITSKeyword(mission.sectorKeyword, sector, comment: comment))
        }
        if let camera { keywords.append(FITSKeyword("CAMERA", camera, comment: "Camera number")) }
        if let ccd { keywords.append(FITSKeyword("CCD", ccd, comment: "CCD chip number")) }
        keywords += positionKeywords
        if let magnitude {
            keywords.append(
                FITSKeyword(
                    mission.magnitudeKeyword, magnitude,
                    comment: mission == .tess ? "[mag] TESS magnitude" : "[mag] Kepler magnitude (Kp)"))
        }
        if let effectiveTemperature {
            keywords.append(FITSKeyword("TEFF", effectiveTemperature, comment: "[K] Effective temperature"))
        }
        if let surfaceGravity {
            keywords.append(FITSKeyword("LOGG", surfaceGravity, comment: "[cm/s2] log10 surface gravity"))
        }
        if let metallicity {
            keywords.append(
                FITSKeyword(
                    mission.metallicityKeyword, metallicity,
                    comment: mission == .tess ? "[log10([M/H])] metallicity" : "[log10([Fe/H])] metallicity"))
        }
        if let stellarRadius {
            keywords.append(FITSKeyword("RADIUS", stellarRadius, comment: "[solar radii] stellar radius"))
        }
        return keywords
    }

    private var tableKeywords: [FITSKeyword] {
        var keywords: [FITSKeyword] = [
            FITSKeyword("INHERIT", true, comment: "inherit the primary header"),
            FITSKeyword("EXTVER", 1, comment: "extension version number (not format version)"),
        ]
        keywords += targetKeywords
        keywords += positionKeywords
        if let exposureDays { keywords.append(FITSKeyword("EXPOSURE", exposureDays, comment: "[d] time on source")) }
        keywords += [
            FITSKeyword("TIMEREF", "SOLARSYSTEM", comment: "barycentric correction applied to times"),
            FITSKeyword("TASSIGN", "SPACECRAFT", comment: "where time is assigned"),
            FITSKeyword(
                "TIMESYS", timeSystem,
                comment: timeSystem == "TDB" ? "time system is Barycentric Dynamical Time (TDB)" : "time system"),
            FITSKeyword("BJDREFI", bjdReferenceInteger, comment: "integer part of \(timeReferenceName) reference date"),
            FITSKeyword(
                "BJDREFF", bjdReference - Double(bjdReferenceInteger),
                comment: "fraction of the day in \(timeReferenceName) reference date"),
            FITSKeyword("TIMEUNIT", timeUnit, comment: "time unit for TIME, TSTART and TSTOP"),
        ]
        if let start = resolvedStart, let stop = resolvedStop {
            keywords.append(FITSKeyword("TELAPSE", stop - start, comment: "[d] TSTOP - TSTART"))
        }
        if let start = resolvedStart {
            keywords.append(FITSKeyword("TSTART", start, comment: "observation start time in \(timeReferenceName)"))
        }
        if let stop = resolvedStop {
            keywords.append(FITSKeyword("TSTOP", stop, comment: "observation stop time in \(timeReferenceName)"))
        }
        if let cadenceDays {
            keywords.append(FITSKeyword("TIMEDEL", cadenceDays, comment: "[d] time resolution of data"))
        }
        if let crowding {
            keywords.append(FITSKeyword("CROWDSAP", crowding, comment: "Ratio of target flux to total flux in op. ap."))
        }
        if let fluxFraction {
            keywords.append(FITSKeyword("FLFRCSAP", fluxFraction, comment: "Frac. of target flux w/in the op. aperture"))
        }
        return keywords
    }

    /// The table columns in SPOC order, with their data.
    private var tableColumns: [(column: FITSColumn, data: ColumnData)] {
        let nan = [Double](repeating: .nan, count: count)
        func aux(_ column: AuxiliaryColumn) -> ColumnData { .doubles(auxiliary[column] ?? nan) }
        let flux = "e-/s"
        let pixel = "pixel"
        let timeUnitText = mission == .tess ? "BJD - \(bjdReferenceText), days" : "BJD - \(bjdReferenceText)"
        var columns: [(column: FITSColumn, data: ColumnData)] = [
            (FITSColumn(name: "TIME", format: "D", unit: timeUnitText, displayFormat: "D14.7"), .doubles(time)),
            (
                FITSColumn(
                    name: "TIMECORR", format: "E", unit: "d", displayFormat: mission == .tess ? "E14.7" : "E13.6"),
                aux(.timeCorrection)
            ),
            (FITSColumn(name: "CADENCENO", format: "J", displayFormat: "I10"), .int32s(cadenceNumber)),
            (FITSColumn(name: "SAP_FLUX", format: "E", unit: flux, displayFormat: "E14.7"), .doubles(sapFlux)),
            (
                FITSColumn(name: "SAP_FLUX_ERR", format: "E", unit: flux, displayFormat: "E14.7"),
                .doubles(sapFluxError)
            ),
            (FITSColumn(name: "SAP_BKG", format: "E", unit: flux, displayFormat: "E14.7"), aux(.sapBackground)),
            (
                FITSColumn(name: "SAP_BKG_ERR", format: "E", unit: flux, displayFormat: "E14.7"),
                aux(.sapBackgroundError)
            ),
            (
                FITSColumn(name: "PDCSAP_FLUX", format: "E", unit: flux, displayFormat: "E14.7"),
                .doubles(pdcsapFlux)
            ),
            (
                FITSColumn(name: "PDCSAP_FLUX_ERR", format: "E", unit: flux, displayFormat: "E14.7"),
                .doubles(pdcsapFluxError)
            ),
            (FITSColumn(name: mission.qualityColumn, format: "J", displayFormat: "B16.16"), .int32s(quality)),
        ]
        let centroids: [(AuxiliaryColumn, AuxiliaryColumn)] = [
            (.psfCentroidColumn, .psfCentroidColumnError), (.psfCentroidRow, .psfCentroidRowError),
            (.momentCentroidColumn, .momentCentroidColumnError), (.momentCentroidRow, .momentCentroidRowError),
        ]
        for (value, error) in centroids {
            columns.append(
                (FITSColumn(name: value.rawValue, format: "D", unit: pixel, displayFormat: "F10.5"), aux(value)))
            if let errors = auxiliary[error] {
                columns.append(
                    (
                        FITSColumn(name: error.rawValue, format: "E", unit: pixel, displayFormat: "E14.7"),
                        .doubles(errors)
                    ))
            }
        }
        let motionUnit = mission == .tess ? "pixel" : "pixels"
        for column in [AuxiliaryColumn.positionCorrectionColumn, .positionCorrectionRow] {
            columns.append(
                (FITSColumn(name: column.rawValue, format: "E", unit: motionUnit, displayFormat: "E14.7"), aux(column)))
        }
        return columns
    }
}

/// The SPOC keywords of one header, each `nil` when absent or undefined.
private struct SPOCHeader {
    var telescope: String?
    var mission: String?
    var object: String?
    var ticID: Int64?
    var keplerID: Int64?
    var sector: Int64?
    var quarter: Int64?
    var campaign: Int64?
    var camera: Int64?
    var ccd: Int64?
    var ra: Double?
    var dec: Double?
    var tessMagnitude: Double?
    var keplerMagnitude: Double?
    var teff: Double?
    var logg: Double?
    var mh: Double?
    var feh: Double?
    var radius: Double?
    var crowdsap: Double?
    var flfrcsap: Double?
    var bjdReferenceInteger: Double?
    var bjdReferenceFraction: Double?
    var timeUnit: String?
    var timeSystem: String?
    var tstart: Double?
    var tstop: Double?
    var exposure: Double?
    var timedel: Double?

    /// Reads the keywords of the file's current HDU.
    init(_ file: FITSFile) throws {
        telescope = try file.stringKeyword("TELESCOP")
        mission = try file.stringKeyword("MISSION")
        object = try file.stringKeyword("OBJECT")
        ticID = try file.intKeyword("TICID")
        keplerID = try file.intKeyword("KEPLERID")
        sector = try file.intKeyword("SECTOR")
        quarter = try file.intKeyword("QUARTER")
        campaign = try file.intKeyword("CAMPAIGN")
        camera = try file.intKeyword("CAMERA")
        ccd = try file.intKeyword("CCD")
        ra = try file.doubleKeyword("RA_OBJ")
        dec = try file.doubleKeyword("DEC_OBJ")
        tessMagnitude = try file.doubleKeyword("TESSMAG")
        keplerMagnitude = try file.doubleKeyword("KEPMAG")
        teff = try file.doubleKeyword("TEFF")
        logg = try file.doubleKeyword("LOGG")
        mh = try file.doubleKeyword("MH")
        feh = try file.doubleKeyword("FEH")
        radius = try file.doubleKeyword("RADIUS")
        crowdsap = try file.doubleKeyword("CROWDSAP")
        flfrcsap = try file.doubleKeyword("FLFRCSAP")
        bjdReferenceInteger = try file.doubleKeyword("BJDREFI")
        bjdReferenceFraction = try file.doubleKeyword("BJDREFF")
        timeUnit = try file.stringKeyword("TIMEUNIT")
        timeSystem = try file.stringKeyword("TIMESYS")
        tstart = try file.doubleKeyword("TSTART")
        tstop = try file.doubleKeyword("TSTOP")
        exposure = try file.doubleKeyword("EXPOSURE")
        timedel = try file.doubleKeyword("TIMEDEL")
    }

    /// This header, with absent values taken from `other`.
    func filled(from other: SPOCHeader) -> SPOCHeader {
        var result = self
        func fill<T>(_ keyPath: WritableKeyPath<SPOCHeader, T?>) {
            if result[keyPath: keyPath] == nil { result[keyPath: keyPath] = other[keyPath: keyPath] }
        }
        fill(\.telescope); fill(\.mission); fill(\.object); fill(\.ticID); fill(\.keplerID)
        fill(\.sector); fill(\.quarter); fill(\.campaign); fill(\.camera); fill(\.ccd)
        fill(\.ra); fill(\.dec); fill(\.tessMagnitude); fill(\.keplerMagnitude); fill(\.teff)
        fill(\.logg); fill(\.mh); fill(\.feh); fill(\.radius); fill(\.crowdsap); fill(\.flfrcsap)
        fill(\.bjdReferenceInteger); fill(\.bjdReferenceFraction); fill(\.timeUnit); fill(\.timeSystem)
        fill(\.tstart); fill(\.tstop); fill(\.exposure); fill(\.timedel)
        return result
    }
}
