import CCFITSIO
import Foundation

/// Reading the current HDU as a table (binary or ASCII).
///
/// Every column is read in one CFITSIO call (`ffgcv`/`ffgcf`) straight into a Swift array,
/// with CFITSIO converting the stored type (`TFORMn`, after `TSCALn`/`TZEROn`) to the requested
/// one; 100,000 rows take a few milliseconds. Columns are addressed by name; indices, where
/// used, start at 0 and follow ``columnNames``.
extension FITSFile {
    /// The number of rows in the current table HDU (`NAXIS2`).
    ///
    /// - Throws: ``FITSError`` when the current HDU is not a table.
    public var rowCount: Int {
        get throws {
            let fptr = try fptr("count the rows")
            var rows: Int64 = 0
            var status: Int32 = 0
            ffgnrwll(fptr, &rows, &status)
            try check(status, "count the rows in HDU '\(currentHDULabel)'")
            try checkTableFits(rows: rows)
            return Int(rows)
        }
    }

    /// Checks the table's declared size (`NAXIS1` × `NAXIS2`) against the bytes the file holds
    /// after the table's header, before anything is allocated for its rows: a damaged or truncated
    /// header must give an error naming the file, not a request for gigabytes or rows of zeros.
    private func checkTableFits(rows: Int64) throws {
        // A file being written has its rows in CFITSIO's buffers, not yet on disk.
        guard !isWritable else { return }
        let fptr = try fptr("check the table size")
        var headerStart: Int64 = 0, dataStart: Int64 = 0, dataEnd: Int64 = 0
        var status: Int32 = 0
        ffghadll(fptr, &headerStart, &dataStart, &dataEnd, &status)
        try check(status, "locate the data of HDU '\(currentHDULabel)'")
        let width = try intKeyword("NAXIS1") ?? 0
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        guard rows >= 0, width >= 0 else {
            throw FITSError.truncatedOrCorrupt(
                path: path, detail: "HDU '\(currentHDULabel)' declares \(rows) rows of \(width) bytes")
        }
        guard let size else { return }
        let available = max(0, size - dataStart)
        if rows > 0, width > 0, rows > available / width {
            throw FITSError.truncatedOrCorrupt(
                path: path,
                detail: "HDU '\(currentHDULabel)' declares \(rows) rows of \(width) bytes, but the file holds only \(available) bytes of data (truncated, or a damaged NAXIS2)")
        }
    }

    /// The number of columns in the current table HDU (`TFIELDS`).
    ///
    /// - Throws: ``FITSError`` when the current HDU is not a table.
    public var columnCount: Int {
        get throws {
            let fptr = try fptr("count the columns")
            var columns: Int32 = 0
            var status: Int32 = 0
            ffgncl(fptr, &columns, &status)
            try check(status, "count the columns in HDU '\(currentHDULabel)'")
            return Int(columns)
        }
    }

    /// The column names of the current table HDU (`TTYPEn`), in file order.
    ///
    /// A column without a `TTYPEn` keyword gets an empty name.
    ///
    /// - Throws: ``FITSError`` when the current HDU is not a table.
    public var columnNames: [String] {
        get throws {
            let count = try columnCount
            guard count > 0 else { return [] }
            return try (1...count).map { try stringKeyword("TTYPE\($0)") ?? "" }
        }
    }

    /// The index in ``columnNames`` of the column called `name`, or `nil`.
    ///
    /// The match is exact apart from case (`time` finds `TIME`, `TIME_ERR` does not).
    ///
    /// - Parameter name: The column name.
    /// - Returns: The 0-based index, or `nil` when no column has that name.
    /// - Throws: ``FITSError`` when the current HDU is not a table.
    public func columnIndex(named name: String) throws -> Int? {
        let wanted = name.uppercased()
        return try columnNames.firstIndex { $0.uppercased() == wanted }
    }

    /// Reads a numeric column as doubles.
    ///
    /// Works for `D`, `E`, `K`, `J`, `I` and `B` columns (and ASCII-table numeric columns),
    /// applying `TSCALn`/`TZEROn`. Undefined values (`TNULLn` in integer columns, NaN in
    /// floating-point ones) come back as `.nan`. 64-bit integers above 2^53 lose precision
    /// here: read them with ``readInt64s(column:)``.
    ///
    /// ```swift
    /// let flux = try file.readDoubles(column: "PDCSAP_FLUX")  // NaN where the pipeline had no value
    /// ```
    ///
    /// - Parameter column: The column name (case-insensitive).
    /// - Returns: One value per row.
    /// - Throws: ``FITSError/missingColumn(path:hdu:column:)``,
    ///   ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` for string, logical,
    ///   complex or vector columns, or ``FITSError/cfitsio(path:operation:status:message:)``
    ///   when the data cannot be read (e.g. a truncated file).
    public func readDoubles(column: String) throws -> [Double] {
        let info = try scalarColumn(column, accepting: .numeric, expected: "a numeric scalar column")
        var values = [Double](repeating: .nan, count: info.rows)
        guard info.rows > 0 else { return values }
        var status: Int32 = 0
        var nullValue = Double.nan
        var anyNull: Int32 = 0
        values.withUnsafeMutableBufferPointer { buffer in
            _ = ffgcv(
                info.fptr, TDOUBLE, info.number, 1, 1, Int64(info.rows), &nullValue, buffer.baseAddress,
                &anyNull, &status)
        }
        try check(status, "read column '\(column)' in HDU '\(currentHDULabel)' as doubles")
        return values
    }

