import Foundation
import Testing

@testable import Core

/// A TESS-like 2-minute light curve built from a function of time plus Gaussian noise σ.
private func curve(
    days: Double = 13.5, cadenceMinutes: Double = 2, sigma: Double = 0.001, seed: UInt64 = 1, band: String = "TESS",
    skip: (Double) -> Bool = { _ in false }, _ signal: (Double) -> Double
) throws -> Lightcurve {
    var g = SeededGenerator(seed: seed)
    let time = stride(from: 0.0, to: days, by: cadenceMinutes / 1440).map { 1500 + $0 }.filter { !skip($0) }
    let flux = time.map { 1 + signal($0) + sigma * g.gaussian() }
    return try Lightcurve(
        time: time, flux: flux, fluxError: Array(repeating: sigma, count: time.count), band: band, timeSystem: .btjd,
        fluxUnit: .relative)
}

@Suite("LombScargle")
struct LombScargleTests {
    /// The nonuniform-FFT periodogram is the direct one: on ZTF-like sparse epochs over three years
    /// and on two dense TESS-like sectors two years apart, 20,000 and 15,000 frequencies, the powers
    /// agree to 10⁻⁹ and the highest peak is the same frequency.
    @Test func theFastPeriodogramIsTheDirectOne() {
        var g = SeededGenerator(seed: 11)
        let sparse: [Double] = (0..<700).map { _ in 1000 * g.uniform() }.sorted()
        let dense: [Double] = (0..<3240).map { (i: Int) -> Double in i < 1620 ? Double(i) / 60 : 730 + Double(i - 1620) / 60 }
        let cases: [([Double], Int)] = [(sparse, 20_000), (dense, 15_000)]
        for (time, count) in cases {
            var flux: [Double] = [], weight: [Double] = []
            for t in time {
                let signal: Double = 0.01 * sin(2 * Double.pi * t / 1.37)
                flux.append(signal + 0.003 * g.gaussian())
                weight.append(0.5 + g.uniform())
            }
            let sums = LombScargle.Sums(time: time.map { $0 - time[0] }, flux: flux, weight: weight)
            let step = 1 / (2 * (time[time.count - 1] - time[0]))
            let direct = sums.powers(from: 2 * step, step: step, count: count)
            let fast = sums.fastPowers(from: 2 * step, step: step, count: count)
            let worst: Double = zip(direct, fast).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-9, "\(time.count) points: worst \(worst)")
            #expect(direct.indices.max { direct[$0] < direct[$1] } == fast.indices.max { fast[$0] < fast[$1] })
            #expect((direct.max() ?? 0) > 0.5)
        }
        // An odd number of frequencies.
        let t = (0..<300).map { Double($0) * 0.37 }
        let sums = LombScargle.Sums(time: t, flux: t.map { sin($0) }, weight: t.map { _ in 1 })
        let direct = sums.powers(from: 0.01, step: 0.003, count: 101), fast = sums.fastPowers(from: 0.01, step: 0.003, count: 101)
        #expect(zip(direct, fast).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    /// The rotation model is fitted on bins (0.0025 of the highest harmonic's period) and evaluated
    /// at every point: on a 20-s curve of a 5-d rotator with three harmonics and a slow trend (a
    /// modulation the model can take exactly) and white noise of 10⁻⁴, it is the modulation to a
    /// few 10⁻⁶, at the points a masked run leaves out too; 30-minute data, sparser than the bins and
    /// fitted point by point, to what their 720 points per window allow.
    @Test func theBinnedRotationModelIsThePointModel() {
        func truth(_ t: Double) -> Double {
            1 + 0.002 * (t - 1500) + 0.03 * sin(2 * .pi * t / 5) + 0.01 * cos(4 * .pi * t / 5 + 0.3) + 0.004 * sin(6 * .pi * t / 5 + 1)
        }
        var g = SeededGenerator(seed: 3)
        for (cadence, tolerance) in [(20.0 / 86_400, 1e-5), (1800.0 / 86_400, 4e-5)] {
            let time = stride(from: 1500.0, to: 1527, by: cadence).map { $0 }
            let flux = time.map { truth($0) + 1e-4 * g.gaussian() }
            let use = time.map { !(1510.0...1510.3).contains($0) }
            let model = HarmonicFit(period: 5, harmonics: 3, span: 15).model(time: time, flux: flux, use: use)
            let worst = time.indices.map { abs(model[$0] - truth(time[$0])) }.max() ?? .infinity
            #expect(worst < tolerance, "cadence \(cadence * 86_400) s: worst \(worst)")
        }
    }

    /// A 1.7-day sinusoid of semi-amplitude 0.5 % in 1 ppt noise over 27 days with a mid-sector gap:
    /// period within 0.5 %, amplitude within 5 % (binning to a sixth of 0.1 d costs < 1 % at 1.7 d),
    /// false-alarm probability negligible. Noise alone: no significant peak.
    @Test func findsARotationPeriodWithItsAmplitudeAndRejectsNoise() throws {
        let lc = try curve(days: 27, skip: { $0 > 1513 && $0 < 1514 }) { 0.005 * sin(2 * .pi * $0 / 1.7) }
        let weight = Array(repeating: 1.0, count: lc.count)
        let binned = LombScargle.bin(time: lc.time, flux: lc.flux, weight: weight, width: 0.1 / 6)
        let r = try #require(LombScargle().search(time: binned.time, flux: binned.flux, weight: binned.weight))
        #expect(abs(r.period / 1.7 - 1) < 0.005, "period \(r.period)")
        #expect(abs(r.amplitude / 0.005 - 1) < 0.05, "amplitude \(r.amplitude)")
        #expect(r.power > 0.9)
        #expect(r.falseAlarmProbability < 1e-10)
        #expect(abs(r.maximumFrequency - 10) < 1e-9 && abs(r.minimumFrequency - 2 / 27) < 0.01)

        let noise = try curve(days: 27, seed: 2) { _ in 0 }
        let n = LombScargle.bin(time: noise.time, flux: noise.flux, weight: Array(repeating: 1, count: noise.count), width: 0.1 / 6)
        let quiet = try #require(LombScargle().search(time: n.time, flux: n.flux, weight: n.weight))
        #expect(quiet.falseAlarmProbability > 0.01, "FAP \(quiet.falseAlarmProbability)")
    }

    /// Baluev (2008): for N = 100 points and a weak peak the bound is near 1; for a strong one tiny, and
    /// it never leaves [0, 1].
    @Test func falseAlarmProbabilityIsAProbability() {
        let t = (0..<100).map { Double($0) * 0.27 }
        let sums = LombScargle.Sums(time: t, flux: t.map { sin($0) }, weight: Array(repeating: 1, count: 100))
        #expect(LombScargle.baluevFAP(power: 0.05, points: 100, maximumFrequency: 10, sums: sums) > 0.9)
        #expect(LombScargle.baluevFAP(power: 0.6, points: 100, maximumFrequency: 10, sums: sums) < 1e-10)
        #expect(LombScargle.baluevFAP(power: 1, points: 100, maximumFrequency: 10, sums: sums) == 0)
    }
}

@Suite("Detrender")
struct DetrenderTests {
    let detrender = FlareSearch.Parameters.standard.continuous.detrender

