import Core
import Foundation

/// `report lightcurve FILE`: calibrate, detrend and search one raw file, without a run.
public struct QuickLook: Sendable {
    /// What a quick look found, as printed with `--json`.
    public struct Result: Codable, Sendable {
        public struct Band: Codable, Sendable {
            public var band: String
            public var points: Int
            public var timeSystem: String
            public var fluxUnit: String
            public var rejected: Int
            /// The analysis's summary statistics of this band (rotation, noise scale, flare rate …), by name.
            public var statistics: [String: Double]? = nil
        }
        public struct Flare: Codable, Sendable, Equatable {
            public var band: String
            public var start: Double
            public var stop: Double
            public var peak: Double
            public var amplitude: Double
            public var ed: Double
            public var edErr: Double
            public var points: Int
            public var significance: Double
            /// The vetting numbers of the candidate (rise, decay, template fit, flags).
            public var vetting: FlareVetting?
            /// The close-up figure of the candidate written beside `--plot` (nil: none written).
            public var figure: String? = nil

            enum CodingKeys: String, CodingKey {
                case band, start, stop, peak, amplitude, ed, points, significance, vetting, figure
                case edErr = "ed_err"
            }

            /// A detection as printed: the one mapping from ``Detection``.
            init(_ d: Detection, figure: String?) {
                (band, start, stop, peak, amplitude) = (d.band, d.start, d.stop, d.peakTime, d.amplitude)
                (ed, edErr, points, significance) = (d.equivalentDuration, d.equivalentDurationError, d.pointCount, d.significance)
                (vetting, self.figure) = (d.vetting, figure)
            }
        }
        /// A candidate turned down after the criteria (``FlareFinder/Rejection``).
        public struct Rejected: Codable, Sendable, Equatable {
            public var band: String
            public var start: Double
            public var stop: Double
            public var peak: Double
            public var significance: Double
            /// "shape", "negative ED", "not corroborated" or "cosmic ray".
            public var reason: String
            public var vetting: FlareVetting?
        }
        public var file: String
        public var format: String
        /// Good points searched, all bands.
        public var points: Int
        public var bands: [Band]
        public var flares: [Flare]?
        /// Candidates that passed the criteria and were turned down, with the reason (`--rejected`).
        public var rejected: [Rejected]? = nil
        /// Injection–recovery on every band, summed over bands (`--inject N`).
        public var injection: InjectionSummary?
        /// The detections held against another list of flares on this light curve (`--compare LIST`).
        public var comparison: FlareListComparison? = nil
    }

    /// An injection–recovery result as printed: totals, recovery per S/N bin, ED ratio, time, seed.
    public struct InjectionSummary: Codable, Sendable, Equatable {
        public struct Bin: Codable, Sendable, Equatable {
            public var snrMin: Double
            /// nil (JSON null) for the open top bin.
            public var snrMax: Double?
            public var injected: Int
            public var recovered: Int

