import Foundation
import Logging

/// TESS SPOC light curves from MAST.
///
/// Three steps through MAST's Mashup API (`POST /api/v0/invoke`, form field `request` holding the
/// JSON request; answers are JSON with `status`, `fields` and `data`, repeated while `status` is
/// `EXECUTING`):
/// 1. `Mast.Catalogs.Tic.Cone` at the star's position (proper motion applied): the nearest TIC star
///    within `radius`;
/// 2. `Mast.Caom.Filtered` for `obs_collection = TESS`, `dataproduct_type = timeseries`,
///    `target_name = <TIC id>`: the star's time-series observations;
/// 3. `Mast.Caom.Products` per observation, keeping the SPOC light curves (`productSubGroupDescription
///    = LC`, `*_lc.fits`; `FAST-LC`, `*_fast-lc.fits`, when asked for), each downloaded from `/api/v0.1/Download/file?uri=<dataURI>`.
/// Every file is read with CFITSIO before it is moved into the cache, so a truncated download is
/// retried and never cached. A star with no TIC match or no light curve gets a `.nothing` marker.
public struct TESSArchive: VirtualObservatory {
    public var baseURL: URL
    /// TIC match radius, arcseconds.
    public var radius: Double
    public var epoch: Double
    public var retry: RetryPolicy
    /// Product subgroups to download: "LC" (2-minute) and/or "FAST-LC" (20-second).
    public var productGroups: Set<String>
    let client: any HTTPClient

    public init(
        baseURL: URL = URL(string: "https://mast.stsci.edu")!, radius: Double = 10, epoch: Double = 2020.0,
        retry: RetryPolicy = RetryPolicy(), productGroups: Set<String> = ["LC"], client: any HTTPClient = URLSessionHTTPClient()
    ) {
        self.baseURL = baseURL
        self.radius = radius
        self.epoch = epoch
        self.retry = retry
        self.productGroups = productGroups
        self.client = client
    }

    public var name: String { "tess" }
    public var isSynthetic: Bool { false }
    public var description: String {
        "TESS SPOC light curves (\(productGroups.sorted().joined(separator: ", "))) via MAST at \(baseURL.absoluteString), TIC match within \(radius)″ at epoch \(epoch)"
    }

    public func fetch(_ entry: CatalogEntry, into cache: RawCache, logger: Logger) async throws -> [CachedFile] {
        let folder = "\(name)/\(RawCache.safeName(entry.id))"
        let index = "\(folder)/products.json"
        if try cache.existing(folder + "/.nothing") != nil { return [] }
        // The product list of an earlier run tells which files to expect: a rerun fetches only the missing ones.
        var products: [String]
        if let listed = try cache.existing(index) {
            products = try JSONDecoder().decode([String].self, from: Data(contentsOf: cache.url(for: listed.relativePath)))
        } else {
            let (ra, dec) = entry.position(atEpoch: epoch)
            let tic = try await invoke(
                "Mast.Catalogs.Tic.Cone", params: ["ra": ra, "dec": dec, "radius": radius / 3600], logger: logger)
            guard let nearest = tic.min(by: { ($0["dstArcSec"] as? Double ?? .infinity) < ($1["dstArcSec"] as? Double ?? .infinity) }),
                let ticID = Self.text(nearest["ID"])
            else {
                _ = try cache.store(folder + "/.nothing", data: Data())
                return []
            }
            let observations = try await invoke(
                "Mast.Caom.Filtered",
                params: [
                    "columns": "*",
                    "filters": [
                        ["paramName": "obs_collection", "values": ["TESS"]],
                        ["paramName": "dataproduct_type", "values": ["timeseries"]],
                        ["paramName": "target_name", "values": [ticID]],
                    ],
                ], logger: logger)
            products = []
            for observation in observations {
                guard let obsid = Self.text(observation["obsid"]) else { continue }
                for product in try await invoke("Mast.Caom.Products", params: ["obsid": obsid], logger: logger) {
                    guard let group = product["productSubGroupDescription"] as? String, productGroups.contains(group),
                        let uri = product["dataURI"] as? String, uri.hasSuffix("_lc.fits") || uri.hasSuffix("_fast-lc.fits")
                    else { continue }
                    products.append(uri)
                }
            }
            products = Array(Set(products)).sorted()
            if products.isEmpty {
                _ = try cache.store(folder + "/.nothing", data: Data())
                return []
            }
            _ = try cache.store(index, data: try JSONEncoder().encode(products))
        }
        var files: [CachedFile] = []
        for uri in products {
            let path = "\(folder)/\(RawCache.safeName(String(uri.split(separator: "/").last ?? Substring(uri))))"
            if let hit = try cache.existing(path) {
                files.append(hit)
                continue
            }
            var components = URLComponents(
                url: baseURL.appendingPathComponent("api/v0.1/Download/file"), resolvingAgainstBaseURL: false)!
            components.queryItems = [URLQueryItem(name: "uri", value: uri)]
            let url = components.url!
            // Stored inside the retry loop: a body CFITSIO cannot read is refused (never renamed into
            // place) and asked for again.
            files.append(
                try await retry.fetch(url, client: client, logger: logger) { response in
                    try cache.store(path, data: response.body, request: url.absoluteString) { candidate in
                        _ = try SPOCLightcurve.read(from: candidate)
                    }
                })
        }
        return files
    }

    public func datasets(in file: CachedFile, for entry: CatalogEntry, cache: RawCache) throws -> [PhotometricDataset] {
        try RawFile.datasets(in: file, cache: cache, observatory: name)
    }

    /// One Mashup request; repeats while MAST says `EXECUTING`. Returns the `data` rows.
    func invoke(_ service: String, params: [String: Any], logger: Logger) async throws -> [[String: Any]] {
        let url = baseURL.appendingPathComponent("api/v0/invoke")
        let request: [String: Any] = ["service": service, "params": params, "format": "json", "pagesize": 100_000, "page": 1]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]), as: UTF8.self)
        for _ in 0..<60 {
            let answer = try await retry.fetch(url, method: .post, form: [("request", json)], client: client, logger: logger) {
                try Self.answer($0.body, service: service, url: url.absoluteString)
            }
            if let rows = answer { return rows }
            try await Task.sleep(nanoseconds: UInt64(max(retry.baseDelay, 0.01) * 1e9))
        }
        throw NetworkError.timedOut(url: url.absoluteString, seconds: 60 * max(retry.baseDelay, 0.01))
    }

    /// The `data` rows of a Mashup answer, nil while MAST says `EXECUTING`.
    /// - Throws: ``NetworkError/invalidResponse(url:reason:)`` for JSON that is not an object or has an
    ///   unknown status.
    public static func answer(_ body: Data, service: String, url: String) throws -> [[String: Any]]? {
        // A body that does not parse throws JSONSerialization's error, which the retry policy retries
        // (the transfer may have been damaged).
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw NetworkError.invalidResponse(url: url, reason: "\(service): not a JSON object")
        }
        let status = object["status"] as? String ?? "COMPLETE"
        switch status {
        case "COMPLETE": return object["data"] as? [[String: Any]] ?? []
        case "EXECUTING": return nil
        default: throw NetworkError.invalidResponse(url: url, reason: "\(service): status \(status): \(object["msg"] as? String ?? "")")
        }
    }

    /// A Mashup cell as text (MAST sends ids as strings or numbers).
    public static func text(_ value: Any?) -> String? {
        switch value {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        case let i as Int: return String(i)
        case let i as Int64: return String(i)
        default: return nil
        }
    }
}
