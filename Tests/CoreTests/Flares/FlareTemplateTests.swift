import Foundation
import Testing

@testable import Core

@Suite("FlareTemplate")
struct FlareTemplateTests {
    /// Davenport et al. (2014) with AltaiPony's coefficients: area 1.826885 A·t½ (integral of Eqs. 1 and 4,
    /// rise from −1 to 0 plus the two exponentials), decay-side value at the peak 0.689008 + 0.302963.
    @Test func davenportTemplateHasItsPublishedAreaAndPeak() {
        let t = FlareTemplate.davenport2014
        #expect(abs(t.areaFactor - 1.826885) < 2e-6)
        #expect(abs(FlareTemplate.shape(1e-12) - 0.991971) < 1e-6)
        #expect(abs(FlareTemplate.shape(0) - 1) < 1e-12)
        #expect(FlareTemplate.shape(-1.5) == 0)
        // Numerical integral agrees with the analytic area to 1e-4.
        var sum = 0.0
        let dx = 1e-4
        var x = -1.0
        while x < 60 {
            sum += FlareTemplate.shape(x + dx / 2) * dx
            x += dx
        }
        #expect(abs(sum - t.areaFactor) < 1e-4)
        #expect(abs(t.equivalentDuration(amplitude: 0.5, fwhmDays: 10.0 / 1440) - 1.826885 * 0.5 * 600) < 1e-2)
    }

    /// A 5-minute flare seen in 29.4-minute Kepler long cadences: the exposure-averaged template keeps
    /// the area (ED) exactly — summed over cadences tiling time, Σ value·Δt = A·t½·1.826885 — while the
    /// recorded maximum drops far below the instantaneous peak; zero exposure is the instantaneous value.
    @Test func exposureAveragedTemplateConservesAreaAndLowersThePeak() {
        for template in [FlareTemplate.davenport2014, .mendoza2022] {
            let fwhm = 5.0, exposure = 29.4, amplitude = 0.2
            var area = 0.0
            var highest = 0.0
            var t = -60.0 + 3.7
            while t < 600 {
                let v = template.value(at: t, peak: 0, fwhm: fwhm, amplitude: amplitude, exposure: exposure)
                area += v * exposure
                highest = max(highest, v)
                t += exposure
            }
            #expect(abs(area - template.areaFactor * amplitude * fwhm) < 2e-3 * area, "\(template)")
            #expect(highest < 0.5 * amplitude && highest > 0.1 * amplitude, "\(template): \(highest)")
            #expect(template.value(at: 1, peak: 0, fwhm: fwhm, amplitude: amplitude, exposure: 0)
                == template.value(at: 1, peak: 0, fwhm: fwhm, amplitude: amplitude))
        }
        // The analytic cumulative integral ends at the published area.
        #expect(abs(FlareTemplate.davenportCumulative(80) - 1.826885) < 2e-6)
    }
}

@Suite("FlareFinder")
struct FlareFinderTests {
    /// A flat 2-minute light curve with Gaussian noise σ, optionally with flares.
    func lightcurve(points: Int = 3000, sigma: Double = 0.001, flares: [(peak: Double, fwhm: Double, amplitude: Double)] = [],
                    seed: UInt64 = 3) throws -> Lightcurve {
        var g = SeededGenerator(seed: seed)
        let time = (0..<points).map { 1000 + Double($0) * 2 / 1440 }
        let flux = time.map { t in
            1 + sigma * g.gaussian() + flares.reduce(0) { $0 + FlareTemplate.davenport2014.value(at: t, peak: $1.peak, fwhm: $1.fwhm, amplitude: $1.amplitude) }
        }
        return try Lightcurve(
            time: time, flux: flux, fluxError: Array(repeating: sigma, count: points), band: "TESS", timeSystem: .btjd,
            fluxUnit: .relative)
    }

    let finder = FlareFinder(n1: 3, n2: 2, n3: 3, maxGap: 0.5, detrender: Detrender(window: 0.5))

