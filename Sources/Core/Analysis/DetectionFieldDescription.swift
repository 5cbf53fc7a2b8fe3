import Foundation

/// What one number an analysis stores with each detection, beyond the common ones (peak, extent,
/// amplitude, ED, significance), means and how a detection card shows it. The analysis says so
/// (``Analysis/detectionFields``), the run database keeps it, and the report draws each card's
/// numbers from it — so the report knows no detection field by name.
///
/// ```swift
/// DetectionFieldDescription("rise_time", label: "rise", unit: "min", format: .fixed(1), scale: 1440,
///                           description: "half maximum to peak")
/// ```
public struct DetectionFieldDescription: Sendable, Hashable, Codable {
    /// The name it is stored under (``DetectionRecord/fields``).
    public var name: String
    /// A short heading, e.g. "rise".
    public var label: String
    /// The unit of the value shown (after `scale`).
    public var unit: String?
    public var format: StatisticDescription.Format
    /// The stored value times this is shown (days to minutes: 1440; a fraction as per cent: 100).
    public var scale: Double
    /// One sentence for readers.
    public var description: String

    public init(
        _ name: String, label: String, unit: String? = nil, format: StatisticDescription.Format = .significant(3),
        scale: Double = 1, description: String
    ) {
        self.name = name
        self.label = label
        self.unit = unit
        self.format = format
        self.scale = scale
        self.description = description
    }

    /// For runs stored before analyses described their detections: every field the detections
    /// carry, by its stored name, unscaled.
    public static func defaults(for detections: [DetectionRecord]) -> [DetectionFieldDescription] {
        var names = Set<String>()
        for d in detections { names.formUnion(d.fields.keys) }
        return DetectionRecord.fieldNames.filter(names.contains).map {
            DetectionFieldDescription($0, label: $0.replacingOccurrences(of: "_", with: " "), description: "")
        }
    }
}

extension DetectionRecord {
    /// The names of the numbers a detection may carry beyond the common ones: its `detections`
    /// columns (migrations v2, v4 and v7).
    public static let fieldNames = [
        "points_above", "rise_time", "decay_time", "template_delta_chi2", "symmetric_delta_chi2", "template_fwhm",
        "template_amplitude", "rise_area_fraction", "ed_extrapolated",
    ]

    /// The numbers this detection carries beyond the common ones, by stored name (absent where the
    /// analysis gave none).
    public var fields: [String: Double] {
        var result: [String: Double] = [:]
        let values: [Double?] = [
            pointsAbove.map(Double.init), riseTime, decayTime, templateDeltaChi2, symmetricDeltaChi2, templateFwhm, templateAmplitude,
            riseAreaFraction, edExtrapolated,
        ]
        for (name, value) in zip(Self.fieldNames, values) {
            if let value, value.isFinite { result[name] = value }
        }
        return result
    }

    /// Names of the detection's flags (quality of its surroundings: segment edges, missing cadences…).
    public var flagNames: [String] { vettingFlags.map { FlareVetting.Flags(rawValue: $0).names } ?? [] }
}
