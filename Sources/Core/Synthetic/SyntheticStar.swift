import Foundation

/// The made-up star behind a synthetic survey's data: rotation, flares, brightness in each band.
///
/// Everything is drawn from a generator seeded with (run seed, catalog id), so the same star
/// has the same flares in every survey and every run with that seed. Flares follow a power-law
/// frequency distribution in equivalent duration (cumulative slope −1, as found for M dwarfs, e.g.
/// Hawley et al. 2014) with the Davenport et al. (2014) shape; about 40 % of stars are active.
struct SyntheticStar: Sendable {
    struct Flare: Sendable {
        var peak: Double        // MJD
        var fwhm: Double        // days
        var amplitude: Double   // relative, TESS band
    }

    let gaiaG: Double
    let rotationPeriod: Double   // days
    let rotationAmplitude: Double
    let rotationPhase: Double
    let flareRate: Double        // flares per day with ED > 1 s
    let flares: [Flare]          // sorted by peak

    /// Epoch range covered by the synthetic surveys (MJD): ZTF from 2018, TESS sectors from 2018.
    static let span: ClosedRange<Double> = 58_190...60_200

    init(entry: CatalogEntry, seed: UInt64) {
        var g = SeededGenerator(seed: seed, stream: "star|\(entry.id)")
        gaiaG = entry.magnitude ?? 14
        rotationPeriod = g.logUniform(0.3...20)
        rotationAmplitude = g.logUniform(0.001...0.02)
        rotationPhase = g.uniform(0...(2 * .pi))
        let active = g.uniform() < 0.4
        flareRate = active ? g.logUniform(0.05...2) : g.logUniform(0.002...0.03)
        var flares: [Flare] = []
        let count = g.poisson(mean: flareRate * (Self.span.upperBound - Self.span.lowerBound))
        flares.reserveCapacity(count)
        for _ in 0..<count {
            // ED from a power law with cumulative index −1 between 1 s and 5000 s.
            let u = g.uniform()
            let ed = min(5000, 1 / max(1 - u, 2e-4))
            let fwhm = g.logUniform(4...45) / 1440
            let amplitude = ed / (FlareTemplate.davenport2014.areaFactor * fwhm * 86_400)
            flares.append(Flare(peak: g.uniform(Self.span), fwhm: fwhm, amplitude: amplitude))
        }
        self.flares = flares.sorted { $0.peak < $1.peak }
    }

    /// Relative brightness (1 = quiescent) at MJD `t`, with flare amplitudes scaled by `flareScale`
    /// (flares are bluer: larger in g than in the TESS band).
    func relativeFlux(atMJD t: Double, flareScale: Double) -> Double {
        var f = 1 + rotationAmplitude * sin(2 * .pi * t / rotationPeriod + rotationPhase)
        // Flares that can contribute at t: peak within [t − 30 FWHM_max, t + FWHM_max].
        var i = Statistics.lowerBound(flares, t - 30 * (45.0 / 1440), by: \.peak)
        while i < flares.count, flares[i].peak <= t + 45.0 / 1440 {
            let flare = flares[i]
            f += flareScale * FlareTemplate.davenport2014.value(at: t, peak: flare.peak, fwhm: flare.fwhm, amplitude: flare.amplitude)
            i += 1
        }
        return f
    }
}
