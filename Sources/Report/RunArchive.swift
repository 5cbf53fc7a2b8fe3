import Core
import Foundation

/// A run packed for archiving beside a paper: `<run-id>.tar.gz` holding the run folder (report,
/// figures, database, light-curve products, the templates that rendered it), `parameters.json`,
/// `provenance.json` (``RunProvenance``: software, libraries and every raw file with its checksum),
/// `CITATION.cff` and `.zenodo.json` (``DepositMetadata``: ready for a Zenodo deposit),
/// with `withRaw` the raw files themselves under `raw/` (their paths in the raw cache), and
/// `MANIFEST.sha256`, a list of the SHA-256 of every file in `sha256sum` format (so
/// `sha256sum -c MANIFEST.sha256` checks it too).
///
/// Archives are reproducible: files are stored sorted by name, with zero timestamps and owners, and
/// gzip records no name or time, so archiving the same run twice gives the same bytes.
public enum RunArchive {
    public static let manifestName = "MANIFEST.sha256"

    /// Writes the archive into `folder` (default: beside the run folder) and returns its location.
    ///
    /// `authors` ("Family, Given"; a name without a comma, such as a collaboration, is kept whole)
    /// are the creators in `CITATION.cff` and `.zenodo.json` (``DepositMetadata``); none given:
    /// git's `user.name`.
    /// - Throws: ``ArchiveError/noAuthor`` when there is no author; ``ArchiveError/rawFileMissing(_:_:)``
    ///   or ``ArchiveError/rawFileChanged(_:expected:found:)`` when `withRaw` and a raw file is not in
    ///   the cache as the run recorded it.
    public static func create(runDirectory: URL, into folder: URL? = nil, withRaw: Bool = false, authors: [String] = []) throws -> URL {
        let database = runDirectory.appendingPathComponent("run.sqlite")
        let store = try Store(url: database, readOnly: true)
        guard let run = try store.run() else { throw StoreError.notARun(path: database.path) }
        guard FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("index.html").path) else {
            throw ArchiveError.notRendered(runDirectory.path)
        }
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("vo-archive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        let root = staging.appendingPathComponent(run.id)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: runDirectory, to: root)
        for leftover in [
            "run.sqlite-wal", "run.sqlite-shm", "run.sqlite-journal", "run.sqlite.new", "run.sqlite.new-journal", ".lock", manifestName,
        ] {
            try? FileManager.default.removeItem(at: root.appendingPathComponent(leftover))
        }
        try Data((RunRenderer.pretty(run.parameters) + "\n").utf8).write(to: root.appendingPathComponent("parameters.json"))
        let deposit = try DepositMetadata.collect(store: store, run: run, authors: authors)
        try Data(deposit.citationCFF().utf8).write(to: root.appendingPathComponent("CITATION.cff"))
        try deposit.zenodoJSON().write(to: root.appendingPathComponent(".zenodo.json"))
        let provenance = try RunProvenance.collect(store: store, run: run, runDirectory: runDirectory, withRaw: withRaw)
        try provenance.json().write(to: root.appendingPathComponent("provenance.json"))
        if withRaw {
            let cache = URL(fileURLWithPath: run.cacheDirectory)
            for file in Set(provenance.rawFiles.map { RawFileKey(path: $0.path, size: $0.sizeBytes, sha256: $0.sha256) }).sorted(by: { $0.path < $1.path }) {
                let source = cache.appendingPathComponent(file.path)
                guard FileManager.default.fileExists(atPath: source.path) else { throw ArchiveError.rawFileMissing(source.path, run.id) }
                let found = try Checksum.sha256Hex(ofFileAt: source)
                guard found == file.sha256 else { throw ArchiveError.rawFileChanged(source.path, expected: file.sha256, found: found) }
                let target = root.appendingPathComponent("raw").appendingPathComponent(file.path)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: source, to: target)
            }
        }
        let files = try regularFiles(under: root)
        let manifest = try files.map { "\(try Checksum.sha256Hex(ofFileAt: root.appendingPathComponent($0)))  \($0)" }
            .joined(separator: "\n") + "\n"
        try Data(manifest.utf8).write(to: root.appendingPathComponent(manifestName))

