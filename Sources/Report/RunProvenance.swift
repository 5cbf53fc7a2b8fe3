import Core
import Foundation
import Plot

/// What an archived run was made with and from: `provenance.json` in every run archive.
///
/// - `run`: id, analysis, code version (package version and git commit), seed, parameter hash and
///   the catalog's name, checksum and size, as the run database records them;
/// - `software`: this tool's version, the Swift toolchain and every resolved package with its
///   version and revision — as `report analyses/<name>` recorded them when it built and ran the
///   analysis (`build.json` in the run folder: `swift --version`, the checkout's `Package.resolved`),
///   else as the checkout around the working directory has them (empty outside one) —, the
///   CFITSIO, Cairo and SQLite libraries linked in, and the operating system;
/// - `raw_files`: every raw file the run read — observatory, band, path in the raw cache, the
///   selection within it, size and SHA-256 as recorded when the run linked it, the request that
///   fetched it (URL or query, as the raw cache recorded it), when it was
///   retrieved (the cached file's modification time, where the cache still holds it) and whether
///   the archive includes it under `raw/` (`--with-raw`).
///
/// The file holds no time of archiving, so archiving the same run twice gives the same bytes.
struct RunProvenance: Codable {
    struct Run: Codable {
        var id: String
        var analysis: String
        var codeVersion: String
        var seed: Int64
        var parameterHash: String
        var catalogName: String
        var catalogChecksum: String
        var catalogCount: Int
    }

    struct Package: Codable {
        var identity: String
        var location: String
        var version: String?
        var revision: String?
    }

    struct Software: Codable {
        var virtualobserver: String
        var swift: String
        var packages: [Package]
        var cfitsio: String
        var cairo: String
        var sqlite: String
        var operatingSystem: String
    }

    struct RawFile: Codable, Hashable {
        var observatory: String
        var band: String
        var path: String
        var selection: String?
        var sizeBytes: Int64
        var sha256: String
        /// What was asked of the archive (URL without credentials, or query), as the raw cache
        /// recorded it; nil for synthetic files and files cached before requests were recorded.
        var request: String?
        /// ISO 8601, UTC; nil when the raw cache no longer holds the file.
        var retrieved: String?
        var included: Bool
    }

    /// What built an analysis: `build.json` in its run folder.
    struct Build: Codable {
        static let fileName = "build.json"
        var swift: String
        var packages: [Package]

        func write(to runDirectory: URL) throws {
            try PackageLayout.prettyJSON(self).write(to: runDirectory.appendingPathComponent(Self.fileName), options: .atomic)
        }

        static func read(from runDirectory: URL) -> Build? {
            guard let data = try? Data(contentsOf: runDirectory.appendingPathComponent(fileName)) else { return nil }
            return try? JSONDecoder().decode(Build.self, from: data)
        }
    }

    var run: Run
    var software: Software
    var rawFiles: [RawFile]

    /// Collects the provenance of the run in `store`; `withRaw` marks the raw files as included.
    static func collect(store: Store, run: RunRecord, runDirectory: URL, withRaw: Bool) throws -> RunProvenance {
        let cache = URL(fileURLWithPath: run.cacheDirectory)
        var seen = Set<String>()
        var files: [RawFile] = []
        for d in try store.datasets().sorted(by: { ($0.rawPath, $0.selection ?? "") < ($1.rawPath, $1.selection ?? "") }) {
            let key = "\(d.rawPath)|\(d.selection ?? "")"
            guard seen.insert(key).inserted else { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent(d.rawPath).path)
            let retrieved = (attributes?[.modificationDate] as? Date).map { iso8601($0) }
            files.append(
                RawFile(
                    observatory: d.observatory, band: d.band, path: d.rawPath, selection: d.selection, sizeBytes: d.sizeBytes,
                    sha256: d.sha256, request: RawCache.request(root: cache, relativePath: d.rawPath), retrieved: retrieved,
                    included: withRaw))
        }
        let build = Build.read(from: runDirectory)
            ?? Build(swift: swiftVersion(), packages: (try? PackageLayout.locate()).map { resolvedPackages(in: $0.root) } ?? [])
        return RunProvenance(
            run: Run(
                id: run.id, analysis: run.analysis, codeVersion: run.codeVersion, seed: run.seed, parameterHash: run.parameterHash,
                catalogName: run.catalogName, catalogChecksum: run.catalogChecksum, catalogCount: run.catalogCount),
            software: Software(
                virtualobserver: VirtualObserver.version, swift: build.swift, packages: build.packages,
                cfitsio: FITSFile.libraryVersion, cairo: Figure.cairoVersion, sqlite: (try? store.sqliteVersion()) ?? "unknown",
                operatingSystem: operatingSystem()),
            rawFiles: files)
    }

    func json() throws -> Data {
        try PackageLayout.prettyJSON(self, snakeCaseKeys: true)
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The first line of `swift --version`, or "unknown".
    static func swiftVersion() -> String {
        guard let text = PackageLayout.toolOutput(["swift", "--version"]) else { return "unknown" }
        return text.split(separator: "\n").first.map(String.init) ?? "unknown"
    }

    /// The pins of a checkout's `Package.resolved` (versions 2 and 3 of its format), sorted by identity.
    static func resolvedPackages(in root: URL) -> [Package] {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("Package.resolved")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let pins = object["pins"] as? [[String: Any]]
        else { return [] }
        return pins.compactMap { pin -> Package? in
            guard let identity = pin["identity"] as? String else { return nil }
            let state = pin["state"] as? [String: Any]
            return Package(
                identity: identity, location: pin["location"] as? String ?? "", version: state?["version"] as? String,
                revision: state?["revision"] as? String)
        }.sorted { $0.identity < $1.identity }
    }

    /// PRETTY_NAME of /etc/os-release and the kernel (`uname -sr`).
    static func operatingSystem() -> String {
        let release = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let pretty = release.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        let kernel = PackageLayout.toolOutput(["uname", "-sr"])?.trimmingCharacters(in: .whitespacesAndNewlines)
        return [pretty, kernel].compactMap { $0 }.joined(separator: ", ")
    }

}
