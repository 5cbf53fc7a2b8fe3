import CCFITSIO
import Foundation

/// Writing headers and binary tables to a file made by ``FITSFile/create(_:)``.
///
/// Output is deterministic: the same calls with the same values give byte-identical files.
/// Nothing time-dependent is added (no `DATE`, no `CHECKSUM`/`DATASUM`); a caller that wants a
/// `DATE` keyword passes it in explicitly.
///
/// ```swift
/// let file = try FITSFile.create(temporaryURL)
/// try file.writePrimaryHeader(keywords: [FITSKeyword("TELESCOP", "TESS")])
/// try file.createBinaryTable(
///     name: "LIGHTCURVE",
///     columns: [FITSColumn(name: "TIME", format: "D", unit: "BJD - 2457000, days"),
///               FITSColumn(name: "QUALITY", format: "J")],
///     keywords: [FITSKeyword("BJDREFI", 2457000)])
/// try file.writeColumn(0, doubles: time)
/// try file.writeColumn(1, int32s: quality)
/// try file.close()
/// ```
extension FITSFile {
    /// Writes the primary HDU: a header without data (`NAXIS = 0`, `EXTEND = T`) followed by
    /// `keywords`, in order.
    ///
    /// Call it first, on a new file. If the file already has a primary HDU, the keywords are
    /// appended to its header instead.
    ///
    /// - Parameter keywords: The keywords to write after the mandatory ones.
    /// - Throws: ``FITSError`` when the header cannot be written.
    public func writePrimaryHeader(keywords: [FITSKeyword]) throws {
        let fptr = try fptr("write the primary header")
        var status: Int32 = 0
        if try hduCount == 0 {
            ffcrim(fptr, BYTE_IMG, 0, nil, &status)
            try check(status, "create the primary HDU")
        } else {
            try moveToHDU(number: 1)
        }
        try writeKeywords(keywords)
    }

    /// Appends keywords to the header of the current HDU, in order.
    ///
    /// Strings longer than 68 characters use the `CONTINUE` long-string convention. Doubles are
    /// written with the shortest decimal text that reads back to the same value (so
    /// `0.001388888888888889` stays exact); NaN and infinities, which FITS cannot hold, are
    /// written as an undefined value.
    ///
    /// - Parameter keywords: The keywords to write.
    /// - Throws: ``FITSError`` when a keyword cannot be written.
    public func writeKeywords(_ keywords: [FITSKeyword]) throws {
        let fptr = try fptr("write keywords")
        for keyword in keywords {
            var status: Int32 = 0
            let name = keyword.name
            let comment = keyword.comment
            switch keyword.value {
            case .string(let value):
                if value.utf8.count > 68 {
                    ffpkls(fptr, name, value, comment, &status)
                } else {
                    ffpkys(fptr, name, value, comment, &status)
                }
            case .int(let value):
                ffpkyj(fptr, name, value, comment, &status)
            case .bool(let value):
                ffpkyl(fptr, name, value ? 1 : 0, comment, &status)
            case .double(let value):
                if value.isFinite {
                    var text = Array(FITSFile.keywordText(for: value).utf8CString)
                    var card = [CChar](repeating: 0, count: Int(FLEN_CARD) + 1)
                    ffmkky(name, &text, comment, &card, &status)
                    if status == 0 { ffprec(fptr, card, &status) }
                } else {
                    ffpkyu(fptr, name, comment, &status)
                }
            }
            try check(status, "write keyword \(name) in HDU '\(currentHDULabel)'")
        }
    }

    /// Appends a binary-table extension with the given columns and no rows, makes it current,
    /// and writes `keywords` after the column definitions.
    ///
    /// Column keywords are written per column in FITS order (`TTYPEn`, `TFORMn`, `TUNITn`,
    /// `TDISPn`), then `EXTNAME`, then `keywords`. If the file has no primary HDU yet, CFITSIO
    /// adds an empty one first. Fill the table with the `writeColumn` calls; the table grows to
    /// the longest column written.
    ///
    /// - Parameters:
    ///   - name: The extension name (`EXTNAME`), e.g. `LIGHTCURVE`.
    ///   - columns: The columns, in order.
    ///   - keywords: Further header keywords.
    /// - Throws: ``FITSError`` when CFITSIO rejects a column format or cannot write the header.
    public func createBinaryTable(name: String, columns: [FITSColumn], keywords: [FITSKeyword]) throws {
        let fptr = try fptr("create table '\(name)'")
        var status: Int32 = 0
        FITSFile.withCStringArray(columns.map(\.name)) { types in
            FITSFile.withCStringArray(columns.map(\.format)) { forms in
                FITSFile.withCStringArray(columns.map(\.unit)) { units in
                    _ = ffcrtb(fptr, BINARY_TBL, 0, Int32(columns.count), types, forms, units, name, &status)
                }
            }
        }
        try check(status, "create binary table '\(name)' with formats \(columns.map(\.format))")
        for (index, column) in columns.enumerated() {
            guard let display = column.displayFormat else { continue }
            let number = index + 1
            var card = [CChar](repeating: 0, count: Int(FLEN_CARD) + 1)
            // Position the header pointer after the column's last definition card, then insert.
            ffgcrd(fptr, column.unit.isEmpty ? "TFORM\(number)" : "TUNIT\(number)", &card, &status)
            ffikys(fptr, "TDISP\(number)", display, "display format", &status)
            try check(status, "write TDISP\(number) for column '\(column.name)' in table '\(name)'")
        }
        try writeKeywords(keywords)
    }

