import Foundation

/// Injection–recovery of synthetic flares on any light curve, at controlled signal-to-noise.
///
/// Measures what a ``FlareSearch`` finds, treating it as a black box: flares are added to the
/// light curve, the search runs through ``FlareSearch/analyze(_:)`` (in simulation mode), and its
/// detections are matched to the flares. Whatever detrending and criteria the search uses are
/// measured as they are.
///
/// **Flares.** Davenport et al. (2014, ApJ 797, 122) flares, each point receiving the template
/// averaged over the band's exposure (``FlareTemplate/value(at:peak:fwhm:amplitude:exposure:)``), times
/// the light curve's median flux (so relative and absolute fluxes work alike). The FWHM is
/// log-uniform in 2–60 minutes, but never below a third of the exposure (a 29.4-minute Kepler
/// cadence gets 9.8–60 minutes): shorter flares fall into one or two points, where a search requiring
/// consecutive points cannot work at any S/N, and would only measure that limit.
///
/// **Signal-to-noise.** Each flare is given a target peak S/N, log-uniform in 1–100, and its
/// amplitude is set to reach it:
///
///     S/N = maxᵢ xᵢ / σ,
///
/// the largest relative excess xᵢ the flare adds to any point (as sampled and exposure-averaged:
/// the brightest point a person would see), over the white noise σ. This is the number the
/// per-point criteria (N1 σ) are set against; a matched-filter S/N √(Σᵢ (xᵢ/σ)²) is larger for long
/// flares and would count as "S/N 7" a flare no point of which stands 2σ out of the noise. σ is the light
/// curve's white noise, estimated robustly from first differences of the relative flux (flux over its
/// median), σ = 1.4826 · MAD(Δf) / √2 — insensitive to slow trends (rotation) and to a few outliers
/// (flares), but it does not see red noise, which therefore costs recovery as it does in real data.
/// Because S/N, not amplitude, is drawn, every S/N bin gets flares whatever the noise.
///
/// **Trials.** Flares are injected in batches: within a trial, peaks are at least
/// max(0.5 d, 40 × the larger FWHM) apart and there is at most one flare per day of data, so flares
/// never overlap; trials are added until `count` flares are in. Peaks are drawn at a random point
/// ± half a cadence (or ± 2 FWHM if less), so they follow the data. A flare's FWHM and S/N are drawn
/// once and kept until a place is found for it (in the next trial if this one has none left): drawn
/// again at every rejected place, the flares that are easy to place — short ones — were favoured,
/// and more so the denser the trials (the placement alone, simulated: 48 % of the flares above the
/// geometric-mean FWHM at one flare per 2 days, 41 % at one per day, where half were drawn; short
/// flares of a given peak S/N have fewer points and are found less often). On the TESS s5 sector
/// (8 seeds × 3,000 flares) trials twice as dense as before (one flare per day, 0.5 d apart, instead
/// of one per 2 days, 1 d apart) then recovered 42.9 % at S/N 2–5 against 46.5 %; with the draws
/// kept, 46.1 % against 46.5 %, at 1.7 times the speed. A draw that has no place even in an empty
/// trial is left out, counted (``InjectionRecoveryResult/unplaced``) and replaced by a new draw: the
/// flares measured are those this light curve has room for. All trials are placed first, then
/// searched concurrently on the available cores; the draws never depend on a search, so the outcome
/// is the same on one core or many.
///
/// **Matching.** A detection recovers a flare when the detection's span widened by
/// max(FWHM, one exposure, 2 minutes) on each side contains the peak (``FlareSimulator/recovers(_:_:)``
/// with the exposure added, so a flare peaking late in a long cadence still matches). Of several
/// matching detections the one whose peak is nearest counts; its ED over the injected template's ED
/// is the ED ratio.
///
/// **Detections already there.** The light curve is searched once without injections. Its
/// detections — real flares or false positives — are *baseline* detections: no flare is injected
/// whose [peak − 2 FWHM, peak + 40 FWHM] comes within 0.1 d of one, and detections in a trial that
/// overlap a baseline detection (widened by 0.1 d) are ignored, so they never count as recoveries.
/// Trial detections that match neither a flare nor a baseline detection are counted as spurious.
///
/// ```swift
/// let run = InjectionRecovery(search: FlareSearch(parameters: .standard))
/// let result = try run.run(on: band, count: 200, seed: 1)
/// print(result.fraction, result.bins.map(\.fraction))
/// ```
public struct InjectionRecovery: Sendable {
    public struct Parameters: Sendable, Codable, Hashable {
        public var template: FlareTemplate
        /// Target peak S/N range (drawn log-uniform).
        public var snr: ClosedRange<Double>
        /// FWHM range, minutes (drawn log-uniform; the lower end is raised to a third of the exposure).
        public var fwhmMinutes: ClosedRange<Double>
        /// Minimum separation of flare peaks within a trial, days (also at least 40 FWHM).
        public var separation: Double
        /// Days of data per injected flare in one trial (at most one flare per this many days).
        public var daysPerFlare: Double
        /// Flares needing a peak amplitude above this (relative) are not injected (sparse data).
        public var maximumAmplitude: Double