    @Test func findsAnIsolatedFlareWithItsPeakAndED() throws {
        let peak = 1000 + 1500.0 * 2 / 1440
        let lc = try lightcurve(flares: [(peak, 10.0 / 1440, 0.05)])
        let result = finder.search(lc)
        #expect(result.flares.count == 1)
        let f = try #require(result.flares.first)
        #expect(abs(f.peakTime - peak) <= 2.0 / 1440)
        #expect(abs(f.amplitude - 0.05) < 0.01)
        // Injected ED = 1.826885 × 0.05 × 600 s = 54.8 s; the search sees the part above 3σ.
        let injected = FlareTemplate.davenport2014.equivalentDuration(amplitude: 0.05, fwhmDays: 10.0 / 1440)
        #expect(f.equivalentDuration > 0.6 * injected && f.equivalentDuration < 1.1 * injected)
        #expect(f.equivalentDurationError > 0)
    }

    @Test func findsAFlareTouchingTheLastPointOfASegment() throws {
        // The peak is the last point: the reference Python implementation drops such a flare.
        let lastTime = 1000 + 2999.0 * 2 / 1440
        let lc = try lightcurve(flares: [(lastTime + 1.0 / 1440, 30.0 / 1440, 0.03)])
        let result = finder.search(lc)
        let f = try #require(result.flares.last)
        #expect(f.lastIndex == lc.count - 1)
    }

    @Test func findsAFlareTouchingTheFirstPointOfASegment() throws {
        // A flare that began before the data did: its decay opens the light curve.
        let lc = try lightcurve(flares: [(1000 - 6.0 / 1440, 20.0 / 1440, 0.05)])
        let result = finder.search(lc)
        let f = try #require(result.flares.first)
        #expect(f.firstIndex == 0)
    }

    @Test func pureNoiseGivesNoFlares() throws {
        for seed in 1...5 as ClosedRange<UInt64> {
            #expect(finder.search(try lightcurve(points: 5000, seed: seed)).flares.isEmpty)
        }
    }

    @Test func runsNeedN3PointsUnlessShortAndDecaying() {
        let t = true, o = false
        // Two single candidates and a pair, each short of N3 = 3: no flare.
        #expect(finder.candidateRuns([t, o, t, t, o, o, t, o]).isEmpty)
        #expect(finder.candidateRuns([o, t, t, t, t, o, o, t, t, t, o]) == [1...4, 7...9])
        // Long cadence: one point at 6σ counts when the next point still shows the decay (> 1σ), not
        // when the light curve is back at quiescence (a cosmic ray, a bad cadence).
        var long = finder
        long.n3 = 2
        long.shortRunThreshold = 5
        #expect(long.candidateRuns([o, t, o, o], significance: [0, 6, 1.5, 0]) == [1...1])
        #expect(long.candidateRuns([o, t, o, o], significance: [0, 6, 0.5, 0]).isEmpty)
        #expect(long.candidateRuns([o, t, o, o], significance: [0, 4, 1.5, 0]).isEmpty)
        // Far above the threshold, it counts without the decay point: over within one exposure, or
        // the last point of its segment.
        long.shortRunWithoutDecayThreshold = 12
        #expect(long.candidateRuns([o, t, o, o], significance: [0, 13, 0.5, 0]) == [1...1])
        #expect(long.candidateRuns([o, o, o, t], significance: [0, 0, 0, 13]) == [3...3])
        #expect(long.candidateRuns([o, o, o, t], significance: [0, 0, 0, 11]).isEmpty)
        // Short cadence, where cosmic rays hit single cadences: the short run needs two points.
        var short = finder
        short.shortRunThreshold = 5
        short.shortRunMinimum = 2
        #expect(short.candidateRuns([o, t, o, o], significance: [0, 6, 1.5, 0]).isEmpty)
        #expect(short.candidateRuns([o, t, t, o, o], significance: [0, 6, 3.5, 1.5, 0]) == [1...2])
    }

