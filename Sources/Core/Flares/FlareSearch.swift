import Foundation

/// The flare analysis: detrend, search with the Chang et al. (2015) criteria, summarise, count coverage.
///
/// Continuous light curves (median cadence under `continuousCadenceLimit`: TESS 20 s to 30-minute
/// FFIs, Kepler/K2) and sparse ones (ZTF: a few epochs a night) are searched with different
/// criteria. Continuous data share one detrending (rotation, robust filter, rolling σ) and one N1/N2;
/// the number of consecutive points N3 depends on the cadence (``CadenceRule``), since a flare that
/// lasts six 2-minute cadences is one or two 30-minute ones. In sparse data a flare is usually one
/// point, so N3 = 1 with a stricter N1.
public struct FlareSearch: Analysis {
    public struct Parameters: Codable, Sendable, Hashable {
        public var continuous: FlareFinder
        /// N3, merging and the short-run channel by cadence, sorted by `maximumCadenceMinutes`.
        public var cadenceRules: [CadenceRule]
        public var sparse: FlareFinder
        /// Median cadence below which a light curve counts as continuous, days.
        public var continuousCadenceLimit: Double

        public init(continuous: FlareFinder, cadenceRules: [CadenceRule] = [], sparse: FlareFinder,
                    continuousCadenceLimit: Double = Cadence.continuousLimit) {
            self.continuous = continuous
            self.cadenceRules = cadenceRules.sorted { $0.maximumCadenceMinutes < $1.maximumCadenceMinutes }
            self.sparse = sparse
            self.continuousCadenceLimit = continuousCadenceLimit
        }

        /// The finder for a light curve of this median cadence (days).
        public func finder(cadence: Double) -> FlareFinder {
            guard Cadence.isContinuous(medianCadence: cadence, limit: continuousCadenceLimit) else { return sparse }
            var finder = continuous
            if let rule = cadenceRules.first(where: { cadence * 1440 <= $0.maximumCadenceMinutes }) ?? cadenceRules.last {
                finder.n3 = rule.n3
                if let n1 = rule.n1 { finder.n1 = n1 }
                finder.mergeGap = rule.mergeGap
                finder.shortRunThreshold = rule.shortRunThreshold
                finder.shortRunMinimum = rule.shortRunMinimum
                finder.shortRunWithoutDecayThreshold = rule.shortRunWithoutDecayThreshold
                finder.spikeClip = rule.spikeClip
                if !rule.matchedFilter { finder.matchedFilter = nil }
            }
            return finder
        }

