import Foundation

/// Flare-free spotted stars that behave like real ones, to stress a flare search.
///
/// A clean sinusoid plus white noise is easy for any detrender; real light curves are not. Each star
/// of the set has
///  - **rotation** with a period log-uniform in 0.1–30 d;
///  - **evolving spots**: 2–3 spots, each a fundamental and two harmonics with random phases, each
///    with its own period (differential rotation: up to ±3 % from the star's, cf. the solar-type
///    shear measured by Reinhold, Reiners & Basri 2013, A&A 560, A4) and its own amplitude varying
///    smoothly in time (a random walk on knots a quarter lifetime apart, interpolated with a cosine),
///    with a lifetime of 2–6 rotations but at least a day. Shape, amplitude and phase of the
///    modulation therefore drift during the observation;
///  - **a semi-amplitude** of the modulation log-uniform in 0.1–10 %, defined as half the peak-to-peak
///    of the noise-free modulation over the light curve (the spot signal is scaled to it exactly);
///  - **red noise**: an AR(1) process (damped random walk) with a timescale log-uniform in 1–6 hours
///    and a standard deviation of 0.5–1.5 times the white noise *of a 29.4-minute average*
///    (granulation and instrumental drifts). Red noise belongs to the star and the instrument, not
///    to the sampling: the same star seen at 20 s has √90 times the white noise per point of its
///    30-minute average, and the same red noise. (Measured on the real files in the shared data,
///    the excess scatter of 30–120-minute bins over white noise is 0–0.07 × the per-point white
///    noise for a quiet 2-minute TESS star and 0.2–0.4 × for AU Mic at 20 s, its flares included;
///    pegging the red noise to the per-point noise gave 0.5–1.5 × at every cadence.);
///  - **white noise** with σ log-uniform in 2×10⁻⁴–5×10⁻³; the flux errors are σ;
///  - for the 30-minute cadence, in half of the stars, the **K2 roll sawtooth**: the spacecraft drifts
///    in roll and thrusters reset it every ~6 hours (Howell et al. 2014, PASP 126, 398; Vanderburg &
///    Johnson 2014, PASP 126, 948). After PDC a residual linear ramp with a sudden reset remains,
///    semi-amplitude 0.05–0.5 %, period 0.25 d; the cadence containing each thruster firing is
///    flagged in real data, and omitted here.
///
/// Every light curve spans 27 days (a TESS sector, so rates are per 27 days in all cadences): a gap
/// of 0.8–1.2 d in mid-sector (TESS data downlink; for the 30-minute cadence it stands for a Kepler
/// monthly downlink) and 2–4 short gaps of 1–6 hours at random times. The flux is relative (1 =
/// quiescent) and is the noise-free signal sampled at the cadence midpoint plus noise.
///
/// Everything is a function of (seed, cadence, index), so star 17 of the 2-minute set is the same
/// in every run:
///
/// ```swift
/// let set = StressSet(seed: 1)
/// let star = set.star(17, cadence: .twoMinute)
/// print(star.parameters.rotationPeriod, star.band.lightcurve.count)
/// ```
public struct StressSet: Sendable {
    /// The sampling of a stress light curve.
    public enum Cadence: String, Sendable, Codable, CaseIterable {
        /// TESS fast cadence.
        case twentySecond = "20 s"
        /// TESS 2-minute cadence.
        case twoMinute = "2 min"
        /// Kepler/K2 long cadence (29.4 minutes).
        case thirtyMinute = "30 min"

        /// Time between points (and exposure of one point), seconds.
        public var seconds: Double {
            switch self {
            case .twentySecond: return 20
            case .twoMinute: return 120
            case .thirtyMinute: return 1_765.5
            }
        }
    }

    /// One spot: its share of the modulation and its rotation.
    public struct Spot: Sendable, Hashable, Codable {
        /// Rotation period of the spot's latitude, days.
        public var period: Double
        /// Evolution timescale (lifetime) of the spot's amplitude, days.
        public var lifetime: Double
        /// Relative weights of the fundamental and the harmonics (fundamental = 1).
        public var harmonics: [Double]
    }

