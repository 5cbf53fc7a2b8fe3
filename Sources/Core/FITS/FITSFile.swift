import CCFITSIO
import Foundation

/// An open FITS file: the one place that talks to CFITSIO.
///
/// `FITSFile` wraps a CFITSIO `fitsfile` handle and turns every status code into a thrown
/// ``FITSError`` that names the file, the HDU and, where relevant, the column or keyword.
/// Like CFITSIO itself, it has a *current HDU*: header and table calls act on it, and
/// ``moveToHDU(number:)`` or ``moveToExtension(named:)`` select another.
///
/// The file is closed when the value is released; call ``close()`` to close it earlier and to
/// see any error from flushing written data. A `FITSFile` is not `Sendable`: use it from one
/// thread (open one file per task instead of sharing one).
///
/// File names are taken literally (CFITSIO's "disk file" routines), so paths containing
/// brackets or other characters of CFITSIO's extended file-name syntax need no escaping.
///
/// ```swift
/// let file = try FITSFile.open(url)
/// try file.moveToExtension(named: "LIGHTCURVE")
/// let time = try file.readDoubles(column: "TIME")
/// let sector = try file.intKeyword("SECTOR")  // nil when absent
/// ```
public final class FITSFile {
    /// The file's location.
    public let url: URL
    /// The file's path, as quoted in errors.
    public let path: String
    /// Whether the file was opened for writing (created by ``create(_:)``).
    public let isWritable: Bool

    /// The CFITSIO handle; `nil` once closed.
    private var handle: UnsafeMutablePointer<fitsfile>?

    private init(url: URL, handle: UnsafeMutablePointer<fitsfile>, isWritable: Bool) {
        self.url = url
        self.path = url.path
        self.handle = handle
        self.isWritable = isWritable
    }

    deinit {
        if let handle {
            var status: Int32 = 0
            ffclos(handle, &status)
        }
    }

    /// Opens an existing FITS file read-only, positioned at the primary HDU.
    ///
    /// - Parameter url: A file URL.
    /// - Returns: The open file.
    /// - Throws: ``FITSError/cfitsio(path:operation:status:message:)`` when the file does not
    ///   exist or its primary header cannot be read (empty, truncated or not FITS).
    public static func open(_ url: URL) throws -> FITSFile {
        try FITSHeaderCheck.validate(url)
        var handle: UnsafeMutablePointer<fitsfile>?
        var status: Int32 = 0
        ffdkopn(&handle, url.path, READONLY, &status)
        if status != 0 {
            if let handle {
                var closeStatus: Int32 = 0
                ffclos(handle, &closeStatus)
            }
            throw FITSFile.error(path: url.path, operation: "open the file for reading", status: status)
        }
        guard let handle else {
            throw FITSError.cfitsio(
                path: url.path, operation: "open the file for reading", status: -1,
                message: "CFITSIO returned no file handle")
        }
        return FITSFile(url: url, handle: handle, isWritable: false)
    }