            enum CodingKeys: String, CodingKey {
                case snrMin = "snr_min", snrMax = "snr_max", injected, recovered
            }

            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(snrMin, forKey: .snrMin)
                try c.encode(snrMax, forKey: .snrMax)
                try c.encode(injected, forKey: .injected)
                try c.encode(recovered, forKey: .recovered)
            }
        }
        public var seed: UInt64
        /// Flares injected per band.
        public var perBand: Int
        public var injected: Int
        public var recovered: Int
        /// nil (JSON null) when nothing could be injected.
        public var fraction: Double?
        public var bySNR: [Bin]
        /// Median recovered/injected ED of recovered flares with S/N > 10 (null: none).
        public var edRatioMedian: Double?
        public var trials: Int
        /// Detections without injection (ignored in the matching) and unmatched detections in trials.
        public var baselineDetections: Int
        public var spuriousDetections: Int
        /// Drawn flares no place was found for (``InjectionRecoveryResult/unplaced``).
        public var unplaced: Int
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case seed, injected, recovered, fraction, trials, seconds, unplaced
            case perBand = "per_band", bySNR = "by_snr", edRatioMedian = "ed_ratio_median"
            case baselineDetections = "baseline_detections", spuriousDetections = "spurious_detections"
        }

        public init(_ result: InjectionRecoveryResult, perBand: Int) {
            seed = result.seed
            self.perBand = perBand
            injected = result.injected
            recovered = result.recovered
            fraction = result.fraction
            bySNR = result.bins.map { Bin(snrMin: $0.snrMin, snrMax: $0.snrMax, injected: $0.injected, recovered: $0.recovered) }
            edRatioMedian = result.medianEDRatio(aboveSNR: 10)
            trials = result.trials
            baselineDetections = result.baselineDetections
            spuriousDetections = result.spuriousDetections
            unplaced = result.unplaced
            seconds = result.seconds
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seed, forKey: .seed)
            try c.encode(perBand, forKey: .perBand)
            try c.encode(injected, forKey: .injected)
            try c.encode(recovered, forKey: .recovered)
            try c.encode(fraction, forKey: .fraction)
            try c.encode(bySNR, forKey: .bySNR)
            try c.encode(edRatioMedian, forKey: .edRatioMedian)
            try c.encode(trials, forKey: .trials)
            try c.encode(baselineDetections, forKey: .baselineDetections)
            try c.encode(spuriousDetections, forKey: .spuriousDetections)
            try c.encode(unplaced, forKey: .unplaced)
            try c.encode(seconds, forKey: .seconds)
        }
    }

    public let file: URL
    public let parameters: FlareSearch.Parameters
    /// The time system of a light-curve table whose time column and header do not say it, or that
    /// overrides what they say; `nil` to take the file's own (SPOC and ZTF files always say it).
    public let timeSystem: TimeSystem?

    public init(file: URL, parameters: FlareSearch.Parameters = .standard, timeSystem: TimeSystem? = nil) {
        self.file = file
        self.parameters = parameters
        self.timeSystem = timeSystem
    }

    /// Reads and searches the file; writes a figure to `plot` (PNG or SVG) when given.
    /// - Parameters:
    ///   - inject: when given, also runs an ``InjectionRecovery`` of that many flares on each band.
    ///   - seed: seed of the injection–recovery (recorded in the result).
    ///   - rejected: also list the candidates the search turned down after its criteria, and why.
    ///   - compare: a list of flares on the same light curve (``FlareList``), to compare the detections with.
    public func run(
        flares: Bool, plot: URL?, inject: Int? = nil, seed: UInt64 = 1, rejected: Bool = false, compare: URL? = nil
    ) throws -> Result {
        // The list first: a list that cannot be read should not cost a search.
        let list = try compare.map { try FlareList.read(from: $0) }
        let format = try RawFile.format(of: file)
        let bands = try RawFile.lightcurves(of: file, timeSystem: timeSystem)
        let search = FlareSearch(parameters: parameters)
        let output = try search.analyze(
            AnalysisInput(entry: CatalogEntry(id: file.lastPathComponent, ra: 0, dec: 0), bands: bands, mode: .simulation))
        let injection = try inject.flatMap { count in
            try InjectionRecoveryResult.combined(
                bands.map { try InjectionRecovery(search: search).run(on: $0, count: count, seed: seed) }
            ).map { InjectionSummary($0, perBand: count) }
        }
        // The search once more per band, for what it turned down and for the significance of every
        // point (the analysis keeps only what it found).
        let searches: [(lightcurve: Lightcurve, result: FlareFinder.Result)] = rejected || list != nil
            ? bands.map { band in
                (band.lightcurve, parameters.finder(cadence: band.lightcurve.medianCadence ?? .infinity)
                    .search(band.lightcurve, exposureSeconds: band.exposureSeconds))
            } : []
        let turnedDown: [Result.Rejected]? = rejected
            ? searches.flatMap { lc, result in
                result.rejected.map {
                    Result.Rejected(
                        band: lc.band, start: $0.candidate.start, stop: $0.candidate.stop, peak: $0.candidate.peakTime,
                        significance: $0.candidate.significance, reason: $0.reason.rawValue, vetting: $0.candidate.vetting)
                }
            } : nil
        var closeUps: [URL?] = Array(repeating: nil, count: output.detections.count)
        if let plot {
            let spans = flares ? output.detections.map { ReportFigures.Span(band: $0.band, start: $0.start, stop: $0.stop) } : []
            try ReportFigures.source(
                bands, detections: spans, sourceName: file.lastPathComponent, models: flares ? output.models : [:]
            ).write(to: plot)
            if flares {
                // A close-up of each candidate (data, error bars, the quiescent model it was measured
                // against) beside the overview: what a person vetting it looks at.
                for k in Self.closeUpIndices(significances: output.detections.map(\.significance), limit: Self.closeUpLimit) {
                    let d = output.detections[k]
                    guard let band = bands.first(where: { $0.band == d.band }) else { continue }
                    let url = Self.closeUpURL(plot: plot, number: k + 1)
                    try ReportFigures.detection(
                        ReportFigures.Span(band: d.band, start: d.start, stop: d.stop), peak: d.peakTime, in: band.lightcurve,
                        sourceName: file.lastPathComponent, model: output.models[d.band]
                    ).write(to: url)
                    closeUps[k] = url
                }
            }
        }
        return Result(
            file: file.path, format: format.rawValue, points: bands.reduce(0) { $0 + $1.lightcurve.count },
            bands: bands.map { band in
                .init(
                    band: band.band, points: band.lightcurve.count, timeSystem: band.lightcurve.timeSystem.name,
                    fluxUnit: band.lightcurve.fluxUnit.rawValue, rejected: band.flaggedRows + band.invalidRows,
                    statistics: flares
                        ? Dictionary(
                            output.statistics.filter { $0.band == band.band && $0.value.isFinite }.map { ($0.name, $0.value) },
                            uniquingKeysWith: { a, _ in a }) : nil)
            },
            flares: flares
                ? zip(output.detections, closeUps).map { d, figure in .init(d, figure: figure?.path) } : nil,
            rejected: turnedDown,
            injection: injection,
            comparison: list.map { list in
                // Intervals may miss by a cadence (a list's start is often the first point above its
                // threshold, ours the point before); at most an hour, for sparse bands.
                let cadence = bands.compactMap { $0.lightcurve.medianCadence }.max() ?? 0
                return FlareListComparison(
                    list, detections: output.detections, tolerance: min(cadence, 1.0 / 24),
                    searches: searches)
            })
    }

    /// Close-ups written at most (a light curve with more candidates than this needs a run and its
    /// report, not a quick look).
    public static let closeUpLimit = 50

    /// The candidates that get a close-up: all, or the `limit` most significant, in time order (each
    /// file keeps the candidate's number in the list). The first 50 in time left out AU Mic's largest
    /// flare at 2-minute cadence, the 59th of 73.
    static func closeUpIndices(significances: [Double], limit: Int) -> [Int] {
        guard significances.count > limit else { return Array(significances.indices) }
        let top = significances.indices.sorted { significances[$0] > significances[$1] || (significances[$0] == significances[$1] && $0 < $1) }
        return top.prefix(limit).sorted()
    }

    /// `lc.png` → `lc-flare-3.png`, in the same folder and format.
    static func closeUpURL(plot: URL, number: Int) -> URL {
        let ext = plot.pathExtension
        let stem = plot.deletingPathExtension().lastPathComponent
        return plot.deletingLastPathComponent().appendingPathComponent("\(stem)-flare-\(number)" + (ext.isEmpty ? "" : ".\(ext)"))
    }

    /// The result as one JSON object (sorted keys, so output is stable).
    public static func json(_ result: Result) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(result), as: UTF8.self)
    }

    /// Rise, decay, template fits and flags of a candidate, as one clause.
    static func vettingText(_ v: FlareVetting) -> String {
        String(
            format: "  rise %.0f min, decay %.0f min, Δχ² flare %.0f / bump %.0f",
            v.riseTime * 1440, v.decayTime * 1440, v.templateDeltaChiSquare, v.symmetricDeltaChiSquare)
            + (v.riseAreaFraction.map { String(format: ", %.0f %% of the excess before the peak", 100 * $0) } ?? "")
            + (v.flags.isEmpty ? "" : ", " + v.flags.names.joined(separator: ", "))
    }

    /// A short human-readable summary.
    public static func text(_ result: Result) -> String {
        var lines = ["\(result.file): \(result.format), \(result.points) good points"]
        for b in result.bands {
            lines.append("  \(b.band): \(b.points) points (\(b.rejected) rejected), time \(b.timeSystem), flux \(b.fluxUnit)")
            if let s = b.statistics {
                var notes: [String] = []
                typealias Name = FlareSearch.StatisticName
                if let p = s[Name.rotationPeriod], let fap = s[Name.rotationFAP] {
                    notes.append(String(format: "strongest period %.4g d (FAP %.2g, semi-amplitude %.3g)", p, fap, s[Name.rotationAmplitude] ?? .nan))
                }
                if let scale = s[Name.noiseScale] { notes.append(String(format: "σ × %.3g from the inverted light curve", scale)) }
                if let spikes = s[Name.cosmicRaySpikes] { notes.append(String(format: "%.0f single-cadence spikes replaced", spikes)) }
                if !notes.isEmpty { lines.append("    " + notes.joined(separator: "; ")) }
            }
        }
        if let flares = result.flares {
            lines.append("  \(flares.count) flares")
            for f in flares {
                lines.append(
                    String(
                        format: "    %@ peak %.5f  [%.5f, %.5f]  amplitude %.4g  ED %.3g ± %.2g s%@  %d points  %.1fσ",
                        f.band, f.peak, f.start, f.stop, f.amplitude, f.ed, f.edErr,
                        f.vetting?.extrapolatedED.map { $0 > 0 ? String(format: " (%.2g s extrapolated)", $0) : "" } ?? "",
                        f.points, f.significance)
                        + (f.vetting.map(vettingText) ?? "")
                        + (f.figure.map { "\n      close-up \($0)" } ?? ""))
            }
        }
        if let rejected = result.rejected {
            lines.append("  \(rejected.count) candidates turned down after the criteria")
            for r in rejected {
                lines.append(
                    String(format: "    %@ peak %.5f  [%.5f, %.5f]  %.1fσ  ", r.band, r.peak, r.start, r.stop, r.significance) + r.reason
                        + (r.vetting.map(vettingText) ?? ""))
            }
        }
        if let i = result.injection {
            lines.append(
                "  injection–recovery (seed \(i.seed), \(i.perBand) per band): \(i.recovered) of \(i.injected) recovered"
                    + (i.fraction.map { String(format: " (%.1f %%)", 100 * $0) } ?? "")
                    + String(format: " in %d trials, %.2f s", i.trials, i.seconds))
            let bins = i.bySNR.map { b in
                let range = b.snrMax.map { String(format: "%g–%g", b.snrMin, $0) } ?? String(format: "> %g", b.snrMin)
                return "\(range): \(b.recovered)/\(b.injected)"
            }
            lines.append("    by S/N  " + bins.joined(separator: "   "))
            lines.append(
                "    median recovered/injected ED at S/N > 10: "
                    + (i.edRatioMedian.map { String(format: "%.3f", $0) } ?? "–")
                    + "; \(i.baselineDetections) detections before injection (ignored), \(i.spuriousDetections) unmatched"
                    + (i.unplaced > 0 ? "; \(i.unplaced) drawn flares found no place in the data and were left out" : ""))
        }
        if let c = result.comparison { lines += comparisonText(c) }
        return lines.joined(separator: "\n")
    }

    /// The lines of a comparison with another flare list.
    static func comparisonText(_ c: FlareListComparison) -> [String] {
        var lines = ["  compared with \(c.source): \(c.found) of \(c.listed) listed flares found; \(c.inList) of \(c.detections) detections listed"]
        if !c.byED.isEmpty {
            let bins = c.byED.filter { $0.listed > 0 }.map { b in
                let range = b.edMax.map { String(format: "%g–%g s", b.edMin, $0) } ?? String(format: "> %g s", b.edMin)
                return "\(range): \(b.found)/\(b.listed)"
            }
            lines.append("    by listed ED  " + bins.joined(separator: "   "))
        }
        if let r = c.edRatioMedian {
            lines.append(
                String(format: "    median ED ratio (ours / listed) %.2f over %d one-to-one pairs", r, c.oneToOne)
                    + (c.dataEDRatioMedian.map { $0 != r ? String(format: "; %.2f without the extrapolated tails", $0) : "" } ?? ""))
        }
        /// At most `limit` items, then how many more (`--json` has them all).
        func shortened(_ items: [String], limit: Int = 20) -> String {
            items.prefix(limit).joined(separator: ", ") + (items.count > limit ? ", … \(items.count - limit) more" : "")
        }
        if !c.notListed.isEmpty {
            lines.append("    not in the list: " + shortened(c.notListed.map { String(format: "%.4f", $0) }))
        }
        if !c.missed.isEmpty {
            lines.append(
                "    listed, not found: "
                    + shortened(
                        c.missed.map { m in
                            let notes = [
                                m.ed.map { String(format: "ED %.2g s", $0) }, m.maxSignificance.map { String(format: "max %.1fσ", $0) },
                                m.turnedDown.map { "turned down: \($0.rawValue)" },
                            ].compactMap { $0 }
                            return String(format: "%.4f", m.start) + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")
                        }))
        }
        return lines
    }
}
