import Core
import Foundation
import Plot

/// The report's "Blind vetting" section: while blind, how far vetting has come and nothing per card;
/// once unblinded, what ``VettingSummary`` measured.
struct VettingSectionView {
    var pageID: String
    var cards: Int
    var vetters: String
    var verdicts: Int
    var blind: Bool
    /// Only once unblinded:
    var simulated: Int
    var overall: [KeyValueView]
    var byED: [VettingBinView]
    var byAmplitude: [VettingBinView]
    var agreements: [AgreementView]
    var hasAgreements: Bool
    var figure: String?
}

struct KeyValueView {
    var key: String
    var value: String
}

struct VettingBinView {
    var range: String
    var search: String
    var vetting: String
    var byVetter: String
    var real: String
    var corrected: String
    var rate: String
}

struct AgreementView {
    var vetters: String
    var common: Int
    var agreeing: String
    var kappa: String
}

public enum VettingText {
    static func fraction(_ f: VettingSummary.Fraction) -> String {
        guard let v = f.value, let i = f.interval else { return "– (0 shown)" }
        return "\(f.k)/\(f.n) = \(Format.number(v, 2)) [\(Format.number(i.lowerBound, 2)), \(Format.number(i.upperBound, 2))]"
    }

    static func range(_ r: Range<Double>) -> String { "\(Format.significant(r.lowerBound, 3))–\(Format.significant(r.upperBound, 3))" }

    static func bins(_ bins: [VettingSummary.Bin], summary s: VettingSummary) -> [VettingBinView] {
        let vetters = s.vetters
        return bins.map { b in
            VettingBinView(
                range: range(b.range),
                search: fraction(b.search) + (b.searchByBand.count > 1
                    ? "; " + b.searchByBand.keys.sorted().map { "\($0) \(Format.number(b.searchByBand[$0]!.value, 2))" }.joined(separator: ", ") : ""),
                vetting: fraction(b.vetting),
                byVetter: vetters.map { "\($0): \(b.byVetter[$0].map { "\($0.k)/\($0.n)" } ?? "–")" }.joined(separator: "; "),
                real: "\(b.realAccepted)/\(b.realShown)", corrected: Format.significant(b.corrected, 3),
                rate: b.correctedByBand.keys.sorted().map { band in
                    let days = s.observedDaysByBand[band] ?? 0
                    return "\(band) \(days > 0 ? Format.significant(b.correctedByBand[band]! / days, 3) : "–")"
                }.joined(separator: ", "))
        }
    }

    static func overall(_ s: VettingSummary) -> [KeyValueView] {
        func perVetter(_ d: [String: VettingSummary.Fraction]) -> String {
            s.vetters.map { "\($0) \(d[$0].map { "\($0.k)/\($0.n)" } ?? "–")" }.joined(separator: ", ")
        }
        return [
            KeyValueView(key: "cards", value: "\(s.cardCount), of which \(s.simulatedCount) simulated"),
            KeyValueView(key: "vetters", value: s.vetters.isEmpty ? "none yet" : s.vetters.joined(separator: ", ")),
            KeyValueView(key: "verdicts", value: "\(s.verdictCount)"),
            KeyValueView(
                key: "simulated accepted (vetting efficiency)",
                value: fraction(s.simulatedAccepted) + (s.vetters.isEmpty ? "" : "; by vetter: " + perVetter(s.simulatedAcceptedByVetter))),
            KeyValueView(
                key: "real accepted", value: fraction(s.realAccepted) + (s.vetters.isEmpty ? "" : "; by vetter: " + perVetter(s.realAcceptedByVetter))),
            KeyValueView(
                key: "flares corrected for search × vetting",
                value: s.correctedTotal.map {
                    "\(Format.significant($0, 3)) over \(Format.number(s.observedDays, 1)) d observed = \(Format.significant(s.correctedRatePerDay, 3)) per day"
                } ?? "– (no ED bin with both efficiencies measured)"),
        ] + s.correctedByBand.keys.sorted().map { band in
            let r = s.correctedByBand[band]!
            return KeyValueView(
                key: "corrected, \(band)",
                value: "\(Format.significant(r.corrected, 3)) over \(Format.number(r.observedDays, 1)) d observed in \(band) = "
                    + "\(Format.significant(r.ratePerDay, 3)) per day")
        }
    }

    static func agreements(_ s: VettingSummary) -> [AgreementView] {
        s.agreements.map { a in
            AgreementView(
                vetters: "\(a.vetters.0) – \(a.vetters.1)", common: a.common,
                agreeing: a.common > 0 ? "\(a.agreeing) (\(Format.number(100 * Double(a.agreeing) / Double(a.common), 0)) %)" : "–",
                kappa: Format.number(a.kappa, 2))
        }
    }

    /// The summary as lines of text, for the terminal.
    public static func lines(_ s: VettingSummary) -> [String] {
        var lines = overall(s).map { "\($0.key): \($0.value)" }
        for a in agreements(s) { lines.append("agreement \(a.vetters): \(a.agreeing) of \(a.common) cards, Cohen's κ \(a.kappa)") }
        for (title, bins) in [("ED (s)", s.byED), ("amplitude", s.byAmplitude)] {
            lines.append("by injected \(title): search efficiency | vetting efficiency | real accepted | corrected | per day, by band")
            for b in Self.bins(bins, summary: s) {
                lines.append("  \(b.range): \(b.search) | \(b.vetting) | \(b.real) | \(b.corrected) | \(b.rate)")
            }
        }
        return lines
    }
}

extension ReportFigures {
    /// Vetting: search, vetting and combined efficiency against injected ED, with 68 % intervals.
    static func vetting(_ s: VettingSummary) -> Figure? {
        let bins = s.byED.filter { $0.search.n > 0 }
        guard !bins.isEmpty else { return nil }
        let figure = Figure(width: 520, height: 340)
        let panel = figure.panel(row: 0, column: 0)
        panel.title = "Search and vetting efficiency"
        panel.xLabel = "injected ED (s)"
        panel.yLabel = "efficiency"
        panel.xScale = .log
        panel.yLimits = 0...1.05
        panel.legend = .lowerRight
        panel.grid = true
        func draw(_ fractions: [(Double, VettingSummary.Fraction)], color: Color, label: String, shift: Double) {
            let shown = fractions.filter { $0.1.n > 0 }
            guard !shown.isEmpty else { return }
            let x = shown.map { $0.0 * shift }
            let y = shown.map { $0.1.value! }
            let lo = shown.map { $0.1.interval!.lowerBound }
            let hi = shown.map { $0.1.interval!.upperBound }
            panel.errorBars(x: x, y: zip(lo, hi).map { ($0 + $1) / 2 }, yError: zip(lo, hi).map { ($1 - $0) / 2 }, color: color, width: 1)
            panel.line(x: x, y: y, color: color, width: 1.5, label: label)
            panel.points(x: x, y: y, color: color, size: 3.5)
        }
        let centres = bins.map { sqrt($0.range.lowerBound * $0.range.upperBound) }
        draw(Array(zip(centres, bins.map(\.search))), color: .blue, label: "search (recovered / injected)", shift: 0.93)
        draw(Array(zip(centres, bins.map(\.vetting))), color: .orange, label: "vetting (accepted / shown)", shift: 1.07)
        return figure
    }
}