    /// Creates a new, empty FITS file, replacing any file already at `url`.
    ///
    /// Write the primary HDU with ``writePrimaryHeader(keywords:)`` (or let
    /// ``createBinaryTable(name:columns:keywords:)`` add an empty one), then ``close()`` to
    /// flush. Callers that must never leave a half-written file behind write to a temporary
    /// name and rename it once `close()` has returned.
    ///
    /// - Parameter url: A file URL; its directory must exist.
    /// - Returns: The open, writable file.
    /// - Throws: ``FITSError`` when the old file cannot be removed or the new one created.
    public static func create(_ url: URL) throws -> FITSFile {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw FITSError.cfitsio(
                    path: path, operation: "replace the existing file", status: -1,
                    message: error.localizedDescription)
            }
        }
        var handle: UnsafeMutablePointer<fitsfile>?
        var status: Int32 = 0
        ffdkinit(&handle, path, &status)
        guard status == 0, let handle else {
            throw FITSFile.error(path: path, operation: "create the file", status: status == 0 ? -1 : status)
        }
        return FITSFile(url: url, handle: handle, isWritable: true)
    }

    /// Flushes written data and closes the file.
    ///
    /// Closing twice is harmless. After closing, every other call throws
    /// ``FITSError/fileClosed(path:operation:)``.
    ///
    /// - Throws: ``FITSError/cfitsio(path:operation:status:message:)`` when flushing fails
    ///   (e.g. the disk is full); the handle is released either way.
    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        var status: Int32 = 0
        ffclos(handle, &status)
        try check(status, "close the file")
    }

    // MARK: - Plumbing shared by the FITSFile extensions

    /// The open handle, or a ``FITSError/fileClosed(path:operation:)`` error.
    func fptr(_ operation: @autoclosure () -> String) throws -> UnsafeMutablePointer<fitsfile> {
        guard let handle else { throw FITSError.fileClosed(path: path, operation: operation()) }
        return handle
    }

    /// Throws a ``FITSError/cfitsio(path:operation:status:message:)`` when `status` is non-zero.
    ///
    /// A read past the end of the file (status 107 or 108) in a file that does not end where its
    /// HDUs say it should becomes ``FITSError/truncatedOrCorrupt(path:detail:)``.
    func check(_ status: Int32, _ operation: @autoclosure () -> String) throws {
        guard status != 0 else { return }
        let error = FITSFile.error(path: path, operation: operation(), status: status)
        if status == END_OF_FILE || status == READ_ERROR, let problem = structuralProblem(),
            case .cfitsio(_, let operation, _, let message) = error
        {
            throw FITSError.truncatedOrCorrupt(
                path: path, detail: "\(problem) (while trying to \(operation): CFITSIO error \(status), \(message))")
        }
        throw error
    }

    /// Builds a CFITSIO error from the status code's text.
    ///
    /// CFITSIO's error-message stack (`ffgmsg`) is one per process, not per thread: while sources
    /// are read in parallel, it holds other threads' messages too, and reading it mid-push gave
    /// bytes of another call's buffer (a run's warning read "could not open the named file; ��@�p…;
    /// Failed to move to HDU number 3"). The stack is cleared, not read; what the message says
    /// beyond the status text (the file, what was being done) is ours.
    static func error(path: String, operation: String, status: Int32) -> FITSError {
        var text = [CChar](repeating: 0, count: Int(FLEN_STATUS) + 1)
        ffgerr(status, &text)
        ffcmsg()
        return .cfitsio(path: path, operation: operation, status: status, message: FITSFile.string(text))
    }

    /// The text of a NUL-terminated C character buffer.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A human-readable name for the current HDU, for error messages: its `EXTNAME`, or
    /// `PRIMARY`, or `HDU n`. Never throws and leaves CFITSIO's message stack as it was.
    var currentHDULabel: String {
        guard let handle else { return "?" }
        var number: Int32 = 0
        ffghdn(handle, &number)
        ffpmrk()
        defer { ffcmrk() }
        var value = [CChar](repeating: 0, count: Int(FLEN_VALUE) + 1)
        var status: Int32 = 0
        ffgkys(handle, "EXTNAME", &value, nil, &status)
        if status == 0 {
            let name = FITSFile.string(value).trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { return name }
        }
        return number == 1 ? "PRIMARY" : "HDU \(number)"
    }
}

@available(*, unavailable, message: "FITSFile wraps a CFITSIO handle; use one per thread")
extension FITSFile: Sendable {}

// MARK: - HDUs

extension FITSFile {
    /// The number of HDUs in the file, the primary HDU included.
    ///
    /// - Throws: ``FITSError`` when the file is closed or CFITSIO cannot count the HDUs.
    public var hduCount: Int {
        get throws {
            let fptr = try fptr("count the HDUs")
            var count: Int32 = 0
            var status: Int32 = 0
            ffthdu(fptr, &count, &status)
            try check(status, "count the HDUs")
            return Int(count)
        }
    }

    /// The number of the current HDU; the primary HDU is 1, as in CFITSIO.
    public var currentHDUNumber: Int {
        get throws {
            let fptr = try fptr("read the current HDU number")
            var number: Int32 = 0
            ffghdn(fptr, &number)
            return Int(number)
        }
    }

    /// The name of every HDU in file order: its `EXTNAME` (else `HDUNAME`), `PRIMARY` for an
    /// unnamed primary HDU, and an empty string for other unnamed HDUs.
    ///
    /// The current HDU is the same afterwards.
    ///
    /// - Throws: ``FITSError`` when a header cannot be read (for example, a truncated file).
    public var hduNames: [String] {
        get throws {
            let fptr = try fptr("list the HDU names")
            let count = try hduCount
            guard count > 0 else { return [] }
            let original = try currentHDUNumber
            var names: [String] = []
            for number in 1...count {
                try moveToHDU(number: number)
                let name = try stringKeyword("EXTNAME") ?? stringKeyword("HDUNAME")
                names.append(name ?? (number == 1 ? "PRIMARY" : ""))
            }
            var type: Int32 = 0
            var status: Int32 = 0
            ffmahd(fptr, Int32(original), &type, &status)
            try check(status, "return to HDU \(original)")
            return names
        }
    }

    /// Makes HDU `number` current; the primary HDU is 1.
    ///
    /// - Throws: ``FITSError/cfitsio(path:operation:status:message:)`` when there is no such
    ///   HDU or its header cannot be read.
    public func moveToHDU(number: Int) throws {
        let fptr = try fptr("move to HDU \(number)")
        var type: Int32 = 0
        var status: Int32 = 0
        ffmahd(fptr, Int32(clamping: number), &type, &status)
        try check(status, "move to HDU \(number)")
    }