    /// Writes doubles to column `index` (0-based) of the current table, from row 1.
    ///
    /// CFITSIO converts to the column's type (`E` columns store them as 32-bit floats). NaN is
    /// stored as NaN in floating-point columns.
    ///
    /// - Throws: ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` when the
    ///   column is not numeric, or when it is an integer column and a value is not finite;
    ///   ``FITSError/columnIndexOutOfRange(path:hdu:index:columnCount:)``; or a CFITSIO error
    ///   (e.g. status 412 when a value overflows an integer column).
    public func writeColumn(_ index: Int, doubles values: [Double]) throws {
        let info = try column(at: index, accepting: .numeric, expected: "a numeric column")
        if !ColumnKind.floatingPoint.accepts(info.typecode), values.contains(where: { !$0.isFinite }) {
            throw FITSError.wrongColumnType(
                path: path, hdu: currentHDULabel, column: info.name,
                expected: "a floating-point column (E or D) to store NaN or infinity",
                actual: try stringKeyword("TFORM\(info.number)") ?? "?")
        }
        try write(values, datatype: TDOUBLE, to: info)
    }

    /// Writes 32-bit floats to column `index` (0-based) of the current table, from row 1.
    ///
    /// - Throws: As ``writeColumn(_:doubles:)``.
    public func writeColumn(_ index: Int, floats values: [Float]) throws {
        let info = try column(at: index, accepting: .numeric, expected: "a numeric column")
        if !ColumnKind.floatingPoint.accepts(info.typecode), values.contains(where: { !$0.isFinite }) {
            throw FITSError.wrongColumnType(
                path: path, hdu: currentHDULabel, column: info.name,
                expected: "a floating-point column (E or D) to store NaN or infinity",
                actual: try stringKeyword("TFORM\(info.number)") ?? "?")
        }
        try write(values, datatype: TFLOAT, to: info)
    }

    /// Writes 32-bit integers to column `index` (0-based) of the current table, from row 1.
    ///
    /// - Throws: ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` when the
    ///   column is not numeric, or a CFITSIO error (status 412 when a value overflows the column).
    public func writeColumn(_ index: Int, int32s values: [Int32]) throws {
        let info = try column(at: index, accepting: .numeric, expected: "a numeric column")
        try write(values, datatype: TINT, to: info)
    }

    /// Writes 64-bit integers to column `index` (0-based) of the current table, from row 1.
    ///
    /// Into a `K` column the values are stored exactly, over the full 64-bit range.
    ///
    /// - Throws: As ``writeColumn(_:int32s:)``.
    public func writeColumn(_ index: Int, int64s values: [Int64]) throws {
        let info = try column(at: index, accepting: .numeric, expected: "a numeric column")
        try write(values, datatype: TLONGLONG, to: info)
    }

    /// Writes strings to character column `index` (0-based) of the current table, from row 1.
    ///
    /// Strings longer than the column width are truncated by CFITSIO.
    ///
    /// - Throws: ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` when the
    ///   column is not a character column, or a CFITSIO error.
    public func writeColumn(_ index: Int, strings values: [String]) throws {
        let info = try column(at: index, accepting: .string, expected: "a character (A) column")
        guard !values.isEmpty else { return }
        var status: Int32 = 0
        FITSFile.withCStringArray(values) { array in
            _ = ffpcl(info.fptr, TSTRING, info.number, 1, 1, Int64(values.count), array, &status)
        }
        try check(status, "write column '\(info.name)' in HDU '\(currentHDULabel)'")
    }

    /// Writes booleans to logical column `index` (0-based) of the current table, from row 1; nil
    /// is written as an undefined value.
    ///
    /// - Throws: ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` when the column is
    ///   not logical, or a CFITSIO error.
    public func writeColumn(_ index: Int, bools values: [Bool?]) throws {
        let info = try column(at: index, accepting: .logical, expected: "a logical (L) column")
        guard !values.isEmpty else { return }
        var status: Int32 = 0
        var flags = values.map { CChar($0 == true ? 1 : 0) }
        _ = ffpcll(info.fptr, info.number, 1, 1, Int64(flags.count), &flags, &status)
        for (k, v) in values.enumerated() where v == nil {
            _ = ffpclu(info.fptr, info.number, Int64(k + 1), 1, 1, &status)
        }
        try check(status, "write column '\(info.name)' in HDU '\(currentHDULabel)'")
    }

    // MARK: - Helpers

    private func write<T>(_ values: [T], datatype: Int32, to info: ColumnInfo) throws {
        guard !values.isEmpty else { return }
        var status: Int32 = 0
        var copy = values
        copy.withUnsafeMutableBufferPointer { buffer in
            _ = ffpcl(info.fptr, datatype, info.number, 1, 1, Int64(buffer.count), buffer.baseAddress, &status)
        }
        try check(status, "write column '\(info.name)' in HDU '\(currentHDULabel)'")
    }

    /// The value text of a finite double keyword: Swift's shortest round-trip form, with the
    /// upper-case exponent letter FITS requires (`1e-05` becomes `1E-05`).
    static func keywordText(for value: Double) -> String {
        var text = "\(value)".uppercased()
        if !text.contains(".") && !text.contains("E") { text += ".0" }
        return text
    }

    /// Calls `body` with a NULL-terminated C array of `strdup`ed copies of `strings`, freed after.
    static func withCStringArray<R>(
        _ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> R
    ) rethrows -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
