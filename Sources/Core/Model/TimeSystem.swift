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
        value == value.rounded() ? String(Int64(value)) : String(value)
    }
}
