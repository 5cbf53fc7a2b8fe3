import Foundation

/// What one statistic an analysis stores means and how a report shows it: the analysis says so
/// (``Analysis/statisticDescriptions``), the run database keeps it, and the report reads it from
/// there — so the report needs no analysis code and knows no statistic by name.
///
/// ```swift
/// StatisticDescription("flare_rate", label: "rate", unit: "1/d", format: .significant(3),
///                      description: "flares per day of observed time", sourceColumn: true)
/// ```
public struct StatisticDescription: Sendable, Hashable, Codable {
    /// How a value is written.
    public enum Format: Sendable, Hashable, Codable {
        /// Rounded to a whole number (counts).
        case integer
        /// With this many decimals.
        case fixed(Int)
        /// With this many significant digits.
        case significant(Int)
    }

    /// The name the analysis stores it under (``Statistic/name``).
    public var name: String
    /// A short heading, e.g. "rate".
    public var label: String
    public var unit: String?
    public var format: Format
    /// One sentence for readers (shown where the value is).
    public var description: String
    /// The source's own value (all bands) is a column of the report's table of sources.
    public var sourceColumn: Bool
    /// Ranks sources for follow-up, highest first: the report draws pages for them first.
    /// At most one statistic of an analysis ranks.
    public var ranksSources: Bool

    public init(
        _ name: String, label: String, unit: String? = nil, format: Format = .significant(4), description: String,
        sourceColumn: Bool = false, ranksSources: Bool = false
    ) {
        self.name = name
        self.label = label
        self.unit = unit
        self.format = format
        self.description = description
        self.sourceColumn = sourceColumn
        self.ranksSources = ranksSources
    }

    /// The heading with its unit: "rate (1/d)".
    public var heading: String { unit.map { "\(label) (\($0))" } ?? label }

    /// The statistics the pipeline itself stores per band when a simulator runs.
    public static let simulation: [StatisticDescription] = [
        StatisticDescription(
            "injected", label: "injected", format: .integer, description: "synthetic events injected into this band"),
        StatisticDescription(
            "recovered_fraction", label: "recovered", format: .fixed(3),
            description: "fraction of the injected events the search found again"),
    ]
}
