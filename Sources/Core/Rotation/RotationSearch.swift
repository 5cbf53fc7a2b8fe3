import Foundation

/// Rotation periods: the strongest periodicity of each band's light curve and of the source.
///
/// Each band with at least `minimumPoints` good points is normalised by its median and searched
/// with the generalised Lomb–Scargle periodogram (``LombScargle/rotation(time:flux:excluded:clip:ignoring:)``:
/// the same search, outlier masking and binning as the flare detrending), from
/// `periodogram.minimumPeriod` to half the baseline, with Baluev's (2008) false-alarm probability
/// (where the data show a K2 roll rhythm, its period and first two harmonics are not searched).
/// A band's period is *significant* when its FAP is below `maximumFalseAlarm`; a peak within 5 % of
/// the longest period searched is marked `at_longest_period` (the period may be longer: a 27-day
/// sector cannot show a 15-day rotation) and does not count for the source. The source's period
/// is that of its significant band with the lowest FAP (ties: highest power); the bands *disagree*
/// when two significant periods differ by more than `agreement` (as a fraction), unless one is
/// twice the other within it (a star with two spot groups half a turn apart shows P/2 in one band
/// and P in another) or one is the other's daily alias (``agree(_:_:)``).
///
/// Statistics per band: `points`, `baseline` (d), and, where the band was searched, `period` (d),
/// `power`, `fap`, `amplitude` (relative semi-amplitude of the best sinusoid), `significant` (0/1),
/// `at_longest_period` (0/1).
/// Per source: `period`, `power`, `fap`, `amplitude` of the chosen band (empty if none is
/// significant), `significant_bands`, `band_disagreement` (0/1; empty with fewer than two
/// significant bands). No detections.
public struct RotationSearch: Analysis {
    public struct Parameters: Codable, Sendable, Hashable {
        public var periodogram: LombScargle
        /// A band's period counts when its false-alarm probability is below this.
        public var maximumFalseAlarm: Double
        /// Impulsive upward outliers (flares, cosmic rays) beyond this many σ are left out of the search.
        public var clip: Double
        /// Two bands' periods agree within this fraction (or at twice or half, within it).
        public var agreement: Double
        /// Bands with fewer good points are not searched.
        public var minimumPoints: Int

        public init(
            periodogram: LombScargle = LombScargle(minimumPeriod: 0.1), maximumFalseAlarm: Double = 1e-3, clip: Double = 3,
            agreement: Double = 0.05, minimumPoints: Int = 20
        ) {
            self.periodogram = periodogram
            self.maximumFalseAlarm = maximumFalseAlarm
            self.clip = clip
            self.agreement = agreement
            self.minimumPoints = minimumPoints
        }

        public static let standard = Parameters()
    }

    public let name = "rotation"
    public var parameters: Parameters

    public init(parameters: Parameters = .standard) {
        self.parameters = parameters
    }