        public init(
            template: FlareTemplate = .davenport2014, snr: ClosedRange<Double> = 1...100,
            fwhmMinutes: ClosedRange<Double> = 2...60, separation: Double = 0.5, daysPerFlare: Double = 1,
            maximumAmplitude: Double = 10
        ) {
            self.template = template
            self.snr = snr
            self.fwhmMinutes = fwhmMinutes
            self.separation = separation
            self.daysPerFlare = daysPerFlare
            self.maximumAmplitude = maximumAmplitude
        }

        public static let standard = Parameters()
    }

    public var search: FlareSearch
    public var parameters: Parameters

    public init(search: FlareSearch, parameters: Parameters = .standard) {
        self.search = search
        self.parameters = parameters
    }

    /// Places tried for one flare in a trial that holds others before it waits for the next (ten times
    /// as many in an empty trial before it is left out).
    static let placesTried = 200
    /// Draws left out in a row after which a run gives up placing more (the light curve has room for
    /// almost none).
    static let unplacedInARowLimit = 200
    /// Draws in a row that may find no place in a trial before it is closed (they wait for the next).
    static let drawsWaitingPerTrial = 20
    /// A flare's FWHM (days) and target peak S/N, as drawn.
    typealias Draw = (fwhm: Double, snr: Double)

    /// Robust white-noise σ of a relative flux: 1.4826 · MAD of first differences / √2.
    public static func whiteNoise(of flux: [Double]) -> Double? {
        guard flux.count > 2 else { return nil }
        let differences = (1..<flux.count).map { flux[$0] - flux[$0 - 1] }.filter(\.isFinite)
        return Statistics.robustSigma(differences).map { $0 / 2.0.squareRoot() }
    }

    /// Injects `count` flares into `band` in trials, searches each trial and matches.
    /// - Parameters:
    ///   - band: any light curve (real or synthetic), sorted.
    ///   - count: flares to inject in total.
    ///   - seed: seeds every draw (the band name is part of the stream).
    /// - Returns: per-flare outcomes and their summary.
    /// - Throws: what the search throws.
    public func run(on band: BandLightcurve, count: Int, seed: UInt64) throws -> InjectionRecoveryResult {
        let clock = DispatchTime.now().uptimeNanoseconds
        let lc = band.lightcurve
        let entry = CatalogEntry(id: "injection-recovery", ra: 0, dec: 0)
        let baseline = try search.analyze(AnalysisInput(entry: entry, bands: [band], mode: .simulation)).detections
            .filter { $0.band == lc.band }
        let level = Statistics.median(lc.flux.filter(\.isFinite)) ?? 1
        let sigma = level > 0 ? Self.whiteNoise(of: lc.flux.map { $0 / level }) ?? 0 : 0
        var outcome = InjectionRecoveryResult(
            band: lc.band, seed: seed, whiteNoise: sigma, baselineDetections: baseline.count, flares: [],
            trials: 0, spuriousDetections: 0, unplaced: 0, seconds: 0)
        guard lc.count > 2, level > 0, sigma > 0, count > 0 else {
            outcome.seconds = Self.seconds(since: clock)
            return outcome
        }

        var g = SeededGenerator(seed: seed, stream: "injection|\(lc.band)")
        let exposure = max(0, band.exposureSeconds) / 86_400
        let excluded = baseline.map { ($0.start - 0.1)...($0.stop + 0.1) }
        // Place every trial's flares first (the draws never depend on what a search finds), then
        // search the trials concurrently: the outcome is the same on any number of cores.
        let (trials, unplaced) = plan(count: count, on: band, sigma: sigma, exposure: exposure, excluded: excluded, using: &g)

        // Each trial's flares with their recovered EDs, and its detections that matched nothing.
        let outcomes = Locked([Int: Swift.Result<(flares: [InjectionRecoveryResult.Flare], spurious: Int), Error>]())
        DispatchQueue.concurrentPerform(iterations: trials.count) { trial in
            let result = Swift.Result { try self.trial(trials[trial], number: trial, on: band, level: level, exposure: exposure, excluded: excluded) }
            outcomes.withLock { $0[trial] = result }
        }
        var flares: [InjectionRecoveryResult.Flare] = []
        var spurious = 0
        for trial in trials.indices {
            guard let result = outcomes.withLock({ $0[trial] }) else { continue }
            let (found, unmatched) = try result.get()
            flares += found
            spurious += unmatched
        }
        outcome.flares = flares
        outcome.trials = trials.count
        outcome.spuriousDetections = spurious
        outcome.unplaced = unplaced
        outcome.seconds = Self.seconds(since: clock)
        return outcome
    }

