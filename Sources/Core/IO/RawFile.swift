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
    public static func datasets(in file: CachedFile, cache: RawCache, observatory: String) throws -> [PhotometricDataset] {
        let url = cache.url(for: file.relativePath)
        switch try format(of: url) {
        case .ztfIRSACSV:
            let table = try ZTFLightcurveTable.read(from: url)
            return table.objects.map { object in
                PhotometricDataset(
                    observatory: observatory, format: .ztfIRSACSV, file: file, selection: String(object.oid),
                    band: ztfBand(object.filter), calibration: .ztfMagnitudeToMicrojansky(bad: .defaultBad))
            }
        case .spocFITS:
            let lc = try SPOCLightcurve.read(from: url)
            return [
                PhotometricDataset(
                    observatory: observatory, format: .spocFITS, file: file, selection: nil, band: lc.mission.rawValue,
                    calibration: .spocNormalizedPDCSAP(bad: .defaultBad))
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