    /// A fast rotator (P = 0.4 d, 4 % peak to peak, a second harmonic): the rotation is modelled and the
    /// model follows the modulation to within 1.5σ everywhere, while a flare of 20 % stays out of it.
    @Test func followsAFastRotatorButNotItsFlare() throws {
        let flare = 1505.2
        let lc = try curve { t in
            0.02 * sin(2 * .pi * t / 0.4) + 0.006 * sin(4 * .pi * t / 0.4 + 1)
                + FlareTemplate.davenport2014.value(at: t, peak: flare, fwhm: 0.01, amplitude: 0.2)
        }
        let model = detrender.model(lc, stretches: [0..<lc.count])
        let period = try #require(model.modelledPeriod)
        #expect(abs(period / 0.4 - 1) < 0.01)
        for i in lc.time.indices where lc.time[i] < flare - 0.01 || lc.time[i] > flare + 0.3 {
            let truth = 1 + 0.02 * sin(2 * .pi * lc.time[i] / 0.4) + 0.006 * sin(4 * .pi * lc.time[i] / 0.4 + 1)
            #expect(abs(model.baseline[i] - truth) < 0.0015, "t = \(lc.time[i])")
        }
        let peak = try #require(lc.time.firstIndex { $0 >= flare })
        #expect(model.masked[peak])
        #expect(abs(model.baseline[peak] - (1 + 0.02 * sin(2 * .pi * lc.time[peak] / 0.4) + 0.006 * sin(4 * .pi * lc.time[peak] / 0.4 + 1))) < 0.003)
        // σ is the local scatter: 1 ppt.
        #expect(abs(try #require(Statistics.median(model.scatter)) / 0.001 - 1) < 0.1)
    }