    /// Every trial's flares, placed before any is searched, and the number of draws left out
    /// (``InjectionRecoveryResult/unplaced``).
    private func plan(
        count: Int, on band: BandLightcurve, sigma: Double, exposure: Double, excluded: [ClosedRange<Double>],
        using g: inout SeededGenerator
    ) -> (trials: [[InjectionRecoveryResult.Flare]], unplaced: Int) {
        let lc = band.lightcurve
        let cadence = lc.medianCadence ?? exposure
        let observed = lc.segments(maxGap: 0.5).reduce(0.0) { $0 + lc.time[$1.upperBound - 1] - lc.time[$1.lowerBound] }
        let perTrial = max(1, Int(observed / parameters.daysPerFlare))
        let fwhmLow = min(max(parameters.fwhmMinutes.lowerBound, band.exposureSeconds / 180), parameters.fwhmMinutes.upperBound)
        let fwhmRange = fwhmLow...parameters.fwhmMinutes.upperBound
        var trials: [[InjectionRecoveryResult.Flare]] = []
        var placed = 0
        /// One flare of this FWHM and S/N placed among `planned`, or nil if none of `placesTried`
        /// random places suits it (ten times as many in an empty trial, before it is left out: on a
        /// flare star the stretches clear of its own flares can be few).
        func place(_ draw: Draw, among planned: [InjectionRecoveryResult.Flare], trial: Int) -> InjectionRecoveryResult.Flare? {
            let (fwhm, snr) = draw
            // No point of a flare reaches more than its peak: a draw that needs more than the largest
            // amplitude even there has no place anywhere.
            guard snr * sigma <= parameters.maximumAmplitude else { return nil }
            for _ in 0..<(planned.isEmpty ? 10 : 1) * Self.placesTried {
                let anchor = lc.time[Int(g.uniform() * Double(lc.count))]
                let peak = anchor + g.uniform(-1...1) * min(cadence / 2, 2 * fwhm)
                let reach = (peak - 2 * fwhm)...(peak + 40 * fwhm)
                guard !excluded.contains(where: { $0.overlaps(reach) }) else { continue }
                guard planned.allSatisfy({ abs($0.peakTime - peak) >= max(parameters.separation, 40 * max(fwhm, $0.fwhm)) })
                else { continue }
                // Brightest sampled point of a unit-amplitude flare here, then the amplitude that reaches the target.
                var unit = 0.0
                for i in window(of: peak, fwhm: fwhm, exposure: exposure, in: lc.time) {
                    unit = max(unit, parameters.template.value(at: lc.time[i], peak: peak, fwhm: fwhm, amplitude: 1, exposure: exposure))
                }
                guard unit > 0 else { continue }
                let amplitude = snr * sigma / unit
                guard amplitude <= parameters.maximumAmplitude else { continue }
                return .init(
                    trial: trial, peakTime: peak, fwhm: fwhm, amplitude: amplitude, snr: snr,
                    injectedED: parameters.template.equivalentDuration(amplitude: amplitude, fwhmDays: fwhm), recoveredED: nil)
            }
            return nil
        }
        // A flare's FWHM and S/N are drawn once and kept until a place is found for it: drawing them
        // again at every rejected place would favour the flares easiest to place (short ones, whose
        // 40 FWHM fit between the others) and bias recovery low. A draw that finds no place in a trial
        // already holding flares waits for the next trial, where it is tried first; one that finds none
        // in an empty trial cannot be placed in this light curve at all and is left out
        // (``InjectionRecoveryResult/unplaced``). A trial is closed when `perTrial` flares are in, when
        // `drawsWaitingPerTrial` draws in a row found no place in it, or when every flare still to be
        // placed is waiting for the next. After `unplacedInARowLimit` draws in a row left out, the run
        // gives up (the light curve has room for almost none): the draws still waiting count as left
        // out. (A loop that ends there leaves the trial it was filling empty, which ends the run.)
        var waiting: [Draw] = []
        var unplaced = 0, unplacedInARow = 0
        while placed < count {
            let trial = trials.count
            var planned: [InjectionRecoveryResult.Flare] = []
            var queue = waiting[...]
            var next: [Draw] = []
            var failures = 0
            while planned.count < min(perTrial, count - placed) && failures < Self.drawsWaitingPerTrial
                && unplacedInARow < Self.unplacedInARowLimit
            {
                let draw: Draw
                if let first = queue.popFirst() {
                    draw = first
                } else if placed + planned.count + next.count < count {
                    draw = (g.logUniform(fwhmRange) / 1440, g.logUniform(parameters.snr))
                } else {
                    break
                }
                if let flare = place(draw, among: planned, trial: trial) {
                    planned.append(flare)
                    failures = 0
                    unplacedInARow = 0
                } else if planned.isEmpty {
                    unplaced += 1
                    unplacedInARow += 1
                } else {
                    next.append(draw)
                    failures += 1
                }
            }
            waiting = next + queue
            if planned.isEmpty { break }
            trials.append(planned)
            placed += planned.count
        }
        if placed < count { unplaced += waiting.count }

        return (trials, unplaced)
    }

