import Foundation
import Logging

/// ZTF light curves from IRSA's light-curve service (`nph_light_curves`).
///
/// Asks for everything within `radius` of the star's position, moved by its proper motion to
/// `epoch` (mid-survey), as CSV with `BAD_CATFLAGS_MASK`. The answer is parsed before it is stored:
/// a truncated or malformed body is retried and never reaches the cache. An answer with no rows is
/// recorded as a `.nothing` marker, so a rerun does not ask again. Optional credentials come from
/// the environment (`IRSA_USER`, `IRSA_PASSWORD`), as HTTP basic authentication.
///
/// Reference: IRSA, "ZTF Lightcurve Queries" (API documentation of `nph_light_curves`).
public struct ZTFArchive: VirtualObservatory {
    public var baseURL: URL
    /// Search radius, arcseconds.
    public var radius: Double
    /// `BAD_CATFLAGS_MASK`: epochs with these `catflags` bits are dropped by IRSA.
    public var badCatflagsMask: Int32
    /// Epoch (Julian year) the catalog position is moved to before the query.
    public var epoch: Double
    public var retry: RetryPolicy
    let client: any HTTPClient
    let credentials: (user: String, password: String)?

    public init(
        baseURL: URL = URL(string: "https://irsa.ipac.caltech.edu")!, radius: Double = 2, badCatflagsMask: Int32 = 32768,
        epoch: Double = 2021.0, retry: RetryPolicy = RetryPolicy(), client: any HTTPClient = URLSessionHTTPClient(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.baseURL = baseURL
        self.radius = radius
        self.badCatflagsMask = badCatflagsMask
        self.epoch = epoch
        self.retry = retry
        self.client = client
        if let user = environment["IRSA_USER"], let password = environment["IRSA_PASSWORD"] {
            credentials = (user, password)
        } else {
            credentials = nil
        }
    }

    public var name: String { "ztf" }
    public var isSynthetic: Bool { false }
    public var description: String {
        "ZTF via IRSA nph_light_curves at \(baseURL.absoluteString), radius \(radius)″, BAD_CATFLAGS_MASK \(badCatflagsMask), positions at epoch \(epoch)"
    }

    /// The query URL for a catalog entry.
    public func queryURL(for entry: CatalogEntry) -> URL {
        let (ra, dec) = entry.position(atEpoch: epoch)
        var components = URLComponents(
            url: baseURL.appendingPathComponent("cgi-bin/ZTF/nph_light_curves"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "POS", value: String(format: "CIRCLE %.7f %.7f %.9f", ra, dec, radius / 3600)),
            URLQueryItem(name: "BAD_CATFLAGS_MASK", value: String(badCatflagsMask)),
            URLQueryItem(name: "FORMAT", value: "CSV"),
        ]
        return components.url!
    }

    public func fetch(_ entry: CatalogEntry, into cache: RawCache, logger: Logger) async throws -> [CachedFile] {
        let folder = "\(name)/\(RawCache.safeName(entry.id))"
        let path = "\(folder)/ztf_lc_r\(radius)_m\(badCatflagsMask).csv"
        if let hit = try cache.existing(path) { return [hit] }
        if try cache.existing(path + ".nothing") != nil { return [] }
        let url = queryURL(for: entry)
        var headers: [String: String] = [:]
        if let credentials {
            headers["Authorization"] = "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
        }
        let body = try await retry.fetch(url, headers: headers, client: client, logger: logger) { response in
            // Parse before storing: a damaged body must never look like a good file.
            let table = try ZTFLightcurveTable(csv: CSVTable(data: response.body, source: url.absoluteString), source: url.absoluteString)
            return (response.body, table.count)
        }
        if body.1 == 0 {
            _ = try cache.store(path + ".nothing", data: Data())
            return []
        }
        return [try cache.store(path, data: body.0, request: url.absoluteString)]
    }

    public func datasets(in file: CachedFile, for entry: CatalogEntry, cache: RawCache) throws -> [PhotometricDataset] {
        try RawFile.datasets(in: file, cache: cache, observatory: name, matching: entry, within: radius)
    }
}

extension CatalogEntry {
    /// RA and Dec (degrees) moved by the proper motion from the catalog epoch to `target` (Julian
    /// years), to first order — ample for the arcsecond matching radii of light-curve services.
    /// Entries without proper motion keep their position.
    public func position(atEpoch target: Double) -> (ra: Double, dec: Double) {
        let years = target - epoch
        let pmDec = pmdec ?? 0
        let pmRA = pmra ?? 0  // µα* = µα cos δ
        let dec2 = dec + pmDec * years / 3.6e6
        let cosDec = max(cos(dec * .pi / 180), 1e-9)
        var ra2 = ra + pmRA * years / 3.6e6 / cosDec
        ra2 = ra2.truncatingRemainder(dividingBy: 360)
        if ra2 < 0 { ra2 += 360 }
        return (ra2, min(max(dec2, -90), 90))
    }
}
