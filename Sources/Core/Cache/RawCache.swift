import Foundation

/// A file that is in the raw cache: its path relative to the cache root, size and SHA-256.
public struct CachedFile: Sendable, Hashable, Codable {
    public var relativePath: String
    public var size: Int64
    public var sha256: String

    public init(relativePath: String, size: Int64, sha256: String) {
        self.relativePath = relativePath
        self.size = size
        self.sha256 = sha256
    }
}

/// The local cache of raw files exactly as the archives delivered them.
///
/// Files are written to a temporary name in the same folder, checked, and then renamed into place,
/// so a half-written file never looks like a good one: a crash leaves at most a `*.partial-*` file,
/// which is ignored, and removed by the next store into that folder once it is an hour old (younger
/// ones may belong to another process writing the same file). Nothing in the cache is ever modified
/// after it was stored; calibration happens when a dataset is loaded.
///
/// Every stored file gets a sidecar `.<name>.sha256` with its SHA-256 and size, and every cache hit
/// checks the file against it: a file changed after download (edited, damaged on disk, half-copied)
/// is set aside as `.<name>.changed-<time>` and reported, so the source fails with the path and the
/// next run downloads the file again. (Files that the cache did not store, such as a user's own
/// file opened with `report lightcurve`, have no sidecar and are read as they are.)
public struct RawCache: Sendable {
    public let root: URL

    /// - Parameter create: make the folder if it does not exist (readers that only look pass false).
    public init(root: URL, create: Bool = true) throws {
        self.root = root.standardizedFileURL
        guard create else { return }
        do {
            try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
        } catch {
            throw CacheError.cannotCreate(path: root.path, reason: error.localizedDescription)
        }
    }

    /// A file-name-safe form of a catalog identifier (or product name), one-to-one with it.
    ///
    /// An identifier made only of `[A-Za-z0-9-_+.]` that does not start with a dot is its own name,
    /// so ordinary ids stay readable (`TIC_12345`, `Gaia_DR3_...`). Any other — with a slash, a
    /// space, a NUL, a non-ASCII letter, `.` or `..`, or longer than 120 characters — becomes its
    /// cleaned form, shortened, then `~` and 16 hex digits of the SHA-256 of the exact id. `~` never
    /// appears in a name of the first kind, so two different ids never share a cache folder
    /// (`x/1`, `x_1` and `x?1` are three folders).
    public static func safeName(_ id: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+.".unicodeScalars)
        let plain = !id.isEmpty && !id.hasPrefix(".") && id.unicodeScalars.count <= 120
            && id.unicodeScalars.allSatisfy { allowed.contains($0) }
        if plain { return id }
        var cleaned = String(String.UnicodeScalarView(id.unicodeScalars.prefix(80).map { allowed.contains($0) ? $0 : "_" }))
        while cleaned.hasPrefix(".") { cleaned = "_" + cleaned.dropFirst() }
        return cleaned + "~" + Checksum.sha256Hex(of: Data(id.utf8)).prefix(16)
    }

    /// Absolute location of a cached file.
    public func url(for relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The cached file at `relativePath` if it exists (a cache hit touches no network), checked
    /// against the size and SHA-256 recorded when it was stored.
    /// - Throws: ``CacheError/checksumMismatch(path:expected:found:)`` when the file changed since;
    ///   it is then set aside, so that the next attempt fetches it again.
    public func existing(_ relativePath: String) throws -> CachedFile? {
        let url = url(for: relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let file = try describe(relativePath)
        if let recorded = try recorded(relativePath), recorded.sha256 != file.sha256 || recorded.size != file.size {
            let aside = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).changed-\(Int(Date().timeIntervalSince1970))")
            _ = rename(url.path, aside.path)
            try? FileManager.default.removeItem(at: sidecar(for: url))
            throw CacheError.checksumMismatch(
                path: url.path, expected: "\(recorded.sha256) (\(recorded.size) bytes)", found: "\(file.sha256) (\(file.size) bytes)")
        }
        return file
    }

    /// The checksum sidecar of a cached file.
    func sidecar(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).sha256")
    }