    /// Makes the first HDU whose `EXTNAME` (or `HDUNAME`) equals `name` current.
    ///
    /// The comparison ignores case, as CFITSIO's `fits_movnam_hdu` does.
    ///
    /// - Throws: ``FITSError/missingExtension(path:name:)`` when no HDU has that name,
    ///   ``FITSError/truncatedOrCorrupt(path:detail:)`` when the search ran into bytes that are
    ///   not a complete HDU (a cut-short or garbled file), or
    ///   ``FITSError/cfitsio(path:operation:status:message:)`` for other CFITSIO errors.
    public func moveToExtension(named name: String) throws {
        let fptr = try fptr("move to extension '\(name)'")
        var cName = Array(name.utf8CString)
        var status: Int32 = 0
        ffpmrk()
        ffmnhd(fptr, ANY_HDU, &cName, 0, &status)
        if status == BAD_HDU_NUM {
            ffcmrk()
            if let problem = structuralProblem() {
                throw FITSError.truncatedOrCorrupt(path: path, detail: "looking for extension '\(name)': \(problem)")
            }
            throw FITSError.missingExtension(path: path, name: name)
        }
        try check(status, "move to extension '\(name)'")
    }

    /// Describes why the file does not end where its last readable HDU ends, or returns `nil`
    /// when it does. CFITSIO reports a cut-short or garbled HDU as "no such HDU"; this tells the
    /// two apart. Leaves the current HDU and CFITSIO's message stack as they were.
    func structuralProblem() -> String? {
        guard let handle,
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber
        else { return nil }
        ffpmrk()
        defer { ffcmrk() }
        var original: Int32 = 0
        ffghdn(handle, &original)
        defer {
            var type: Int32 = 0
            var status: Int32 = 0
            ffmahd(handle, original, &type, &status)
        }
        var count: Int32 = 0
        var type: Int32 = 0
        var status: Int32 = 0
        var headerStart: Int64 = 0
        var dataStart: Int64 = 0
        var dataEnd: Int64 = 0
        ffthdu(handle, &count, &status)
        ffmahd(handle, count, &type, &status)
        ffghadll(handle, &headerStart, &dataStart, &dataEnd, &status)
        guard status == 0 else { return nil }
        let fileSize = size.int64Value
        if fileSize < dataEnd {
            return "HDU \(count) needs \(dataEnd) bytes but the file has only \(fileSize)"
        }
        if fileSize > dataEnd {
            return "the \(fileSize - dataEnd) bytes after HDU \(count) (which ends at byte \(dataEnd)) "
                + "are not a readable FITS HDU"
        }
        return nil
    }
}

// MARK: - Header keywords

extension FITSFile {
    /// Reads a keyword of the current HDU as a string.
    ///
    /// Long strings written with the `CONTINUE` convention are returned whole, without quotes
    /// or trailing blanks. A keyword whose value is not a quoted string is returned as written
    /// (`TICID = 123` gives `"123"`).
    ///
    /// - Parameter name: The keyword name (case-insensitive).
    /// - Returns: The value, or `nil` when the keyword is absent or has no value.
    /// - Throws: ``FITSError`` on any other CFITSIO error.
    public func stringKeyword(_ name: String) throws -> String? {
        let fptr = try fptr("read keyword \(name)")
        var pointer: UnsafeMutablePointer<CChar>?
        var status: Int32 = 0
        ffpmrk()
        ffgkls(fptr, name, &pointer, nil, &status)
        defer {
            if let pointer {
                var freeStatus: Int32 = 0
                fffree(pointer, &freeStatus)
            }
        }
        if status == KEY_NO_EXIST || status == VALUE_UNDEFINED {
            ffcmrk()
            return nil
        }
        try check(status, "read keyword \(name) in HDU '\(currentHDULabel)' as a string")
        return pointer.map { String(cString: $0) }
    }

    /// Reads a keyword of the current HDU as a floating-point number.
    ///
    /// - Parameter name: The keyword name (case-insensitive).
    /// - Returns: The value, or `nil` when the keyword is absent or has no value (SPOC files
    ///   leave e.g. `TEFF` undefined for targets without a catalogue value).
    /// - Throws: ``FITSError`` when the value is not numeric or on any other CFITSIO error.
    public func doubleKeyword(_ name: String) throws -> Double? {
        let fptr = try fptr("read keyword \(name)")
        var value: Double = 0
        var status: Int32 = 0
        ffpmrk()
        ffgkyd(fptr, name, &value, nil, &status)
        if status == KEY_NO_EXIST || status == VALUE_UNDEFINED {
            ffcmrk()
            return nil
        }
        try check(status, "read keyword \(name) in HDU '\(currentHDULabel)' as a floating-point number")
        return value
    }

