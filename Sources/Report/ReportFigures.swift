import Core
import Foundation
import Plot

/// Turns the science types of Core into Plot figures. The only place that knows both.
enum ReportFigures {
    static let bandColors: [String: Color] = [
        "TESS": .red, "ZTF g": .green, "ZTF r": .orange, "ZTF i": .purple, "Kepler": .blue, "K2": .blue,
    ]
    static func color(_ band: String) -> Color { bandColors[band] ?? .gray }

    static func yLabel(_ lc: Lightcurve) -> String {
        switch lc.fluxUnit {
        case .relative: return "relative flux"
        case .microjansky: return "flux density (µJy)"
        case .electronsPerSecond: return "flux (e⁻/s)"
        }
    }

    /// A detection: a cut-out around the event with its span shaded, and the whole band as a thumbnail.
    static func detection(_ d: DetectionRecord, in lc: Lightcurve, sourceName: String, model: [Double]? = nil) -> Figure {
        detection(Span(band: d.band, start: d.start, stop: d.stop), peak: d.peakTime, in: lc, sourceName: sourceName, model: model)
    }

    /// The same for a detection given by its band, span and peak time.
    static func detection(_ d: Span, peak: Double, in lc: Lightcurve, sourceName: String, model: [Double]? = nil) -> Figure {
        let figure = Figure(width: 400, height: 250, rows: 2, columns: 1)
        let sparse = DetectionWindow.isSparse(medianCadence: lc.medianCadence)
        let window = DetectionWindow.cutout(start: d.start, stop: d.stop, peak: peak, medianCadence: lc.medianCadence)
        let indices = lc.time.indices.filter { window.contains(lc.time[$0]) }
        let cut = figure.panel(row: 0, column: 0)
        cut.title = "\(sourceName) · \(d.band) · peak \(lc.timeSystem.name) \(String(format: "%.4f", peak))"
        cut.yLabel = yLabel(lc)
        cut.xLabel = "\(lc.timeSystem.name) (d)"
        let pad = sparse ? 0.5 : (lc.medianCadence ?? 0.001) / 2
        cut.span(from: d.start - pad, to: d.stop + pad)
        let x = indices.map { lc.time[$0] }
        let y = indices.map { lc.flux[$0] }
        cut.errorBars(x: x, y: y, yError: indices.map { lc.fluxError[$0] }, color: Color.gray.withAlpha(0.6))
        if !sparse { cut.line(x: x, y: y, color: color(d.band).withAlpha(0.5), width: 0.6) }
        cut.points(x: x, y: y, color: color(d.band), size: sparse ? 3.5 : 2)
        if let model, model.count == lc.count {
            // The quiescent baseline the flare was measured against.
            let m = indices.filter { model[$0].isFinite }
            if m.count > 1 { cut.line(x: m.map { lc.time[$0] }, y: m.map { model[$0] }, color: .black, width: 0.8) }
        }
        cut.xLimits = window
        let thumb = figure.panel(row: 1, column: 0)
        // Context: the whole light curve for sparse data, the sector (±15 d) for continuous data.
        let context = sparse ? Array(lc.time.indices) : lc.time.indices.filter { abs(lc.time[$0] - peak) < 15 }
        thumb.xLabel = "\(lc.timeSystem.name) (d), " + (sparse ? "whole \(d.band) light curve" : "\(d.band) light curve ±15 d")
        drawDense(thumb, x: context.map { lc.time[$0] }, y: context.map { lc.flux[$0] }, columns: 800, color: color(d.band).withAlpha(0.5), size: 1)
        thumb.verticalLine(at: peak, color: .black, dash: [3, 2])
        return figure
    }

