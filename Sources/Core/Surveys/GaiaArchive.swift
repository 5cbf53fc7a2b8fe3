import Foundation
import Logging

/// A query of the Gaia archive with cuts, written as ADQL.
///
/// ```swift
/// var query = GaiaQuery()
/// query.cone = .init(ra: 150, dec: 20, radius: 2)
/// query.magnitude = 8...16
/// query.colour = 2.0...5.0            // BP−RP: M dwarfs
/// query.minimumParallax = 20          // within 50 pc
/// ```
public struct GaiaQuery: Sendable, Hashable, Codable {
    public struct Cone: Sendable, Hashable, Codable {
        public var ra: Double
        public var dec: Double
        /// Degrees.
        public var radius: Double
        public init(ra: Double, dec: Double, radius: Double) {
            self.ra = ra
            self.dec = dec
            self.radius = radius
        }
    }

    public var table = "gaiadr3.gaia_source"
    public var columns = ["source_id", "ra", "dec", "phot_g_mean_mag", "bp_rp", "pmra", "pmdec", "parallax", "ref_epoch"]
    public var cone: Cone?
    /// `phot_g_mean_mag` range.
    public var magnitude: ClosedRange<Double>?
    /// `bp_rp` range.
    public var colour: ClosedRange<Double>?
    /// `parallax` lower limit, mas.
    public var minimumParallax: Double?
    /// `TOP n`; nil for all rows.
    public var maximumRows: Int?

    public init() {}

    /// The ADQL text. Identical cuts give identical text, which keys the cache.
    public var adql: String {
        var conditions: [String] = []
        if let cone {
            conditions.append(
                "1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', \(number(cone.ra)), \(number(cone.dec)), \(number(cone.radius))))")
        }
        if let magnitude { conditions.append("phot_g_mean_mag BETWEEN \(number(magnitude.lowerBound)) AND \(number(magnitude.upperBound))") }
        if let colour { conditions.append("bp_rp BETWEEN \(number(colour.lowerBound)) AND \(number(colour.upperBound))") }
        if let minimumParallax { conditions.append("parallax > \(number(minimumParallax))") }
        var text = "SELECT " + (maximumRows.map { "TOP \($0) " } ?? "") + columns.joined(separator: ", ") + " FROM \(table)"
        if !conditions.isEmpty { text += " WHERE " + conditions.joined(separator: " AND ") }
        return text + " ORDER BY source_id"
    }

    private func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }
}

/// The Gaia archive's TAP service (IVOA TAP 1.1 with UWS jobs).
///
/// Asynchronous queries (the default) submit a job with `PHASE=RUN`, poll its phase until
/// `COMPLETED` and fetch `results/result` as a VOTable; synchronous ones are silently capped by the
/// archive (2,000 rows for anonymous users), so a result whose length equals a cap — the sync cap,
/// or the query's own `TOP` — is reported with a warning. Results are cached by query text: the
/// same query is not asked twice.
public struct GaiaArchive: Sendable {
    public enum Mode: String, Sendable { case synchronous, asynchronous }

    public var baseURL: URL
    public var retry: RetryPolicy
    /// Seconds between phase polls.
    public var pollInterval: Double
    /// Longest a job may run, seconds.
    public var jobTimeout: Double
    /// Rows at which the archive cuts synchronous results.
    public var synchronousCap: Int
    let client: any HTTPClient

    public init(
        baseURL: URL = URL(string: "https://gea.esac.esa.int/tap-server/tap")!, retry: RetryPolicy = RetryPolicy(),
        pollInterval: Double = 2, jobTimeout: Double = 3600, synchronousCap: Int = 2000,
        client: any HTTPClient = URLSessionHTTPClient()
    ) {
        self.baseURL = baseURL
        self.retry = retry
        self.pollInterval = pollInterval
        self.jobTimeout = jobTimeout
        self.synchronousCap = synchronousCap
        self.client = client
    }

    /// The result of a query: the catalog, and whether its length hit a cap (so rows may be missing).
    public struct Result: Sendable {
        public var catalog: Catalog
        public var hitCap: Int?
        public var fromCache: Bool
    }

