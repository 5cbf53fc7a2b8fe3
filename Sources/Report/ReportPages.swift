import Core
import Foundation

// The values the Mustache templates see. Every string is plain text (the templates escape it);
// numbers are formatted here so that templates stay logic-less.

struct IndexPage {
    var title: String
    var runID: String
    var analysis: String
    var status: String
    var finished: Bool
    var synthetic: Bool
    var seed: String
    var parameterHash: String
    var codeVersion: String
    var catalogName: String
    var catalogCount: Int
    var catalogChecksum: String
    var shard: String?
    var parametersJSON: String
    var observatories: [ObservatoryView]
    var cells: [CellView]
    var counts: CountsView
    var coverageFigure: String?
    /// What the coverage figure's panels show (from the run's coverage figure descriptions).
    var coverageCaption: String
    var sensitivityFigure: String?
    var sensitivityCaption: String
    /// The most significant detections, as cards (at most ``RunRenderer/cardLimit``).
    var detections: [DetectionCard]
    var hasDetections: Bool
    var cardCount: Int
    /// Every detection has a card.
    var allCards: Bool
    var vetting: VettingSectionView?
    var pages: PagesView
    var failures: [FailureView]
    var hasFailures: Bool
    var failuresShown: Int
    var failuresTotal: Int
    var failuresTruncated: Bool
    var warnings: [String]
    var hasWarnings: Bool
    var generator: String
}

struct ObservatoryView {
    var name: String
    var description: String
    var synthetic: Bool
}

struct CellView {
    /// Already-escaped HTML made from the notebook's Markdown subset.
    var html: String
}

struct CountsView {
    var sources: Int
    var done: Int
    var failed: Int
    var pending: Int
    var detections: Int
    var injections: Int
    var recovered: Int
    var recoveredPercent: String
    var datasets: Int
    var rawFiles: Int
    var rawBytes: String
    /// SHA-256 of the sorted list of every raw file's SHA-256 and path.
    var rawChecksum: String
}

struct DetectionCard {
    var id: Int64
    var sourceName: String
    var sourcePage: String
    var band: String
    var timeSystem: String
    var peak: String
    var duration: String
    var amplitude: String
    var ed: String
    var edErr: String
    var significance: String
    var points: Int
    var figure: String?
    /// The analysis's own numbers (``DetectionFieldDescription``), in its order.
    var fields: [DetectionFieldView]
    /// Names of the detection's flags, nil when none is set.
    var flags: String?
    /// The vetters' consensus, shown once vetting is unblinded; nil before and on the vetting page.
    var verdict: String? = nil
}

extension DetectionCard {
    /// - Parameter fields: what the run's analysis said its detections' own numbers mean
    ///   (``Store/ProductDescriptions/detectionFields``); a field the detection lacks is left out.
    ///   Runs stored before analyses described them show every field the detection carries, by name.
    init(_ d: DetectionRecord, sourceName: String, sourcePage: String, figure: String?, fields: [DetectionFieldDescription]) {
        let values = d.fields
        let fields = fields.isEmpty ? DetectionFieldDescription.defaults(for: [d]) : fields
        self.init(
            id: d.id ?? 0, sourceName: sourceName, sourcePage: sourcePage, band: d.band, timeSystem: d.timeSystem,
            peak: Format.number(d.peakTime, 4), duration: Format.number((d.stop - d.start) * 1440, 1),
            amplitude: Format.significant(d.amplitude, 3), ed: Format.significant(d.ed, 3),
            edErr: Format.significant(d.edErr, 2), significance: Format.number(d.significance, 1), points: d.nPoints,
            figure: figure,
            fields: fields.compactMap { f in
                values[f.name].map {
                    DetectionFieldView(
                        label: f.label, value: Format.value($0 * f.scale, f.format) + (f.unit.map { " \($0)" } ?? ""),
                        description: f.description)
                }
            },
            flags: d.flagNames.isEmpty ? nil : d.flagNames.joined(separator: ", "))
    }
}

/// The blind-vetting page: cards with opaque ids only.
struct VetPageView {
    var pageID: String
    var runID: String
    var title: String
    var count: Int
    var cards: [VetCardView]
    var generator: String
}

/// One card of the vetting page. The detection's numbers as on the report's cards, but no detection
/// id and nothing that says whether it is simulated.
struct VetCardView {
    /// The opaque card id. (The template must never show `detection.id`, the database's detection id.)
    var cardID: String
    var number: Int
    var figure: String
    var detection: DetectionCard
}

/// One of the analysis's own numbers on a detection card, formatted with its unit.
struct DetectionFieldView {
    var label: String
    var value: String
    /// The analysis's sentence on it (the heading's tooltip).
    var description: String
}

/// How many sources have a page of their own.
struct PagesView {
    var drawn: Int
    /// Every source has one.
    var all: Bool
    /// The run folder's name, for the `report render` command the page suggests.
    var runFolder: String
    /// How the other sources are ordered: "by <the ranking statistic's label>", or catalog order.
    var rest: String
}

struct FailureView {
    var source: String
    var stage: String
    var observatory: String
    var path: String
    var message: String
}

struct SourcePage {
    var title: String
    var runID: String
    var name: String
    var catalogID: String
    var ra: String
    var dec: String
    var magnitude: String
    var properMotion: String
    var parallax: String
    var status: String
    var figure: String?
    /// The analysis's own figures of the source (``SourceFigure``).
    var extraFigures: [ExtraFigureView]
    var figureError: String?
    var statistics: [StatisticView]
    var detections: [DetectionCard]
    var hasDetections: Bool
    var datasets: [DatasetView]
    var failures: [FailureView]
    var hasFailures: Bool
    var synthetic: Bool
}

struct ExtraFigureView {
    var path: String
    var alt: String
    var caption: String
}

struct StatisticView {
    var band: String
    var name: String
    var value: String
    var unit: String
    /// What the analysis says it means (empty when it says nothing).
    var description: String
}

struct DatasetView {
    var observatory: String
    var band: String
    var format: String
    var path: String
    var selection: String
    var size: String
    var sha256: String
    var calibration: String
}

enum Format {
    static func number(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func significant(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%.\(digits)g", value)
    }

    /// A statistic's value as its analysis says to write it.
    static func value(_ value: Double?, _ format: StatisticDescription.Format) -> String {
        switch format {
        case .integer:
            guard let value, value.isFinite, abs(value) < 9e15 else { return significant(value, 6) }
            return String(Int64(value.rounded()))
        case .fixed(let digits): return number(value, digits)
        case .significant(let digits): return significant(value, digits)
        }
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000 && u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[u])
    }
}