    /// Injects one trial's flares into `band`, searches it and matches the detections: the flares with
    /// their recovered EDs, and the number of detections that matched neither a flare nor a baseline
    /// detection.
    private func trial(
        _ planned: [InjectionRecoveryResult.Flare], number trial: Int, on band: BandLightcurve, level: Double, exposure: Double,
        excluded: [ClosedRange<Double>]
    ) throws -> (flares: [InjectionRecoveryResult.Flare], spurious: Int) {
        let lc = band.lightcurve
        let flux = flux(of: lc, adding: planned, level: level, exposure: exposure)
        var injected = band
        injected.lightcurve = lc.replacingFlux(flux, note: "\(planned.count) \(parameters.template.rawValue) flares injected (trial \(trial))")
        let entry = CatalogEntry(id: "injection-recovery", ra: 0, dec: 0)
        let found = try search.analyze(AnalysisInput(entry: entry, bands: [injected], mode: .simulation)).detections
            .filter { d in d.band == lc.band && !excluded.contains { $0.overlaps(d.start...d.stop) } }
        var used = Set<Int>()
        var flares: [InjectionRecoveryResult.Flare] = []
        for var f in planned {
            let pad = max(f.fwhm, exposure, 2.0 / 1440)
            let matches = found.indices.filter { f.peakTime >= found[$0].start - pad && f.peakTime <= found[$0].stop + pad }
            if let best = matches.min(by: { abs(found[$0].peakTime - f.peakTime) < abs(found[$1].peakTime - f.peakTime) }) {
                f.recoveredED = found[best].equivalentDuration
                f.recoveredVetting = found[best].vetting
                used.formUnion(matches)
            }
            flares.append(f)
        }
        return (flares, found.count - used.count)
    }

    /// The flux of `lc` with `flares` added: each point gets the template averaged over its exposure
    /// (days), times `level` (the quiescent flux the flares' relative amplitudes refer to).
    public func flux(of lc: Lightcurve, adding flares: [InjectionRecoveryResult.Flare], level: Double, exposure: Double) -> [Double] {
        var flux = lc.flux
        for f in flares {
            for i in window(of: f.peakTime, fwhm: f.fwhm, exposure: exposure, in: lc.time) {
                flux[i] += level * parameters.template.value(
                    at: lc.time[i], peak: f.peakTime, fwhm: f.fwhm, amplitude: f.amplitude, exposure: exposure)
            }
        }
        return flux
    }