    /// An active fast rotator (stress star 16 at 2 minutes: P = 0.195 d, 2.8 % semi-amplitude, red
    /// noise) with a dozen injected flares of S/N up to 73: their decays, not impulsive enough to be
    /// left out of the first periodogram, took enough of the variance that the rotation's peak was too
    /// weak to be modelled; the filter alone could not follow it, σ was scaled ×3 for the whole sector
    /// and flares of S/N 21 and 29 were lost. Searched again without the first flare mask, the
    /// periodogram finds the rotation, and they are found. (The dozen flares are those an injection–
    /// recovery run with seed 1,017 drew before flares kept their draws until placed: peak, FWHM in
    /// days, relative amplitude.)
    @Test func manyLargeFlaresDoNotHideAFastRotation() throws {
        let star = StressSet(seed: 1).star(16, cadence: .twoMinute)
        let flares = [
            (2026.0597867, 0.0031968, 0.0103215), (2007.6355662, 0.0116481, 0.1780504), (2024.3837827, 0.0021489, 0.0043852),
            (2020.8513525, 0.0248433, 0.0502441), (2014.8904818, 0.0015453, 0.0114045), (2003.8090339, 0.0064148, 0.0969068),
            (2016.0979306, 0.0014299, 0.0110620), (2017.7951176, 0.0147893, 0.0703735), (2019.7118388, 0.0048456, 0.0778616),
            (2000.0400208, 0.0139086, 0.0078646), (2005.1561678, 0.0193662, 0.1658590), (2010.2382038, 0.0090972, 0.1048256),
        ].map { peak, fwhm, amplitude in
            InjectionRecoveryResult.Flare(trial: 0, peakTime: peak, fwhm: fwhm, amplitude: amplitude, snr: 0, injectedED: 0, recoveredED: nil)
        }
        let lc = star.band.lightcurve
        let level = try #require(Statistics.median(lc.flux))
        let exposure = star.band.exposureSeconds / 86_400
        let flux = InjectionRecovery(search: FlareSearch(parameters: .standard)).flux(of: lc, adding: flares, level: level, exposure: exposure)
        let finder = FlareSearch.Parameters.standard.finder(cadence: try #require(lc.medianCadence))
        let found = finder.search(lc.replacingFlux(flux, note: "12 flares"), exposureSeconds: star.band.exposureSeconds).flares
        let before = finder.search(lc, exposureSeconds: star.band.exposureSeconds).flares
        // The flares of S/N 29 and 21 that were lost (and that nothing in the star itself stands for).
        for peak in [2019.7118388, 2020.8513525] {
            let fwhm = try #require(flares.first { $0.peakTime == peak }).fwhm
            let pad = max(fwhm, exposure)
            #expect(found.contains { peak >= $0.start - pad && peak <= $0.stop + pad }, "flare at \(peak) lost")
            #expect(!before.contains { peak >= $0.start - pad && peak <= $0.stop + pad })
        }
    }

    /// A fast rotator (P = 0.23 d, where the robust filter's window is 2 h) with a large flare whose
    /// decay lasts hours (FWHM 30 min, 3 %: above the noise for four hours). The short window alone
    /// would follow the decay and leave only the peak; found against the coarse model, the whole
    /// decay is masked and bridged, so the model stays on the rotation and the ED comes out whole.
    @Test func aLongFlareOnAFastRotatorIsBridgedNotFollowed() throws {
        let flare = 1505.1
        let rotation = { (t: Double) in 0.004 * sin(2 * .pi * t / 0.23) + 0.0015 * sin(4 * .pi * t / 0.23 + 0.5) }
        let lc = try curve(sigma: 0.0003) { t in
            rotation(t) + FlareTemplate.davenport2014.value(at: t, peak: flare, fwhm: 0.021, amplitude: 0.03, exposure: 120.0 / 86_400)
        }
        let model = detrender.model(lc, stretches: [0..<lc.count])
        #expect(model.smoothingWindow < 0.1)
        for i in lc.time.indices where lc.time[i] > flare && lc.time[i] < flare + 0.15 {
            #expect(abs(model.baseline[i] - 1 - rotation(lc.time[i])) < 0.001, "t = \(lc.time[i])")
        }
        let found = FlareSearch.Parameters.standard.finder(cadence: lc.medianCadence ?? 0).search(lc, exposureSeconds: 120).flares
        let big = try #require(found.first { abs($0.peakTime - flare) < 0.01 })
        let injected = FlareTemplate.davenport2014.equivalentDuration(amplitude: 0.03, fwhmDays: 0.021)
        #expect(abs(big.equivalentDuration / injected - 1) < 0.1, "ED \(big.equivalentDuration) of \(injected)")
    }

    /// Star 70 of the stress set's 2-minute stars (seed 1: P = 0.118 d, 7 % semi-amplitude, white noise
    /// 3 × 10⁻⁴, evolving spots) with one flare injected at the start. The harmonic fit of a window
    /// was evaluated where it had no point to fit (masked runs, outliers cut); there it swung far
    /// beyond the star's modulation, the points looked like outliers, were cut again in the next pass,
    /// and the model sat at −30 % for half a day 16 days from the flare. The quiescent model must stay
    /// within the star's own range everywhere.
    @Test func theRotationModelOfAFastSpottedRotatorStaysWithinTheStarsRange() throws {
        let star = StressSet(seed: 1).star(70, cadence: .twoMinute)
        let lc = star.band.lightcurve
        let exposure = star.band.exposureSeconds / 86_400
        let flux = lc.time.indices.map {
            lc.flux[$0]
                + FlareTemplate.davenport2014.value(at: lc.time[$0], peak: 2000.426, fwhm: 18.3 / 1440, amplitude: 0.0574, exposure: exposure)
        }
        let injected = try Lightcurve(
            time: lc.time, flux: flux, fluxError: lc.fluxError, band: lc.band, timeSystem: lc.timeSystem, fluxUnit: lc.fluxUnit)
        let model = detrender.model(injected, stretches: injected.segments(maxGap: 0.5))
        let low = try #require(star.modulation.min()) + 1, high = try #require(star.modulation.max()) + 1
        let outside = injected.time.indices.filter { model.baseline[$0] < low - 0.01 || model.baseline[$0] > high + 0.01 }
        #expect(outside.isEmpty, "\(outside.count) points, e.g. t = \(outside.first.map { injected.time[$0] } ?? 0): \(outside.first.map { model.baseline[$0] } ?? 0)")
    }

    /// Points left out of the harmonic fit that recur one turn later (or earlier), with a fitted point
    /// between, are modulation and go back into the fit; a flare's points, and a decay longer than a
    /// turn, stay out; a recurring dip must be a dip both times.
    @Test func pointsLeftOutAtTheSamePhaseEveryTurnGoBackIntoTheRotationFit() {
        let period = 0.1
        let time = (0..<500).map { Double($0) * 0.002 }  // 50 points per turn, 10 turns
        var residual = [Double](repeating: 0.0001, count: time.count)
        var fitted = [Bool](repeating: true, count: time.count)
        func leaveOut(_ range: ClosedRange<Int>, _ value: Double) {
            for i in range {
                fitted[i] = false
                residual[i] = value
            }
        }
        // Tops of the modulation the model did not reach, at the same phase in turns 1, 2 and 3.
        for turn in 1...3 { leaveOut((turn * 50 + 10)...(turn * 50 + 14), 0.003) }
        // A flare in turn 5 (nothing one turn either side), and a decay longer than a turn from turn 7.
        leaveOut(262...266, 0.004)
        leaveOut(360...430, 0.002)
        // A high run in turn 9 whose points one turn earlier (411–412) lie in that decay: high too,
        // with fitted points between (the decay ends at 430), so it is readmitted as modulation
        // would be — the price of the rule, for a flare at the phase of another's tail.
        leaveOut(461...462, 0.002)
        // A low run one turn after a high one is not the same thing.
        leaveOut(20...22, 0.002)
        leaveOut(70...72, -0.002)
        Detrender.readmitRecurring(&fitted, residual: residual, time: time, period: period)
        for turn in 1...3 {
            #expect(((turn * 50 + 10)...(turn * 50 + 14)).allSatisfy { fitted[$0] }, "turn \(turn)")
        }
        #expect((262...266).allSatisfy { !fitted[$0] })
        #expect((360...410).allSatisfy { !fitted[$0] }, "a decay longer than a turn stays out")
        #expect((461...462).allSatisfy { fitted[$0] })
        #expect((20...22).allSatisfy { !fitted[$0] } && (70...72).allSatisfy { !fitted[$0] })
    }

    /// Stress star 155 at 2 minutes rotates in 0.1 d and its spots change by factors of a few within
    /// three turns: the tops the first model missed were masked as candidates, the next fit went lower
    /// without them, and they stayed masked and above it — eight false flares, at maxima. With the tops
    /// that recur one turn apart fitted again, the model at the top tenth of the modulation is on
    /// average half a white-noise σ below it (0.65 σ before) and 185 of its 1,842 points are masked
    /// (215 before); the search finds six.
    @Test func theTopsOfAFastRotatorWithFastEvolvingSpotsAreFittedAgain() throws {
        let star = StressSet(seed: 1).star(155, cadence: .twoMinute)
        let lc = star.band.lightcurve
        let model = detrender.model(lc, stretches: lc.segments(maxGap: 0.5))
        let sorted = star.modulation.sorted()
        let top = sorted[Int(0.9 * Double(sorted.count))]
        let tops = lc.time.indices.filter { star.modulation[$0] >= top }
        let below = tops.map { 1 + star.modulation[$0] - model.baseline[$0] }.reduce(0, +) / Double(tops.count)
        #expect(below / star.parameters.whiteNoise < 0.55)
        #expect(tops.filter { model.masked[$0] }.count < 200)
    }

    /// A quiet star with a 1 % transit three hours long: the robust filter does not dip into it, so
    /// the points beside the transit do not stand above the model (no flare at ingress or egress).
    @Test func doesNotFollowATransit() throws {
        let lc = try curve { t in (t - 1505).truncatingRemainder(dividingBy: 3) >= 0 && (t - 1505).truncatingRemainder(dividingBy: 3) < 0.125 ? -0.01 : 0 }
        let model = detrender.model(lc, stretches: [0..<lc.count])
        #expect(model.modelledPeriod == nil)
        for i in lc.time.indices { #expect(abs(model.baseline[i] - 1) < 0.001, "t = \(lc.time[i])") }
    }

    /// K2: thrusters fire every 0.245 d and those cadences are missing; between them the flux ramps
    /// (here 0.3 %, ten times the noise). The firings are found, one interval each, and the ramps are
    /// modelled: the residual scatter is back at the noise. TESS-like data without that rhythm get no
    /// roll intervals.
    @Test func modelsTheK2RollSawtoothBetweenThrusterFirings() throws {
        let period = 0.245
        let firing = { (t: Double) -> Bool in (t - 1500).truncatingRemainder(dividingBy: period) < 0.0205 }
        let lc = try curve(days: 20, cadenceMinutes: 29.4, sigma: 0.0003, band: "K2", skip: firing) { t in
            0.003 * ((t - 1500).truncatingRemainder(dividingBy: period) / period - 0.5)
        }
        let intervals = Detrender.RollRhythm(time: lc.time)?.intervals(time: lc.time, stretches: [0..<lc.count]) ?? []
        #expect(abs(intervals.count - Int(20 / period)) <= 2, "\(intervals.count) intervals")
        let model = detrender.model(lc, stretches: [0..<lc.count])
        let residual = lc.time.indices.map { lc.flux[$0] / model.baseline[$0] - 1 }
        #expect(try #require(Statistics.robustSigma(residual)) < 0.0004)

        let tess = try curve { _ in 0 }
        #expect(Detrender.RollRhythm(time: tess.time) == nil)
    }

    /// The roll sawtooth is the spacecraft's rhythm, not the star's rotation. With a 0.4 % sawtooth
    /// every 0.25 d (12.2 cadences: the firings are seen 12 or 13 cadences apart) on a star whose
    /// spots turn in 3 d at 0.1 %, the periodogram's highest peak was the roll's; its harmonics then
    /// rounded off each ramp's top and the last point before a firing stood 10σ above the model
    /// (stress stars 160 and 286). The rotation found is the star's, in the flare search and in the
    /// rotation analysis alike, and no flare is found.
    @Test func theRollRhythmIsNotTakenForTheRotation() throws {
        let period = 0.25
        let firing = { (t: Double) -> Bool in (t - 1500).truncatingRemainder(dividingBy: period) < 0.0205 }
        let lc = try curve(days: 27, cadenceMinutes: 29.4, sigma: 0.0003, band: "K2", skip: firing) { t in
            0.004 * ((t - 1500).truncatingRemainder(dividingBy: period) / period - 0.5) + 0.001 * sin(2 * Double.pi * t / 3)
        }
        let rhythm = try #require(Detrender.RollRhythm(time: lc.time))
        #expect(abs(rhythm.period - period) < 0.003, "roll period \(rhythm.period)")
        let finder = FlareSearch.Parameters.standard.finder(cadence: try #require(lc.medianCadence))
        let result = finder.search(lc)
        let found = try #require(result.rotation?.period)
        #expect(abs(found - 3) < 0.15, "rotation \(found) d")
        #expect(result.flares.isEmpty, "\(result.flares.map(\.peakTime))")
        // The rotation analysis leaves the same bands out (``Detrender/RollRhythm/periodogramBands(time:)``).
        let analysed = try #require(RotationSearch().search(lc).result?.period)
        #expect(abs(analysed - 3) < 0.15, "rotation analysis \(analysed) d")
    }

    /// A complex flare longer than half the filter window is a flare to mask, not variability to
    /// follow: a smaller flare begins the run, the large one rises within it in minutes, and a
    /// gradual decay carries it on for hours. AU Mic at 2 minutes (BTJD 2056.83–2057.12, one run of
    /// 0.25 d above 3σ peaking a third of the way in) was left unmasked, the model rode the decay and
    /// the large flare's ED was 59 s against 147 s at 20 s. The same run here (residuals of that
    /// shape, σ 0.03 %, a 0.48-d window) is masked with a tail and padding held short; a slow bump as
    /// long and as high, rising over hours, is not.
    @Test func aComplexFlareLongerThanHalfTheWindowIsMasked() {
        let cadence = 2.0 / 1440
        let time = (0..<1000).map { 1504.0 + Double($0) * cadence }
        let first = 1504.83, large = 1504.92
        func gradual(_ t: Double, _ peak: Double, _ amplitude: Double) -> Double {
            t > peak ? amplitude * exp(-(t - peak) / 0.1) * min(1, (t - peak) / 0.004) : 0
        }
        let complex = time.map { t in
            FlareTemplate.davenport2014.value(at: t, peak: first, fwhm: 0.004, amplitude: 0.008, exposure: 120.0 / 86_400)
                + FlareTemplate.davenport2014.value(at: t, peak: large, fwhm: 0.005, amplitude: 0.03, exposure: 120.0 / 86_400)
                + gradual(t, first, 0.004) + gradual(t, large, 0.006)
        }
        let bump = time.map { t in 0.01 * exp(-0.5 * pow((t - 1504.95) / 0.06, 2)) }
        let scatter = [Double](repeating: 0.0003, count: time.count)
        let window = 0.48
        for (name, values, masked) in [("complex flare", complex, true), ("slow bump", bump, false)] {
            let run = time.indices.filter { values[$0] > 3 * 0.0003 }
            #expect(time[run.last!] - time[run.first!] > window / 2, "\(name): the run is shorter than half the window")
            var mask = [Bool](repeating: false, count: time.count)
            Detrender.maskRuns(values, scatter: scatter, time: time, clip: 3, filterWindow: window, into: &mask)
            #expect(run.allSatisfy { mask[$0] } == masked, "\(name)")
            if masked, let last = mask.lastIndex(of: true) {
                // Tail within a quarter and padding within an eighth of the window after the run.
                #expect(time[last] - time[run.last!] <= window * 3 / 8 + 1e-9)
            }
        }
    }

    /// Cadences missing here and there (quality flags, averaging that drops a bin) leave short gaps
    /// as K2's firings do, but with no rhythm: no roll intervals. Taken for firings, a line per
    /// interval between them followed the light curve point by point: AU Mic's sector 27 averaged
    /// to 100 s (a tenth of the cadences missing at random) had a 3 % flare's tail followed from
    /// mid-decay, its ED 46 s against 65 s at 20 s. Here, at 100 s with one cadence in ten dropped
    /// at random, no intervals are found (without the rhythm test: 1,332), and a flare of that size
    /// keeps its ED.
    @Test func scatteredMissingCadencesAreNoRollRhythm() throws {
        var g = SeededGenerator(seed: 3)
        let dropped = Set((0..<13_000).filter { _ in g.uniform() < 0.1 })
        let cadence = 100.0 / 86_400
        let peak = 1505.03
        let flare = { (t: Double) in
            FlareTemplate.davenport2014.value(at: t, peak: peak, fwhm: 0.006, amplitude: 0.04, exposure: 100.0 / 86_400)
        }
        let lc = try curve(days: 12, cadenceMinutes: 100.0 / 60, sigma: 0.0003, skip: { t in
            dropped.contains(Int(((t - 1500) / cadence).rounded()))
        }, flare)
        let intervals = Detrender.RollRhythm(time: lc.time)?.intervals(time: lc.time, stretches: [0..<lc.count]) ?? []
        #expect(intervals.isEmpty, "\(intervals.count) roll intervals")
        let result = FlareSearch.Parameters.standard.finder(cadence: cadence).search(lc, exposureSeconds: 100)
        let big = try #require(result.flares.first { abs($0.peakTime - peak) < 0.005 })
        let injected = 0.04 * 0.006 * 86_400 * FlareTemplate.davenport2014.areaFactor
        #expect(abs(big.equivalentDuration / injected - 1) < 0.1, "ED \(big.equivalentDuration) s against \(injected) s")
    }
}

@Suite("FlareFinder on real-star behaviour")
struct FlareFinderRealStarTests {
    let search = FlareSearch(parameters: .standard)

    func flares(_ lc: Lightcurve, exposure: Double) throws -> [Detection] {
        let band = BandLightcurve(
            lightcurve: lc, observatory: "test", rawRows: lc.count, flaggedRows: 0, invalidRows: 0,
            exposureSeconds: exposure, datasetIndices: [0])
        return try search.analyze(AnalysisInput(entry: CatalogEntry(id: "t", ra: 0, dec: 0), bands: [band], mode: .simulation))
            .detections
    }

    /// 20-second data: cosmic rays are single cadences 10–40σ high with no decay; none is a flare. A
    /// real flare among them is found once.
    @Test func cosmicRaysIn20SecondDataAreNotFlares() throws {
        let hits = (0..<40).map { 1500.05 + Double($0) * 0.17 }
        let flare = 1503.33
        let lc = try curve(days: 7, cadenceMinutes: 1.0 / 3, sigma: 0.001) { t in
            (hits.contains { abs($0 - t) < 0.5 / 86_400 * 20 } ? 0.01 + 0.03 * abs(sin(t * 977)) : 0)
                + FlareTemplate.davenport2014.value(at: t, peak: flare, fwhm: 0.004, amplitude: 0.03, exposure: 20.0 / 86_400)
        }
        let found = try flares(lc, exposure: 20)
        #expect(found.count == 1, "\(found.map(\.peakTime))")
        #expect(abs((found.first?.peakTime ?? 0) - flare) < 0.002)
    }

    /// A cosmic ray on a flare's decay is not its peak (AU Mic, TESS sector 27: a 20-s hit at BTJD
    /// 2054.303, 26σ above both neighbours, sat in a flare's decay; taken for the peak, it made the
    /// rise look 22 minutes long and the flare was turned down for its shape). Single-cadence spikes
    /// are replaced before the search at 20 s: every hit — on the quiescent star and on the decay —
    /// is found, the peaks of a slow and of a one-minute flare are not, and both flares are found
    /// with their own peaks and a rise no longer than the decay. At 2 minutes, where a short flare
    /// can be one cadence, nothing is replaced.
    @Test func cosmicRaysAreReplacedAndNoFlarePeakIs() throws {
        let cadence = 20.0 / 86_400
        let slow = 1503.33, fast = 1505.2
        var hits = (0..<10).map { 1500.45 + Double($0) * 0.6 }
        hits.append(slow + 0.003)
        let lc = try curve(days: 7, cadenceMinutes: 1.0 / 3, sigma: 0.001) { t in
            (hits.contains { abs($0 - t) < cadence / 2 } ? 0.03 : 0)
                + FlareTemplate.davenport2014.value(at: t, peak: slow, fwhm: 0.004, amplitude: 0.01, exposure: cadence)
                + FlareTemplate.davenport2014.value(at: t, peak: fast, fwhm: 1.0 / 1440, amplitude: 0.02, exposure: cadence)
        }
        let spikes = FlareFinder.spikes(time: lc.time, flux: lc.flux, cadence: cadence, clip: 5).map { lc.time[$0] }
        for h in hits { #expect(spikes.contains { abs($0 - h) < cadence / 2 }, "hit at \(h) not found") }
        #expect(!spikes.contains { abs($0 - slow) < 3 * cadence || abs($0 - fast) < 3 * cadence }, "\(spikes)")
        // Gaussian noise alone puts a point 5σ above both neighbours about once in 10⁵ (30,240 here).
        let noise = spikes.filter { t in !hits.contains { abs($0 - t) < cadence / 2 } }
        #expect(noise.count <= 2, "\(noise)")

        let finder = FlareSearch.Parameters.standard.finder(cadence: cadence)
        #expect(finder.spikeClip == 5)
        #expect(FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440).spikeClip == nil)
        #expect(FlareSearch.Parameters.standard.finder(cadence: 58.85 / 86_400).spikeClip == nil)
        let result = finder.search(lc, exposureSeconds: 20)
        #expect(result.spikes.count == spikes.count)
        #expect(result.flares.count == 2, "\(result.flares.map(\.peakTime))")
        for (peak, d) in zip([slow, fast], result.flares) {
            #expect(abs(d.peakTime - peak) < 1.5 * cadence, "peak \(d.peakTime) for \(peak)")
            let v = try #require(d.vetting)
            #expect(v.riseTime <= v.decayTime + cadence, "rise \(v.riseTime * 1440) min, decay \(v.decayTime * 1440) min")
        }
    }

    /// Cosmic rays over two 20-s cadences (AU Mic, TESS sector 27, BTJD 2045.158: 0.85 % then 0.34 %,
    /// then back at the star) pass the point criteria and the shape test: a jump and a fall by half
    /// is what a short flare's peak and first decay point look like. Both cadences carry SPOC's
    /// aperture cosmic-ray bit. Without the flags some such hits are found (3 of 12 here); with them
    /// none is, each turned down as a cosmic ray, while a flare whose peak and first decay point carry the same
    /// bit (as real flares' cadences do) is found, and its card says so.
    @Test func cosmicRaysFlaggedOverTwoCadencesAreNotFlares() throws {
        let cadence = 20.0 / 86_400
        let hits = (0..<12).map { 1500.4 + Double($0) * 0.5 }
        let flare = 1503.13
        let profile: [Double] = [0.012, 0.005, 0.0015]
        let lc = try curve(days: 7, cadenceMinutes: 1.0 / 3, sigma: 0.001, seed: 3) { (t: Double) -> Double in
            var excess = FlareTemplate.davenport2014.value(at: t, peak: flare, fwhm: 3.0 / 1440, amplitude: 0.02, exposure: cadence)
            for h in hits {
                let k = ((t - h) / cadence).rounded()
                if abs(t - h - k * cadence) < cadence / 4, k >= 0, k < 3 { excess += profile[Int(k)] }
            }
            return excess
        }
        func near(_ t: Double, _ events: [Double]) -> Bool {
            events.contains { t - $0 > -cadence / 2 && t - $0 < 1.5 * cadence }
        }
        let flagged = try Lightcurve(
            time: lc.time, flux: lc.flux, fluxError: lc.fluxError,
            pointFlags: lc.time.map { near($0, hits + [flare]) ? PointFlags.cosmicRay : [] }, band: lc.band, timeSystem: lc.timeSystem,
            fluxUnit: lc.fluxUnit)
        #expect(flagged.pointFlags.filter { $0.contains(.cosmicRay) }.count == 2 * (hits.count + 1))
        let finder = FlareSearch.Parameters.standard.finder(cadence: cadence)

        let unflagged = finder.search(lc, exposureSeconds: 20)
        let hitsFound = unflagged.flares.filter { near($0.peakTime, hits) }
        #expect(hitsFound.count >= 2, "without flags: \(hitsFound.map(\.peakTime))")

        let result = finder.search(flagged, exposureSeconds: 20)
        #expect(result.flares.count == 1, "\(result.flares.map(\.peakTime))")
        let found = try #require(result.flares.first)
        #expect(abs(found.peakTime - flare) < 1.5 * cadence)
        #expect(found.vetting?.flags.contains(.cosmicRayFlag) == true)
        #expect(found.vetting?.flags.names.contains("cosmic-ray flag") == true)
        let cosmic = result.rejected.filter { $0.reason == .cosmicRay }
        // Every hit found without the flags is now turned down as a cosmic ray (and so are some that
        // the shape test turned down before: the cosmic-ray test comes first).
        for hit in hitsFound { #expect(cosmic.contains { $0.candidate.peakTime == hit.peakTime }, "\(hit.peakTime)") }
        #expect(cosmic.allSatisfy { near($0.candidate.peakTime, hits) })
    }

    /// Kepler short cadence (58.85 s): a flare with a FWHM of a minute falls by half or more in one
    /// cadence, and as a cosmic ray would: the spike rule replaced its peak in 7 of 40 noise draws (13
    /// of 40 at half a minute), so it holds only for 20-s data. Every one of these flares keeps its
    /// peak, found within a cadence of the injected one and at least 80 % as high.
    @Test func aOneMinuteFlareAtKeplerShortCadenceKeepsItsPeak() throws {
        let cadence = 58.85 / 86_400
        let finder = FlareSearch.Parameters.standard.finder(cadence: cadence)
        for seed in UInt64(1)...40 {
            let peak = 1500.25 + Double(seed % 7) * cadence / 7
            let lc = try curve(days: 0.5, cadenceMinutes: 58.85 / 60, sigma: 0.001, seed: seed, band: "Kepler") { t in
                FlareTemplate.davenport2014.value(at: t, peak: peak, fwhm: 1.0 / 1440, amplitude: 0.03, exposure: cadence)
            }
            let result = finder.search(lc, exposureSeconds: 58.85)
            #expect(result.spikes.isEmpty, "seed \(seed): \(result.spikes.map { lc.time[$0] })")
            let flare = try #require(result.flares.first { abs($0.peakTime - peak) < 2 * cadence }, "seed \(seed)")
            let highest = try #require(lc.time.indices.filter { abs(lc.time[$0] - peak) < 2 * cadence }.map { lc.flux[$0] - 1 }.max())
            #expect(flare.amplitude >= 0.8 * highest, "seed \(seed): amplitude \(flare.amplitude) of \(highest)")
        }
    }

    /// A symmetric bump of 8σ lasting an hour (left over by detrending, or a systematic) has no fast
    /// rise: it is rejected. A flare (peak 20σ) is found, with vetting numbers that say so.
    @Test func aSymmetricBumpIsNotAFlareButAFlareIs() throws {
        let bump = try curve { t in 0.008 * exp(-0.5 * pow((t - 1504) / 0.012, 2)) }
        #expect(try flares(bump, exposure: 120).isEmpty)
        // The search says what it turned down and why: the bump, for its shape.
        let turnedDown = FlareSearch.Parameters.standard.finder(cadence: bump.medianCadence ?? 0).search(bump, exposureSeconds: 120).rejected
        #expect(turnedDown.map(\.reason) == [.shape], "\(turnedDown.map(\.candidate.peakTime))")
        #expect(abs((turnedDown.first?.candidate.peakTime ?? 0) - 1504) < 0.005)
        let flare = try curve { t in FlareTemplate.davenport2014.value(at: t, peak: 1504, fwhm: 0.01, amplitude: 0.02, exposure: 120.0 / 86_400) }
        let found = try flares(flare, exposure: 120)
        #expect(found.count == 1)
        let v = try #require(found.first?.vetting)
        #expect(v.riseTime <= v.decayTime)
        #expect(v.templateDeltaChiSquare >= v.symmetricDeltaChiSquare)
        #expect(abs((v.templateFWHM ?? 0) / 0.01 - 1) < 0.35, "template FWHM \(v.templateFWHM ?? 0)")
        #expect(v.flags.isEmpty)
        // The ED counts the decay below the noise too (fitted template beyond the last point): within
        // 10 % of the injected 1.826885 × 0.02 × 864 s.
        let injected = FlareTemplate.davenport2014.equivalentDuration(amplitude: 0.02, fwhmDays: 0.01)
        #expect(abs((found.first?.equivalentDuration ?? 0) / injected - 1) < 0.1, "ED \(found.first?.equivalentDuration ?? 0) of \(injected)")
    }

    /// Long flares at 20 s (FWHM 40 min: 120 cadences) on a quiet star, 4 and 7 times the noise at
    /// their peak, thirty noise draws each. The highest single point of such a flare lies anywhere
    /// within a few per cent of the top, often several cadences after the true peak; the shapes used
    /// to be fitted with the template's peak held within a cadence or two of it, where a symmetric
    /// bump often fitted better, and only 19 of the 4σ and 26 of the 7σ flares were found (most of the
    /// others turned down for their shape). Refitted around the smoothed top: 27 and 30.
    @Test func aLongNoisyFlareAtTwentySecondsIsFittedAroundItsTrueTop() throws {
        for (amplitude, atLeast) in [(0.004, 26), (0.007, 30)] {
            var found = 0
            for seed in UInt64(1)...30 {
                let lc = try curve(days: 1, cadenceMinutes: 1.0 / 3, sigma: 0.001, seed: seed) { t in
                    FlareTemplate.davenport2014.value(at: t, peak: 1500.5, fwhm: 40.0 / 1440, amplitude: amplitude, exposure: 20.0 / 86_400)
                }
                if try flares(lc, exposure: 20).contains(where: { abs($0.peakTime - 1500.5) < 0.01 }) { found += 1 }
            }
            #expect(found >= atLeast, "\(found) of 30 flares of \(amplitude / 0.001)σ found")
        }
    }

    /// At high S/N no template is exact: a round-topped or complex flare can fit a symmetric bump
    /// better than the flare template (AU Mic, TESS sector 27, BTJD 2059.55: 24σ, Δχ² flare 8097 /
    /// bump 8452, 24 % of its excess before the peak). Mostly-after-the-peak excess makes it a flare
    /// from 10σ on; a symmetric excess, a fainter candidate or one beside a missing cadence does not.
    @Test func aBrightFlareWhoseExcessFollowsItsPeakIsAFlareWhateverTheTemplateFits() {
        func vetting(_ significance: Double, fraction: Double, flags: FlareVetting.Flags = []) -> FlareVetting {
            FlareVetting(
                peakSignificance: significance, pointsAboveThreshold: 20, riseTime: 4.0 / 1440, decayTime: 8.0 / 1440,
                templateDeltaChiSquare: 8097, symmetricDeltaChiSquare: 8452, templateFWHM: 0.005, templateAmplitude: 0.01,
                riseAreaFraction: fraction, flags: flags)
        }
        let cadence = 20.0 / 86_400
        func shaped(_ v: FlareVetting) -> Bool {
            v.isFlareShaped(tolerance: 4, cadence: cadence, strictBesideGaps: 10, maximumRiseAreaFraction: 1.0 / 3)
        }
        #expect(shaped(vetting(24, fraction: 0.24)))
        #expect(!shaped(vetting(24, fraction: 0.5)))
        #expect(!shaped(vetting(8, fraction: 0.24)))
        #expect(!shaped(vetting(24, fraction: 0.24, flags: .missingCadence)))
        #expect(!vetting(24, fraction: 0.24).isFlareShaped(tolerance: 4, cadence: cadence))  // no rule asked for
        // Impulsive: above half its peak (4 + 8 minutes, less a cadence) for a fifth of its hour, not
        // for all of 12 minutes (a flat top whose smoothed top fell early).
        func shaped(_ v: FlareVetting, minutes: Double) -> Bool {
            v.isFlareShaped(
                tolerance: 4, cadence: cadence, strictBesideGaps: 10, maximumRiseAreaFraction: 1.0 / 3, duration: minutes / 1440)
        }
        #expect(shaped(vetting(24, fraction: 0.24), minutes: 60))
        #expect(!shaped(vetting(24, fraction: 0.24), minutes: 12))
        #expect(abs(vetting(24, fraction: 0.24).halfMaximumShare(duration: 60.0 / 1440, cadence: cadence) - 35.0 / 180) < 1e-9)
        #expect(vetting(24, fraction: 0.24).isFlatTopped(duration: 12.0 / 1440, cadence: cadence))
        #expect(!vetting(24, fraction: 0.24).isFlatTopped(duration: 60.0 / 1440, cadence: cadence))
        // Two cadences are no measure of a flat top.
        #expect(!vetting(24, fraction: 0.24).isFlatTopped(duration: 12.0 / 1440, cadence: 6.0 / 1440))
    }

    /// At 30 minutes a two-point run needs N1 = 4 (not 3) at each point: on the stress set, spotted
    /// stars whose detrending residue and red noise give heavier tails than σ says produced 0.26
    /// false positives per light curve with N1 = 3 and 0.13 with N1 = 4. Two points of 3.5σ and
    /// 3.2σ above a quiet star are no flare; two of 5.5σ and 5σ, with the decay after them, are.
    @Test func twoPointRunsAtThirtyMinutesNeedFourSigma() throws {
        #expect(FlareSearch.Parameters.standard.finder(cadence: 29.4 / 1440).n1 == 4)
        #expect(FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440).n1 == 3)
        let cadence = 29.4 / 1440
        let sigma = 0.0002
        func pair(_ k: Double) throws -> [Detection] {
            // Exactly k σ at two consecutive cadences (the noise elsewhere is seeded, and the same).
            var lc = try curve(days: 13.5, cadenceMinutes: 29.4, sigma: sigma, seed: 5) { _ in 0 }
            let i = lc.time.firstIndex { $0 >= 1506 }!
            var flux = lc.flux
            flux[i] = 1 + k * sigma
            flux[i + 1] = 1 + k * sigma * 0.9
            flux[i + 2] = 1 + 0.5 * sigma
            lc = lc.replacingFlux(flux, note: "pair")
            return try flares(lc, exposure: cadence * 86_400)
        }
        #expect(try pair(3.5).isEmpty)
        #expect(try pair(5.5).count == 1)
    }

    /// At 30 minutes a single point needs the next one to show the decay below 12σ, not above: a
    /// 15σ point whose flare was over within its exposure, mid-segment or at the light curve's last
    /// cadence, is a flare; a 9σ one without the decay after it is not. On the stress set, such
    /// points were lost at S/N > 10 (2 of 1,792 there), with no false positive gained by keeping them.
    @Test func aSinglePointFarAboveTheThresholdAtThirtyMinutesNeedsNoDecayPoint() throws {
        let cadence = 29.4 / 1440
        let sigma = 0.0002
        func point(_ k: Double, last: Bool) throws -> [Detection] {
            var lc = try curve(days: 13.5, cadenceMinutes: 29.4, sigma: sigma, seed: 7) { _ in 0 }
            let i = last ? lc.count - 1 : lc.time.firstIndex { $0 >= 1506 }!
            var flux = lc.flux
            flux[i] = 1 + k * sigma
            if !last { flux[i + 1] = 1 }
            lc = lc.replacingFlux(flux, note: "single point")
            return try flares(lc, exposure: cadence * 86_400)
        }
        #expect(try point(15, last: false).count == 1)
        #expect(try point(15, last: true).count == 1)
        #expect(try point(9, last: false).isEmpty)
        #expect(try point(9, last: true).isEmpty)
    }

    /// At 30 minutes a 16-minute flare is two or three points and rises within its first exposure.
    /// Each point is the average over its exposure, so the ED adds residual × exposure; a trapezoid
    /// through the points counted half of the first point's exposure and recovered 0.84 of the ED
    /// (the stress set's median). Peaks at three places within an exposure: ED within 5 % (the noise
    /// of 2 × 10⁻⁴ per point makes the ED's own error about 1 %).
    @Test func theEquivalentDurationAtThirtyMinutesCountsWholeExposures() throws {
        let cadence = 29.4 / 1440
        let injected = FlareTemplate.davenport2014.equivalentDuration(amplitude: 0.05, fwhmDays: 16.0 / 1440)
        for (k, offset) in [-0.3, 0.0, 0.3].enumerated() {
            let peak = 1504 + (0.5 + offset) * cadence
            let lc = try curve(days: 13.5, cadenceMinutes: 29.4, sigma: 0.0002, seed: UInt64(10 + k)) { t in
                FlareTemplate.davenport2014.value(at: t, peak: peak, fwhm: 16.0 / 1440, amplitude: 0.05, exposure: cadence)
            }
            let found = try flares(lc, exposure: 29.4 * 60)
            #expect(found.count == 1, "\(found.map(\.peakTime))")
            let ed = try #require(found.first?.equivalentDuration)
            #expect(abs(ed / injected - 1) < 0.05, "peak offset \(offset): ED \(ed) of \(injected)")
        }
    }

    /// A candidate only the matched filter found gets no tolerance: the stress set's false positives
    /// on spotted 20-s and 2-minute stars were such faint, long candidates that fitted a bump a
    /// little better than the template (e.g. Δχ² 470.0 against 471.5); the same numbers pass where
    /// the point criteria found the candidate (one or two points, where both shapes fit alike), and a
    /// template that fits better passes either way.
    @Test func aCandidateOnlyTheMatchedFilterFoundMustFitTheTemplateAtLeastAsWell() {
        func vetting(flare: Double, bump: Double) -> FlareVetting {
            FlareVetting(
                peakSignificance: 3.6, pointsAboveThreshold: 40, riseTime: 37.0 / 1440, decayTime: 90.0 / 1440,
                templateDeltaChiSquare: flare, symmetricDeltaChiSquare: bump, templateFWHM: 0.16, templateAmplitude: 0.002,
                riseAreaFraction: 0.3, flags: [])
        }
        let cadence = 20.0 / 86_400
        func shaped(_ v: FlareVetting, doubt: Bool) -> Bool {
            v.isFlareShaped(tolerance: 4, cadence: cadence, strictBesideGaps: 10, maximumRiseAreaFraction: 1.0 / 3, benefitOfDoubt: doubt)
        }
        #expect(shaped(vetting(flare: 470, bump: 471.5), doubt: true))
        #expect(!shaped(vetting(flare: 470, bump: 471.5), doubt: false))
        #expect(shaped(vetting(flare: 471.5, bump: 470), doubt: false))
        #expect(shaped(vetting(flare: 470, bump: 470), doubt: false))
    }

    /// A bright (30σ) symmetric bump: half its excess before its peak, so the asymmetry rule does not
    /// save it; it is turned down for its shape as the faint one is.
    @Test func aBrightSymmetricBumpIsStillNotAFlare() throws {
        let bump = try curve { t in 0.03 * exp(-0.5 * pow((t - 1504) / 0.012, 2)) }
        #expect(try flares(bump, exposure: 120).isEmpty)
        let turnedDown = FlareSearch.Parameters.standard.finder(cadence: bump.medianCadence ?? 0).search(bump, exposureSeconds: 120).rejected
        let v = try #require(turnedDown.first?.candidate.vetting)
        #expect(abs((v.riseAreaFraction ?? 0) - 0.5) < 0.1, "\(v)")
    }

    /// Long cadence with a missing cadence (a K2 thruster firing): a 7σ two-point bump whose rise
    /// would fall in the missing cadence fits a symmetric bump as well as the flare template, so it
    /// is not a flare there, nor would a 30σ one be; the same 7σ bump with its rise in the data is
    /// kept, and so is a flare right after the gap whose decay the data show.
    @Test func aBumpRisingInAMissingCadenceIsNotAFlare() throws {
        let gap = 1504.0
        let cadence = 29.4 / 1440
        func search(peakAfter offset: Double, _ signal: @escaping (Double) -> Double) throws -> [Detection] {
            let lc = try curve(days: 10, cadenceMinutes: 29.4, sigma: 0.0005, band: "K2", skip: { abs($0 - gap) < cadence / 2 }) { t in
                signal(t - gap - offset)
            }
            return try flares(lc, exposure: 1765.5)
        }
        let bump = { (amplitude: Double) in { (x: Double) in x >= -cadence / 2 && x < 1.5 * cadence ? amplitude * (x < cadence / 2 ? 1 : 0.5) : 0 } }
        #expect(try search(peakAfter: cadence, bump(0.0035)).isEmpty)
        #expect(try search(peakAfter: cadence, bump(0.015)).isEmpty)
        #expect(try search(peakAfter: 6 * cadence, bump(0.0035)).count == 1)
        let flare = { (x: Double) in
            FlareTemplate.davenport2014.value(at: x, peak: -cadence / 4, fwhm: 0.04, amplitude: 0.015, exposure: 1765.5 / 86_400)
        }
        #expect(try search(peakAfter: cadence, flare).count == 1)
    }

    /// Systematics that Gaussian σ does not describe — flare-shaped jumps (a fast step, a slower
    /// return), 4–8σ high, as often down as up — would each pass N1/N3 upright. The inverted light
    /// curve shows the downward ones, σ is scaled up (noise_scale > 1), and none of the upward ones
    /// remains a flare; Gaussian noise keeps σ as it is.
    @Test func symmetricSystematicsRaiseTheThresholdThroughTheInvertedCurve() throws {
        var g = SeededGenerator(seed: 8)
        var glitches: [(peak: Double, height: Double)] = []
        for k in 0..<30 {
            let sign: Double = k % 2 == 0 ? 1 : -1
            glitches.append((1500.2 + Double(k) * 0.4, sign * (0.004 + 0.004 * g.uniform())))
        }
        let lc = try curve { (t: Double) -> Double in
            glitches.reduce(0.0) { (sum: Double, glitch: (peak: Double, height: Double)) -> Double in
                sum + FlareTemplate.davenport2014.value(at: t, peak: glitch.peak, fwhm: 0.006, amplitude: glitch.height, exposure: 120.0 / 86_400)
            }
        }
        let finder = FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440)
        let result = finder.search(lc, exposureSeconds: 120)
        #expect(result.noiseScale > 1)
        #expect(result.flares.isEmpty, "\(result.flares.map { $0.significance })")
        let gaussian = finder.search(try curve { _ in 0 }, exposureSeconds: 120)
        #expect(gaussian.noiseScale == 1)
    }

    /// A transit on the inverted curve is a flat-topped excess: the smoothed top can fall early on it
    /// and leave most of the excess after it, as a bright complex flare does, but it stays above half
    /// its peak all along, which no flare does. AU Mic b at 2-minute cadence (sector 27 averaged,
    /// BTJD 2058.14–2058.23, 0.35 %, 15σ) counted as an anti-flare and σ was scaled by 2.5–3.1
    /// (depending on the bins): 23–28 flares found instead of 70–73. A 2.2-hour transit of the same depth leaves σ as it is and a 10σ flare
    /// beside it is found.
    @Test func aTransitOnTheInvertedCurveIsNoAntiFlare() throws {
        let flare = 1503.2
        let lc = try curve(days: 6, sigma: 0.0003) { t in
            let x = t - 1502.5
            let transit = x > 0 && x < 0.092 ? -0.0035 * min(1, x / 0.007, (0.092 - x) / 0.007) : 0
            return transit
                + FlareTemplate.davenport2014.value(at: t, peak: flare, fwhm: 0.004, amplitude: 0.003, exposure: 120.0 / 86_400)
        }
        let finder = FlareSearch.Parameters.standard.finder(cadence: 2.0 / 1440)
        let result = finder.search(lc, exposureSeconds: 120)
        #expect(result.noiseScale == 1)
        #expect(result.flares.contains { abs($0.peakTime - flare) < 0.003 }, "\(result.flares.map(\.peakTime))")
    }

    /// Sparse data: a 15σ epoch with another exposure of the same band 10 minutes later that shows no
    /// excess is not a flare (flares do not vanish in minutes); alone in its night it is one.
    @Test func aSparseFlareNeedsItsNeighbourToAgree() throws {
        var g = SeededGenerator(seed: 4)
        var time: [Double] = []
        for night in 0..<300 { time.append(58_000 + Double(night) + 0.3) }
        time.append(58_150.3 + 10.0 / 1440)
        time.sort()
        let flareIndex = try #require(time.firstIndex(of: 58_150.3))
        var flux = time.map { _ in 100 * (1 + 0.02 * g.gaussian()) }
        flux[flareIndex] = 130
        flux[flareIndex + 1] = 100  // ten minutes later: no excess at all
        let sparse = FlareSearch.Parameters.standard.sparse
        func lightcurve(_ t: [Double], _ f: [Double]) throws -> Lightcurve {
            try Lightcurve(
                time: t, flux: f, fluxError: Array(repeating: 2, count: t.count), band: "ZTF g", timeSystem: .mjd,
                fluxUnit: .microjansky)
        }
        let withNeighbour = sparse.search(try lightcurve(time, flux), exposureSeconds: 30)
        #expect(withNeighbour.flares.isEmpty, "\(withNeighbour.flares.map { ($0.peakTime, $0.firstIndex, $0.lastIndex) }) neighbour \(withNeighbour.significance[flareIndex + 1])")
        var alone = time, aloneFlux = flux
        alone.remove(at: flareIndex + 1)
        aloneFlux.remove(at: flareIndex + 1)
        #expect(sparse.search(try lightcurve(alone, aloneFlux), exposureSeconds: 30).flares.count == 1)
    }
}

@Suite("Calibration of survey quirks")
struct SurveyQuirkTests {
    /// ZTF: an epoch whose limiting magnitude is brighter than the object's median magnitude could only
    /// have detected it bright: rejected with the flagged ones.
    @Test func ztfEpochsShallowerThanTheStarAreRejected() throws {
        var data = PhotometricData(
            time: [1, 2, 3, 4, 5], value: [19.5, 19.4, 19.6, 18.9, 19.5], error: [0.1, 0.1, 0.1, 0.1, 0.1],
            flags: [0, 0, 0, 0, 0], rows: [0, 1, 2, 3, 4], valueKind: .magnitude, timeSystem: .mjd, exposureSeconds: 30)
        data.limitingMagnitude = [20.5, 20.6, 20.4, 19.2, 20.5]
        let c = try data.calibrated(with: .ztfMagnitudeToMicrojansky(bad: .defaultBad), band: "ZTF g", datasetIndex: 0, source: "x")
        #expect(c.lightcurve.origins.map(\.row) == [0, 1, 2, 4])
        #expect(c.flaggedRows == 1)
    }

    /// K2: the cadence after a thruster firing (SAP_QUALITY bit 21, itself rejected) carries the roll
    /// reset and is rejected too.
    @Test func k2CadencesAfterThrusterFiringsAreRejected() throws {
        let firing = KeplerQualityFlags.thrusterFiring.rawValue
        let data = PhotometricData(
            time: [1, 2, 3, 4, 5], value: [100, 101, 140, 100, 99], error: [1, 1, 1, 1, 1], flags: [0, firing, 0, 0, 0],
            rows: [0, 1, 2, 3, 4], valueKind: .flux, timeSystem: .bkjd, exposureSeconds: 1764)
        let c = try data.calibrated(with: .keplerNormalizedPDCSAP(bad: .defaultBad), band: "K2", datasetIndex: 0, source: "x")
        #expect(c.lightcurve.origins.map(\.row) == [0, 3, 4])
        #expect(c.flaggedRows == 2)
    }
}