    /// The size and SHA-256 recorded when the file was stored (nil: no record).
    func recorded(_ relativePath: String) throws -> (sha256: String, size: Int64)? {
        guard let text = try? String(contentsOf: sidecar(for: url(for: relativePath)), encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count >= 2, let size = Int64(parts[1]) else { return nil }
        return (String(parts[0]), size)
    }

    /// Stores a file produced by `write`, which must write the complete file at the URL it is given.
    ///
    /// - Parameters:
    ///   - relativePath: where the file goes under the cache root; folders are created.
    ///   - verify: called on the finished temporary file before it is moved into place; throw to reject it.
    /// - Returns: the stored file's description, with size and SHA-256.
    ///   - request: what was asked of the archive for it (a URL without credentials, a query),
    ///     recorded in the sidecar for the run's provenance (``request(root:relativePath:)``).
    public func store(
        _ relativePath: String, request: String? = nil, verify: (URL) throws -> Void = { _ in }, write: (URL) throws -> Void
    ) throws -> CachedFile {
        let final = url(for: relativePath)
        let folder = final.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(final.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CacheError.cannotCreate(path: folder.path, reason: error.localizedDescription)
        }
        removeStalePartials(of: final)
        do {
            try write(temporary)
            try verify(temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        if rename(temporary.path, final.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CacheError.cannotStore(path: final.path, reason: reason)
        }
        let file = try describe(relativePath)
        // The sidecar, written the same way; without it the file is simply not checked later.
        let record = sidecar(for: final)
        let recordTemporary = folder.appendingPathComponent(".\(record.lastPathComponent).partial-\(UUID().uuidString)")
        // "request <text>" on a line of its own, control characters (a line break) made spaces.
        let requestLine = request.map { "request " + String(String.UnicodeScalarView($0.unicodeScalars.map { $0.value < 0x20 ? " " : $0 })) + "\n" } ?? ""
        if (try? Data("\(file.sha256) \(file.size)\n\(requestLine)".utf8).write(to: recordTemporary)) != nil,
            rename(recordTemporary.path, record.path) != 0
        {
            try? FileManager.default.removeItem(at: recordTemporary)
        }
        return file
    }

    /// Removes `.<name>.partial-*` files of `final` left by a killed download over an hour ago.
    private func removeStalePartials(of final: URL) {
        let folder = final.deletingLastPathComponent()
        let prefix = ".\(final.lastPathComponent).partial-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            let path = folder.appendingPathComponent(name).path
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > 3600
            {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// Stores bytes (e.g. an HTTP response body); `request` as in ``store(_:request:verify:write:)``.
    public func store(_ relativePath: String, data: Data, request: String? = nil, verify: (URL) throws -> Void = { _ in }) throws
        -> CachedFile
    {
        try store(relativePath, request: request, verify: verify) { url in try data.write(to: url) }
    }

    /// The request recorded when the file at `relativePath` under the cache `root` was stored (nil:
    /// none recorded — a synthetic file, or one cached before requests were recorded).
    public static func request(root: URL, relativePath: String) -> String? {
        let file = root.appendingPathComponent(relativePath)
        let sidecar = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).sha256")
        guard let text = try? String(contentsOf: sidecar, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("request ") }.map { String($0.dropFirst("request ".count)) }
    }

    private func describe(_ relativePath: String) throws -> CachedFile {
        let url = url(for: relativePath)
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            return CachedFile(relativePath: relativePath, size: size, sha256: try Checksum.sha256Hex(ofFileAt: url))
        } catch {
            throw CacheError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }
}

public enum CacheError: Error, LocalizedError, Equatable {
    case cannotCreate(path: String, reason: String)
    case cannotStore(path: String, reason: String)
    case unreadable(path: String, reason: String)
    case checksumMismatch(path: String, expected: String, found: String)

    public var errorDescription: String? {
        switch self {
        case let .cannotCreate(p, r): return "cannot create cache folder \(p): \(r)"
        case let .cannotStore(p, r): return "cannot store \(p) in the raw cache: \(r)"
        case let .unreadable(p, r): return "cannot read cached file \(p): \(r)"
        case let .checksumMismatch(p, e, f):
            return "cached file \(p) changed since it was downloaded: SHA-256 \(f), recorded \(e)"
        }
    }
}

extension CacheError: FileError {
    public var path: String? {
        switch self {
        case let .cannotCreate(p, _), let .cannotStore(p, _), let .unreadable(p, _), let .checksumMismatch(p, _, _):
            return p
        }
    }
}