    /// Points, or, when there are several per pixel column, each column's range as a vertical bar:
    /// the envelope a reader sees in the full data. (Drawing a column's minimum and maximum as two
    /// points makes a noisy light curve look like two parallel tracks.)
    static func drawDense(_ panel: Panel, x: [Double], y: [Double], columns: Int, color: Color, size: Double) {
        // x need not be sorted (a phase-folded light curve is not).
        var lo = Double.infinity, hi = -Double.infinity
        for v in x where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        guard x.count > 4 * columns, hi > lo else {
            panel.points(x: x, y: y, color: color, size: size)
            return
        }
        var low = [Double](repeating: .infinity, count: columns)
        var high = [Double](repeating: -.infinity, count: columns)
        let perUnit = Double(columns) / (hi - lo)
        for i in x.indices where x[i].isFinite && y[i].isFinite {
            let c = min(columns - 1, max(0, Int((x[i] - lo) * perUnit)))
            low[c] = min(low[c], y[i])
            high[c] = max(high[c], y[i])
        }
        let filled = (0..<columns).filter { low[$0] <= high[$0] }
        let centres = filled.map { lo + (Double($0) + 0.5) / perUnit }
        panel.errorBars(
            x: centres, y: filled.map { (low[$0] + high[$0]) / 2 }, yError: filled.map { (high[$0] - low[$0]) / 2 }, color: color,
            width: size)
    }

    /// A time interval to shade on a band's light curve.
    struct Span {
        var band: String
        var start: Double
        var stop: Double
    }

    /// All bands of a source with points, one panel each — or, for continuous data with long breaks
    /// (``stretches(of:)``: sectors or campaigns months or years apart), one panel per stretch, so
    /// that two TESS sectors two years apart are two light curves, not two slivers at the ends of
    /// one axis. Every detection is shaded, and the quiescent model of each band drawn where one is
    /// given (same length as the band's light curve). Bands without a good point are named in the
    /// title instead of drawn as empty axes.
    static func source(_ bands: [BandLightcurve], detections: [Span], sourceName: String, models: [String: [Double]] = [:])
        -> Figure
    {
        let empty = bands.filter { $0.lightcurve.count == 0 }.map(\.band)
        let bands = bands.filter { $0.lightcurve.count > 0 }
        // One row per stretch; a band drawn in several carries its flux range to each, so that their
        // levels compare at a glance.
        let rows = bands.flatMap { band -> [(BandLightcurve, Range<Int>, ClosedRange<Double>?)] in
            let parts = stretches(of: band.lightcurve)
            guard parts.count > 1 else { return parts.map { (band, $0, nil) } }
            let range = Panel.autoscaledLimits(of: band.lightcurve.flux)
            return parts.map { (band, $0, range) }
        }
        let figure = Figure(width: 640, height: 150 * Double(max(rows.count, 1)) + 30, rows: max(rows.count, 1), columns: 1)
        figure.title = sourceName + (empty.isEmpty ? "" : " (no good points in \(empty.joined(separator: ", ")))")
        for (row, (band, stretch, fluxRange)) in rows.enumerated() {
            let lc = band.lightcurve
            let whole = stretch.count == lc.count
            let (first, last) = (lc.time[stretch.lowerBound], lc.time[stretch.upperBound - 1])
            let panel = figure.panel(row: row, column: 0)
            panel.title = "\(band.band) (\(band.observatory)): "
                + (whole ? "\(lc.count) points" : String(format: "%.1f–%.1f, %d of %d points", first, last, stretch.count, lc.count))
            panel.xLabel = "\(lc.timeSystem.name) (d)"
            panel.yLabel = yLabel(lc)
            for d in detections where d.band == band.band && d.stop >= first && d.start <= last {
                let pad = max(0.02, (d.stop - d.start) * 0.5)
                panel.span(from: d.start - pad, to: d.stop + pad, color: Color.orange.withAlpha(0.45))
            }
            if !whole {
                // The stretch alone, a little margin either side (a shaded span may reach past it).
                let margin = max((last - first) * 0.01, lc.medianCadence ?? 0)
                panel.xLimits = (first - margin)...(last + margin)
                panel.yLimits = fluxRange
            }
            // More points than pixels: reduce for display, keeping each pixel column's extremes (flare peaks).
            let time = Array(lc.time[stretch]), flux = Array(lc.flux[stretch])
            drawDense(panel, x: time, y: flux, columns: 1280, color: color(band.band), size: stretch.count > 5000 ? 1 : 2)
            if let model = models[band.band], model.count == lc.count {
                // Broken at gaps longer than a day so the line does not bridge them.
                for segment in lc.segments(maxGap: 1) where segment.count > 1 && segment.overlaps(stretch) {
                    let part = segment.clamped(to: stretch)
                    panel.line(x: Array(lc.time[part]), y: Array(model[part]), color: .black, width: 0.8)
                }
            }
        }
        return figure
    }