        let destinationFolder = folder ?? runDirectory.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: destinationFolder, withIntermediateDirectories: true)
        let destination = destinationFolder.appendingPathComponent("\(run.id).tar.gz")
        let partial = destination.deletingLastPathComponent().appendingPathComponent(".\(run.id).tar.gz.partial-\(UUID().uuidString)")
        let command = "tar -C \(quote(staging.path)) --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner "
            + "--format=gnu -cf - \(quote(run.id)) | gzip -n -9 > \(quote(partial.path))"
        guard try shell(command) == 0 else {
            try? FileManager.default.removeItem(at: partial)
            throw ArchiveError.toolFailed(command: "tar | gzip", path: destination.path)
        }
        if rename(partial.path, destination.path) != 0 {
            try? FileManager.default.removeItem(at: partial)
            throw ArchiveError.toolFailed(command: "rename", path: destination.path)
        }
        return destination
    }

    private struct RawFileKey: Hashable {
        var path: String
        var size: Int64
        var sha256: String
    }

    /// What `verify` found.
    public struct Verification: Sendable {
        public var files: Int
        public var missing: [String]
        public var changed: [String]
        public var unlisted: [String]
        /// With `rerender`: files the unpacked run's new rendering changed, removed or added (nil: not
        /// rendered again).
        public var rerenderDifferences: [String]?
        public var ok: Bool { missing.isEmpty && changed.isEmpty && unlisted.isEmpty && (rerenderDifferences ?? []).isEmpty }

        public var description: String {
            if ok {
                return "ok: \(files) files match \(RunArchive.manifestName)"
                    + (rerenderDifferences == nil ? "" : "; rendered again from the archive alone, byte-identical")
            }
            return (missing.map { "missing:  \($0)" } + changed.map { "changed:  \($0)" } + unlisted.map { "unlisted: \($0)" }
                + (rerenderDifferences ?? []).map { "rendered differently: \($0)" })
                .joined(separator: "\n")
        }
    }

    /// Unpacks an archive into a temporary folder and checks every file against its manifest. With
    /// `rerender`, the unpacked run (if it matched) is then rendered again with its own templates —
    /// from the archive alone: no raw cache, no checkout — and every file is checked again.
    public static func verify(_ archive: URL, rerender: Bool = false) throws -> Verification {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vo-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try checkMembers(archive)
        guard try shell("tar -C \(quote(scratch.path)) -xzf \(quote(archive.path))") == 0 else {
            throw ArchiveError.unreadable(archive.path)
        }
        let tops = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        guard tops.count == 1 else { throw ArchiveError.unreadable(archive.path) }
        let root = scratch.appendingPathComponent(tops[0])
        guard let text = try? String(contentsOf: root.appendingPathComponent(manifestName), encoding: .utf8) else {
            throw ArchiveError.noManifest(archive.path)
        }
        var expected: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw ArchiveError.badManifestLine(archive.path, String(line)) }
            expected[String(parts[1].drop { $0 == " " })] = String(parts[0])
        }
        var result = try compare(root, expected)
        if rerender, result.ok {
            let own = root.appendingPathComponent(RunRenderer.templatesFolder)
            guard FileManager.default.fileExists(atPath: own.appendingPathComponent("index.mustache").path) else {
                throw ArchiveError.noTemplates(archive.path)
            }
            _ = try RunRenderer(runDirectory: root, templates: own).render()
            let again = try compare(root, expected)
            result.rerenderDifferences = again.missing + again.changed + again.unlisted
        }
        return result
    }

    /// The regular files under `root` (but the manifest) against the manifest's checksums.
    static func compare(_ root: URL, _ expected: [String: String]) throws -> Verification {
        let present = Set(try regularFiles(under: root)).subtracting([manifestName])
        var result = Verification(files: expected.count, missing: [], changed: [], unlisted: [])
        for (path, sum) in expected.sorted(by: { $0.key < $1.key }) {
            if !present.contains(path) {
                result.missing.append(path)
            } else if try Checksum.sha256Hex(ofFileAt: root.appendingPathComponent(path)) != sum {
                result.changed.append(path)
            }
        }
        result.unlisted = present.subtracting(expected.keys).sorted()
        return result
    }

    /// Refuses an archive holding anything but regular files and folders inside its one top folder:
    /// a symbolic or hard link, a device or a FIFO, an absolute path or one that climbs out with `..`
    /// (a link could make the manifest vouch for a file outside the archive).
    static func checkMembers(_ archive: URL) throws {
        let listing = try output("tar -tzvf \(quote(archive.path))")
        let names = try output("tar -tzf \(quote(archive.path))")
        guard let listing, let names else { throw ArchiveError.unreadable(archive.path) }
        for line in listing.split(separator: "\n") where !line.isEmpty {
            guard let type = line.first, type == "-" || type == "d" else {
                throw ArchiveError.unsafeMember(archive.path, String(line), "not a regular file or folder")
            }
        }
        for name in names.split(separator: "\n") where !name.isEmpty {
            if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                throw ArchiveError.unsafeMember(archive.path, String(name), "a path outside the archive")
            }
        }
    }

    /// The standard output of a shell command, nil when it fails.
    static func output(_ command: String) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -o pipefail; " + command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    static func regularFiles(under root: URL) throws -> [String] {
        var result: [String] = []
        for path in try FileManager.default.subpathsOfDirectory(atPath: root.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                result.append(path)
            }
        }
        return result.sorted()
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "set -o pipefail; " + command]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

public enum ArchiveError: Error, LocalizedError, Equatable {
    case notRendered(String)
    case toolFailed(command: String, path: String)
    case unreadable(String)
    case noManifest(String)
    case badManifestLine(String, String)
    case unsafeMember(String, String, String)
    case noTemplates(String)
    case rawFileMissing(String, String)
    case noAuthor
    case rawFileChanged(String, expected: String, found: String)

    public var errorDescription: String? {
        switch self {
        case let .notRendered(p): return "\(p) has no index.html: render the run first (report render)"
        case let .toolFailed(c, p): return "writing \(p) failed (\(c))"
        case let .unreadable(p): return "\(p) is not a run archive (tar.gz with one run folder)"
        case let .noManifest(p): return "\(p) holds no \(RunArchive.manifestName)"
        case let .badManifestLine(p, l): return "\(p): malformed manifest line '\(l)'"
        case let .unsafeMember(p, m, why): return "\(p): refused, member '\(m)' is \(why)"
        case let .rawFileMissing(p, r): return "raw file \(p) of run \(r) is not in the raw cache: run the analysis again to fetch it, or archive without --with-raw"
        case let .rawFileChanged(p, e, f): return "raw file \(p) changed since the run read it (SHA-256 \(f), recorded \(e)): not archived"
        case .noAuthor: return "no author for CITATION.cff and .zenodo.json: give --author \"Family, Given\" (repeatable), or set git's user.name"
        case let .noTemplates(p):
            return "\(p) holds no templates/ (archived before runs kept the templates that rendered them): it cannot be rendered again from the archive alone"
        }
    }
}
