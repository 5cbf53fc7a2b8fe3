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

    /// A detection recovers the injection whose peak lies in its span widened by max(FWHM, 2 min)
    /// (``recovers(_:_:)``), the largest if several do. Where several detections recover one flare
    /// (a decay split in two), the one with the largest ED gives the measured amplitude and ED.
    public func recovery(of injections: [Injection], in output: AnalysisOutput) -> SimulatedRecovery {
        var result = SimulatedRecovery()
        var measuredED: [Int: Double] = [:]
        for detection in output.detections {
            guard let match = injections.filter({ recovers(detection, $0) }).max(by: { $0.amplitude < $1.amplitude }) else { continue }
            result.detections.append((detection, match.id))
            result.recovered.insert(match.id)
            if detection.equivalentDuration > measuredED[match.id] ?? -.infinity {
                measuredED[match.id] = detection.equivalentDuration
                result.measured[match.id] = [
                    Injection.FlareParameter.amplitude: detection.amplitude,
                    Injection.FlareParameter.equivalentDuration: detection.equivalentDuration,
                ]
            }
        }
        return result
    }

    public var injectionParameters: [InjectionParameterDescription] {
        [
            InjectionParameterDescription(
                Injection.FlareParameter.equivalentDuration, label: "ED", unit: "s", log: true, ucd: "time.duration;phot.flux",
                description: "equivalent duration of the injected flare: its flux integrated over time, over the quiescent flux"),
            InjectionParameterDescription(
                Injection.FlareParameter.fwhm, label: "FWHM", unit: "min", scale: 1440, log: true, storedUnit: "d", ucd: "time.duration",
                description: "full width at half maximum of the injected flare"),
            InjectionParameterDescription(
                Injection.FlareParameter.amplitude, label: "amplitude", log: true, ucd: "phot.flux;arith.ratio",
                description: "peak flux of the injected flare over the quiescent flux"),
        ]
    }

    public var sensitivityFigures: [SensitivityFigure] {
        let ed = Injection.FlareParameter.equivalentDuration
        return [
            SensitivityFigure(.recovery, x: ed, title: "Recovery of injected flares", caption: "recovered fraction by injected ED"),
            SensitivityFigure(
                .ratio, x: ed, title: "Recovered / injected ED (median, 16–84 %)",
                caption: "measured over injected ED of the recovered flares, with the median and 16–84 % range per bin"),
            SensitivityFigure(
                .map, x: Injection.FlareParameter.fwhm, y: Injection.FlareParameter.amplitude, title: "Recovered fraction",
                caption: "recovered fraction by FWHM and amplitude for the two bands with most injections (grey: nothing injected)"),
        ]
    }
}

extension Injection {
    /// The names of a flare's parameters (``FlareSimulator``).
    public enum FlareParameter {
        public static let amplitude = "amplitude"
        /// Days.
        public static let fwhm = "fwhm"
        /// Seconds.
        public static let equivalentDuration = "ed"
    }

    /// An injected flare: peak time, peak relative amplitude, FWHM (days) and equivalent duration (seconds).
    public init(id: Int, band: String, peakTime: Double, amplitude: Double, fwhm: Double, equivalentDuration: Double) {
        self.init(
            id: id, band: band, time: peakTime,
            parameters: [FlareParameter.amplitude: amplitude, FlareParameter.fwhm: fwhm, FlareParameter.equivalentDuration: equivalentDuration])
    }

    /// A flare's peak time.
    public var peakTime: Double { time }
    /// A flare's peak relative amplitude (NaN if not a flare).
    public var amplitude: Double { parameters[FlareParameter.amplitude] ?? .nan }
    /// A flare's FWHM, days (NaN if not a flare).
    public var fwhm: Double { parameters[FlareParameter.fwhm] ?? .nan }
    /// A flare's equivalent duration, seconds (NaN if not a flare).
    public var equivalentDuration: Double { parameters[FlareParameter.equivalentDuration] ?? .nan }
}
