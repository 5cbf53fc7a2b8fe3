import Foundation

/// One header keyword: a name, a typed value and a comment.
///
/// FITS header cards are 80 characters long: an up-to-8-character name, a value and an
/// optional comment after a slash (FITS Standard 4.0, section 4). `FITSKeyword` is the value
/// side of such a card; ``FITSFile/writeKeywords(_:)`` writes it and ``FITSFile/allKeywords``
/// reads a header back as an array of them.
///
/// ```swift
/// let keywords = [
///     FITSKeyword("TELESCOP", "TESS", comment: "telescope"),
///     FITSKeyword("TICID", 307210830, comment: "unique tess target identifier"),
///     FITSKeyword("TIMEDEL", 0.001388888888888889, comment: "[d] time resolution of data"),
///     FITSKeyword("SIMDATA", false, comment: "file is based on simulated data"),
/// ]
/// ```
public struct FITSKeyword: Sendable, Hashable {
    /// The typed value of a keyword.
    public enum Value: Sendable, Hashable {
        /// A character string (`'TESS    '`).
        case string(String)
        /// A floating-point number. Non-finite values cannot be written to FITS and are written
        /// as an undefined value.
        case double(Double)
        /// An integer, read and written exactly over its full 64-bit range.
        case int(Int64)
        /// A logical (`T` or `F`).
        case bool(Bool)
    }

    /// The keyword name, e.g. `TICID`. Names longer than 8 characters are written with the
    /// HIERARCH convention.
    public var name: String
    /// The keyword's value.
    public var value: Value
    /// The comment written after the slash; empty for none.
    public var comment: String

    /// Creates a keyword from a typed value.
    public init(name: String, value: Value, comment: String = "") {
        self.name = name
        self.value = value
        self.comment = comment
    }

    /// Creates a string-valued keyword.
    public init(_ name: String, _ value: String, comment: String = "") {
        self.init(name: name, value: .string(value), comment: comment)
    }

    /// Creates a floating-point keyword.
    public init(_ name: String, _ value: Double, comment: String = "") {
        self.init(name: name, value: .double(value), comment: comment)
    }

    /// Creates an integer keyword.
    public init(_ name: String, _ value: Int64, comment: String = "") {
        self.init(name: name, value: .int(value), comment: comment)
    }

    /// Creates an integer keyword.
    public init(_ name: String, _ value: Int, comment: String = "") {
        self.init(name: name, value: .int(Int64(value)), comment: comment)
    }

    /// Creates a logical keyword.
    public init(_ name: String, _ value: Bool, comment: String = "") {
        self.init(name: name, value: .bool(value), comment: comment)
    }
}
