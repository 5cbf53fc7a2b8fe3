import Foundation

/// The flare analysis: detrend, search with the Chang et al. (2015) criteria, summarise, count coverage.
///
/// Continuous light curves (median cadence under `continuousCadenceLimit`, e.g. TESS 2-minute data)
/// and sparse ones (ZTF: a few epochs a night) are searched with different criteria: in sparse data a
/// flare is usually one point, so N3 = 1 with a stricter N1 is the usual choice.
public struct FlareSearch: Analysis {
    public struct Parameters: Codable, Sendable, Hashable {
        public var continuous: FlareFinder
        public var sparse: FlareFinder
        /// Median cadence below which a light curve counts as continuous, days.
        public var continuousCadenceLimit: Double

        public init(continuous: FlareFinder, sparse: FlareFinder, continuousCadenceLimit: Double = 30.0 / 1440) {
            self.continuous = continuous
            self.sparse = sparse
            self.continuousCadenceLimit = continuousCadenceLimit
        }

        /// Chang et al. (2015) defaults (N1 = 3, N2 = 2, N3 = 3) for continuous data with a 0.5-day
        /// running median refined by a 2.4-hour one (fast rotators), runs at most 3 cadences apart merged
        /// (a decay tail dipping under the threshold stays one flare); N1 = 5, N3 = 1 with a 20-day
        /// median for sparse ground-based data.
        public static let standard = Parameters(
            continuous: FlareFinder(
                n1: 3, n2: 2, n3: 3, mergeGap: 3, maxGap: 0.5, detrender: Detrender(window: 0.5, fineWindow: 0.1)),
            sparse: FlareFinder(n1: 5, n2: 3, n3: 1, maxGap: 0.25, detrender: Detrender(window: 20)))
    }

    public let name = "flares"
    public var parameters: Parameters

    /// Band categories of the coverage histograms.
    public static let coverageBands = ["TESS", "Kepler", "K2", "ZTF g", "ZTF r", "ZTF i", "other"]
    static let snrEdges: [Double] = [0, 3, 10, 30, 100, 300, 1000, 1e7]
    static let magnitudeEdges: [Double] = [4, 6, 8, 10, 12, 14, 16, 18, 20, 22]
    static let scatterEdges: [Double] = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 1e3]

    public init(parameters: Parameters = .standard) {
        self.parameters = parameters
    }

    public func emptyCoverage() -> [Histogram] {
        let band = HistogramAxis("band", categories: Self.coverageBands)
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
        for band in input.bands {
            let lc = band.lightcurve
            let cadence = lc.medianCadence ?? .infinity
            let finder = cadence < parameters.continuousCadenceLimit ? parameters.continuous : parameters.sparse
            let result = finder.search(lc, exposureSeconds: band.exposureSeconds)
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
                Statistic("observed_time", band: lc.band, value: observed, unit: "d"),
                Statistic("robust_scatter", band: lc.band, value: scatter),
                Statistic("flares", band: lc.band, value: Double(result.flares.count)),
                Statistic("flare_rate", band: lc.band, value: observed > 0 ? Double(result.flares.count) / observed : 0, unit: "1/d"),
                Statistic("max_ed", band: lc.band, value: maxED, unit: "s"),
            ]
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
                let category = HistogramCoordinate.label(
                    Self.coverageBands.contains(lc.band) ? lc.band : "other")
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
            Statistic("observed_time", value: totalObservedDays, unit: "d"),
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