    /// Runs a query (or finds it in the cache) and returns its stars.
    public func catalog(_ query: GaiaQuery, mode: Mode = .asynchronous, cache: RawCache, logger: Logger) async throws -> Result {
        let adql = query.adql
        let path = "gaia/\(Checksum.sha256Hex(of: Data(adql.utf8)).prefix(24)).vot"
        var fromCache = true
        var file = try cache.existing(path)
        if file == nil {
            fromCache = false
            let body: Data
            switch mode {
            case .synchronous:
                var components = URLComponents(url: baseURL.appendingPathComponent("sync"), resolvingAgainstBaseURL: false)!
                components.queryItems = [
                    URLQueryItem(name: "REQUEST", value: "doQuery"), URLQueryItem(name: "LANG", value: "ADQL"),
                    URLQueryItem(name: "FORMAT", value: "votable"), URLQueryItem(name: "QUERY", value: adql),
                ]
                body = try await retry.fetch(components.url!, client: client, logger: logger) { response in
                    _ = try VOTableReader.read(response.body, source: components.url!.absoluteString)
                    return response.body
                }
            case .asynchronous:
                body = try await runJob(adql, logger: logger)
            }
            file = try cache.store(path, data: body, request: "ADQL (\(mode == .synchronous ? "sync" : "async"), \(baseURL.absoluteString)): \(adql)")
        }
        let url = cache.url(for: file!.relativePath)
        let table = try CatalogTable.read(from: url)
        let catalog = try Catalog(table: table, name: "Gaia: \(adql)")
        var cap: Int?
        if mode == .synchronous && catalog.count == synchronousCap { cap = synchronousCap }
        if let top = query.maximumRows, catalog.count == top { cap = top }
        if let cap {
            logger.warning("Gaia query returned exactly \(cap) rows, a cap: the result is probably cut short (\(adql))")
        }
        return Result(catalog: catalog, hitCap: cap, fromCache: fromCache)
    }

    /// Submits, polls and fetches one asynchronous job; returns the VOTable bytes.
    func runJob(_ adql: String, logger: Logger) async throws -> Data {
        let submit = baseURL.appendingPathComponent("async")
        let form = [("REQUEST", "doQuery"), ("LANG", "ADQL"), ("FORMAT", "votable"), ("PHASE", "RUN"), ("QUERY", adql)]
        // The archive answers 303 See Other to the job; the client follows it, so the job's URL is
        // the answering URL (or, if the redirect was not followed, the Location header).
        let job: URL = try await retry.fetch(submit, method: .post, form: form, client: client, logger: logger) { response in
            if let location = response.header("Location"), let url = URL(string: location, relativeTo: submit) {
                return url.absoluteURL
            }
            guard let url = response.url, url.path != submit.path else {
                throw NetworkError.invalidResponse(url: submit.absoluteString, reason: "no job URL in the answer")
            }
            return url
        }
        logger.info("Gaia job \(job.absoluteString) submitted")
        let started = Date()
        while true {
            let phase: String = try await retry.fetch(job.appendingPathComponent("phase"), client: client, logger: logger) {
                String(decoding: $0.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            }
            switch phase {
            case "COMPLETED":
                let result = job.appendingPathComponent("results/result")
                return try await retry.fetch(result, client: client, logger: logger) { response in
                    _ = try VOTableReader.read(response.body, source: result.absoluteString)
                    return response.body
                }
            case "ERROR", "ABORTED":
                let detail: String = (try? await retry.fetch(job.appendingPathComponent("error"), client: client, logger: logger) {
                    String(decoding: $0.body.prefix(2000), as: UTF8.self)
                }) ?? ""
                throw NetworkError.invalidResponse(url: job.absoluteString, reason: "job \(phase.lowercased()): \(detail)")
            case "PENDING", "QUEUED", "EXECUTING", "HELD", "SUSPENDED":
                guard Date().timeIntervalSince(started) < jobTimeout else {
                    throw NetworkError.timedOut(url: job.absoluteString, seconds: jobTimeout)
                }
                try await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            default:
                throw NetworkError.invalidResponse(url: job.absoluteString, reason: "unknown job phase '\(phase)'")
            }
        }
    }
}