    /// The true parameters of a stress star.
    public struct Parameters: Sendable, Hashable, Codable {
        public var index: Int
        public var cadence: Cadence
        /// Rotation period of the star (the first spot's), days.
        public var rotationPeriod: Double
        /// Semi-amplitude of the noise-free spot modulation (half its peak-to-peak), relative flux.
        public var amplitude: Double
        public var spots: [Spot]
        /// White-noise σ, relative flux; also each point's flux error.
        public var whiteNoise: Double
        /// Standard deviation of the AR(1) red noise, relative flux (0.5–1.5 × the white noise of a
        /// 29.4-minute average).
        public var redNoise: Double
        /// Correlation time of the red noise, days.
        public var redNoiseTimescale: Double
        /// Semi-amplitude of the K2 roll sawtooth, relative flux (nil: none).
        public var rollAmplitude: Double?
        /// Period of the roll sawtooth, days (0.25).
        public var rollPeriod: Double
        /// Intervals with no data, days (the mid-sector gap first).
        public var gaps: [ClosedRange<Double>]
        /// First and last time of the span, BTJD-like days.
        public var span: ClosedRange<Double>
    }

    /// A stress star: its true parameters, its light curve and the noise-free parts of the signal.
    public struct Star: Sendable {
        public var parameters: Parameters
        /// The light curve, band "TESS" (20 s, 2 min), "K2" (30 min with the roll sawtooth) or "Kepler".
        public var band: BandLightcurve
        /// Noise-free spot modulation at each point (relative, around 0).
        public var modulation: [Double]
        /// Noise-free roll sawtooth at each point (zeros without one).
        public var sawtooth: [Double]
    }

    /// Length of every stress light curve, days.
    public static let span = 27.0
    /// Start time of every stress light curve (a BTJD-like epoch).
    public static let start = 2_000.0
    /// Period of the K2 roll sawtooth, days.
    public static let rollPeriod = 0.25
    /// Fraction of 30-minute stars with the roll sawtooth.
    public static let rollFraction = 0.5

