import Foundation

/// One star of a catalog: identifier, position, brightness and proper motion.
///
/// The identifier is kept as text so that 64-bit catalog ids (Gaia `source_id`) are never rounded
/// through `Double`. Missing values are `nil`, never zero.
public struct CatalogEntry: Sendable, Hashable, Codable {
    /// Exact catalog identifier, e.g. a Gaia DR3 `source_id` such as "4295806720000000123".
    public var id: String
    /// Human-readable name; defaults to the identifier.
    public var name: String
    /// Right ascension in degrees (ICRS) at `epoch`.
    public var ra: Double
    /// Declination in degrees (ICRS) at `epoch`.
    public var dec: Double
    /// Apparent magnitude in the catalog's band (`magnitudeBand`), if known.
    public var magnitude: Double?
    /// Band of `magnitude`, e.g. "G" or "V".
    public var magnitudeBand: String?
    /// Proper motion in RA × cos(Dec), mas/yr.
    public var pmra: Double?
    /// Proper motion in Dec, mas/yr.
    public var pmdec: Double?
    /// Parallax, mas.
    public var parallax: Double?
    /// Epoch of the position, Julian year (Gaia DR3: 2016.0).
    public var epoch: Double

    public init(
        id: String, name: String? = nil, ra: Double, dec: Double, magnitude: Double? = nil,
        magnitudeBand: String? = nil, pmra: Double? = nil, pmdec: Double? = nil, parallax: Double? = nil,
        epoch: Double = 2016.0
    ) {
        self.id = id
        self.name = name ?? id
        self.ra = ra
        self.dec = dec
        self.magnitude = magnitude
        self.magnitudeBand = magnitudeBand
        self.pmra = pmra
        self.pmdec = pmdec
        self.parallax = parallax
        self.epoch = epoch
    }
}
