import Core
import Foundation

extension Benchmarks {
    /// Where `report bench --stress-details` sends what it finds: one tab-separated line per false
    /// positive, recovered or missed flare, and (file name, CSV text) of each flare-free light curve that gave a
    /// false positive.
    public struct StressDetails {
        public var line: (String) -> Void
        public var lightcurve: ((String, String) -> Void)?

        public init(line: @escaping (String) -> Void, lightcurve: ((String, String) -> Void)? = nil) {
            self.line = line
            self.lightcurve = lightcurve
        }
    }

    /// How many stress-set stars of each cadence `report bench` searches unless told otherwise
    /// (`--stress-stars`): enough for a figure in about a minute; the rates' counting noise is then
    /// about ±0.03 false positives per light curve, so compare search changes on 300.
    public static let defaultStressStars = 100
    /// Flares injected per stress star, in one trial (which could hold one per day of data): as many as
    /// one per 2 days, the density the stress figures were first measured at.
    static let stressFlaresPerStar = 12

    /// Quality of the flare search on the stress set (``StressSet``, seed 1), per cadence and overall:
    ///  - false positives per light curve per 27 days: detections on the flare-free stars (the
    ///    baseline search of each injection–recovery run), with the number of light curves, and a
    ///    95 % upper limit (Gehrels 1986) when none are found; goal ≤ 0.02;
    ///  - recovered fraction of injected flares by peak S/N (``InjectionRecovery``): 2–5
    ///    (goal ≥ 35 %), 5–10 (≥ 90 %), > 10 (≥ 99 %);
    ///  - median recovered/injected ED at S/N > 10, goal within 5 % of 1.
    /// The search is called only through ``FlareSearch/analyze(_:)`` with `.standard` parameters, so
    /// the figures describe whatever the flare search currently does.
    /// With `details`, one tab-separated line per false positive, per recovered and per missed injected
    /// flare of S/N ≥ 5, with the star's true parameters, the vetting numbers of the detection (so a
    /// vetting rule can be judged on what it costs in true flares as well as what it removes) and, for
    /// a missed flare, why it was missed (``missedDiagnosis(_:star:finder:)``), is passed to it (`report bench --stress-details FILE`):
    /// what to look at before changing the search; and the light curve of each star with a false
    /// positive, as a table.
    static func stressSet(stars count: Int = defaultStressStars, details: StressDetails? = nil, report: (Figure) -> Void) throws {
        let set = StressSet(seed: 1)
        details?.line(
            ["kind", "cadence", "star", "period_d", "amplitude", "white", "red", "red_tau_h", "roll", "noise_scale", "time",
             "snr", "flare_amplitude", "points_n1", "fwhm_min", "rise_min", "decay_min", "dchi2_flare", "dchi2_bump", "ed_ratio", "vetting_or_why_missed"]
                .joined(separator: "\t"))
        let injection = InjectionRecovery(search: FlareSearch(parameters: .standard))
        var all: [StressOutcome] = []
        for (c, cadence) in StressSet.Cadence.allCases.enumerated() {
            var outcome = StressOutcome(label: cadence.rawValue)
            for index in 0..<count {
                let star = set.star(index, cadence: cadence)
                let result = try injection.run(
                    on: star.band, count: stressFlaresPerStar, seed: UInt64(1_000 * c + index + 1))
                outcome.add(result, baseline: star.band.lightcurve.baseline)
                if let details { stressDetails(star, result: result, details: details) }
            }
            stressFigures(outcome, report: report)
            all.append(outcome)
        }
        stressFigures(StressOutcome.combined(all, label: "all cadences"), report: report)
    }

