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
/// which is ignored and replaced on the next attempt. Nothing in the cache is ever modified after it
/// was stored; calibration happens when a dataset is loaded.
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

    /// A file-name-safe form of a catalog identifier, for cache paths.
    public static func safeName(_ id: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+.")
        var cleaned = String(id.map { allowed.contains($0) ? $0 : "_" })
        while cleaned.contains("..") { cleaned = cleaned.replacingOccurrences(of: "..", with: "_") }
        return cleaned.isEmpty || cleaned == "." ? "_" : cleaned
    }

    /// Absolute location of a cached file.
    public func url(for relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The cached file at `relativePath` if it exists (a cache hit touches no network).
    public func existing(_ relativePath: String) throws -> CachedFile? {
        let url = url(for: relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try describe(relativePath)
    }

    /// Stores a file produced by `write`, which must write the complete file at the URL it is given.
    ///
    /// - Parameters:
    ///   - relativePath: where the file goes under the cache root; folders are created.
    ///   - verify: called on the finished temporary file before it is moved into place; throw to reject it.
    /// - Returns: the stored file's description, with size and SHA-256.
    public func store(
        _ relativePath: String, verify: (URL) throws -> Void = { _ in }, write: (URL) throws -> Void
    ) throws -> CachedFile {
        let final = url(for: relativePath)
        let folder = final.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(final.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CacheError.cannotCreate(path: folder.path, reason: error.localizedDescription)
        }
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
        return try describe(relativePath)
    }

    /// Stores bytes (e.g. an HTTP response body).
    public func store(_ relativePath: String, data: Data, verify: (URL) throws -> Void = { _ in }) throws -> CachedFile {
        try store(relativePath, verify: verify) { url in try data.write(to: url) }
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