    /// Reads an integer column as 64-bit integers, exactly.
    ///
    /// Values are converted by CFITSIO as integers (never through `Double`), so every `K` value
    /// survives, e.g. 4295806720000000123. Works for `K`, `J`, `I` and `B` columns, with
    /// `TZEROn` offsets (unsigned columns) applied.
    ///
    /// - Parameter column: The column name (case-insensitive).
    /// - Returns: One value per row; `nil` where the value equals `TNULLn`.
    /// - Throws: ``FITSError/missingColumn(path:hdu:column:)``,
    ///   ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` for floating-point,
    ///   string or vector columns, or ``FITSError/cfitsio(path:operation:status:message:)``.
    public func readInt64s(column: String) throws -> [Int64?] {
        try readIntegers(column: column, datatype: TLONGLONG, as: Int64.self)
    }

    /// Reads an integer column as 32-bit integers.
    ///
    /// Works for `J`, `I` and `B` columns, and for `K` columns whose values fit.
    ///
    /// - Parameter column: The column name (case-insensitive).
    /// - Returns: One value per row; `nil` where the value equals `TNULLn`.
    /// - Throws: ``FITSError/missingColumn(path:hdu:column:)``,
    ///   ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)``, or
    ///   ``FITSError/cfitsio(path:operation:status:message:)`` (status 412 when a value
    ///   does not fit in 32 bits).
    public func readInt32s(column: String) throws -> [Int32?] {
        try readIntegers(column: column, datatype: TINT, as: Int32.self)
    }

    /// Reads a character column (`nA`) as strings, trailing blanks removed (an all-blank entry
    /// reads as `""`).
    ///
    /// - Parameter column: The column name (case-insensitive).
    /// - Returns: One value per row; `nil` for a null (all-NUL) entry.
    /// - Throws: ``FITSError/missingColumn(path:hdu:column:)``,
    ///   ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` for non-string
    ///   columns, or ``FITSError/cfitsio(path:operation:status:message:)``.
    public func readStrings(column: String) throws -> [String?] {
        let info = try self.column(column, accepting: .string, expected: "a character (A) column")
        guard info.rows > 0 else { return [] }
        let width = Int(max(info.repeatCount, info.width, 1)) + 1
        var storage = [CChar](repeating: 0, count: info.rows * width)
        var nulls = [CChar](repeating: 0, count: info.rows)
        var status: Int32 = 0
        var anyNull: Int32 = 0
        storage.withUnsafeMutableBufferPointer { characters in
            var pointers: [UnsafeMutablePointer<CChar>?] = (0..<info.rows).map {
                characters.baseAddress! + $0 * width
            }
            pointers.withUnsafeMutableBufferPointer { array in
                _ = ffgcf(
                    info.fptr, TSTRING, info.number, 1, 1, Int64(info.rows), array.baseAddress, &nulls,
                    &anyNull, &status)
            }
        }
        try check(status, "read column '\(column)' in HDU '\(currentHDULabel)' as strings")
        return storage.withUnsafeBufferPointer { characters in
            (0..<info.rows).map { row in
                guard nulls[row] == 0 else { return nil }
                // CFITSIO strips trailing blanks but returns a single blank for an all-blank entry.
                var text = String(cString: characters.baseAddress! + row * width)
                while text.hasSuffix(" ") { text.removeLast() }
                return text
            }
        }
    }

    // MARK: - Column lookup

    /// What a read or write call can do with a column of a given CFITSIO type code.
    enum ColumnKind {
        case numeric, integer, floatingPoint, string, logical, any

        func accepts(_ typecode: Int32) -> Bool {
            let integers: Set<Int32> = [
                TBYTE, TSBYTE, TSHORT, TUSHORT, TINT, TUINT, TLONG, TULONG, TLONGLONG, TULONGLONG,
            ]
            let floats: Set<Int32> = [TFLOAT, TDOUBLE]
            switch self {
            case .numeric: return integers.contains(typecode) || floats.contains(typecode)
            case .integer: return integers.contains(typecode)
            case .floatingPoint: return floats.contains(typecode)
            case .string: return typecode == TSTRING
            case .logical: return typecode == TLOGICAL
            case .any: return true
            }
        }
    }

