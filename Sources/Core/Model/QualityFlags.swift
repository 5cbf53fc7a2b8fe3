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

/// SPOC light-curve `QUALITY` bits (TESS) with their meanings.
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
