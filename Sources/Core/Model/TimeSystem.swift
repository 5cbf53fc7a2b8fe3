import Foundation

/// The time axis a light curve is expressed in: a name and the offset to add to get a Julian Date.
///
/// Survey files keep their own time systems (ZTF: MJD in UTC; TESS: BTJD = BJD_TDB − 2457000;
/// Kepler/K2: BKJD = BJD_TDB − 2454833). A light curve carries its system so that a time never loses
/// its meaning when it leaves the file it came from.
public struct TimeSystem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Short name as printed on axes and stored in the database ("MJD", "BTJD").
    public var name: String
    /// Add this to a time value to get a Julian Date (JD or BJD, see `scale`).
    public var julianDateOffset: Double
    /// The time scale and reference frame ("UTC", "TDB (barycentric)").
    public var scale: String

    public init(name: String, julianDateOffset: Double, scale: String) {
        self.name = name
        self.julianDateOffset = julianDateOffset
        self.scale = scale
    }

    /// Modified Julian Date, JD − 2400000.5 (ZTF `mjd`).
    public static let mjd = TimeSystem(name: "MJD", julianDateOffset: 2_400_000.5, scale: "UTC")
    /// TESS barycentric time, BJD_TDB − 2457000 (SPOC `TIME` with `BJDREFI`+`BJDREFF`).
    public static let btjd = TimeSystem(name: "BTJD", julianDateOffset: 2_457_000, scale: "TDB (barycentric)")
    /// Kepler/K2 barycentric time, BJD_TDB − 2454833.
    public static let bkjd = TimeSystem(name: "BKJD", julianDateOffset: 2_454_833, scale: "TDB (barycentric)")

    /// Barycentric Julian Date in TDB, written out in full (offset 0), as in tables with a `bjd` column.
    public static let bjd = TimeSystem(name: "BJD", julianDateOffset: 0, scale: "TDB (barycentric)")
    /// Heliocentric Julian Date, written out in full (offset 0), as in tables with an `hjd` column.
    public static let hjd = TimeSystem(name: "HJD", julianDateOffset: 0, scale: "UTC (heliocentric)")
    /// Julian Date, written out in full (offset 0), as in tables with a `jd` column.
    public static let jd = TimeSystem(name: "JD", julianDateOffset: 0, scale: "UTC")

    /// The systems a user can name (``init(named:)``), in the order they are listed in messages.
    public static let named: [TimeSystem] = [.btjd, .bkjd, .bjd, .hjd, .jd, .mjd]

    /// The system called `name` (case-insensitive): one of ``named`` (`BTJD`, `BKJD`, `BJD`, `HJD`,
    /// `JD`, `MJD`).
    ///
    /// ```swift
    /// let system = try TimeSystem(named: "btjd")  // .btjd, offset 2457000
    /// ```
    /// - Throws: ``TimeSystemError/unknownName(_:valid:)`` listing the valid names.
    public init(named name: String) throws {
        let wanted = name.trimmingCharacters(in: .whitespaces)
        guard let system = Self.named.first(where: { $0.name.caseInsensitiveCompare(wanted) == .orderedSame }) else {
            throw TimeSystemError.unknownName(name, valid: Self.named.map(\.name))
        }
        self = system
    }

    /// A barycentric system with an arbitrary reference, as read from a SPOC header.
    public static func barycentric(reference: Double) -> TimeSystem {
        switch reference {
        case 2_457_000: return .btjd
        case 2_454_833: return .bkjd
        default:
            return TimeSystem(
                name: "BJD-\(formatReference(reference))", julianDateOffset: reference,
                scale: "TDB (barycentric)")
        }
    }

    public var description: String { name }

    private static func formatReference(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

public enum TimeSystemError: Error, LocalizedError, Equatable {
    /// A time-system name that is not one of ``TimeSystem/named``.
    case unknownName(String, valid: [String])

    public var errorDescription: String? {
        switch self {
        case let .unknownName(name, valid):
            return "unknown time system '\(name)'; use one of \(valid.joined(separator: ", "))"
        }
    }
}