    static let baselineEdges: [Double] = [0, 1, 3, 10, 30, 100, 300, 1000, 3000, 100_000]
    static let magnitudeEdges: [Double] = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22]
    static let periodEdges: [Double] = [0, 0.3, 1, 3, 10, 30, 100, 1000, 100_000]

    public func emptyCoverage() -> [Histogram] {
        let band = HistogramAxis.surveyBand
        let magnitude = HistogramAxis("catalog magnitude", unit: "mag", edges: Self.magnitudeEdges)
        return [
            Histogram(
                name: "baseline", quantity: "light curves", axes: [band, HistogramAxis("baseline", unit: "d", edges: Self.baselineEdges), magnitude]),
            Histogram(name: "points", quantity: "points", axes: [band, magnitude]),
            Histogram(
                name: "longest period", quantity: "light curves",
                axes: [band, HistogramAxis("longest period searched", unit: "d", edges: Self.periodEdges)]),
        ]
    }

    public var coverageFigures: [CoverageFigure] {
        [
            CoverageFigure(
                histogram: "baseline", x: "baseline", series: "band", title: "Light curves by baseline", yLabel: "light curves",
                xLog: true, caption: "light curves searched per band by the time from their first to last point (the first bin, under a day, is drawn from 0.3 d)"),
            CoverageFigure(
                histogram: "points", x: "catalog magnitude", series: "band", title: "Points by magnitude", yLabel: "points", yLog: true,
                caption: "good points searched per band by catalog magnitude"),
            CoverageFigure(
                histogram: "longest period", x: "longest period searched", series: "band", title: "Longest period searched",
                yLabel: "light curves", xLog: true,
                caption: "light curves per band by the longest period searched (half the baseline): longer periods cannot be found there"),
        ]
    }

    public var statisticDescriptions: [StatisticDescription] {
        [
            StatisticDescription(
                "period", label: "period", unit: "d", format: .significant(4),
                description: "period of the highest Lomb–Scargle peak (the source's: of its significant band with the lowest FAP)",
                sourceColumn: true),
            StatisticDescription(
                "power", label: "power", format: .significant(3), description: "normalised power of that peak (0–1)", sourceColumn: true,
                ranksSources: true),
            StatisticDescription(
                "fap", label: "FAP", format: .significant(2),
                description: "false-alarm probability of that peak over the whole searched band (Baluev 2008)", sourceColumn: true),
            StatisticDescription(
                "amplitude", label: "semi-amplitude", format: .significant(3),
                description: "semi-amplitude of the best sinusoid at that period, relative to the median flux", sourceColumn: true),
            StatisticDescription(
                "significant", label: "significant", format: .integer,
                description: "1 if the band's FAP is below \(parameters.maximumFalseAlarm)"),
            StatisticDescription(
                "at_longest_period", label: "at longest", format: .integer,
                description: "1 if the peak is within 5 % of the longest period searched (half the baseline): the period may be longer"),
            StatisticDescription(
                "significant_bands", label: "bands", format: .integer,
                description: "bands with a significant period not at the longest period they could show", sourceColumn: true),
            StatisticDescription(
                "band_disagreement", label: "bands disagree", format: .integer,
                description: "1 if two bands' significant periods differ by more than \(Int(parameters.agreement * 100)) % (twice, half and daily aliases excepted); empty with fewer than two",
                sourceColumn: true),
            StatisticDescription("points", label: "points", format: .integer, description: "good points searched"),
            StatisticDescription("baseline", label: "baseline", unit: "d", format: .significant(4), description: "first to last good point"),
        ]
    }

    public var sourceFigures: [SourceFigure] {
        [
            SourceFigure(
                .phaseFolded, statistic: "period", title: "Folded on each band's period",
                caption: "Each band folded on the period of its highest periodogram peak (phase 0 at its first point), with the median in 20 phase bins.")
        ]
    }

    /// One band's search.
    public struct BandResult: Sendable, Hashable {
        public var band: String
        public var points: Int
        public var baseline: Double
        public var result: LombScargle.Result?
        public var significant: Bool
        /// The peak is at the longest period searched (within 5 %): the true period may be longer.
        public var atLongestPeriod: Bool
    }

    /// Searches one band's light curve (normalised by its median).
    public func search(_ lc: Lightcurve) -> BandResult {
        let good = lc.flux.indices.filter { lc.flux[$0].isFinite }
        let level = Statistics.median(good.map { lc.flux[$0] }) ?? .nan
        var result: LombScargle.Result?
        if good.count >= parameters.minimumPoints, level.isFinite, level != 0 {
            result = parameters.periodogram.rotation(
                time: lc.time, flux: lc.flux.map { $0 / level }, clip: parameters.clip,
                ignoring: Detrender.RollRhythm.periodogramBands(time: lc.time))
        }
        let significant = result.map { $0.falseAlarmProbability < parameters.maximumFalseAlarm } ?? false
        let atLimit = result.map { $0.period >= 0.95 / $0.minimumFrequency } ?? false
        return BandResult(
            band: lc.band, points: good.count, baseline: lc.baseline, result: result, significant: significant, atLongestPeriod: atLimit)
    }

    /// Whether two periods agree within `agreement`, or one is twice the other within it, or their
    /// frequencies differ by one sidereal day⁻¹ (within `agreement` of the lower frequency): nightly
    /// ground-based data show a period P at its daily alias 1 / (1/P ± 1.0027) as readily as at P.
    public func agree(_ a: Double, _ b: Double) -> Bool {
        if [1.0, 2, 0.5].contains(where: { abs(a / (b * $0) - 1) <= parameters.agreement }) { return true }
        let (fa, fb) = (1 / a, 1 / b)
        return abs(abs(fa - fb) - 1.0027379) <= parameters.agreement * min(fa, fb)
    }

    public func analyze(_ input: AnalysisInput) throws -> AnalysisOutput {
        var statistics: [Statistic] = []
        var coverage = emptyCoverage()
        let magnitude = HistogramCoordinate.value(input.entry.magnitude ?? .nan)
        var results: [BandResult] = []
        for band in input.bands {
            let lc = band.lightcurve
            let r = search(lc)
            results.append(r)
            statistics += [
                Statistic("points", band: lc.band, value: Double(r.points)),
                Statistic("baseline", band: lc.band, value: r.baseline, unit: "d"),
            ]
            if let p = r.result {
                statistics += [
                    Statistic("period", band: lc.band, value: p.period, unit: "d"),
                    Statistic("power", band: lc.band, value: p.power),
                    Statistic("fap", band: lc.band, value: p.falseAlarmProbability),
                    Statistic("amplitude", band: lc.band, value: p.amplitude),
                    Statistic("significant", band: lc.band, value: r.significant ? 1 : 0),
                    Statistic("at_longest_period", band: lc.band, value: r.atLongestPeriod ? 1 : 0),
                ]
            }
            if input.mode == .real {
                // Light curves count where they were searched (a band without enough points was not).
                let category = HistogramCoordinate.surveyBand(lc.band)
                coverage[1].add([category, magnitude], weight: Int64(r.points))
                if let p = r.result {
                    coverage[0].add([category, .value(r.baseline), magnitude])
                    coverage[2].add([category, .value(1 / p.minimumFrequency)])
                }
            }
        }
        // A band whose peak sits at the longest period it could show only says "this long or longer".
        let significant = results.filter { $0.significant && !$0.atLongestPeriod }
        let best = significant.min { a, b in
            (a.result!.falseAlarmProbability, -a.result!.power) < (b.result!.falseAlarmProbability, -b.result!.power)
        }?.result
        var disagreement = Double.nan
        if significant.count >= 2 {
            let periods = significant.map { $0.result!.period }
            disagreement = periods.indices.contains { i in periods.indices.contains { j in j > i && !agree(periods[i], periods[j]) } } ? 1 : 0
        }
        statistics += [
            Statistic("period", value: best?.period ?? .nan, unit: "d"),
            Statistic("power", value: best?.power ?? .nan),
            Statistic("fap", value: best?.falseAlarmProbability ?? .nan),
            Statistic("amplitude", value: best?.amplitude ?? .nan),
            Statistic("significant_bands", value: Double(significant.count)),
            Statistic("band_disagreement", value: disagreement),
        ]
        if input.mode == .real {
            for k in coverage.indices { coverage[k].count(source: input.entry.id) }
        }
        return AnalysisOutput(statistics: statistics, detections: [], coverage: coverage)
    }
}