    /// The details lines of one star (see ``stressSet(stars:details:report:)``).
    static func stressDetails(_ star: StressSet.Star, result: InjectionRecoveryResult, details: StressDetails) {
        let p = star.parameters
        let lc = star.band.lightcurve
        let finder = FlareSearch.Parameters.standard.finder(cadence: lc.medianCadence ?? .infinity)
        let search = finder.search(lc, exposureSeconds: star.band.exposureSeconds)
        func line(_ kind: String, _ fields: [String]) {
            let head = [
                kind, p.cadence.rawValue, "\(p.index)", String(format: "%.3f", p.rotationPeriod), String(format: "%.4f", p.amplitude),
                String(format: "%.2e", p.whiteNoise), String(format: "%.2e", p.redNoise), String(format: "%.1f", p.redNoiseTimescale * 24),
                p.rollAmplitude.map { String(format: "%.4f", $0) } ?? "-", String(format: "%.2f", search.noiseScale),
            ]
            details.line((head + fields).joined(separator: "\t"))
        }
        if !search.flares.isEmpty, let save = details.lightcurve {
            // The flare-free light curve as a table `report lightcurve FILE --time-system BTJD` reads.
            var text = "time,flux,flux_err\n"
            for i in lc.time.indices { text += "\(lc.time[i]),\(lc.flux[i]),\(lc.fluxError[i])\n" }
            save("\(p.cadence.rawValue.replacingOccurrences(of: " ", with: ""))-\(p.index).csv", text)
        }
        /// Time, S/N (a detection's significance, an injected flare's peak S/N), amplitude, then the
        /// vetting columns: points above N1, FWHM (the fitted one, else `fwhm`), rise, decay, both Δχ²,
        /// a recovered flare's recovered/injected ED, and the quick look's clause
        /// (``QuickLook/vettingText(_:)``) after the peak significance (else `why`).
        func fields(time: Double, snr: Double, amplitude: Double, _ v: FlareVetting?, fwhm: Double? = nil, edRatio: Double? = nil,
                    why: String = "-") -> [String] {
            [String(format: "%.4f", time), String(format: "%.1f", snr), String(format: "%.2e", amplitude),
             v.map { "\($0.pointsAboveThreshold)" } ?? "-",
             (v?.templateFWHM ?? fwhm).map { String(format: "%.1f", $0 * 1440) } ?? "-",
             v.map { String(format: "%.1f", $0.riseTime * 1440) } ?? "-", v.map { String(format: "%.1f", $0.decayTime * 1440) } ?? "-",
             v.map { String(format: "%.1f", $0.templateDeltaChiSquare) } ?? "-",
             v.map { String(format: "%.1f", $0.symmetricDeltaChiSquare) } ?? "-", edRatio.map { String(format: "%.3f", $0) } ?? "-",
             v.map { String(format: "%.1fσ, ", $0.peakSignificance) + QuickLook.vettingText($0).trimmingCharacters(in: .whitespaces) } ?? why]
        }
        for d in search.flares {
            line("false_positive", fields(time: d.peakTime, snr: d.significance, amplitude: d.amplitude, d.vetting))
        }
        // What true flares look like to the same vetting (the recovered ones of S/N ≥ 5).
        for f in result.flares where f.isRecovered && f.snr >= 5 {
            line("recovered", fields(time: f.peakTime, snr: f.snr, amplitude: f.amplitude, f.recoveredVetting,
                                     edRatio: f.recoveredED.map { $0 / f.injectedED }))
        }
        // A missed flare has no vetting of its own: its injected FWHM, then why it was missed.
        for f in result.flares where !f.isRecovered && f.snr >= 5 {
            line("missed", fields(time: f.peakTime, snr: f.snr, amplitude: f.amplitude, nil, fwhm: f.fwhm,
                                  why: missedDiagnosis(f, star: star, finder: finder)))
        }
    }

    /// Why a missed flare was missed, seen with that flare alone injected into the star: the largest
    /// significance near its peak, the points at or above N1 there, the σ factor of that search, and
    /// what happened to a candidate there (turned down and why, or found: then it was lost among the
    /// trial's other flares).
    static func missedDiagnosis(_ f: InjectionRecoveryResult.Flare, star: StressSet.Star, finder: FlareFinder) -> String {
        let lc = star.band.lightcurve
        let exposure = star.band.exposureSeconds / 86_400
        let level = Statistics.median(lc.flux.filter(\.isFinite)) ?? 1
        let flux = InjectionRecovery(search: FlareSearch(parameters: .standard)).flux(of: lc, adding: [f], level: level, exposure: exposure)
        let injected = lc.replacingFlux(flux, note: "the missed flare injected alone")
        let search = finder.search(injected, exposureSeconds: star.band.exposureSeconds)
        let near = (f.peakTime - max(exposure, f.fwhm))...(f.peakTime + 3 * f.fwhm + exposure)
        let indices = lc.time.indices.filter { near.contains(lc.time[$0]) }
        let peak = indices.map { search.significance[$0] }.filter { $0.isFinite }.max() ?? .nan
        let above = indices.filter { search.significance[$0] >= finder.n1 }.count
        let outcome: String
        if search.flares.contains(where: { $0.start...$0.stop ~= f.peakTime || near.contains($0.peakTime) }) {
            outcome = "found alone"
        } else if let r = search.rejected.first(where: { near.contains($0.candidate.peakTime) }) {
            outcome = "rejected: \(r.reason.rawValue)" + (r.candidate.vetting.map { " (" + QuickLook.vettingText($0).trimmingCharacters(in: .whitespaces) + ")" } ?? "")
        } else {
            outcome = "no candidate"
        }
        return String(format: "max %.1fσ, %d ≥ N1, σ × %.2f, ", peak, above, search.noiseScale) + outcome
    }

