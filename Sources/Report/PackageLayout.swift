import Foundation

/// Where things are in a virtualobserver checkout: the package root, its analyses and templates.
public struct PackageLayout: Sendable {
    public let root: URL

    /// Finds the package root: the nearest folder, from `start` upwards, holding `Package.swift` and `analyses/`.
    /// - Throws: ``ReportError/notInPackage(_:)`` when there is none.
    public static func locate(from start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws
        -> PackageLayout
    {
        var folder = start.standardizedFileURL
        while true {
            let manifest = folder.appendingPathComponent("Package.swift").path
            let analyses = folder.appendingPathComponent("analyses").path
            if FileManager.default.fileExists(atPath: manifest) && FileManager.default.fileExists(atPath: analyses) {
                return PackageLayout(root: folder)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { throw ReportError.notInPackage(start.path) }
            folder = parent
        }
    }

    public init(root: URL) {
        self.root = root
    }

    public var templates: URL { root.appendingPathComponent("templates") }
    public var analysesFolder: URL { root.appendingPathComponent("analyses") }

    /// Names of the analyses: folders under `analyses/` holding at least one Swift file.
    public func analyses() -> [String] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: analysesFolder.path)) ?? []
        return names.filter { name in
            let folder = analysesFolder.appendingPathComponent(name)
            let files = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            return !name.hasPrefix(".") && files.contains { $0.hasSuffix(".swift") }
        }.sorted()
    }

    /// The checkout holding the analysis folder `path` (or, if there is no such folder, the current
    /// directory's checkout, whose analyses the error then lists) and the analysis's name.
    public static func locateAnalysis(_ path: String) throws -> (layout: PackageLayout, name: String) {
        let given = URL(fileURLWithPath: path)
        let layout = try FileManager.default.fileExists(atPath: given.path) ? locate(from: given) : locate()
        return (layout, try layout.analysis(named: path))
    }

    /// The analysis named by a path such as `analyses/flares`, `analyses/flares/` or `flares`.
    /// - Throws: ``ReportError/unknownAnalysis(_:available:)`` listing the analyses that exist.
    public func analysis(named path: String) throws -> String {
        let trimmed = path.split(separator: "/").last.map(String.init) ?? path
        let available = analyses()
        guard available.contains(trimmed) else { throw ReportError.unknownAnalysis(path, available: available) }
        return trimmed
    }

    /// A description of the checked-out code: package version, git commit, and whether it has local changes.
    public func codeVersion(packageVersion: String) -> String {
        guard let commit = Self.git(["rev-parse", "--short=12", "HEAD"], in: root) else {
            return "\(packageVersion) (not a git checkout)"
        }
        let dirty = !(Self.git(["status", "--porcelain", "--untracked-files=no"], in: root) ?? "").isEmpty
        return "\(packageVersion) (git \(commit)\(dirty ? ", with uncommitted changes" : ""))"
    }

    static func git(_ arguments: [String], in folder: URL) -> String? {
        toolOutput(["git", "-C", folder.path] + arguments)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Standard output of a command found on the `PATH` (standard error discarded), or nil when it
    /// cannot start or exits non-zero.
    static func toolOutput(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// Pretty, key-sorted JSON with a final line break: the files a run or an archive carries
    /// (`build.json`, `provenance.json`, `.zenodo.json`).
    static func prettyJSON<T: Encodable>(_ value: T, snakeCaseKeys: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if snakeCaseKeys { encoder.keyEncodingStrategy = .convertToSnakeCase }
        return try encoder.encode(value) + Data("\n".utf8)
    }
}

/// Errors of the `report` command and the renderer.
public enum ReportError: Error, LocalizedError, Equatable {
    case notInPackage(String)
    case unknownAnalysis(String, available: [String])
    case buildFailed(analysis: String, status: Int32)
    case analysisFailed(analysis: String, status: Int32)
    case noHandoff(analysis: String, path: String)
    case missingTemplate(name: String, folder: String)
    case templateError(name: String, message: String)
    case notARunFolder(String)
    case noTemplates(run: String)
    case notASubmission(String)
    case unknownSource(String, run: String)
    case notRendered(String)

    public var errorDescription: String? {
        switch self {
        case let .notInPackage(p):
            return "\(p) is not inside a virtualobserver checkout (no Package.swift with an analyses/ folder above it)"
        case let .unknownAnalysis(p, available):
            return "no analysis '\(p)'; the analyses are: "
                + (available.isEmpty ? "(none)" : available.map { "analyses/\($0)" }.joined(separator: ", "))
        case let .buildFailed(a, s): return "building analysis '\(a)' failed (swift build exited with \(s))"
        case let .analysisFailed(a, s): return "analysis '\(a)' failed (exit status \(s)); its message is above, and a run it started says in its database how far it got"
        case let .noHandoff(a, p): return "analysis '\(a)' finished without saying where its run is (\(p) missing)"
        case let .missingTemplate(n, f): return "template '\(n).mustache' not found in \(f)"
        case let .templateError(n, m): return "template '\(n)': \(m)"
        case let .notARunFolder(p): return "\(p) is not a run folder (no run.sqlite in it)"
        case let .notASubmission(p): return "\(p) is neither a run folder nor a `report submit` folder (no run.sqlite, no shards.sbatch with an --array line)"
        case let .unknownSource(name, run):
            return "no source '\(name)' in the run at \(run) (give a catalog id, a name as in the source table, or a database row id)"
        case let .notRendered(p): return "the run at \(p) has no report yet: render it first (report render \(p))"
        case let .noTemplates(r):
            return "\(r) holds no templates/ (rendered before runs kept their templates) and the working directory is not "
                + "inside a virtualobserver checkout: give --templates FOLDER"
        }
    }
}
