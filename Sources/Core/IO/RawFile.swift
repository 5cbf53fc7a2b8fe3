import Foundation

/// What a raw light-curve file is and which datasets it holds, whoever downloaded it.
public enum RawFile {
    /// The format of a raw file, from its first bytes and header.
    ///
    /// FITS files (`SIMPLE  =`) are SPOC light curves when their `LIGHTCURVE` extension has `TIME`
    /// and `PDCSAP_FLUX` (TESS 2-minute `*_lc.fits` and 20-second `*_fast-lc.fits`, Kepler/K2
    /// `*_llc.fits`), light-curve tables when their table has a time and a flux column under the
    /// usual names (``LightcurveTable/Columns``), and else SPOC files again, so that the SPOC
    /// reader says what is wrong. CSV with a header naming `oid` and `mjd` is an IRSA ZTF answer;
    /// other CSV, ECSV, IPAC and VOTable files with a time and a flux column are light-curve tables.
    /// - Throws: ``RawFileError/unknownFormat(path:)`` for anything else.
    public static func format(of url: URL) throws -> RawFormat {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw RawFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        if head.starts(with: Data("SIMPLE  =".utf8)) { return fitsFormat(url) }
        let firstLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let columns = Set(firstLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        if columns.contains("oid") && columns.contains("mjd") { return .ztfIRSACSV }
        if let layout = try? LightcurveTable.layout(of: url), layout.hasLightcurveColumns { return .lightcurveTable }
        throw RawFileError.unknownFormat(path: url.path)
    }

    /// SPOC light curve or light-curve table; `.spocFITS` when the file cannot be probed.
    static func fitsFormat(_ url: URL) -> RawFormat {
        guard let file = try? FITSFile.open(url) else { return .spocFITS }
        if (try? file.moveToExtension(named: "LIGHTCURVE")) != nil, let names = try? file.columnNames.map({ $0.uppercased() }),
            names.contains("TIME") && names.contains("PDCSAP_FLUX")
        {
            return .spocFITS
        }
        try? file.close()
        if let layout = try? LightcurveTable.layout(of: url), layout.hasLightcurveColumns { return .lightcurveTable }
        return .spocFITS
    }

    /// The datasets in a cached raw file, with the default calibration of its format: one per
    /// object (`oid`) of a ZTF response, banded "ZTF g/r/i"; one per SPOC file, banded by mission;
    /// one per light-curve table, banded "TESS" when its header or name says so and "table"
    /// otherwise (``LightcurveTable/Layout/band``), with its columns and time system resolved
    /// once and stored in the calibration, and every non-zero quality rejected.
    ///
    /// - Parameters:
    ///   - timeSystem: The time system of a light-curve table, overriding what it says; required
    ///     for a table whose time column and header do not say it. Ignored for other formats,
    ///     whose files fix their time systems.
    ///   - columns: Column names of a light-curve table, overriding the usual names.
    ///   - band: The band label of a light-curve table, overriding the one derived from the file.
    /// - Throws: ``LightcurveTableError/unknownTimeSystem(path:column:)`` for a table without a
    ///   time system, and the readers' errors naming the file.
    ///
    /// With `matching`, a ZTF object is kept only if its median position lies within `within`
    /// arcseconds of the star's position moved by its proper motion to the object's median epoch:
    /// a cone search also returns neighbours, which must not end up on this star's light curve.
    public static func datasets(
        in file: CachedFile, cache: RawCache, observatory: String, matching entry: CatalogEntry? = nil, within radius: Double = 2,
        timeSystem: TimeSystem? = nil, columns: LightcurveTable.Columns = LightcurveTable.Columns(), band: String? = nil
    ) throws -> [PhotometricDataset] {
        let url = cache.url(for: file.relativePath)
        switch try format(of: url) {
        case .ztfIRSACSV:
            let table = try ZTFLightcurveTable.read(from: url)
            let objects = table.objects.filter { object in
                guard let entry else { return true }
                let ras = object.rows.map { table.ra[$0] }.filter(\.isFinite)
                guard let ra = FileInspection.circularMedian(ras), let dec = Statistics.median(object.rows.map { table.dec[$0] }),
                    let mjd = Statistics.median(object.rows.map { table.mjd[$0] })
                else { return true }
                let expected = entry.position(atEpoch: 2000 + (mjd - 51_544.5) / 365.25)
                return angularSeparation(ra, dec, expected.ra, expected.dec) * 3600 <= radius
            }
            return objects.map { object in
                PhotometricDataset(
                    observatory: observatory, format: .ztfIRSACSV, file: file, selection: String(object.oid),
                    band: ztfBand(object.filter), calibration: .ztfMagnitudeToMicrojansky(bad: .defaultBad))
            }
        case .spocFITS:
            let mission = try SPOCLightcurve.mission(of: url)
            return [
                PhotometricDataset(
                    observatory: observatory, format: .spocFITS, file: file, selection: nil, band: mission.rawValue,
                    calibration: mission == .tess
                        ? .spocNormalizedPDCSAP(bad: .defaultBad) : .keplerNormalizedPDCSAP(bad: .defaultBad))
            ]
        case .lightcurveTable:
            let layout = try LightcurveTable.layout(of: url)
            let resolved = try layout.resolve(columns)
            let time = resolved.time ?? "time"
            guard let system = timeSystem ?? layout.timeSystem(of: time) else {
                throw LightcurveTableError.unknownTimeSystem(path: url.path, column: time)
            }
            // A TESS table's quality column is SPOC's QUALITY: reject what a SPOC file's calibration
            // rejects (lightkurve's default bits), and keep the cosmic-ray and impulsive-outlier
            // flags that real flare peaks carry; the search itself rejects one-cadence spikes.
            // Any other table: any non-zero quality is rejected.
            let chosenBand = band ?? layout.band
            let bad = chosenBand == "TESS" ? SPOCQualityFlags.defaultBad.rawValue : LightcurveTable.anyQualityBit
            return [
                PhotometricDataset(
                    observatory: observatory, format: .lightcurveTable, file: file, selection: nil, band: chosenBand,
                    calibration: .lightcurveTable(timeSystem: system, columns: resolved, bad: bad))
            ]
        }
    }

    /// Every dataset of a file on disk, calibrated and combined per band (for quick looks).
    /// - Parameter timeSystem: The time system of a light-curve table whose columns and header do
    ///   not say it (or to override what they say); see ``datasets(in:cache:observatory:matching:within:timeSystem:columns:band:)``.
    public static func lightcurves(of url: URL, timeSystem: TimeSystem? = nil) throws -> [BandLightcurve] {
        let folder = url.deletingLastPathComponent()
        let cache = try RawCache(root: folder, create: false)
        let name = url.lastPathComponent
        guard let file = try cache.existing(name) else { throw RawFileError.unreadable(path: url.path, reason: "no such file") }
        let source = Source(
            entry: CatalogEntry(id: name, ra: 0, dec: 0),
            datasets: try datasets(in: file, cache: cache, observatory: "file", timeSystem: timeSystem))
        return try source.lightcurves(cache: cache)
    }

    /// Angle between two positions, degrees (haversine: exact at arcsecond separations).
    public static func angularSeparation(_ ra1: Double, _ dec1: Double, _ ra2: Double, _ dec2: Double) -> Double {
        let r = Double.pi / 180
        let a = pow(sin((dec2 - dec1) * r / 2), 2) + cos(dec1 * r) * cos(dec2 * r) * pow(sin((ra2 - ra1) * r / 2), 2)
        return 2 * asin(min(1, a.squareRoot())) / r
    }

    /// "zg" → "ZTF g".
    public static func ztfBand(_ filtercode: String) -> String {
        "ZTF " + (filtercode.hasPrefix("z") ? String(filtercode.dropFirst()) : filtercode)
    }
}

public enum RawFileError: Error, LocalizedError, Equatable, FileError {
    case unknownFormat(path: String)
    case unreadable(path: String, reason: String)

    public var path: String? {
        switch self {
        case let .unknownFormat(p), let .unreadable(p, _): return p
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .unknownFormat(p):
            return "\(p): not a light-curve file this tool reads (expected SPOC FITS, IRSA ZTF CSV, or a CSV, ECSV, IPAC, "
                + "VOTable or FITS table with a time and a flux column)"
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        }
    }
}