        /// Chang et al. (2015) N1 = 3, N2 = 2 for continuous data, with N3 by cadence: 3 up to 5-minute
        /// cadences (20 s, 2 min; one-cadence cosmic rays never pass; two points count when one reaches
        /// 5σ and the next still shows the decay, for flares of a few minutes; at cadences up to half a
        /// minute — TESS 20 s, which is not cosmic-ray mitigated on board — single-cadence spikes 5σ
        /// above both neighbours are replaced first, so that a hit on top of a flare is not taken for its
        /// peak; not at Kepler's 1-minute short cadence, where a one-minute flare falls as fast as a
        /// hit), 2 up to 15 minutes (200 s, 10 min
        /// FFIs), and 2 at 30 minutes (Kepler/K2 long cadence, TESS FFIs) with N1 = 4 there, where a
        /// single point also counts at 6σ if the next point shows the decay, and at 12σ without it: a
        /// flare over within one exposure, or a point at a segment's end (Kepler and the TESS FFIs
        /// remove cosmic rays on board; on the stress set at 300 stars 2 more of 1,792 flares above
        /// S/N 10 were found, false positives unchanged). Yang & Liu (2019) discuss
        /// how N3 = 3 loses most long-cadence flares; a two-point run is the stricter threshold's
        /// price: with N1 = 3 the stress set's spotted and red-noise stars gave twice the false
        /// positives, 0.26 per light curve. Detrending: rotation modelled below 5 d, robust local quadratic
        /// over 0.5 d (a tenth of the period for modelled rotation, at least 2 h and 12 cadences), K2
        /// roll ramps, rolling σ over 1 d; shape test and inverted-curve calibration of σ. Sparse
        /// ground-based data: N1 = 5, N2 = 3, N3 = 1 with a 20-day filter and no rotation model, the
        /// nearest epoch within an hour must agree, at least 30 epochs.
        public static let standard = Parameters(
            continuous: FlareFinder(
                n1: 3, n2: 2, n3: 3, mergeGap: 3, maxGap: 0.5, shapeTolerance: 4, invertedCalibration: noiseScales,
                matchedFilter: MatchedFilter(),
                detrender: Detrender(window: 0.5, rotation: Detrender.RotationModelling(), scatterWindow: 1, correctsRoll: true)),
            cadenceRules: [
                CadenceRule(maximumCadenceMinutes: 0.5, n3: 3, mergeGap: 3, shortRunThreshold: 5, shortRunMinimum: 2, spikeClip: 5),
                CadenceRule(maximumCadenceMinutes: 5, n3: 3, mergeGap: 3, shortRunThreshold: 5, shortRunMinimum: 2),
                CadenceRule(maximumCadenceMinutes: 15, n3: 2, mergeGap: 1),
                CadenceRule(
                    maximumCadenceMinutes: 45, n3: 2, n1: 4, mergeGap: 1, shortRunThreshold: 6, shortRunWithoutDecayThreshold: 12,
                    matchedFilter: false),
            ],
            sparse: FlareFinder(
                n1: 5, n2: 3, n3: 1, maxGap: 0.25, invertedCalibration: noiseScales, corroborationWindow: 1.0 / 24,
                minimumPoints: 30, extrapolatesTail: false, detrender: Detrender(window: 20, scatterWindow: 60)))