    @Test func aDecayTailDippingUnderTheThresholdStaysOneFlare() throws {
        // Runs at points 1–4 and 8–10; between them the excess is either still 1.5σ (a decay tail
        // dipping under the threshold) or back at quiescence.
        func extents(gap: Double, mergeGap: Int) throws -> [FlareFinder.Extent] {
            let residual = [0, 5, 6, 5, 4, gap, gap, gap, 4, 3.5, 3.2, 0, 0, 0, 0, 0].map { $0 * 0.001 }
            let n = residual.count
            let lc = try Lightcurve(
                time: (0..<n).map { Double($0) * 2 / 1440 }, flux: residual.map { 1 + $0 },
                fluxError: Array(repeating: 0.001, count: n), band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
            let context = FlareFinder.Context(
                lc: lc, residual: residual, error: Array(repeating: 0.001, count: n),
                sigma: Array(repeating: 0.001, count: n), exposureSeconds: 120)
            var f = finder
            f.mergeGap = mergeGap
            return f.extents(of: [1...4, 8...10], in: 0..<n, context: context)
        }
        // The tail joins the two runs whatever the merge gap.
        let tail = try extents(gap: 1.5, mergeGap: 0)
        #expect(tail.count == 1)
        #expect(tail.first?.first == 1 && tail.first?.last == 10)
        // Back at quiescence: two flares, unless they are within the merge gap.
        #expect(try extents(gap: 0, mergeGap: 0).count == 2)
        #expect(try extents(gap: 0, mergeGap: 3).count == 1)
    }

    /// A flare's decay is monotone. Where the excess settles at a level (the model under a flare's
    /// mask missing a spotted star's minimum: the K2 star's flare at BKJD 2235.36 ran on for ten
    /// hours at +0.3 %, 130 s of ED, 85 s now), the event ends once half-hour blocks stop falling,
    /// even inside the run of points above N1; its duration for the anti-flare rule stays the whole
    /// stretch. A second flare rising in the decay of the first stays part of it.
    @Test func aLevelStretchAfterTheDecayIsNotPartOfTheFlare() throws {
        let cadence = 2.0 / 1440
        func extents(_ after: (Int) -> Double) throws -> [FlareFinder.Extent] {
            // 10 % peak at point 10, an exponential decay of 10 cadences, then `after(k)` k points on.
            let n = 400
            let residual = (0..<n).map { i -> Double in
                let k = i - 10
                guard k >= 0 else { return 0 }
                return 0.1 * exp(-Double(k) / 10) + after(k)
            }
            let lc = try Lightcurve(
                time: (0..<n).map { Double($0) * cadence }, flux: residual.map { 1 + $0 },
                fluxError: Array(repeating: 0.001, count: n), band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
            let context = FlareFinder.Context(
                lc: lc, residual: residual, error: Array(repeating: 0.001, count: n),
                sigma: Array(repeating: 0.001, count: n), exposureSeconds: 120, cadence: cadence)
            let run = 10...(residual.lastIndex { $0 >= 0.003 } ?? 10)
            return finder.extents(of: [run], in: 0..<n, context: context)
        }
        // Quiescence after the decay: the tail ends where the excess reaches the noise (about 46 points on).
        let clean = try #require(try extents { _ in 0 }.first)
        #expect((50...60).contains(clean.last), "\(clean.last)")
        // A level +0.5 % (5σ: every point is above N1) from 40 points on, for the rest of the light
        // curve: the event ends within two blocks of 15 points after the level begins.
        let level = try #require(try extents { $0 >= 40 ? 0.005 : 0 }.first)
        #expect(level.last < 10 + 40 + 2 * 15, "\(level.last)")
        #expect(level.run.upperBound <= level.last)
        #expect(level.runEnd == 399)
        // A second flare of 5 % rising 60 points after the first: one event through its decay.
        let complex = try #require(try extents { k in k >= 60 ? 0.05 * exp(-Double(k - 60) / 10) : 0 }.first)
        #expect(complex.last > 10 + 60 + 30, "\(complex.last)")
    }

    @Test func runsShorterThanN3AreNotFlares() throws {
        var flux = Array(repeating: 1.0, count: 200)
        flux[100] = 1.1
        flux[101] = 1.1
        let lc = try Lightcurve(
            time: (0..<200).map { Double($0) * 2 / 1440 }, flux: flux, fluxError: Array(repeating: 0.001, count: 200),
            band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        // Constant flux has zero scatter: the errors stand in for σ.
        #expect(finder.search(lc).flares.isEmpty)
        var lenient = finder
        lenient.n3 = 2
        #expect(lenient.search(lc).flares.count == 1)
    }

    /// Nightly data, one or two points a night: detrending and σ come from the season, not the night.
    @Test func sparseDataAreDetrendedAcrossNights() throws {
        var g = SeededGenerator(seed: 21)
        var time: [Double] = []
        var flux: [Double] = []
        for night in 0..<300 {
            for visit in 0..<(night % 3 == 0 ? 2 : 1) {
                time.append(58_000 + Double(night) + 0.3 + 0.02 * Double(visit))
                flux.append(100 * (1 + 0.02 * g.gaussian()))
            }
        }
        flux[150] = 100 * 1.3  // a 15σ single-point flare
        let lc = try Lightcurve(
            time: time, flux: flux, fluxError: Array(repeating: 2, count: time.count), band: "ZTF g", timeSystem: .mjd,
            fluxUnit: .microjansky)
        let sparse = FlareSearch.Parameters.standard.sparse
        let result = sparse.search(lc, exposureSeconds: 30)
        #expect(result.flares.count == 1)
        let f = try #require(result.flares.first)
        #expect(f.firstIndex == 150)
        #expect(abs(f.significance - 15) < 3)
        // One exposure wide: ED = 0.3 × 30 s.
        #expect(abs(f.equivalentDuration - 9) < 1)
        // The scatter is the season's 2 %, not the spread of a single night's one or two points.
        #expect(abs(result.scatter[10] - 0.02) < 0.004)
    }

    @Test func detrendingFollowsRotationButNotFlares() throws {
        var g = SeededGenerator(seed: 9)
        let time = (0..<7200).map { Double($0) * 2 / 1440 }
        let rotation = time.map { 1 + 0.02 * sin(2 * .pi * $0 / 2.5) }
        let flux = zip(time, rotation).map { t, r in
            r + 0.001 * g.gaussian() + FlareTemplate.davenport2014.value(at: t, peak: 5, fwhm: 0.01, amplitude: 0.2)
        }
        let lc = try Lightcurve(
            time: time, flux: flux, fluxError: Array(repeating: 0.001, count: time.count), band: "TESS", timeSystem: .btjd,
            fluxUnit: .relative)
        let model = FlareSearch.Parameters.standard.continuous.detrender.model(lc, stretches: [0..<lc.count]).baseline
        // Around the flare (peak and its tail) the model stays at the rotational level, within 1.5σ,
        // while the flare rises to 200σ: the ED loses under 3 %.
        for i in time.indices where time[i] > 4.99 && time[i] < 5.1 {
            #expect(abs(model[i] - rotation[i]) < 0.0015, "t = \(time[i])")
        }
        // It follows the rotation everywhere else, ends included (no lag of a one-sided window).
        let residual = time.indices.map { abs(model[$0] - rotation[$0]) }
        #expect(residual.max()! < 0.0015)
    }
}

@Suite("FlareSimulator")
struct FlareSimulatorTests {
    @Test func injectionIsSeededAndRecordsWhatItAdded() throws {
        let time = (0..<14_400).map { Double($0) * 2 / 1440 }
        let lc = try Lightcurve(
            time: time, flux: Array(repeating: 1, count: time.count), fluxError: Array(repeating: 0.001, count: time.count),
            band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        let sim = FlareSimulator(parameters: .init(ratePerDay: 1, amplitude: 0.01...0.1, fwhmMinutes: 5...30))
        var g1 = SeededGenerator(seed: 5)
        var g2 = SeededGenerator(seed: 5)
        let (a, injectedA) = try sim.inject(into: lc, exposureSeconds: 120, using: &g1, firstID: 0)
        let (b, injectedB) = try sim.inject(into: lc, exposureSeconds: 120, using: &g2, firstID: 0)
        #expect(a.flux == b.flux)
        #expect(injectedA == injectedB)
        #expect((10...35).contains(injectedA.count))  // Poisson, mean 20
        for i in injectedA {
            #expect((0.01...0.1).contains(i.amplitude))
            #expect(abs(i.equivalentDuration - 1.826885 * i.amplitude * i.fwhm * 86_400) < 1e-3 * i.equivalentDuration)
        }
        // Added flux integrates to the injected EDs (where flares do not overlap the ends).
        let added = zip(a.flux, lc.flux).map { $0 - $1 }.reduce(0, +) * 120
        let expected = injectedA.reduce(0) { $0 + $1.equivalentDuration }
        #expect(abs(added - expected) < 0.05 * expected)
        #expect(a.provenance.last?.contains("injected") == true)
    }
}

@Suite("Mendoza2022Template")
struct Mendoza2022TemplateTests {
    let template = FlareTemplate.mendoza2022

    /// The reference Python expression, exp(…)·erfc(…), where it does not overflow.
    func direct(_ x: Double) -> Double {
        let (a, b, c, d, f) = FlareTemplate.mendozaParameters
        return 0.5 * Double.pi.squareRoot() * a * c * (0..<2).reduce(0) { sum, k in
            let u = b / c + d[k] * c / 2
            return sum + f[k] * exp(-d[k] * x + u * u) * erfc(u - x / c)
        }
    }

    @Test func agreesWithTheDirectFormulaWhereThatIsFinite() {
        for x in stride(from: -1.5, through: 20, by: 0.05) {
            let reference = direct(x)
            #expect(reference.isFinite)
            #expect(abs(FlareTemplate.mendoza(x) - reference) <= 1e-12 + 1e-10 * abs(reference), "x = \(x)")
        }
    }

    @Test func staysFiniteWhereTheDirectFormulaGivesNaN() {
        // Far before the peak exp overflows and erfc underflows: NaN in the reference code.
        #expect(direct(-60).isNaN || direct(-60) == 0)
        for x in [-1e4, -1000, -60, -10, 1e3, 1e5] {
            let v = FlareTemplate.mendoza(x)
            #expect(v.isFinite && v >= 0 && v < 1e-3, "x = \(x): \(v)")
        }
    }

    @Test func peaksNearZeroAtAboutOneAndHasItsAnalyticArea() {
        let xs = stride(from: -1.0, through: 1.0, by: 0.001).map { $0 }
        let peak = xs.max { FlareTemplate.mendoza($0) < FlareTemplate.mendoza($1) }!
        #expect(abs(peak) < 0.1)
        #expect(abs(FlareTemplate.mendoza(peak) - 1) < 0.05)
        var sum = 0.0
        var x = -10.0
        while x < 300 {
            sum += FlareTemplate.mendoza(x + 5e-4) * 1e-3
            x += 1e-3
        }
        #expect(abs(sum - template.areaFactor) < 1e-6 * template.areaFactor)
    }

    /// The tabulated integral against Simpson's rule on the shape itself, on the table, across the
    /// switch to the analytic tail at x = 3 and far out; the exposure average is the difference.
    @Test func theTabulatedIntegralIsTheIntegral() {
        func simpson(_ a: Double, _ b: Double, intervals: Int = 4000) -> Double {
            let h = (b - a) / Double(intervals)
            var sum = FlareTemplate.mendoza(a) + FlareTemplate.mendoza(b)
            for k in 1..<intervals { sum += (k % 2 == 1 ? 4 : 2) * FlareTemplate.mendoza(a + Double(k) * h) }
            return sum * h / 3
        }
        #expect(FlareTemplate.mendozaCumulative(-3) == 0)
        for x in [-1.2, -0.5, -0.1, 0, 0.0007, 0.3, 1, 2.999, 3, 3.001, 7, 40] {
            let reference = simpson(-3, x, intervals: 20_000)
            #expect(abs(FlareTemplate.mendozaCumulative(x) - reference) < 1e-11, "x = \(x)")
        }
        #expect(abs(FlareTemplate.mendozaCumulative(1e4) - template.areaFactor) < 1e-12)
        // An exposure of a twentieth of the FWHM around the peak and one across the switch.
        for (t, exposure) in [(0.0, 0.05), (2.9, 0.4), (-0.7, 0.011)] {
            let reference = simpson(t - exposure / 2, t + exposure / 2) / exposure
            let v = template.value(at: t, peak: 0, fwhm: 1, amplitude: 1, exposure: exposure)
            #expect(abs(v - reference) < 1e-9, "t = \(t)")
        }
    }

    /// The vetting fits evaluate the templates over all points of a window at once: two exponentials
    /// per decay run for Davenport's (chained from point to point), a cut-off far from the centre for
    /// the bump. Both against the per-point values, on 20-s to 30-min exposures and FWHMs from a tenth
    /// of an exposure to hours, with times that jitter by up to 10⁻⁹ d as real ones do and a gap in the
    /// decay, spaced by less than an exposure and by one (where the bump's exposures share their
    /// ends, which moves it by at most the jitter over the exposure, 10⁻⁵ of its height); every
    /// point the batch skips is below 10⁻⁹.
    @Test func theBatchTemplateValuesAreThePointValues() {
        var jitter = SeededGenerator(seed: 7)
        for exposure in [20.0 / 86_400, 120.0 / 86_400, 1764.0 / 86_400] { for spacing in [0.7, 1.0] {
            let times = (0..<400).filter { !(150..<163).contains($0) }.map {
                Double($0) * exposure * spacing - 50 * exposure + 1e-9 * (2 * jitter.uniform() - 1)
            }
            for fwhm in [exposure / 10, exposure, 8 * exposure, 0.1] {
                let peak = 0.31 * exposure
                var flare = [Double?](repeating: nil, count: times.count)
                TemplateFit.davenport(times: times, peak: peak, fwhm: fwhm, exposure: exposure) { flare[$0] = $1 }
                var bump = [Double?](repeating: nil, count: times.count)
                TemplateFit.gaussian(times: times, centre: peak, fwhm: fwhm, exposure: exposure) { bump[$0] = $1 }
                for (m, t) in times.enumerated() {
                    let f = FlareTemplate.davenport2014.value(at: t, peak: peak, fwhm: fwhm, amplitude: 1, exposure: exposure)
                    let g = TemplateFit.gaussian(at: t, centre: peak, fwhm: fwhm, exposure: exposure)
                    #expect(abs((flare[m] ?? 0) - f) < 1e-12 + 1e-9 * f, "flare, exposure \(exposure), FWHM \(fwhm), t = \(t)")
                    #expect(flare[m] != nil || f == 0)
                    #expect(abs((bump[m] ?? 0) - g) < (spacing < 1 ? 1e-9 : 1e-5), "bump, exposure \(exposure), FWHM \(fwhm), t = \(t)")
                }
                #expect(flare.contains { ($0 ?? 0) > 0.01 } && bump.contains { ($0 ?? 0) > 0.01 })
            }
        } }
    }

    @Test func erfcxMatchesItsDefinitionAndAsymptote() {
        for z in stride(from: 0.0, through: 5, by: 0.25) {
            #expect(abs(FlareTemplate.erfcx(z) - exp(z * z) * erfc(z)) < 1e-13 * exp(z * z) * erfc(z) + 1e-300)
        }
        // Continuity at the switch and the asymptote 1/(z√π)(1 − 1/(2z²)) far out.
        #expect(abs(FlareTemplate.erfcx(5 - 1e-12) - FlareTemplate.erfcx(5)) < 1e-12)
        let z = 1e4
        #expect(abs(FlareTemplate.erfcx(z) * z * Double.pi.squareRoot() - (1 - 1 / (2 * z * z))) < 1e-12)
        // Through 26.5, where erfc itself underflows to 0.
        #expect(FlareTemplate.erfcx(30) > 0)
    }
}
