import Foundation

/// An exclusive advisory lock (`flock`) on a run folder, held while a run writes there; the lock
/// file records the holder's pid. The kernel releases it when the process ends, however it ends.
struct RunFolderLock {
    let descriptor: Int32

    init(folder: URL) throws {
        let path = folder.appendingPathComponent(".lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunFolderError.cannotLock(path: folder.path, reason: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            Foundation.close(fd)
            throw RunFolderError.busy(path: folder.path, holder: holder.flatMap { Int32($0) })
        }
        ftruncate(fd, 0)
        let pid = Data("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        descriptor = fd
    }

    func release() {
        flock(descriptor, LOCK_UN)
        Foundation.close(descriptor)
    }
}

public enum RunFolderError: Error, LocalizedError, Equatable, FileError {
    case busy(path: String, holder: Int32?)
    case cannotLock(path: String, reason: String)

    public var path: String? {
        switch self {
        case let .busy(p, _), let .cannotLock(p, _): return p
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .busy(p, holder):
            return "\(p) is in use by another run of the same analysis and inputs"
                + (holder.map { " (process \($0))" } ?? "") + "; wait for it to finish, or use another --output"
        case let .cannotLock(p, r): return "cannot lock run folder \(p): \(r)"
        }
    }
}