    /// Breaks longer than this (days) start a new panel of a continuous light curve: longer than any
    /// break within a TESS sector, a Kepler quarter or a K2 campaign (downlinks, safe modes: a few
    /// days), shorter than the time between sectors that are not consecutive.
    static let stretchBreak = 10.0
    /// Panels drawn at most per band: beyond, only the longest breaks start one.
    static let maximumStretches = 6

    /// The stretches of a light curve drawn as panels of their own: continuous data (cadence under
    /// ``Cadence/continuousLimit``) split at breaks longer than ``stretchBreak`` days — at most
    /// ``maximumStretches``, the longest breaks first. Sparse ground-based data (ZTF), whose
    /// seasons a reader wants on one axis, and any light curve without such a break: whole.
    static func stretches(of lc: Lightcurve) -> [Range<Int>] {
        guard lc.count > 1, Cadence.isContinuous(medianCadence: lc.medianCadence) else { return [0..<lc.count] }
        var breaks = (1..<lc.count).filter { lc.time[$0] - lc.time[$0 - 1] > stretchBreak }
        if breaks.count >= maximumStretches {
            breaks = Array(breaks.sorted { lc.time[$0] - lc.time[$0 - 1] > lc.time[$1] - lc.time[$1 - 1] }
                .prefix(maximumStretches - 1)).sorted()
        }
        let edges = [0] + breaks + [lc.count]
        return (0..<(edges.count - 1)).map { edges[$0]..<edges[$0 + 1] }
    }

    /// A figure an analysis asks for on a source's page (``SourceFigure``), or nil when no band has
    /// a value to draw it from. `values`: the figure's statistic per band.
    /// `description`: the statistic's, for its unit and number format.
    static func sourceFigure(
        _ f: SourceFigure, bands: [BandLightcurve], values: [String: Double], description: StatisticDescription?, sourceName: String
    ) -> Figure? {
        switch f.kind {
        case .phaseFolded:
            let drawn = bands.filter { ($0.lightcurve.count > 1) && (values[$0.band].map { $0 > 0 } ?? false) }
            guard !drawn.isEmpty else { return nil }
            let columns = min(2, drawn.count)
            let rows = (drawn.count + 1) / 2
            let figure = Figure(width: 640, height: 230 * Double(rows) + 30, rows: rows, columns: columns)
            figure.title = "\(sourceName): \(f.title.prefix(1).lowercased() + f.title.dropFirst())"
            if drawn.count > 1, drawn.count % 2 == 1 { figure.panel(row: rows - 1, column: 1).isHidden = true }
            for (k, band) in drawn.enumerated() {
                let lc = band.lightcurve
                let period = values[band.band]!
                let panel = figure.panel(row: k / 2, column: k % 2)
                panel.title = "\(band.band): \(description?.label ?? f.statistic) \(Format.value(period, description?.format ?? .significant(4)))"
                    + (description?.unit.map { " \($0)" } ?? "")
                panel.xLabel = "phase"
                panel.yLabel = yLabel(lc)
                let t0 = lc.time[0]
                let phase = lc.time.map { t in ((t - t0) / period).truncatingRemainder(dividingBy: 1) }
                // Many points: each phase column's range, as the light-curve panels draw them.
                drawDense(panel, x: phase, y: lc.flux, columns: 400, color: color(band.band).withAlpha(0.5), size: lc.count > 2000 ? 1 : 2)
                // The median in 20 phase bins: the shape the period describes.
                var bins = [[Double]](repeating: [], count: 20)
                for i in phase.indices where lc.flux[i].isFinite { bins[min(19, max(0, Int(phase[i] * 20)))].append(lc.flux[i]) }
                let filled = bins.indices.filter { bins[$0].count >= 3 }
                panel.line(
                    x: filled.map { (Double($0) + 0.5) / 20 }, y: filled.map { Statistics.median(bins[$0]) ?? .nan }, color: .black, width: 1.5)
                panel.xLimits = 0...1
            }
            return figure
        }
    }