    /// Whether the column at a 0-based index holds integers, floating point or text; nil for a
    /// numeric column with more than one value per row.
    func columnKind(at index: Int) throws -> ColumnKind? {
        let info = try column(at: index, accepting: .any, expected: "any column")
        if info.typecode != TSTRING && info.repeatCount != 1 { return nil }
        if ColumnKind.integer.accepts(info.typecode) { return .integer }
        if ColumnKind.string.accepts(info.typecode) { return .string }
        if ColumnKind.floatingPoint.accepts(info.typecode) { return .floatingPoint }
        if ColumnKind.logical.accepts(info.typecode) { return .logical }
        throw FITSError.wrongColumnType(
            path: path, hdu: currentHDULabel, column: info.name, expected: "numbers or text",
            actual: try stringKeyword("TFORM\(info.number)") ?? "type code \(info.typecode)")
    }

    /// A resolved column: handle, 1-based CFITSIO column number, type and row count.
    struct ColumnInfo {
        let fptr: UnsafeMutablePointer<fitsfile>
        let number: Int32
        let name: String
        let typecode: Int32
        let repeatCount: Int64
        let width: Int64
        let rows: Int
    }

    /// Finds a column by name and checks that its type suits the call.
    func column(_ name: String, accepting kind: ColumnKind, expected: String) throws -> ColumnInfo {
        guard let index = try columnIndex(named: name) else {
            throw FITSError.missingColumn(path: path, hdu: currentHDULabel, column: name)
        }
        return try column(at: index, accepting: kind, expected: expected)
    }

    /// Like ``column(_:accepting:expected:)`` but also requires one value per row.
    func scalarColumn(_ name: String, accepting kind: ColumnKind, expected: String) throws -> ColumnInfo {
        let info = try column(name, accepting: kind, expected: expected)
        guard info.repeatCount == 1 else {
            throw FITSError.wrongColumnType(
                path: path, hdu: currentHDULabel, column: info.name, expected: expected,
                actual: try stringKeyword("TFORM\(info.number)") ?? "?")
        }
        return info
    }

    /// Resolves a 0-based column index and checks that its type suits the call.
    func column(at index: Int, accepting kind: ColumnKind, expected: String) throws -> ColumnInfo {
        let fptr = try fptr("read column \(index)")
        let count = try columnCount
        guard index >= 0, index < count else {
            throw FITSError.columnIndexOutOfRange(
                path: path, hdu: currentHDULabel, index: index, columnCount: count)
        }
        let number = Int32(index + 1)
        let name = try stringKeyword("TTYPE\(number)") ?? "#\(index)"
        var typecode: Int32 = 0
        var repeatCount: Int64 = 0
        var width: Int64 = 0
        var status: Int32 = 0
        ffeqtyll(fptr, number, &typecode, &repeatCount, &width, &status)
        try check(status, "read the type of column '\(name)' in HDU '\(currentHDULabel)'")
        guard kind.accepts(typecode) else {
            throw FITSError.wrongColumnType(
                path: path, hdu: currentHDULabel, column: name, expected: expected,
                actual: try stringKeyword("TFORM\(number)") ?? "type code \(typecode)")
        }
        return ColumnInfo(
            fptr: fptr, number: number, name: name, typecode: typecode, repeatCount: repeatCount,
            width: width, rows: try rowCount)
    }

    /// Reads a logical column (`L`) as booleans.
    ///
    /// - Returns: One value per row; `nil` for an undefined entry.
    /// - Throws: ``FITSError/wrongColumnType(path:hdu:column:expected:actual:)`` for other columns,
    ///   or a CFITSIO error.
    public func readBools(column: String) throws -> [Bool?] {
        try readWithNulls(column: column, accepting: .logical, expected: "a logical column (L)", datatype: TLOGICAL, as: CChar.self)
            .map { $0.map { $0 != 0 } }
    }

    private func readIntegers<T: FixedWidthInteger>(column: String, datatype: Int32, as type: T.Type) throws -> [T?] {
        try readWithNulls(
            column: column, accepting: .integer, expected: "an integer scalar column (K, J, I or B)", datatype: datatype, as: type)
    }

    /// Reads a scalar column through `ffgcf`, which reports nulls (`TNULLn`, undefined logicals) row
    /// by row.
    private func readWithNulls<T: FixedWidthInteger>(
        column: String, accepting kind: ColumnKind, expected: String, datatype: Int32, as _: T.Type
    ) throws -> [T?] {
        let info = try scalarColumn(column, accepting: kind, expected: expected)
        guard info.rows > 0 else { return [] }
        var values = [T](repeating: 0, count: info.rows)
        var nulls = [CChar](repeating: 0, count: info.rows)
        var status: Int32 = 0
        var anyNull: Int32 = 0
        values.withUnsafeMutableBufferPointer { buffer in
            _ = ffgcf(
                info.fptr, datatype, info.number, 1, 1, Int64(info.rows), buffer.baseAddress, &nulls,
                &anyNull, &status)
        }
        try check(status, "read column '\(column)' in HDU '\(currentHDULabel)' as \(expected)")
        if anyNull == 0 { return values.map { $0 } }
        return zip(values, nulls).map { value, null in null != 0 ? nil : value }
    }
}
