import Foundation
import Logging

/// Processes one source end to end and stores the outcome; never throws — failures are recorded.
struct SourcePipeline<A: Analysis, S: Simulator>: Sendable {
    let runID: String
    let seed: UInt64
    let cache: RawCache
    let store: Store
    let observatories: [any VirtualObservatory]
    let analysis: A
    let simulator: S?
    let logger: Logger
    /// The run folder: each finished source's light curves and models go to its `lightcurves/`
    /// (``LightcurveProducts``); nil: not written.
    var runDirectory: URL? = nil
    /// Where the time goes, summed over sources (logged at the end of a run).
    var clock: StageClock? = nil

    /// Returns what the source gave, for the caller to store (``Store/record(_:runID:)``, in batches),
    /// or nil when it failed (the failure is already in the database).
    func process(entry: CatalogEntry, sourceID: Int64) async -> SourceOutcome? {
        var source = Source(entry: entry)
        for observatory in observatories {
            let files: [CachedFile]
            do {
                let started = StageClock.now()
                files = try await observatory.fetch(entry, into: cache, logger: logger)
                clock?.add(.fetch, since: started)
            } catch {
                return fail(sourceID, entry, stage: .fetch, observatory: observatory.name, error: error)
            }
            for file in files {
                do {
                    let started = StageClock.now()
                    source.add(try observatory.datasets(in: file, for: entry, cache: cache))
                    clock?.add(.link, since: started)
                } catch {
                    return fail(sourceID, entry, stage: .link, observatory: observatory.name, error: error)
                }
            }
        }
        let bands: [BandLightcurve]
        do {
            let started = StageClock.now()
            bands = try source.lightcurves(cache: cache)
            clock?.add(.load, since: started)
        } catch {
            return fail(sourceID, entry, stage: .load, observatory: nil, error: error)
        }
        do {
            var started = StageClock.now()
            let real = try analysis.analyze(AnalysisInput(entry: entry, bands: bands, mode: .real))
            clock?.add(.analyze, since: started)
            var outcome = SourceOutcome(
                sourceID: sourceID, datasets: source.datasets, statistics: real.statistics, detections: real.detections,
                injections: [], coverage: real.coverage)
            var cutouts: [InjectionProducts.Cutout] = []
            if let simulator {
                started = StageClock.now()
                cutouts = try simulate(simulator, entry: entry, bands: bands, into: &outcome)
                clock?.add(.simulate, since: started)
            }
            started = StageClock.now()
            if let runDirectory {
                try LightcurveProducts.write(
                    bands, models: real.models, source: entry, sourceID: sourceID, runID: runID,
                    to: LightcurveProducts.url(runDirectory: runDirectory, sourceID: sourceID))
                let injected = InjectionProducts.url(runDirectory: runDirectory, sourceID: sourceID)
                if cutouts.isEmpty {
                    try? FileManager.default.removeItem(at: injected)
                } else {
                    try InjectionProducts.write(cutouts, source: entry, sourceID: sourceID, runID: runID, to: injected)
                }
            }
            clock?.add(.products, since: started)
            return outcome
        } catch {
            return fail(sourceID, entry, stage: .analyze, observatory: nil, error: error)
        }
    }

    /// Injects events into every band, searches again, and matches what was found to what was injected.
    /// Detections of this pass that match no injection are the real events found again and are dropped.
    /// Returns, for every injection a detection recovered, what a figure of that detection needs (``InjectionProducts``).
    private func simulate(_ simulator: S, entry: CatalogEntry, bands: [BandLightcurve], into outcome: inout SourceOutcome)
        throws -> [InjectionProducts.Cutout]
    {
        var injectedBands = bands
        var injections: [Injection] = []
        for k in bands.indices {
            var generator = SeededGenerator(seed: seed, stream: "inject|\(entry.id)|\(bands[k].band)")
            let (lc, added) = try simulator.inject(
                into: bands[k].lightcurve, exposureSeconds: bands[k].exposureSeconds, using: &generator, firstID: injections.count)
            injectedBands[k].lightcurve = lc
            injections += added
        }
        guard !injections.isEmpty else { return [] }
        let found = try analysis.analyze(AnalysisInput(entry: entry, bands: injectedBands, mode: .simulation))
        let recovery = simulator.recovery(of: injections, in: found)
        let recovered = recovery.recovered
        var windows: [Int: [ClosedRange<Double>]] = [:]
        for (var detection, match) in recovery.detections {
            detection.simulated = true
            detection.injectionID = match
            outcome.detections.append(detection)
            if let band = bands.first(where: { $0.band == detection.band }) {
                windows[match, default: []].append(
                    DetectionWindow.cutout(
                        start: detection.start, stop: detection.stop, peak: detection.peakTime,
                        medianCadence: band.lightcurve.medianCadence))
            }
        }
        outcome.injections = injections.map {
            .init(injection: $0, recovered: recovered.contains($0.id), measured: recovery.measured[$0.id] ?? [:])
        }
        // Per-source sensitivity, per band: how many injected, how many found.
        for band in Set(injections.map(\.band)).sorted() {
            let mine = injections.filter { $0.band == band }
            let found = mine.filter { recovered.contains($0.id) }.count
            outcome.statistics += [
                Statistic("injected", band: band, value: Double(mine.count)),
                Statistic("recovered_fraction", band: band, value: Double(found) / Double(mine.count)),
            ]
        }
        // Cut-outs for the injections a detection recovered: what a simulated candidate's card draws.
        return injections.filter { windows[$0.id] != nil }.compactMap { injection in
            guard let band = bands.first(where: { $0.band == injection.band }) else { return nil }
            return InjectionProducts.Cutout(
                band: injection.band, injection: injection.id, lightcurve: band.lightcurve, windows: windows[injection.id] ?? [],
                signal: simulator.signal(of: injection, in: band.lightcurve, exposureSeconds: band.exposureSeconds),
                model: found.models[injection.band])
        }
    }

    private func fail(_ sourceID: Int64, _ entry: CatalogEntry, stage: FailureStage, observatory: String?, error: Error) -> SourceOutcome? {
        let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        logger.warning("source \(entry.name) failed at \(stage): \(message)")
        do {
            try store.recordFailure(
                FailureRecord(
                    id: nil, runId: runID, sourceId: sourceID, stage: stage, observatory: observatory,
                    path: (error as? FileError)?.path, message: message))
        } catch {
            logger.error("cannot record failure of \(entry.name): \(error)")
        }
        return nil
    }
}

/// An error that concerns one file; its path is recorded with the failure.
public protocol FileError: Error {
    var path: String? { get }
}

extension FITSError: FileError {}