    /// Coverage: one panel per ``CoverageFigure`` (the analysis's, stored with the run; or
    /// ``CoverageFigure/defaults(for:)``), two to a row: the histogram's counts summed onto its x
    /// axis, one step line per category of its series axis. A log x axis cannot show an edge at 0:
    /// the first bin is drawn from a third of its upper edge; nor an open-ended last bin: it is
    /// drawn to 100 times its lower edge.
    static func coverage(_ histograms: [Histogram], figures: [CoverageFigure]) -> Figure? {
        let panels = figures.compactMap { f -> (CoverageFigure, Histogram, x: Int, series: Int?)? in
            guard let h = histograms.first(where: { $0.name == f.histogram }),
                let x = h.axes.firstIndex(where: { $0.name == f.x }), case .edges = h.axes[x].bins
            else { return nil }
            let series = f.series.flatMap { name in h.axes.firstIndex { $0.name == name } }
            if let series, case .edges = h.axes[series].bins { return nil }
            return (f, h, x, series)
        }
        guard !panels.isEmpty else { return nil }
        let rows = (panels.count + 1) / 2
        let figure = Figure(width: 640, height: 260 * Double(rows), rows: rows, columns: min(2, panels.count))
        if panels.count > 1, panels.count % 2 == 1 { figure.panel(row: rows - 1, column: 1).isHidden = true }
        for (k, (f, h, x, series)) in panels.enumerated() {
            let panel = figure.panel(row: k / 2, column: k % 2)
            panel.title = f.title
            panel.xLabel = h.axes[x].name + (h.axes[x].unit.map { " (\($0))" } ?? "")
            panel.yLabel = f.yLabel
            panel.xScale = f.xLog ? .log : .linear
            panel.yScale = f.yLog ? .log : .linear
            panel.legend = .upperRight
            guard case var .edges(edges) = h.axes[x].bins else { continue }
            if f.xLog, edges.count > 2 {
                if edges[0] <= 0 { edges[0] = edges[1] / 3 }
                let n = edges.count - 1
                if edges[n] > 100 * edges[n - 1] { edges[n] = 100 * edges[n - 1] }
            }
            // Counts summed onto (series category, x bin); row-major, last axis fastest.
            let sizes = h.axes.map(\.binCount)
            let categories: [String?]
            if let series, case let .categories(names) = h.axes[series].bins { categories = names } else { categories = [nil] }
            var sums = Array(repeating: Array(repeating: Int64(0), count: sizes[x]), count: categories.count)
            for (flat, count) in h.counts.enumerated() where count != 0 {
                var rest = flat
                var index = Array(repeating: 0, count: sizes.count)
                for a in sizes.indices.reversed() {
                    index[a] = rest % sizes[a]
                    rest /= sizes[a]
                }
                sums[series.map { index[$0] } ?? 0][index[x]] += count
            }
            for (c, category) in categories.enumerated() where sums[c].contains(where: { $0 > 0 }) {
                let values = sums[c].map { f.yLog && $0 == 0 ? Double.nan : Double($0) * f.yFactor }
                let colour = category.flatMap { bandColors[$0] } ?? Color.palette[c % Color.palette.count]
                panel.stepHistogram(edges: edges, counts: values, color: colour, label: category ?? h.quantity)
            }
        }
        return figure
    }

    /// The caption of ``coverage(_:figures:)``: what each panel shows, in order.
    static func coverageCaption(_ histograms: [Histogram], figures: [CoverageFigure]) -> String {
        let shown = figures.filter { f in histograms.contains { $0.name == f.histogram } }
        guard shown.count > 1 else { return shown.first.map { $0.caption.prefix(1).uppercased() + $0.caption.dropFirst() + "." } ?? "" }
        return "Panels, left to right and top to bottom: " + shown.map(\.caption).joined(separator: "; ") + "."
    }

    static func logEdges(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        (0...count).map { lo * pow(hi / lo, Double($0) / Double(count)) }
    }

    static func bin(_ value: Double, _ edges: [Double]) -> Int {
        min(max((edges.lastIndex { $0 <= value } ?? 0), 0), edges.count - 2)
    }