        /// Factors tried for σ against the inverted light curve.
        public static let noiseScales: [Double] = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50]
    }

    /// The consecutive-point criterion for one range of cadences.
    public struct CadenceRule: Codable, Sendable, Hashable {
        /// The rule applies to median cadences up to this, minutes.
        public var maximumCadenceMinutes: Double
        public var n3: Int
        /// N1 for this range of cadences; nil: the continuous finder's.
        public var n1: Double?
        public var mergeGap: Int
        public var shortRunThreshold: Double?
        public var shortRunMinimum: Int
        /// ``FlareFinder/shortRunWithoutDecayThreshold``.
        public var shortRunWithoutDecayThreshold: Double?
        /// Whether the matched filter runs (it gains nothing where a flare is one or two points).
        public var matchedFilter: Bool
        /// Single-cadence spikes this many σ above both neighbours are cosmic rays, replaced before the
        /// search (``FlareFinder/spikeClip``); nil: none are.
        public var spikeClip: Double?

        public init(
            maximumCadenceMinutes: Double, n3: Int, n1: Double? = nil, mergeGap: Int, shortRunThreshold: Double? = nil,
            shortRunMinimum: Int = 1, shortRunWithoutDecayThreshold: Double? = nil, matchedFilter: Bool = true,
            spikeClip: Double? = nil
        ) {
            self.shortRunWithoutDecayThreshold = shortRunWithoutDecayThreshold
            self.n1 = n1
            self.spikeClip = spikeClip
            self.matchedFilter = matchedFilter
            self.shortRunMinimum = shortRunMinimum
            self.maximumCadenceMinutes = maximumCadenceMinutes
            self.n3 = n3
            self.mergeGap = mergeGap
            self.shortRunThreshold = shortRunThreshold
        }
    }

    public let name = "flares"
    public var parameters: Parameters

    /// Band categories of the coverage histograms.
    public static let coverageBands = HistogramAxis.surveyBands
    static let snrEdges: [Double] = [0, 3, 10, 30, 100, 300, 1000, 1e7]
    static let magnitudeEdges: [Double] = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22]
    static let scatterEdges: [Double] = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 1e3]

    public init(parameters: Parameters = .standard) {
        self.parameters = parameters
    }

    public var statisticDescriptions: [StatisticDescription] {
        [
            StatisticDescription(
                "points", label: "points", format: .integer, description: "rows in the raw files, before quality cuts"),
            StatisticDescription(
                "good_points", label: "good points", format: .integer,
                description: "points searched, after quality flags and invalid values", sourceColumn: true),
            StatisticDescription("baseline", label: "baseline", unit: "d", format: .fixed(2), description: "last time minus first"),
            StatisticDescription(
                "observed_time", label: "observed", unit: "d", format: .fixed(2),
                description: "time covered by the searched segments (split at gaps)", sourceColumn: true),
            StatisticDescription(
                "robust_scatter", label: "scatter", format: .significant(3),
                description: "1.4826 × MAD of the relative residuals from the quiescent model"),
            StatisticDescription("flares", label: "flares", format: .integer, description: "flares found", sourceColumn: true),
            StatisticDescription(
                "flare_rate", label: "rate", unit: "1/d", format: .significant(3), description: "flares per day of observed time",
                sourceColumn: true),
            StatisticDescription(
                "max_ed", label: "max ED", unit: "s", format: .significant(3),
                description: "largest equivalent duration of a flare found", sourceColumn: true),
            StatisticDescription(
                "priority", label: "priority", format: .significant(3),
                description: "follow-up priority: rate × (1 + log10(1 + max ED / 1 s))", sourceColumn: true, ranksSources: true),
            StatisticDescription(
                "noise_scale", label: "σ scale", format: .significant(3),
                description: "factor on σ from the inverted light curve (1: the noise is as Gaussian as σ says)"),
            StatisticDescription(
                "cosmic_ray_spikes", label: "spikes", format: .integer,
                description: "single-cadence spikes (cosmic rays) replaced before the search"),
            StatisticDescription(
                "rotation_period", label: "period", unit: "d", format: .significant(4),
                description: "strongest period of the generalised Lomb–Scargle periodogram"),
            StatisticDescription("rotation_power", label: "power", format: .significant(3), description: "its normalised power"),
            StatisticDescription("rotation_fap", label: "FAP", format: .significant(2), description: "its false-alarm probability"),
            StatisticDescription(
                "rotation_amplitude", label: "semi-amplitude", format: .significant(3), description: "its sinusoid's relative semi-amplitude"),
            StatisticDescription(
                "normalization", label: "level", unit: "e-/s", format: .significant(5),
                description: "quiescent flux the relative flux is relative to (median over sectors)"),
        ]
    }

    public var coverageFigures: [CoverageFigure] {
        [
            CoverageFigure(
                histogram: "points", x: "point S/N", series: "band", title: "Points scanned by S/N", yLabel: "points", xLog: true,
                yLog: true, caption: "points scanned per band by point S/N (the first bin, S/N < 3, is drawn from 1)"),
            CoverageFigure(
                histogram: "exposure", x: "catalog magnitude", series: "band", title: "Exposure scanned by magnitude",
                yLabel: "exposure (h)", yFactor: 1.0 / 3600, caption: "exposure time scanned per band by catalog magnitude"),
            CoverageFigure(
                histogram: "scatter", x: "relative scatter", series: "band", title: "Light curves by scatter", yLabel: "light curves",
                xLog: true, caption: "light curves per band by the robust scatter of their residuals from the quiescent model"),
        ]
    }

    /// The vetting numbers (``FlareVetting``) a card shows beside the common ones.
    public var detectionFields: [DetectionFieldDescription] {
        [
            DetectionFieldDescription(
                "points_above", label: "above N1", unit: "points", format: .integer,
                description: "points of the candidate run at or above the N1 threshold"),
            DetectionFieldDescription(
                "rise_time", label: "rise", unit: "min", format: .fixed(1), scale: 1440,
                description: "from the last point below half the peak excess to the peak"),
            DetectionFieldDescription(
                "decay_time", label: "decay", unit: "min", format: .fixed(1), scale: 1440,
                description: "from the peak to the first point below half its excess"),
            DetectionFieldDescription(
                "template_delta_chi2", label: "Δχ² flare", format: .significant(3),
                description: "how much better the exposure-averaged flare template fits than no flare"),
            DetectionFieldDescription(
                "symmetric_delta_chi2", label: "Δχ² bump", format: .significant(3),
                description: "the same for a symmetric Gaussian bump: larger than the flare's means slow variability"),
            DetectionFieldDescription(
                "template_fwhm", label: "template FWHM", unit: "min", format: .fixed(1), scale: 1440,
                description: "FWHM of the best-fitting flare template"),
            DetectionFieldDescription(
                "rise_area_fraction", label: "excess before peak", unit: "%", format: .fixed(0), scale: 100,
                description: "share of the excess before the peak: about a fifth for a flare, a half for a symmetric bump"),
            DetectionFieldDescription(
                "ed_extrapolated", label: "ED extrapolated", unit: "s", format: .significant(3),
                description: "part of the ED that is the fitted template's tail beyond the last point, not data"),
        ]
    }

    public func emptyCoverage() -> [Histogram] {
        let band = HistogramAxis.surveyBand
        let snr = HistogramAxis("point S/N", edges: Self.snrEdges)
        let mag = HistogramAxis("catalog magnitude", unit: "mag", edges: Self.magnitudeEdges)
        return [
            Histogram(name: "points", quantity: "points", axes: [band, snr, mag]),
            Histogram(name: "exposure", quantity: "exposure seconds", axes: [band, snr, mag]),
            Histogram(
                name: "scatter", quantity: "light curves",
                axes: [band, HistogramAxis("relative scatter", edges: Self.scatterEdges)]),
        ]
    }

    /// Sparse data: a candidate in one band with an epoch of another sparse band within the
    /// corroboration window keeps its place only if the nearest such epoch shows an excess ≥ 1σ too
    /// (flares are bluer, so the redder band's excess is smaller, but not absent).
    func corroborateAcrossBands(_ results: inout [FlareFinder.Result], bands: [BandLightcurve]) {
        guard let window = parameters.sparse.corroborationWindow else { return }
        let sparse = bands.indices.filter {
            !Cadence.isContinuous(medianCadence: bands[$0].lightcurve.medianCadence, limit: parameters.continuousCadenceLimit)
        }
        for k in sparse {
            results[k].flares = results[k].flares.filter { flare in
                sparse.allSatisfy { j in
                    j == k
                        || FlareFinder.corroborated(
                            flare, time: bands[j].lightcurve.time, significance: results[j].significance, window: window,
                            sameBand: false)
                }
            }
        }
    }

    public func analyze(_ input: AnalysisInput) throws -> AnalysisOutput {
        var statistics: [Statistic] = []
        var detections: [Detection] = []
        var coverage = emptyCoverage()
        var models: [String: [Double]] = [:]
        var totalFlares = 0
        var totalObservedDays = 0.0
        var largestED = 0.0
        var totalPoints = 0
        var totalRaw = 0
        let magnitude = HistogramCoordinate.value(input.entry.magnitude ?? .nan)
        var results = input.bands.map { band in
            parameters.finder(cadence: band.lightcurve.medianCadence ?? .infinity)
                .search(band.lightcurve, exposureSeconds: band.exposureSeconds)
        }
        corroborateAcrossBands(&results, bands: input.bands)
        for (band, result) in zip(input.bands, results) {
            let lc = band.lightcurve
            let cadence = lc.medianCadence ?? .infinity
            models[lc.band] = result.model
            detections += result.flares
            let observed = result.segments.reduce(0.0) { sum, s in
                sum + lc.time[s.upperBound - 1] - lc.time[s.lowerBound] + (cadence.isFinite ? cadence : 0)
            }
            let relativeResiduals = (0..<lc.count).compactMap { i -> Double? in
                let m = result.model[i]
                return m > 0 ? lc.flux[i] / m - 1 : nil
            }
            let scatter = Statistics.robustSigma(relativeResiduals) ?? .nan
            let maxED = result.flares.map(\.equivalentDuration).max() ?? 0
            statistics += [
                Statistic("points", band: lc.band, value: Double(band.rawRows)),
                Statistic("good_points", band: lc.band, value: Double(lc.count)),
                Statistic("baseline", band: lc.band, value: lc.baseline, unit: "d"),
                Statistic(StatisticName.observedTime, band: lc.band, value: observed, unit: "d"),
                Statistic("robust_scatter", band: lc.band, value: scatter),
                Statistic("flares", band: lc.band, value: Double(result.flares.count)),
                Statistic("flare_rate", band: lc.band, value: observed > 0 ? Double(result.flares.count) / observed : 0, unit: "1/d"),
                Statistic("max_ed", band: lc.band, value: maxED, unit: "s"),
            ]
            statistics.append(Statistic(StatisticName.noiseScale, band: lc.band, value: result.noiseScale))
            if parameters.finder(cadence: cadence).spikeClip != nil {
                statistics.append(Statistic(StatisticName.cosmicRaySpikes, band: lc.band, value: Double(result.spikes.count)))
            }
            if let r = result.rotation {
                // The periodogram's strongest period (whether or not it was significant or modelled).
                statistics += [
                    Statistic(StatisticName.rotationPeriod, band: lc.band, value: r.period, unit: "d"),
                    Statistic("rotation_power", band: lc.band, value: r.power),
                    Statistic(StatisticName.rotationFAP, band: lc.band, value: r.falseAlarmProbability),
                    Statistic(StatisticName.rotationAmplitude, band: lc.band, value: r.amplitude),
                ]
            }
            if let level = Statistics.median(band.normalizations) {
                // The quiescent level the relative flux is relative to (median over sectors).
                statistics.append(Statistic("normalization", band: lc.band, value: level, unit: "e-/s"))
            }
            totalFlares += result.flares.count
            totalObservedDays += observed
            largestED = max(largestED, maxED)
            totalPoints += lc.count
            totalRaw += band.rawRows
            if input.mode == .real {
                let category = HistogramCoordinate.surveyBand(lc.band)
                let exposure = Int64(band.exposureSeconds.rounded())
                for i in 0..<lc.count {
                    let snr = HistogramCoordinate.value(lc.fluxError[i] > 0 ? lc.flux[i] / lc.fluxError[i] : .nan)
                    coverage[0].add([category, snr, magnitude])
                    coverage[1].add([category, snr, magnitude], weight: exposure)
                }
                coverage[2].add([category, .value(scatter)])
            }
        }
        if input.mode == .real {
            for k in coverage.indices { coverage[k].count(source: input.entry.id) }
        }
        let rate = totalObservedDays > 0 ? Double(totalFlares) / totalObservedDays : 0
        statistics += [
            Statistic("points", value: Double(totalRaw)),
            Statistic("good_points", value: Double(totalPoints)),
            Statistic(StatisticName.observedTime, value: totalObservedDays, unit: "d"),
            Statistic("flares", value: Double(totalFlares)),
            Statistic("flare_rate", value: rate, unit: "1/d"),
            Statistic("max_ed", value: largestED, unit: "s"),
            // Follow-up priority: frequent and energetic flarers first. rate × (1 + log10(1 + max ED / 1 s)).
            Statistic("priority", value: rate * (1 + log10(1 + largestED))),
        ]
        return AnalysisOutput(
            statistics: statistics, detections: detections, coverage: input.mode == .real ? coverage : [],
            models: models)
    }
}

extension FlareSearch {
    /// The names of the statistics that other tools read back (the quick look of one file, blind vetting's rates).
    public enum StatisticName {
        public static let observedTime = "observed_time"
        public static let rotationPeriod = "rotation_period"
        public static let rotationFAP = "rotation_fap"
        public static let rotationAmplitude = "rotation_amplitude"
        public static let noiseScale = "noise_scale"
        public static let cosmicRaySpikes = "cosmic_ray_spikes"
    }
}