    /// Reads a keyword of the current HDU as a 64-bit integer, exactly.
    ///
    /// - Parameter name: The keyword name (case-insensitive).
    /// - Returns: The value, or `nil` when the keyword is absent or has no value.
    /// - Throws: ``FITSError`` when the value is not an integer or on any other CFITSIO error.
    public func intKeyword(_ name: String) throws -> Int64? {
        let fptr = try fptr("read keyword \(name)")
        var value: Int64 = 0
        var status: Int32 = 0
        ffpmrk()
        ffgkyjj(fptr, name, &value, nil, &status)
        if status == KEY_NO_EXIST || status == VALUE_UNDEFINED {
            ffcmrk()
            return nil
        }
        try check(status, "read keyword \(name) in HDU '\(currentHDULabel)' as an integer")
        return value
    }

    /// Reads a logical keyword of the current HDU.
    ///
    /// - Parameter name: The keyword name (case-insensitive).
    /// - Returns: The value, or `nil` when the keyword is absent or has no value.
    /// - Throws: ``FITSError`` when the value is not logical or on any other CFITSIO error.
    public func boolKeyword(_ name: String) throws -> Bool? {
        let fptr = try fptr("read keyword \(name)")
        var value: Int32 = 0
        var status: Int32 = 0
        ffpmrk()
        ffgkyl(fptr, name, &value, nil, &status)
        if status == KEY_NO_EXIST || status == VALUE_UNDEFINED {
            ffcmrk()
            return nil
        }
        try check(status, "read keyword \(name) in HDU '\(currentHDULabel)' as a logical")
        return value != 0
    }

    /// Every valued keyword of the current HDU, in header order.
    ///
    /// Commentary cards (`COMMENT`, `HISTORY`, blank) and keywords with an undefined value are
    /// left out; long strings continued over `CONTINUE` cards come back whole. Integers that
    /// do not fit in 64 bits and complex values are returned as `.string` with the raw text.
    ///
    /// - Throws: ``FITSError`` when the header cannot be read.
    public var allKeywords: [FITSKeyword] {
        get throws {
            let fptr = try fptr("read the header")
            var count: Int32 = 0
            var more: Int32 = 0
            var status: Int32 = 0
            ffghsp(fptr, &count, &more, &status)
            try check(status, "count the keywords in HDU '\(currentHDULabel)'")
            var keywords: [FITSKeyword] = []
            keywords.reserveCapacity(Int(count))
            var name = [CChar](repeating: 0, count: Int(FLEN_KEYWORD) + 1)
            var value = [CChar](repeating: 0, count: Int(FLEN_VALUE) + 1)
            var comment = [CChar](repeating: 0, count: Int(FLEN_COMMENT) + 1)
            guard count > 0 else { return [] }
            for index in 1...count {
                ffgkyn(fptr, index, &name, &value, &comment, &status)
                try check(status, "read keyword #\(index) in HDU '\(currentHDULabel)'")
                let keyName = FITSFile.string(name)
                let rawValue = FITSFile.string(value).trimmingCharacters(in: .whitespaces)
                guard !rawValue.isEmpty, keyName != "CONTINUE", keyName != "COMMENT", keyName != "HISTORY"
                else { continue }
                let parsed = try parseKeywordValue(name: keyName, raw: rawValue)
                keywords.append(FITSKeyword(name: keyName, value: parsed, comment: FITSFile.string(comment)))
            }
            return keywords
        }
    }

    /// Turns the raw value text of a card into a typed value.
    private func parseKeywordValue(name: String, raw: String) throws -> FITSKeyword.Value {
        if raw.hasPrefix("'") {
            // Read through ffgkls so that CONTINUE'd long strings come back whole.
            return .string(try stringKeyword(name) ?? "")
        }
        if raw == "T" { return .bool(true) }
        if raw == "F" { return .bool(false) }
        if let integer = Int64(raw) {
            return .int(integer)
        }
        let isInteger = raw.allSatisfy { $0.isNumber || $0 == "-" || $0 == "+" }
        if !isInteger, let number = Double(raw.replacingOccurrences(of: "D", with: "E")) {
            return .double(number)
        }
        return .string(raw)
    }
}

extension FITSFile {
    /// The version of the CFITSIO library built against, e.g. "4.2.0" (`CFITSIO_MAJOR.MINOR.MICRO`).
    public static var libraryVersion: String { "\(CFITSIO_MAJOR).\(CFITSIO_MINOR).\(CFITSIO_MICRO)" }
}
