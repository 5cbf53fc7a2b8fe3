import Foundation

/// Injects sinusoidal spot modulation into light curves, to measure how well ``RotationSearch``
/// finds a period of a given length and amplitude in the data it is given.
///
/// Each band with at least two points gets one modulation, drawn independently: period and
/// relative semi-amplitude log-uniform in their ranges, phase uniform. The flux added is
/// `amplitude × sin(2π (t − epoch) / period)` times the band's median flux, averaged over each
/// point's exposure. It comes on top of the star's own variability, so the figure answers "would a
/// period like this have been found in this star's data?". An injection is recovered when the
/// period the analysis stores for its band is within `tolerance` of the injected one.
public struct SpotModulationSimulator: Simulator {
    public struct Parameters: Codable, Sendable, Hashable {
        /// Period range, days (log-uniform).
        public var period: ClosedRange<Double>
        /// Relative semi-amplitude range (log-uniform).
        public var amplitude: ClosedRange<Double>
        /// Recovered: |measured / injected period − 1| ≤ this.
        public var tolerance: Double
        /// The per-band statistic holding the measured period (``RotationSearch``: "period").
        public var periodStatistic: String
        /// The per-band statistic holding the measured relative semi-amplitude.
        public var amplitudeStatistic: String

        public init(
            period: ClosedRange<Double>, amplitude: ClosedRange<Double>, tolerance: Double = 0.05, periodStatistic: String = "period",
            amplitudeStatistic: String = "amplitude"
        ) {
            self.period = period
            self.amplitude = amplitude
            self.tolerance = tolerance
            self.periodStatistic = periodStatistic
            self.amplitudeStatistic = amplitudeStatistic
        }
    }

    /// The names of a modulation's parameters.
    public enum Parameter {
        /// Days.
        public static let period = "period"
        /// Relative semi-amplitude.
        public static let amplitude = "amplitude"
    }

    public let name = "spot-modulation"
    public var parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func inject(into lc: Lightcurve, exposureSeconds: Double, using generator: inout SeededGenerator, firstID: Int) throws
        -> (Lightcurve, [Injection])
    {
        guard lc.count > 1, let first = lc.time.first, let level = Statistics.median(lc.flux.filter(\.isFinite)), level > 0 else {
            return (lc, [])
        }
        let period = generator.logUniform(parameters.period)
        let amplitude = generator.logUniform(parameters.amplitude)
        let epoch = first + generator.uniform() * period
        let injection = Injection(
            id: firstID, band: lc.band, time: epoch, parameters: [Parameter.period: period, Parameter.amplitude: amplitude])
        let signal = signal(of: injection, in: lc, exposureSeconds: exposureSeconds)
        let flux = zip(lc.flux, signal).map { $0 + $1 }
        let note = String(format: "sinusoidal modulation injected: period %.4g d, semi-amplitude %.3g", period, amplitude)
        return (lc.replacingFlux(flux, note: note), [injection])
    }

    /// The modulation at each point: a sinusoid averaged over an exposure of length e is the
    /// sinusoid at its midpoint times sinc(π e / P).
    public func signal(of injection: Injection, in lc: Lightcurve, exposureSeconds: Double) -> [Double] {
        guard let period = injection.parameters[Parameter.period], let amplitude = injection.parameters[Parameter.amplitude],
            period > 0, let level = Statistics.median(lc.flux.filter(\.isFinite))
        else { return [Double](repeating: 0, count: lc.count) }
        let x = Double.pi * max(0, exposureSeconds) / 86_400 / period
        let smearing = x > 0 ? sin(x) / x : 1
        return lc.time.map { t in level * amplitude * smearing * sin(2 * .pi * (t - injection.time) / period) }
    }

    /// Recovered when the band's stored period is within `tolerance` of the injected one; the
    /// measured period and amplitude are kept either way where the band has them (a period found
    /// at half or twice the injected one shows in the measured/injected figure).
    public func recovery(of injections: [Injection], in output: AnalysisOutput) -> SimulatedRecovery {
        var result = SimulatedRecovery()
        for injection in injections {
            func statistic(_ name: String) -> Double? {
                output.statistics.first { $0.band == injection.band && $0.name == name }.map(\.value).flatMap { $0.isFinite ? $0 : nil }
            }
            guard let injected = injection.parameters[Parameter.period], let measured = statistic(parameters.periodStatistic) else { continue }
            var values = [Parameter.period: measured]
            if let amplitude = statistic(parameters.amplitudeStatistic) { values[Parameter.amplitude] = amplitude }
            result.measured[injection.id] = values
            if abs(measured / injected - 1) <= parameters.tolerance { result.recovered.insert(injection.id) }
        }
        return result
    }

    public var injectionParameters: [InjectionParameterDescription] {
        [
            InjectionParameterDescription(
                Parameter.period, label: "period", unit: "d", log: true, ucd: "time.period",
                description: "period of the injected sinusoidal modulation"),
            InjectionParameterDescription(
                Parameter.amplitude, label: "semi-amplitude", log: true, ucd: "phot.flux;arith.ratio",
                description: "semi-amplitude of the injected modulation, relative to the median flux"),
        ]
    }

    public var sensitivityFigures: [SensitivityFigure] {
        let tolerance = "\(Int((parameters.tolerance * 100).rounded())) %"
        return [
            SensitivityFigure(
                .recovery, x: Parameter.period, title: "Period recovered within \(tolerance)",
                caption: "fraction of injected modulations whose period was found within \(tolerance), by injected period"),
            SensitivityFigure(
                .recovery, x: Parameter.amplitude, title: "Period recovered within \(tolerance)",
                caption: "the same by injected semi-amplitude"),
            SensitivityFigure(
                .ratio, x: Parameter.period, title: "Measured / injected period",
                caption: "period found over period injected, for every injection, with the median and 16–84 % range per bin (aliases at ½ and 2)"),
            SensitivityFigure(
                .map, x: Parameter.period, y: Parameter.amplitude, title: "Recovered",
                caption: "recovered fraction by period and semi-amplitude for the two bands with most injections (grey: nothing injected)"),
        ]
    }
}
