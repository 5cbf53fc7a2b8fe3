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
                "Mast.Catalogs.Tic.Cone", params: Mashup.Cone(ra: ra, dec: dec, radius: radius / 3600), rows: Mashup.TICStar.self,
                logger: logger)
            guard let nearest = tic.min(by: { ($0.distance ?? .infinity) < ($1.distance ?? .infinity) }), let ticID = nearest.id?.text
            else {
                _ = try cache.store(folder + "/.nothing", data: Data())
                return []
            }
            let observations = try await invoke(
                "Mast.Caom.Filtered",
                params: Mashup.Filtered(
                    columns: "*",
                    filters: [
                        .init(paramName: "obs_collection", values: ["TESS"]), .init(paramName: "dataproduct_type", values: ["timeseries"]),
                        .init(paramName: "target_name", values: [ticID]),
                    ]), rows: Mashup.Observation.self, logger: logger)
            products = []
            for observation in observations {
                guard let obsid = observation.obsid?.text else { continue }
                for product in try await invoke(
                    "Mast.Caom.Products", params: Mashup.Products(obsid: obsid), rows: Mashup.Product.self, logger: logger)
                {
                    guard let group = product.productSubGroupDescription, productGroups.contains(group), let uri = product.dataURI,
                        uri.hasSuffix("_lc.fits") || uri.hasSuffix("_fast-lc.fits")
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
    func invoke<Params: Encodable & Sendable, Row: Decodable & Sendable>(
        _ service: String, params: Params, rows: Row.Type, logger: Logger
    ) async throws -> [Row] {
        let url = baseURL.appendingPathComponent("api/v0/invoke")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let request = Mashup.Request(service: service, params: params, format: "json", pagesize: 100_000, page: 1)
        let json = String(decoding: try encoder.encode(request), as: UTF8.self)
        for _ in 0..<60 {
            let answer = try await retry.fetch(url, method: .post, form: [("request", json)], client: client, logger: logger) {
                try Self.answer($0.body, rows: Row.self, service: service, url: url.absoluteString)
            }
            if let rows = answer { return rows }
            try await Task.sleep(nanoseconds: UInt64(max(retry.baseDelay, 0.01) * 1e9))
        }
        throw NetworkError.timedOut(url: url.absoluteString, seconds: 60 * max(retry.baseDelay, 0.01))
    }

    /// The `data` rows of a Mashup answer, nil while MAST says `EXECUTING`.
    /// - Throws: ``NetworkError/invalidResponse(url:reason:)`` for an unknown status; a decoding
    ///   error for a body that is not a Mashup answer (the retry policy asks again: the transfer may
    ///   have been damaged).
    public static func answer<Row: Decodable>(_ body: Data, rows: Row.Type, service: String, url: String) throws -> [Row]? {
        let answer = try JSONDecoder().decode(Mashup.Answer<Row>.self, from: body)
        switch answer.status ?? "COMPLETE" {
        case "COMPLETE": return answer.data ?? []
        case "EXECUTING": return nil
        case let status: throw NetworkError.invalidResponse(url: url, reason: "\(service): status \(status): \(answer.msg ?? "")")
        }
    }
}

/// MAST's Mashup API (`/api/v0/invoke`) as types: the request, the answer envelope, and the rows
/// this client reads. Rows are decoded leniently — a column of an unexpected type reads as
/// missing, as MAST's schemas drift — but the envelope must be an answer.
public enum Mashup {
    struct Request<Params: Encodable>: Encodable {
        var service: String
        var params: Params
        var format: String
        var pagesize: Int
        var page: Int
    }

    struct Cone: Encodable, Sendable {
        var ra: Double
        var dec: Double
        /// Degrees.
        var radius: Double
    }

    struct Filtered: Encodable, Sendable {
        struct Filter: Encodable, Sendable {
            var paramName: String
            var values: [String]
        }
        var columns: String
        var filters: [Filter]
    }

    struct Products: Encodable, Sendable {
        var obsid: String
    }

    /// `{"status": …, "msg": …, "data": [rows]}`; no status means COMPLETE.
    public struct Answer<Row: Decodable>: Decodable {
        public var status: String?
        public var msg: String?
        public var data: [Row]?
    }

    /// A cell MAST sends as a string or as a number (ids): its text.
    public struct Text: Decodable, Sendable, Hashable {
        public var text: String

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                text = s
            } else if let i = try? c.decode(Int64.self) {
                text = String(i)
            } else {
                let d = try c.decode(Double.self)
                text = d == d.rounded() && abs(d) < 9e15 ? String(Int64(d)) : String(d)
            }
        }
    }

    /// A row of `Mast.Catalogs.Tic.Cone`.
    public struct TICStar: Decodable, Sendable {
        public var id: Text?
        /// Distance from the cone's centre, arcseconds.
        public var distance: Double?

        enum CodingKeys: String, CodingKey { case id = "ID", distance = "dstArcSec" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = (try? c.decodeIfPresent(Text.self, forKey: .id)) ?? nil
            distance = (try? c.decodeIfPresent(Double.self, forKey: .distance)) ?? nil
        }
    }

    /// A row of `Mast.Caom.Filtered`.
    public struct Observation: Decodable, Sendable {
        public var obsid: Text?

        enum CodingKeys: String, CodingKey { case obsid }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            obsid = (try? c.decodeIfPresent(Text.self, forKey: .obsid)) ?? nil
        }
    }

    /// A row of `Mast.Caom.Products`.
    public struct Product: Decodable, Sendable {
        public var productSubGroupDescription: String?
        public var dataURI: String?
        public var obsid: Text?

        enum CodingKeys: String, CodingKey { case productSubGroupDescription, dataURI, obsid }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            productSubGroupDescription = (try? c.decodeIfPresent(String.self, forKey: .productSubGroupDescription)) ?? nil
            dataURI = (try? c.decodeIfPresent(String.self, forKey: .dataURI)) ?? nil
            obsid = (try? c.decodeIfPresent(Text.self, forKey: .obsid)) ?? nil
        }
    }
}
