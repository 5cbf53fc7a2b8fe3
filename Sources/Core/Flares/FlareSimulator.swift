import Foundation

/// Injects synthetic flares (``FlareTemplate``) into light curves, before detrending.
///
/// The number of flares in a band is Poisson with mean `ratePerDay` × observed time; peak times are
/// uniform over the observed segments; amplitude and FWHM are log-uniform in their ranges. The flux
/// added is the template times the local quiescent level (the band's median flux), so it works on
/// relative and absolute flux alike; each point receives the template averaged over its exposure
/// (a 29.4-minute Kepler cadence smears a 5-minute flare). A flare counts as recovered when a detection's span, widened by
/// one cadence each side, contains its peak.
public struct FlareSimulator: Simulator {
    public struct Parameters: Codable, Sendable, Hashable {
        public var template: FlareTemplate
        public var ratePerDay: Double
        /// Peak relative amplitude range.
        public var amplitude: ClosedRange<Double>
        /// FWHM range, minutes.
        public var fwhmMinutes: ClosedRange<Double>
        /// Segments split at gaps longer than this, days (injections go only where there are data).
        public var maxGap: Double

        public init(
            template: FlareTemplate = .davenport2014, ratePerDay: Double, amplitude: ClosedRange<Double>,
            fwhmMinutes: ClosedRange<Double>, maxGap: Double = 0.5
        ) {
            self.template = template
            self.ratePerDay = ratePerDay
            self.amplitude = amplitude
            self.fwhmMinutes = fwhmMinutes
            self.maxGap = maxGap
        }
    }

    public let name = "flare-injection"
    public var parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    public func inject(into lc: Lightcurve, exposureSeconds: Double, using generator: inout SeededGenerator, firstID: Int) throws
        -> (Lightcurve, [Injection])
    {
        guard lc.count > 1, let level = Statistics.median(lc.flux.filter(\.isFinite)), level > 0 else { return (lc, []) }
        let segments = lc.segments(maxGap: parameters.maxGap).filter { $0.count > 1 }
        let durations = segments.map { lc.time[$0.upperBound - 1] - lc.time[$0.lowerBound] }
        let observed = durations.reduce(0, +)
        guard observed > 0 else { return (lc, []) }
        let count = generator.poisson(mean: parameters.ratePerDay * observed)
        var flux = lc.flux
        let exposure = max(0, exposureSeconds) / 86_400
        var injections: [Injection] = []
        for k in 0..<count {
            // Pick a segment with probability proportional to its duration, then a time inside it.
            var u = generator.uniform() * observed
            var s = 0
            while s < durations.count - 1 && u > durations[s] {
                u -= durations[s]
                s += 1
            }
            let peak = lc.time[segments[s].lowerBound] + min(u, durations[s])
            let amplitude = generator.logUniform(parameters.amplitude)
            let fwhm = generator.logUniform(parameters.fwhmMinutes) / 1440
            let injection = Injection(
                id: firstID + k, band: lc.band, peakTime: peak, amplitude: amplitude, fwhm: fwhm,
                equivalentDuration: parameters.template.equivalentDuration(amplitude: amplitude, fwhmDays: fwhm))
            for (i, added) in contribution(of: injection, in: lc, level: level, exposure: exposure) {
                flux[i] += added
            }
            injections.append(injection)
        }
        let injected = lc.replacingFlux(flux, note: "\(injections.count) synthetic \(parameters.template.rawValue) flares injected")
        return (injected, injections)
    }

    public func signal(of injection: Injection, in lc: Lightcurve, exposureSeconds: Double) -> [Double] {
        var signal = [Double](repeating: 0, count: lc.count)
        guard let level = Statistics.median(lc.flux.filter(\.isFinite)), level > 0 else { return signal }
        for (i, added) in contribution(of: injection, in: lc, level: level, exposure: max(0, exposureSeconds) / 86_400) {
            signal[i] = added
        }
        return signal
    }

    /// The flux one flare adds, by point index. Only exposures overlapping [peak − fwhm, peak + 30 fwhm]
    /// carry measurable flux (decay < 1e-3 after ~25 t½); each point receives the template averaged
    /// over its exposure (`exposure` in days), scaled by the light curve's median `level`.
    private func contribution(of injection: Injection, in lc: Lightcurve, level: Double, exposure: Double) -> [(Int, Double)] {
        let lo = Statistics.lowerBound(lc.time, injection.peakTime - injection.fwhm - exposure / 2)
        let hi = Statistics.lowerBound(lc.time, injection.peakTime + 30 * injection.fwhm + exposure / 2)
        return (lo..<hi).map { i in
            (i, level * parameters.template.value(
                at: lc.time[i], peak: injection.peakTime, fwhm: injection.fwhm, amplitude: injection.amplitude, exposure: exposure))
        }
    }

    public func recovers(_ detection: Detection, _ injection: Injection) -> Bool {
        guard detection.band == injection.band else { return false }
        let pad = max(injection.fwhm, 2.0 / 1440)
        return injection.peakTime >= detection.start - pad && injection.peakTime <= detection.stop + pad
    }
}
