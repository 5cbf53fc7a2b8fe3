import Core
import Foundation
import Logging

extension Benchmarks {
    /// What ``scale(sources:jobs:folder:templates:report:)`` measured.
    public struct ScaleResult: Sendable {
        public var sources: Int
        public var cacheSeconds: Double
        public var runSeconds: Double
        public var renderSeconds: Double
        /// Peak resident memory of the process after each phase, bytes (``peakMemory()``).
        public var peakAfterCache: Int64
        public var peakAfterRun: Int64
        public var peakAfterRender: Int64
        /// The report: index, data files, figures, source pages, style and script.
        public var reportBytes: Int64
        public var reportFiles: Int
        /// The whole run folder: the report, the database and the light-curve products.
        public var runFolderBytes: Int64
        public var detections: Int
        public var injections: Int
        public var recovered: Int
        public var runDirectory: URL
    }

    /// The light curves of the scale benchmark: one TESS-like sector of this many 2-minute cadences per star.
    public static let scaleCadences = 2_000
    /// Injected flares per light curve, on average (Poisson).
    public static let scaleInjections = 10.0

    /// `report bench --scale N`: the synthetic survey with N stars of small light curves (one TESS
    /// sector of 2,000 two-minute cadences, 10 injected flares each on average), end to end in this
    /// process: the raw cache filled by a prefetch (synthetic files written), the run (cache →
    /// database, `jobs` sources at once) and the report rendered. Prints sources per second, peak
    /// memory after each phase and the size of the report and of the run folder.
    public static func scale(
        sources n: Int, jobs: Int?, folder: URL, templates: URL, report: (Figure) -> Void
    ) throws -> ScaleResult {
        var logger = Logger(label: "virtualobserver.bench")
        logger.logLevel = .warning
        let seed: UInt64 = 1
        let catalog = try SyntheticSurvey.mDwarfCatalog(count: n, seed: seed)
        let observatories: [any VirtualObservatory] = [SyntheticSurvey(.tess, seed: seed, tessCadences: scaleCadences)]
        let days = Double(scaleCadences) * 2 / 1440
        let search = FlareSearch(parameters: .standard)
        let injection = FlareSimulator(
            parameters: .init(ratePerDay: scaleInjections / days, amplitude: 0.003...1.0, fwhmMinutes: 2...60))
        func notebook(prefetch: Bool) -> Notebook {
            Notebook(
                name: "scale", title: "Scale benchmark: \(n) synthetic stars",
                settings: RunSettings(output: folder.path, seed: seed, jobs: jobs, prefetch: prefetch), defaultSeed: seed,
                logger: logger)
        }

        let prefetching = notebook(prefetch: true)
        let cacheSeconds = try measure {
            _ = try blocking {
                try await prefetching.run(catalog: catalog, observatories: observatories, analysis: search, simulator: injection)
            }
        }
        let peakAfterCache = peakMemory()
        var summary: RunSummary?
        let running = notebook(prefetch: false)
        let runSeconds = try measure {
            summary = try blocking {
                try await running.run(catalog: catalog, observatories: observatories, analysis: search, simulator: injection)
            }
        }
        let peakAfterRun = peakMemory()
        guard let summary else { throw BenchError.noRun }
        let renderSeconds = try measure { _ = try RunRenderer(runDirectory: summary.runDirectory, templates: templates, logger: logger).render() }
        let peakAfterRender = peakMemory()

        let reportParts = ["index.html", "style.css", "report.js", "data", "figures", "sources"]
        var reportBytes: Int64 = 0
        var reportFiles = 0
        for part in reportParts {
            let (bytes, files) = size(of: summary.runDirectory.appendingPathComponent(part))
            reportBytes += bytes
            reportFiles += files
        }
        let result = ScaleResult(
            sources: n, cacheSeconds: cacheSeconds, runSeconds: runSeconds, renderSeconds: renderSeconds,
            peakAfterCache: peakAfterCache, peakAfterRun: peakAfterRun, peakAfterRender: peakAfterRender,
            reportBytes: reportBytes, reportFiles: reportFiles, runFolderBytes: size(of: summary.runDirectory).bytes,
            detections: summary.detections, injections: summary.injections, recovered: summary.recovered,
            runDirectory: summary.runDirectory)

        let cores = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let endToEnd = runSeconds + renderSeconds
        let label = "\(n) sources"
        report(Figure(name: "\(label): cache filled (synthetic files)", value: cacheSeconds, unit: "s",
                      note: String(format: "%.0f sources/s; prefetch, %d at once", Double(n) / cacheSeconds, cores)))
        report(Figure(name: "\(label): run, cache → database", value: runSeconds, unit: "s",
                      note: String(format: "%.0f sources/s on %d jobs; %d detections, %d/%d injections recovered",
                                   Double(n) / runSeconds, cores, result.detections, result.recovered, result.injections)))
        if let stages = summary.stages { report(Figure(name: "\(label): run, time per stage", value: .nan, unit: "", note: stages)) }
        report(Figure(name: "\(label): report rendered", value: renderSeconds, unit: "s",
                      note: "\(result.reportFiles) files"))
        report(Figure(name: "\(label): end to end, cache → report", value: endToEnd, unit: "s",
                      note: String(format: "%.0f sources/s", Double(n) / endToEnd),
                      goal: .atMost(60 * Double(n) / 10_000)))
        report(Figure(name: "\(label): peak memory after the run", value: Double(peakAfterRun) / 1e6, unit: "MB",
                      note: String(format: "after filling the cache %.0f MB", Double(peakAfterCache) / 1e6)))
        report(Figure(name: "\(label): peak memory after rendering", value: Double(peakAfterRender) / 1e6, unit: "MB",
                      note: "the index holds every source and real detection; pages and sums are read per page or in SQL"))
        report(Figure(name: "\(label): report size", value: Double(reportBytes) / 1e6, unit: "MB",
                      note: "index, tables' data, figures and pages of at most 1,000 sources"))
        report(Figure(name: "\(label): run folder size", value: Double(result.runFolderBytes) / 1e6, unit: "MB",
                      note: "report + run.sqlite + every source's calibrated light curve and injections"))
        return result
    }

    enum BenchError: Error { case noRun }

    /// Peak resident memory of this process so far, bytes (`getrusage`; Linux gives kilobytes).
    public static func peakMemory() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int64(usage.ru_maxrss) * 1024
    }

    /// Bytes and files under a file or folder.
    static func size(of url: URL) -> (bytes: Int64, files: Int) {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder) else { return (0, 0) }
        guard isFolder.boolValue else {
            return (((try? fm.attributesOfItem(atPath: url.path)[.size]) as? NSNumber)?.int64Value ?? 0, 1)
        }
        var bytes: Int64 = 0
        var files = 0
        guard let paths = fm.enumerator(atPath: url.path) else { return (0, 0) }
        for case let path as String in paths {
            let full = url.appendingPathComponent(path).path
            guard let attributes = try? fm.attributesOfItem(atPath: full), attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            bytes += (attributes[.size] as? NSNumber)?.int64Value ?? 0
            files += 1
        }
        return (bytes, files)
    }

    /// Runs async work to completion from synchronous code (the benchmarks are a command-line tool).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let outcome: Result<T, Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