    /// The five figures of one group of stress light curves.
    static func stressFigures(_ outcome: StressOutcome, report: (Figure) -> Void) {
        let label = "stress \(outcome.label)"
        let k = outcome.falsePositives
        let perCurve = outcome.exposure > 0 ? Double(k) / outcome.exposure : .nan
        let limit = outcome.exposure > 0 ? poissonUpperLimit95(k) / outcome.exposure : .nan
        report(
            Figure(
                name: "\(label): false positives", value: perCurve, unit: "per LC per 27 d",
                note: "\(k) in \(outcome.lightcurves) flare-free light curves (\(outcome.lightcurvesWithFalsePositives) with any)"
                    + (k == 0 ? String(format: ", 95 %% upper limit %.3g", limit) : ""),
                goal: .atMost(0.02)))
        guard let result = outcome.result else { return }
        let goals: [(Double, Goal)] = [(2, .atLeast(35)), (5, .atLeast(90)), (10, .atLeast(99))]
        for bin in result.bins {
            guard let goal = goals.first(where: { $0.0 == bin.snrMin })?.1 else { continue }
            let range = bin.snrMax.map { String(format: "%g–%g", bin.snrMin, $0) } ?? String(format: "> %g", bin.snrMin)
            report(
                Figure(
                    name: "\(label): recovered at S/N \(range)", value: bin.fraction.map { 100 * $0 } ?? .nan, unit: "%",
                    note: "\(bin.recovered) of \(bin.injected)", goal: goal))
        }
        let ratios = result.flares.filter { $0.snr > 10 && $0.isRecovered }.count
        report(
            Figure(
                name: "\(label): median ED ratio at S/N > 10", value: result.medianEDRatio(aboveSNR: 10) ?? .nan,
                unit: "recovered/injected", note: "\(ratios) recovered flares", goal: .near(1, tolerance: 0.05)))
    }

    /// Rough one-sided 95 % upper limit on a Poisson mean after observing `k` events (Gehrels 1986,
    /// ApJ 303, 336, Eq. 9 with S = 1.645; 2.97 for k = 0, exact 3.00).
    static func poissonUpperLimit95(_ k: Int) -> Double {
        let n = Double(k + 1)
        return n * pow(1 - 1 / (9 * n) + 1.645 / (3 * n.squareRoot()), 3)
    }

    /// What the stress set gave for a group of light curves.
    struct StressOutcome {
        var label: String
        var lightcurves = 0
        var lightcurvesWithFalsePositives = 0
        var falsePositives = 0
        /// Observed span in units of 27 days, summed over light curves.
        var exposure = 0.0
        var result: InjectionRecoveryResult?

        mutating func add(_ run: InjectionRecoveryResult, baseline: Double) {
            lightcurves += 1
            falsePositives += run.baselineDetections
            lightcurvesWithFalsePositives += run.baselineDetections > 0 ? 1 : 0
            exposure += baseline / 27
            result = InjectionRecoveryResult.combined([result, run].compactMap { $0 })
        }

        static func combined(_ outcomes: [StressOutcome], label: String) -> StressOutcome {
            var total = StressOutcome(label: label)
            for o in outcomes {
                total.lightcurves += o.lightcurves
                total.lightcurvesWithFalsePositives += o.lightcurvesWithFalsePositives
                total.falsePositives += o.falsePositives
                total.exposure += o.exposure
            }
            total.result = InjectionRecoveryResult.combined(outcomes.compactMap(\.result))
            return total
        }
    }
}
