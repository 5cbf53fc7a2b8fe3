import Foundation

/// How a report draws one of an analysis's coverage histograms: the counts summed onto one of its
/// numeric axes, one step line per category of another axis (e.g. per band). Stored with the run,
/// like ``StatisticDescription``, so the report draws any analysis's coverage without its code.
///
/// ```swift
/// CoverageFigure(histogram: "exposure", x: "catalog magnitude", series: "band", title: "Exposure scanned by magnitude",
///                yLabel: "exposure (h)", yFactor: 1.0 / 3600, caption: "exposure time scanned by catalog magnitude")
/// ```
public struct CoverageFigure: Sendable, Hashable, Codable {
    /// ``Histogram/name`` of the histogram drawn.
    public var histogram: String
    /// ``HistogramAxis/name`` of the numeric axis along x.
    public var x: String
    /// Name of a categorical axis with one line per category; nil: one line for all.
    public var series: String?
    public var title: String
    public var yLabel: String
    /// Counts are multiplied by this (e.g. seconds to hours: 1/3600).
    public var yFactor: Double
    public var xLog: Bool
    public var yLog: Bool
    /// What the panel shows, in a few words, for the figure's caption.
    public var caption: String

    public init(
        histogram: String, x: String, series: String? = nil, title: String, yLabel: String, yFactor: Double = 1, xLog: Bool = false,
        yLog: Bool = false, caption: String
    ) {
        self.histogram = histogram
        self.x = x
        self.series = series
        self.title = title
        self.yLabel = yLabel
        self.yFactor = yFactor
        self.xLog = xLog
        self.yLog = yLog
        self.caption = caption
    }

    /// What a report draws for histograms no analysis described: each along its first numeric
    /// axis, one line per category of its first categorical axis, linear scales.
    public static func defaults(for histograms: [Histogram]) -> [CoverageFigure] {
        histograms.compactMap { h in
            guard let x = h.axes.first(where: { if case .edges = $0.bins { true } else { false } }) else { return nil }
            let series = h.axes.first { if case .categories = $0.bins { true } else { false } }
            let unit = x.unit.map { " (\($0))" } ?? ""
            return CoverageFigure(
                histogram: h.name, x: x.name, series: series?.name, title: "\(h.quantity) by \(x.name)", yLabel: h.quantity,
                caption: "\(h.quantity) by \(x.name)\(unit)")
        }
    }
}