    /// Indices of the points a flare can reach: exposures overlapping [peak − FWHM, peak + 40 FWHM]
    /// (the template is zero before −FWHM and below 2 × 10⁻⁶ of its peak after 40 FWHM).
    private func window(of peak: Double, fwhm: Double, exposure: Double, in time: [Double]) -> Range<Int> {
        Statistics.lowerBound(time, peak - fwhm - exposure / 2)..<Statistics.lowerBound(time, peak + 40 * fwhm + exposure / 2)
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// What an injection–recovery run found: each flare's outcome and the summary figures.
public struct InjectionRecoveryResult: Sendable, Codable, Hashable {
    /// One injected flare and whether (with what ED) it was recovered.
    public struct Flare: Sendable, Codable, Hashable {
        public var trial: Int
        public var peakTime: Double
        /// FWHM, days.
        public var fwhm: Double
        /// Peak relative amplitude.
        public var amplitude: Double
        /// Target peak S/N of the injected flare (its brightest point's excess over the white noise).
        public var snr: Double
        /// ED of the injected template, seconds.
        public var injectedED: Double
        /// ED of the detection that recovered it, seconds (nil: not recovered).
        public var recoveredED: Double?
        /// The vetting numbers of the detection that recovered it (nil: not recovered, or the search
        /// gives none): what true flares look like to the vetting, beside what false positives do.
        public var recoveredVetting: FlareVetting?

        public var isRecovered: Bool { recoveredED != nil }
    }

    /// Recovery in one S/N bin.
    public struct Bin: Sendable, Codable, Hashable {
        public var snrMin: Double
        /// Upper edge (nil: no upper edge).
        public var snrMax: Double?
        public var injected: Int
        public var recovered: Int
        /// Recovered over injected (nil when none were injected).
        public var fraction: Double? { injected > 0 ? Double(recovered) / Double(injected) : nil }
    }

    /// Edges of the S/N bins: < 2, 2–5, 5–10, > 10.
    public static let binEdges: [Double] = [0, 2, 5, 10]

    public var band: String
    public var seed: UInt64
    /// The light curve's white-noise σ (relative) the S/N refers to.
    public var whiteNoise: Double
    /// Detections of the search in the light curve without injections.
    public var baselineDetections: Int
    public var flares: [Flare]
    public var trials: Int
    /// Detections in trials that matched neither an injected flare nor a baseline detection.
    public var spuriousDetections: Int
    /// Drawn flares for which no place was found even in an empty trial (too long for the data
    /// between the baseline detections, or, in sparse data, needing more than the largest
    /// amplitude): left out and replaced by new draws. After 200 of them in a row
    /// (``InjectionRecovery/unplacedInARowLimit``) the run stops
    /// placing, and `injected` falls short of the count asked for (the draws still waiting for a
    /// trial are then counted here too).
    public var unplaced: Int
    /// Wall-clock time of the run (baseline search included), seconds.
    public var seconds: Double

    public var injected: Int { flares.count }
    public var recovered: Int { flares.filter(\.isRecovered).count }
    public var fraction: Double? { injected > 0 ? Double(recovered) / Double(injected) : nil }

    /// Recovery per S/N bin (``binEdges``).
    public var bins: [Bin] {
        Self.binEdges.indices.map { k in
            let lo = Self.binEdges[k]
            let hi = k + 1 < Self.binEdges.count ? Self.binEdges[k + 1] : nil
            let inside = flares.filter { f in f.snr >= lo && (hi.map { f.snr < $0 } ?? true) }
            return Bin(snrMin: lo, snrMax: hi, injected: inside.count, recovered: inside.filter(\.isRecovered).count)
        }
    }

    /// Median of recovered ED / injected ED over recovered flares with S/N above `snr` (nil: none).
    public func medianEDRatio(aboveSNR snr: Double = 10) -> Double? {
        Statistics.median(flares.filter { $0.snr > snr }.compactMap { f in f.recoveredED.map { $0 / f.injectedED } })
    }

    /// Several runs as one (flares concatenated, counts and times added); the band and seed of the first.
    public static func combined(_ results: [InjectionRecoveryResult]) -> InjectionRecoveryResult? {
        guard var total = results.first else { return nil }
        for r in results.dropFirst() {
            total.flares += r.flares
            total.trials += r.trials
            total.baselineDetections += r.baselineDetections
            total.spuriousDetections += r.spuriousDetections
            total.unplaced += r.unplaced
            total.seconds += r.seconds
        }
        if Set(results.map(\.band)).count > 1 { total.band = results.map(\.band).joined(separator: ", ") }
        return total
    }
}
