import Foundation

/// A figure an analysis asks for on each source's page, beside the light curves: drawn by the
/// report from the source's light curves and its own statistics. Stored with the run, like
/// ``CoverageFigure``, so the report needs no analysis code to draw it.
///
/// ```swift
/// SourceFigure(.phaseFolded, statistic: "period", title: "Folded on the rotation period",
///              caption: "each band folded on its own period")
/// ```
public struct SourceFigure: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Each band's light curve folded on the period its `statistic` gives (days), phase 0–1 from
        /// the band's first point, with the median in 20 phase bins; bands without a finite
        /// positive value are left out.
        case phaseFolded
    }

    public var kind: Kind
    /// The per-band ``Statistic/name`` the figure is drawn from.
    public var statistic: String
    public var title: String
    /// What the figure shows, in a sentence, under it.
    public var caption: String

    public init(_ kind: Kind, statistic: String, title: String, caption: String) {
        self.kind = kind
        self.statistic = statistic
        self.title = title
        self.caption = caption
    }
}
