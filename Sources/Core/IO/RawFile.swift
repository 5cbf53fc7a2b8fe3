import Foundation

/// What a raw light-curve file is and which datasets it holds, whoever downloaded it.
public enum RawFile {
    /// The format of a raw file, from its first bytes: FITS files begin with `SIMPLE  =`, IRSA ZTF
    /// CSV with a header naming `oid` and `mjd`.
    /// - Throws: ``RawFileError/unknownFormat(path:)`` for anything else.
    public static func format(of url: URL) throws -> RawFormat {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw RawFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        if head.starts(with: Data("SIMPLE  =".utf8)) { return .spocFITS }
        let firstLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let columns = Set(firstLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        if columns.contains("oid") && columns.contains("mjd") { return .ztfIRSACSV }
        throw RawFileError.unknownFormat(path: url.path)
    }

    /// The datasets in a cached raw file, with the default calibration of its format: one per
    /// object (`oid`) of a ZTF response, banded "ZTF g/r/i"; one per SPOC file, banded by mission.
    ///
    /// With `matching`, a ZTF object is kept only if its median position lies within `within`
    /// arcseconds of the star's position moved by its proper motion to the object's median epoch:
    /// a cone search also returns neighbours, which must not end up on this star's light curve.
    public static func datasets(
        in file: CachedFile, cache: RawCache, observatory: String, matching entry: CatalogEntry? = nil, within radius: Double = 2
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
            let lc = try SPOCLightcurve.read(from: url)
            return [
                PhotometricDataset(
                    observatory: observatory, format: .spocFITS, file: file, selection: nil, band: lc.mission.rawValue,
                    calibration: lc.mission == .tess
                        ? .spocNormalizedPDCSAP(bad: .defaultBad) : .keplerNormalizedPDCSAP(bad: .defaultBad))
            ]
        }
    }

    /// Every dataset of a file on disk, calibrated and combined per band (for quick looks).
    public static func lightcurves(of url: URL) throws -> [BandLightcurve] {
        let folder = url.deletingLastPathComponent()
        let cache = try RawCache(root: folder, create: false)
        let name = url.lastPathComponent
        guard let file = try cache.existing(name) else { throw RawFileError.unreadable(path: url.path, reason: "no such file") }
        let source = Source(
            entry: CatalogEntry(id: name, ra: 0, dec: 0), datasets: try datasets(in: file, cache: cache, observatory: "file"))
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
            return "\(p): not a light-curve file this tool reads (expected SPOC FITS or IRSA ZTF CSV)"
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        }
    }
}
