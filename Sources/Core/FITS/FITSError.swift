import Foundation

/// An error raised while reading or writing a FITS file.
///
/// Every case carries the path of the file it concerns and, where it applies, the HDU
/// (extension name, or `HDU n` for an unnamed one), the column or keyword, and CFITSIO's own
/// status code and message, so that the description alone tells the reader what to fix.
///
/// ```swift
/// do {
///     let lightcurve = try SPOCLightcurve.read(from: url)
/// } catch let error as FITSError {
///     print(error.localizedDescription)
///     // "/data/tess_lc.fits: no column 'PDCSAP_FLUX' in HDU 'LIGHTCURVE'"
/// }
/// ```
public enum FITSError: Error, Sendable, Equatable {
    /// A CFITSIO call returned a non-zero status.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - operation: What was being done, e.g. `read column 'TIME' in HDU 'LIGHTCURVE'`.
    ///   - status: CFITSIO's status code (see `fitsio.h`, e.g. 107 = tried to read past end of file).
    ///   - message: CFITSIO's text for the status (`ffgerr`); not its error-message stack, which
    ///     is shared by every thread (``FITSFile``).
    case cfitsio(path: String, operation: String, status: Int32, message: String)
    /// No HDU has `EXTNAME` (or `HDUNAME`) equal to `name`.
    case missingExtension(path: String, name: String)
    /// The current table HDU has no column called `column`.
    case missingColumn(path: String, hdu: String, column: String)
    /// A column index is outside the table's columns.
    case columnIndexOutOfRange(path: String, hdu: String, index: Int, columnCount: Int)
    /// A keyword that the caller requires is absent from the header.
    case missingKeyword(path: String, hdu: String, keyword: String)
    /// The file's bytes do not end where its last readable HDU ends: it was cut short or has
    /// bytes that are not a valid HDU (found, e.g., while looking for an extension).
    case truncatedOrCorrupt(path: String, detail: String)
    /// A column exists but holds a type that cannot be read or written the way asked.
    ///
    /// `expected` describes what the call needs; `actual` is the column's `TFORMn`.
    case wrongColumnType(path: String, hdu: String, column: String, expected: String, actual: String)
    /// Arrays that must be of equal length are not (`path` is `nil` for a value built in memory).
    case lengthMismatch(path: String?, column: String, expected: Int, actual: Int)
    /// The header names no mission this reader knows (TESS, Kepler, K2).
    case unrecognizedMission(path: String, telescope: String?)
    /// The file was used after ``FITSFile/close()``.
    case fileClosed(path: String, operation: String)

    /// The file the error concerns (`nil` only for a value built in memory).
    public var path: String? {
        switch self {
        case .cfitsio(let path, _, _, _), .missingExtension(let path, _),
            .missingColumn(let path, _, _), .columnIndexOutOfRange(let path, _, _, _),
            .missingKeyword(let path, _, _), .wrongColumnType(let path, _, _, _, _),
            .unrecognizedMission(let path, _), .fileClosed(let path, _), .truncatedOrCorrupt(let path, _):
            return path
        case .lengthMismatch(let path, _, _, _):
            return path
        }
    }
}

extension FITSError: LocalizedError {
    public var errorDescription: String? {
        switch self {
        case .cfitsio(let path, let operation, let status, let message):
            return "\(path): CFITSIO error \(status) while trying to \(operation): \(message)"
        case .missingExtension(let path, let name):
            return "\(path): no extension named '\(name)'"
        case .missingColumn(let path, let hdu, let column):
            return "\(path): no column '\(column)' in HDU '\(hdu)'"
        case .columnIndexOutOfRange(let path, let hdu, let index, let columnCount):
            return "\(path): column index \(index) is out of range in HDU '\(hdu)', "
                + "which has \(columnCount) columns (indices start at 0)"
        case .missingKeyword(let path, let hdu, let keyword):
            return "\(path): required keyword '\(keyword)' is missing from HDU '\(hdu)'"
        case .truncatedOrCorrupt(let path, let detail):
            return "\(path): the file is truncated or corrupt: \(detail)"
        case .wrongColumnType(let path, let hdu, let column, let expected, let actual):
            return "\(path): column '\(column)' in HDU '\(hdu)' has format '\(actual)', "
                + "but \(expected) is needed"
        case .lengthMismatch(let path, let column, let expected, let actual):
            return "\(path ?? "light curve built in memory"): column '\(column)' has \(actual) values, "
                + "but TIME has \(expected)"
        case .unrecognizedMission(let path, let telescope):
            return "\(path): not a TESS, Kepler or K2 light curve "
                + "(TELESCOP = \(telescope.map { "'\($0)'" } ?? "absent"), "
                + "and neither TICID nor KEPLERID is present)"
        case .fileClosed(let path, let operation):
            return "\(path): cannot \(operation): the file has already been closed"
        }
    }
}
