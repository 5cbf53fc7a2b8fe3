import Foundation

/// ZTF light-curve `catflags`: per-epoch photometric and image quality bits.
///
/// The lower bits come from the source-extraction and PSF-fitting flags; bit 15 (32768) marks epochs
/// whose image was flagged by the pipeline's `infobits` (bad seeing, clouds, moon, …). IRSA advises
/// `catflags == 0` for a clean sample, which is ``defaultBad`` (every bit rejects).
/// Reference: ZTF Public Data Release notes, §9.2 "Quality Filtering of Epochs in Lightcurves".
public struct ZTFCatalogFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Bits 0–14: source-extraction and PSF-fit flags of the epoch's detection.
    public static let extractionFlags = ZTFCatalogFlags(rawValue: 0x7FFF)
    /// Bit 15 (32768): the whole image was flagged by the pipeline (`infobits` non-zero).
    public static let badImage = ZTFCatalogFlags(rawValue: 1 << 15)
    /// The preset that rejects any flagged epoch (IRSA's recommendation, `catflags = 0`).
    public static let defaultBad: ZTFCatalogFlags = [.extractionFlags, .badImage]
}

/// TESS SPOC light-curve `QUALITY` bits with their meanings (Kepler/K2: ``KeplerQualityFlags``).
///
/// Reference: TESS Science Data Products Description Document (EXP-TESS-ARC-ICD-0014), Table 28;
/// the names follow lightkurve's `TessQualityFlags`.
public struct SPOCQualityFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let attitudeTweak = SPOCQualityFlags(rawValue: 1)
    public static let safeMode = SPOCQualityFlags(rawValue: 2)
    public static let coarsePoint = SPOCQualityFlags(rawValue: 4)
    public static let earthPoint = SPOCQualityFlags(rawValue: 8)
    public static let argabrightening = SPOCQualityFlags(rawValue: 16)
    public static let desaturation = SPOCQualityFlags(rawValue: 32)
    public static let apertureCosmic = SPOCQualityFlags(rawValue: 64)
    public static let manualExclude = SPOCQualityFlags(rawValue: 128)
    public static let discontinuity = SPOCQualityFlags(rawValue: 256)
    /// Impulsive outlier: also set on real flare points, so it is *not* in ``defaultBad``.
    public static let impulsiveOutlier = SPOCQualityFlags(rawValue: 512)
    public static let collateralCosmic = SPOCQualityFlags(rawValue: 1024)
    public static let straylight = SPOCQualityFlags(rawValue: 2048)
    public static let scatteredLight = SPOCQualityFlags(rawValue: 4096)

    /// lightkurve's default bitmask (175): pointing and momentum-dump problems and manual exclusions.
    /// Impulsive outliers and cosmic rays are kept, because flare peaks get those flags.
    public static let defaultBad: SPOCQualityFlags = [
        .attitudeTweak, .safeMode, .coarsePoint, .earthPoint, .desaturation, .manualExclude,
    ]
}

/// Kepler and K2 light-curve `SAP_QUALITY` bits, which differ from TESS's (impulsive outliers are
/// 2048 here, 512 in TESS).
///
/// Reference: Kepler Archive Manual (KDMC-10008), Table 2.3; names and default mask as in
/// lightkurve's `KeplerQualityFlags`.
public struct KeplerQualityFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let attitudeTweak = KeplerQualityFlags(rawValue: 1)
    public static let safeMode = KeplerQualityFlags(rawValue: 2)
    public static let coarsePoint = KeplerQualityFlags(rawValue: 4)
    public static let earthPoint = KeplerQualityFlags(rawValue: 8)
    public static let zeroCrossing = KeplerQualityFlags(rawValue: 16)
    public static let desaturation = KeplerQualityFlags(rawValue: 32)
    public static let argabrightening = KeplerQualityFlags(rawValue: 64)
    public static let apertureCosmic = KeplerQualityFlags(rawValue: 128)
    public static let manualExclude = KeplerQualityFlags(rawValue: 256)
    public static let sensitivityDropout = KeplerQualityFlags(rawValue: 1024)
    /// Impulsive outlier: also set on flare peaks, so not in ``defaultBad``.
    public static let impulsiveOutlier = KeplerQualityFlags(rawValue: 2048)
    public static let argabrighteningOnCCD = KeplerQualityFlags(rawValue: 4096)
    public static let collateralCosmic = KeplerQualityFlags(rawValue: 8192)
    public static let detectorAnomaly = KeplerQualityFlags(rawValue: 16384)
    public static let noFinePoint = KeplerQualityFlags(rawValue: 32768)
    public static let noData = KeplerQualityFlags(rawValue: 65536)
    public static let rollingBandInAperture = KeplerQualityFlags(rawValue: 131_072)
    public static let rollingBandInMask = KeplerQualityFlags(rawValue: 262_144)
    public static let possibleThrusterFiring = KeplerQualityFlags(rawValue: 524_288)
    public static let thrusterFiring = KeplerQualityFlags(rawValue: 1_048_576)

    /// lightkurve's default bitmask (1130799): cadences that are certainly unusable.
    public static let defaultBad: KeplerQualityFlags = [
        .attitudeTweak, .safeMode, .coarsePoint, .earthPoint, .desaturation, .manualExclude, .detectorAnomaly, .noData,
        .thrusterFiring,
    ]
}
