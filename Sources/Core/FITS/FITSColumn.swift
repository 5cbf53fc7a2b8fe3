import Foundation

/// The description of one binary-table column to create: name, format, unit and display format.
///
/// The format is a FITS `TFORMn` code (FITS Standard 4.0, table 18): `D` 64-bit float,
/// `E` 32-bit float, `K` 64-bit integer, `J` 32-bit integer, `I` 16-bit integer, `B` unsigned
/// byte, `L` logical, and `20A` a 20-character string.
///
/// ```swift
/// let columns = [
///     FITSColumn(name: "TIME", format: "D", unit: "BJD - 2457000, days", displayFormat: "D14.7"),
///     FITSColumn(name: "QUALITY", format: "J", displayFormat: "B16.16"),
///     FITSColumn(name: "LABEL", format: "20A"),
/// ]
/// try file.createBinaryTable(name: "LIGHTCURVE", columns: columns, keywords: [])
/// ```
public struct FITSColumn: Sendable, Hashable {
    /// The column name, written as `TTYPEn`.
    public var name: String
    /// The `TFORMn` code, e.g. `D`, `E`, `J`, `K`, `I`, `20A`.
    public var format: String
    /// The physical unit, written as `TUNITn`; empty for none.
    public var unit: String
    /// The display format, written as `TDISPn` (e.g. `E14.7`); `nil` for none.
    public var displayFormat: String?

    /// Creates a column description.
    ///
    /// - Parameters:
    ///   - name: The column name (`TTYPEn`).
    ///   - format: The `TFORMn` code.
    ///   - unit: The unit (`TUNITn`); empty for none.
    ///   - displayFormat: The display format (`TDISPn`); `nil` for none.
    public init(name: String, format: String, unit: String = "", displayFormat: String? = nil) {
        self.name = name
        self.format = format
        self.unit = unit
        self.displayFormat = displayFormat
    }
}
