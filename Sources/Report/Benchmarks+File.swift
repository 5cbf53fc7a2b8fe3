import Core
import Foundation

extension Benchmarks {
    /// `report bench FILE`: how long the flare search and an injection–recovery take on one file.
    public struct FileBenchmark: Codable, Sendable {
        /// Good points searched, all bands.
        public var points: Int
        /// Median wall-clock time of one detrend + search of all bands, seconds.
        public var searchSeconds: Double
        /// Searches timed (the median is over these).
        public var searchRuns: Int
        public var injected: Int
        public var recovered: Int
        /// Wall-clock time of the injection–recovery (all bands, baseline searches included), seconds.
        /// Its trials run concurrently (``InjectionRecovery``).
        public var injectionSeconds: Double
        /// CPU time of the injection–recovery, all threads, seconds: injected / this is the rate on one core.
        public var injectionCPUSeconds: Double
        /// Cores the injection–recovery could use.
        public var cores: Int
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case points, injected, recovered, seed
            case searchSeconds = "search_seconds", searchRuns = "search_runs", injectionSeconds = "injection_seconds"
            case injectionCPUSeconds = "injection_cpu_seconds", cores
        }

        public var text: String {
            String(
                format:
                    "%d points: search %.4f s (median of %d), injection–recovery %d injected, %d recovered in %.2f s on %d cores (%.0f flares/s; %.0f flares/s per core) (seed %llu)",
                points, searchSeconds, searchRuns, injected, recovered, injectionSeconds, cores, Double(injected) / injectionSeconds,
                Double(injected) / injectionCPUSeconds, seed)
        }
    }

    /// Times, in this process, the flare search of `file` (``FlareSearch`` with `.standard`
    /// parameters on all its bands, as `report lightcurve` runs it; reading is not timed) and an
    /// injection–recovery of `inject` flares per band.
    /// - Parameters:
    ///   - timeSystem: the time system of a table whose time column does not say (as for `report lightcurve`).
    ///   - runs: searches to time; the median is reported (at least 5).
    public static func file(_ url: URL, timeSystem: TimeSystem? = nil, inject: Int = 100, seed: UInt64 = 1, runs: Int = 5) throws
        -> FileBenchmark
    {
        let bands = try RawFile.lightcurves(of: url, timeSystem: timeSystem)
        let search = FlareSearch(parameters: .standard)
        let input = AnalysisInput(entry: CatalogEntry(id: url.lastPathComponent, ra: 0, dec: 0), bands: bands, mode: .simulation)
        var times: [Double] = []
        for _ in 0..<max(5, runs) {
            times.append(try measure { _ = try search.analyze(input) })
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = processCPUSeconds()
        let results = try bands.map { try InjectionRecovery(search: search).run(on: $0, count: inject, seed: seed) }
        let injectionSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let injectionCPUSeconds = processCPUSeconds() - cpuStart
        return FileBenchmark(
            points: bands.reduce(0) { $0 + $1.lightcurve.count }, searchSeconds: Statistics.median(times) ?? .nan,
            searchRuns: times.count, injected: results.reduce(0) { $0 + $1.injected },
            recovered: results.reduce(0) { $0 + $1.recovered }, injectionSeconds: injectionSeconds,
            injectionCPUSeconds: injectionCPUSeconds, cores: ProcessInfo.processInfo.activeProcessorCount, seed: seed)
    }

    /// CPU time this process has used, all threads, seconds.
    static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The file benchmark as one JSON object (sorted keys).
    public static func json(_ result: FileBenchmark) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(result), as: UTF8.self)
    }
}