    /// Bin edges for a parameter's values (as shown, i.e. scaled): on a log axis at quarter decades
    /// (wider when they span more than ten decades), else twelve equal bins; nil when there is no
    /// range to bin.
    static func parameterEdges(_ values: [Double], log: Bool) -> [Double]? {
        let usable = values.filter { $0.isFinite && (!log || $0 > 0) }
        guard let lo = usable.min(), let hi = usable.max(), hi > lo else { return nil }
        if log {
            let first = (4 * log10(lo)).rounded(.down) / 4
            var last = (4 * log10(hi)).rounded(.up) / 4
            if last <= first { last = first + 0.25 }
            let step = max(0.25, (last - first) / 40)
            return stride(from: first, through: last + step / 2, by: step).map { pow(10, $0) }
        }
        return (0...12).map { lo + (hi - lo) * Double($0) / 12 }
    }

    /// Sensitivity: one panel per ``SensitivityFigure`` (the simulator's, stored with the run; or
    /// ``SensitivityFigure/defaults(for:)``), two to a row, a `map` one panel per band (the two bands
    /// with most injections). Parameters are shown scaled and labelled as their descriptions say.
    static func sensitivity(
        _ injections: [String: Store.InjectionColumns], parameters: [InjectionParameterDescription], figures: [SensitivityFigure]
    ) -> Figure? {
        guard injections.values.contains(where: { $0.count > 0 }) else { return nil }
        let bands = injections.filter { $0.value.count > 0 }.sorted { $0.key < $1.key }
        func describe(_ name: String) -> InjectionParameterDescription? { parameters.first { $0.name == name } }
        func injected(_ band: Store.InjectionColumns, _ p: InjectionParameterDescription) -> [Double]? {
            band.injected[p.name].map { $0.map { $0 * p.scale } }
        }
        // Each panel: a figure and, for maps, its band.
        var panels: [(SensitivityFigure, band: String?)] = []
        let mapBands = bands.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(2).map(\.key)
        for f in figures {
            guard let x = describe(f.x), bands.contains(where: { $0.value.injected[x.name] != nil }) else { continue }
            if f.kind == .map {
                guard let y = f.y.flatMap(describe) else { continue }
                panels += mapBands.filter { injections[$0]?.injected[y.name] != nil }.map { (f, $0) }
            } else {
                panels.append((f, nil))
            }
        }
        guard !panels.isEmpty else { return nil }
        let rows = (panels.count + 1) / 2
        let figure = Figure(width: 640, height: 260 * Double(rows), rows: rows, columns: min(2, panels.count))
        // An odd number: the last cell is left blank, not drawn as an empty frame.
        if panels.count > 1, panels.count % 2 == 1 { figure.panel(row: rows - 1, column: 1).isHidden = true }
        for (k, (f, mapBand)) in panels.enumerated() {
            let panel = figure.panel(row: k / 2, column: k % 2)
            let x = describe(f.x)!
            panel.title = f.title
            panel.xLabel = "injected " + x.axisLabel
            panel.xScale = x.log ? .log : .linear
            let all = bands.flatMap { injected($0.value, x) ?? [] }
            guard let edges = parameterEdges(all, log: x.log) else { continue }
            func bin(_ v: Double) -> Int? {
                guard v.isFinite, let k = edges.indices.dropLast().last(where: { edges[$0] <= v }) else { return nil }
                return v <= edges[edges.count - 1] ? k : nil
            }
            func centre(_ k: Int) -> Double { x.log ? sqrt(edges[k] * edges[k + 1]) : (edges[k] + edges[k + 1]) / 2 }
            switch f.kind {
            case .recovery:
                panel.yLabel = "fraction recovered"
                panel.yLimits = 0...1.05
                panel.legend = .upperLeft
                panel.grid = true
                for (band, mine) in bands {
                    guard let values = injected(mine, x) else { continue }
                    var total = [Int](repeating: 0, count: edges.count - 1)
                    var found = total
                    for m in values.indices {
                        guard let k = bin(values[m]) else { continue }
                        total[k] += 1
                        if mine.recovered[m] { found[k] += 1 }
                    }
                    let shown = total.indices.filter { total[$0] >= 3 }
                    let cx = shown.map(centre), cy = shown.map { Double(found[$0]) / Double(total[$0]) }
                    panel.line(x: cx, y: cy, color: color(band), width: 1.5, label: band)
                    panel.points(x: cx, y: cy, color: color(band), size: 3)
                }
            case .ratio:
                let y = f.y.flatMap(describe) ?? x
                panel.yLabel = "measured / injected \(y.label)"
                panel.yScale = .log
                panel.horizontalLine(at: 1)
                for (band, mine) in bands {
                    guard let xs = injected(mine, x), let yi = mine.injected[y.name], let ym = mine.measured[y.name] else { continue }
                    var pairs: [(Double, Double)] = []
                    for m in xs.indices where yi[m] > 0 && ym[m] > 0 { pairs.append((xs[m], ym[m] / yi[m])) }
                    // At most 3,000 as points (every k-th): a run of 100,000 stars has half a million,
                    // which made a 92-MB SVG. The median and 16–84 % range per bin summarise them all.
                    let every = max(1, (pairs.count + 2_999) / 3_000)
                    let sample = stride(from: 0, to: pairs.count, by: every).map { pairs[$0] }
                    panel.points(x: sample.map(\.0), y: sample.map(\.1), color: color(band).withAlpha(0.35), size: 2)
                    var ratios = [[Double]](repeating: [], count: edges.count - 1)
                    for (v, r) in pairs { if let k = bin(v) { ratios[k].append(r) } }
                    var cx: [Double] = [], median: [Double] = [], low: [Double] = [], high: [Double] = []
                    for k in ratios.indices where ratios[k].count >= 5 {
                        let sorted = ratios[k].sorted()
                        func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))] }
                        cx.append(centre(k))
                        median.append(quantile(0.5))
                        low.append(quantile(0.16))
                        high.append(quantile(0.84))
                    }
                    panel.line(x: cx, y: median, color: color(band), width: 1.5, label: band)
                    panel.line(x: cx, y: low, color: color(band), width: 0.8, dash: [3, 2])
                    panel.line(x: cx, y: high, color: color(band), width: 0.8, dash: [3, 2])
                }
                panel.legend = .upperRight
            case .map:
                guard let band = mapBand, let mine = injections[band], let y = f.y.flatMap(describe), let xs = injected(mine, x),
                    let ys = injected(mine, y)
                else { continue }
                panel.title = "\(f.title), \(band)"
                panel.xLabel = "injected " + x.axisLabel
                panel.yLabel = "injected " + y.axisLabel
                panel.yScale = y.log ? .log : .linear
                let usableX = xs.filter { $0.isFinite && (!x.log || $0 > 0) }, usableY = ys.filter { $0.isFinite && (!y.log || $0 > 0) }
                guard let x0 = usableX.min(), let x1 = usableX.max(), let y0 = usableY.min(), let y1 = usableY.max(), x1 > x0, y1 > y0
                else { continue }
                let xEdges = x.log ? logEdges(x0, x1, count: 8) : (0...8).map { x0 + (x1 - x0) * Double($0) / 8 }
                let yEdges = y.log ? logEdges(y0, y1, count: 8) : (0...8).map { y0 + (y1 - y0) * Double($0) / 8 }
                var hits = Array(repeating: Array(repeating: 0.0, count: 8), count: 8)
                var totals = hits
                for m in xs.indices where xs[m].isFinite && ys[m].isFinite {
                    let i = self.bin(xs[m], xEdges), j = self.bin(ys[m], yEdges)
                    totals[j][i] += 1
                    if mine.recovered[m] { hits[j][i] += 1 }
                }
                let fraction = (0..<8).map { j in (0..<8).map { i in totals[j][i] > 0 ? hits[j][i] / totals[j][i] : .nan } }
                panel.heatmap(xEdges: xEdges, yEdges: yEdges, values: fraction, range: 0...1, colorBarLabel: "recovered")
            }
        }
        return figure
    }

    /// The caption of ``sensitivity(_:parameters:figures:)``: what each panel shows, in order.
    static func sensitivityCaption(_ injections: [String: Store.InjectionColumns], figures: [SensitivityFigure]) -> String {
        let shown = figures.filter { f in injections.values.contains { $0.injected[f.x] != nil } }
        guard shown.count > 1 else { return shown.first.map { $0.caption.prefix(1).uppercased() + $0.caption.dropFirst() + "." } ?? "" }
        return "Panels, left to right and top to bottom: " + shown.map(\.caption).joined(separator: "; ") + "."
    }
}