    public var seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Star `index` of the set at `cadence`.
    public func star(_ index: Int, cadence: Cadence) -> Star {
        var g = SeededGenerator(seed: seed, stream: "stress|\(cadence.rawValue)|\(index)")
        let period = g.logUniform(0.1...30)
        let amplitude = g.logUniform(0.001...0.1)
        let white = g.logUniform(2e-4...5e-3)
        let red = white * (cadence.seconds / Cadence.thirtyMinute.seconds).squareRoot() * g.uniform(0.5...1.5)
        let redTimescale = g.logUniform(1...6) / 24
        let roll: Double? = cadence == .thirtyMinute && g.uniform() < Self.rollFraction ? g.logUniform(5e-4...5e-3) : nil
        let spotCount = g.uniform() < 0.5 ? 2 : 3
        var spots: [Spot] = []
        for s in 0..<spotCount {
            let shear = s == 0 ? 0 : g.uniform(-0.03...0.03)
            spots.append(
                Spot(
                    period: period * (1 + shear), lifetime: max(1, period * g.uniform(2...6)),
                    harmonics: [1, g.uniform(0...0.5), g.uniform(0...0.25)]))
        }

        // Time grid with a mid-sector gap and a few short ones.
        let t0 = Self.start
        let t1 = t0 + Self.span
        let middle = t0 + Self.span / 2 + g.uniform(-1...1)
        let midLength = g.uniform(0.8...1.2)
        var gaps = [(middle - midLength / 2)...(middle + midLength / 2)]
        for _ in 0..<(2 + Int(g.uniform() * 3)) {
            let length = g.uniform(1...6) / 24
            let start = g.uniform(t0...(t1 - length))
            gaps.append(start...(start + length))
        }
        let step = cadence.seconds / 86_400
        let rollPhase = g.uniform()
        let rollSign: Double = g.uniform() < 0.5 ? 1 : -1
        var time: [Double] = []
        time.reserveCapacity(Int(Self.span / step) + 1)
        var k = 0
        while true {
            let t = t0 + Double(k) * step
            k += 1
            if t > t1 { break }
            if gaps.contains(where: { $0.contains(t) }) { continue }
            if roll != nil {
                // The cadence whose exposure contains a thruster firing is flagged: omitted.
                let phase = ((t - t0) / Self.rollPeriod + rollPhase).truncatingRemainder(dividingBy: 1)
                if phase < step / Self.rollPeriod / 2 || phase > 1 - step / Self.rollPeriod / 2 { continue }
            }
            time.append(t)
        }

        // Spot modulation: Σ_spots a_s(t) Σ_h w_h cos(2π h t / P_s + φ_sh), scaled to the amplitude.
        var modulation = [Double](repeating: 0, count: time.count)
        for spot in spots {
            let phases = spot.harmonics.map { _ in g.uniform(0...(2 * .pi)) }
            let strength = SmoothWalk(span: t0...t1, step: spot.lifetime / 4, lifetime: spot.lifetime, using: &g)
            let weight = g.uniform(0.3...1)
            for (i, t) in time.enumerated() {
                let x = 2 * Double.pi * (t - t0) / spot.period
                var shape = 0.0
                for (h, w) in spot.harmonics.enumerated() { shape += w * cos(Double(h + 1) * x + phases[h]) }
                modulation[i] += weight * strength.value(at: t) * shape
            }
        }
        if let lo = modulation.min(), let hi = modulation.max(), hi > lo {
            let scale = 2 * amplitude / (hi - lo)
            let centre = (hi + lo) / 2
            for i in modulation.indices { modulation[i] = (modulation[i] - centre) * scale }
        }

        var sawtooth = [Double](repeating: 0, count: time.count)
        if let roll {
            for (i, t) in time.enumerated() {
                let phase = ((t - t0) / Self.rollPeriod + rollPhase).truncatingRemainder(dividingBy: 1)
                sawtooth[i] = rollSign * roll * (2 * phase - 1)
            }
        }

        var flux = [Double](repeating: 1, count: time.count)
        var ar = red * g.gaussian()
        for i in time.indices {
            if i > 0 {
                let rho = exp(-(time[i] - time[i - 1]) / redTimescale)
                ar = rho * ar + (1 - rho * rho).squareRoot() * red * g.gaussian()
            }
            flux[i] += modulation[i] + sawtooth[i] + ar + white * g.gaussian()
        }

        let parameters = Parameters(
            index: index, cadence: cadence, rotationPeriod: period, amplitude: amplitude, spots: spots,
            whiteNoise: white, redNoise: red, redNoiseTimescale: redTimescale, rollAmplitude: roll,
            rollPeriod: Self.rollPeriod, gaps: gaps, span: t0...t1)
        let bandName = cadence == .thirtyMinute ? (roll == nil ? "Kepler" : "K2") : "TESS"
        let lc = Lightcurve(
            unchecked: time, flux: flux, fluxError: Array(repeating: white, count: time.count),
            origins: (0..<time.count).map { PointOrigin(dataset: 0, row: Int32($0)) }, band: bandName, timeSystem: .btjd,
            fluxUnit: .relative, provenance: ["stress set seed \(seed), \(cadence.rawValue) star \(index)"])
        let band = BandLightcurve(
            lightcurve: lc, observatory: bandName, rawRows: time.count, flaggedRows: 0, invalidRows: 0,
            exposureSeconds: cadence.seconds, datasetIndices: [0])
        return Star(parameters: parameters, band: band, modulation: modulation, sawtooth: sawtooth)
    }

    /// The first `count` stars at `cadence`.
    public func stars(_ count: Int, cadence: Cadence) -> [Star] {
        (0..<count).map { star($0, cadence: cadence) }
    }
}

/// A positive, smoothly varying strength: exp of an AR(1) walk on knots, cosine-interpolated.
///
/// Knots are `step` apart; consecutive knots correlate with ρ = exp(−step / lifetime), so the
/// strength decorrelates over a lifetime. The log-strength has unit variance (a spot grows and
/// decays by factors of a few).
struct SmoothWalk {
    let start: Double
    let step: Double
    let knots: [Double]

    init(span: ClosedRange<Double>, step: Double, lifetime: Double, using g: inout SeededGenerator) {
        start = span.lowerBound
        self.step = step
        let count = Int(((span.upperBound - span.lowerBound) / step).rounded(.up)) + 2
        let rho = exp(-step / lifetime)
        var knots: [Double] = []
        var x = g.gaussian()
        for _ in 0..<count {
            knots.append(exp(x))
            x = rho * x + (1 - rho * rho).squareRoot() * g.gaussian()
        }
        self.knots = knots
    }

    func value(at t: Double) -> Double {
        let u = max(0, (t - start) / step)
        let k = min(Int(u), knots.count - 2)
        let f = min(1, u - Double(k))
        let w = (1 - cos(Double.pi * f)) / 2
        return knots[k] * (1 - w) + knots[k + 1] * w
    }
}
