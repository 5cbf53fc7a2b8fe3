import Core
import Foundation
import Plot

/// `report bench`: throughput figures of the hot paths and quality figures of the flare search,
/// printed (never asserted in tests).
///
/// Run it optimised: `swift run -c release report bench`. Every case runs on one core. Each group
/// of figures is one function; ``run(report:)`` calls them in order.
public enum Benchmarks {
    /// What a figure should reach, and whether it does.
    public enum Goal: Sendable {
        case atMost(Double)
        case atLeast(Double)
        /// Within `tolerance` (absolute) of `target`.
        case near(Double, tolerance: Double)

        public func isMet(by value: Double) -> Bool {
            switch self {
            case let .atMost(limit): return value <= limit
            case let .atLeast(limit): return value >= limit
            case let .near(target, tolerance): return abs(value - target) <= tolerance
            }
        }

        public var description: String {
            switch self {
            case let .atMost(limit): return "≤ \(Self.number(limit))"
            case let .atLeast(limit): return "≥ \(Self.number(limit))"
            case let .near(target, tolerance): return "\(Self.number(target)) ± \(Self.number(tolerance))"
            }
        }

        static func number(_ x: Double) -> String { String(format: "%g", x) }
    }

    public struct Figure: Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        public var note: String
        public var goal: Goal?

        public init(name: String, value: Double, unit: String, note: String, goal: Goal? = nil) {
            self.name = name
            self.value = value
            self.unit = unit
            self.note = note
            self.goal = goal
        }

        /// One aligned line: name, value, unit, goal (met or not), note.
        public var line: String {
            let number = !value.isFinite ? "–" : abs(value) >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
            var text = name.padding(toLength: 50, withPad: " ", startingAt: 0)
                + number.leftPadded(to: 12) + " " + unit.padding(toLength: 20, withPad: " ", startingAt: 0)
            if let goal {
                let verdict = value.isFinite && goal.isMet(by: value) ? "met" : "NOT met"
                text += " goal \(goal.description)\(unit.isEmpty ? "" : " " + unit): \(verdict);"
            }
            return text + " " + note
        }
    }

    public static var configuration: String {
        #if DEBUG
            return "debug build (numbers are 10–50× below release: use `swift run -c release report bench`)"
        #else
            return "release build"
        #endif
    }

    /// Runs every benchmark, reporting each figure as it is measured.
    /// The groups of figures `report bench` prints, in order.
    public enum Group: String, CaseIterable, Sendable {
        case search, injection, readers, cache, figures, stress
    }

    /// - Parameters:
    ///   - stressStars: stars of each cadence in the stress set.
    ///   - stressDetails: receives the stress set's false positives and recovered and missed flares,
    ///     one tab-separated line each, and the light curves with false positives (see
    ///     ``stressSet(stars:details:report:)``).
    public static func run(
        only groups: Set<Group> = Set(Group.allCases), stressStars: Int = defaultStressStars, stressDetails: StressDetails? = nil,
        report: (Figure) -> Void
    ) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vo-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let sector = try syntheticSector()
        if groups.contains(.search) { flareSearch(sector, report: report) }
        if groups.contains(.injection) { try injectionRecovery(sector, report: report) }
        if groups.contains(.readers) {
            try readers(sector, folder: folder, report: report)
            try catalog(folder: folder, report: report)
        }
        if groups.contains(.cache) { try cacheCheck(folder: folder, report: report) }
        if groups.contains(.figures) { try figures(folder: folder, report: report) }
        if groups.contains(.stress) { try stressSet(stars: stressStars, details: stressDetails, report: report) }
    }

    /// The check every raw-cache hit makes (``RawCache/existing(_:)``: size and SHA-256 against the
    /// sidecar) on a file the size of a TESS 2-minute SPOC light curve (about 2 MB).
    static func cacheCheck(folder: URL, report: (Figure) -> Void) throws {
        let cache = try RawCache(root: folder.appendingPathComponent("cache"))
        var g = SeededGenerator(seed: 4)
        let bytes = Data((0..<2_039_040).map { _ in UInt8(truncatingIfNeeded: g.next()) })
        _ = try cache.store("tess/bench/lc.fits", data: bytes)
        let hits = 50
        let seconds = try measure { for _ in 0..<hits { _ = try cache.existing("tess/bench/lc.fits") } }
        report(
            Figure(
                name: "raw-cache hit, checked (SHA-256)", value: 1000 * seconds / Double(hits), unit: "ms per 2 MB file",
                note: String(format: "%.0f MB/s", Double(bytes.count * hits) / seconds / 1e6)))
    }

    /// A TESS-like sector: 20,000 two-minute cadences, 1 ms noise, rotation and a flare.
    static func syntheticSector() throws -> Lightcurve {
        var g = SeededGenerator(seed: 1)
        let n = 20_000
        let time = (0..<n).map { 2000 + Double($0) * 2 / 1440 }
        let flux = time.map { t in
            1 + 0.01 * sin(t / 1.3) + 0.001 * g.gaussian()
                + FlareTemplate.davenport2014.value(at: t, peak: 2007.3, fwhm: 0.01, amplitude: 0.05)
        }
        return try Lightcurve(
            time: time, flux: flux, fluxError: Array(repeating: 0.001, count: n), band: "TESS", timeSystem: .btjd,
            fluxUnit: .relative)
    }

    /// Detrending + Chang et al. criteria on the synthetic sector.
    static func flareSearch(_ lc: Lightcurve, report: (Figure) -> Void) {
        let finder = FlareSearch.Parameters.standard.continuous
        let searches = 20
        let seconds = measure { for _ in 0..<searches { _ = finder.search(lc) } }
        report(
            Figure(
                name: "flare search (detrend, matched filter, vetting)", value: Double(lc.count * searches) / seconds,
                unit: "points/s", note: String(format: "%.1f ms per 20,000-cadence sector", 1000 * seconds / Double(searches))))
    }

    /// Injection–recovery throughput: 50 trials of ~20 flares each into the sector, search, match.
    static func injectionRecovery(_ lc: Lightcurve, report: (Figure) -> Void) throws {
        let finder = FlareSearch.Parameters.standard.continuous
        let simulator = FlareSimulator(parameters: .init(ratePerDay: 0.72, amplitude: 0.003...0.3, fwhmMinutes: 4...60))
        var injected = 0
        var recovered = 0
        let seconds = try measure {
            for trial in 0..<50 {
                var generator = SeededGenerator(seed: 2, stream: "bench|\(trial)")
                let (withFlares, injections) = try simulator.inject(into: lc, exposureSeconds: 120, using: &generator, firstID: 0)
                let found = finder.search(withFlares).flares
                injected += injections.count
                recovered += injections.filter { i in found.contains { simulator.recovers($0, i) } }.count
            }
        }
        report(
            Figure(
                name: "injection–recovery", value: Double(injected) / seconds, unit: "injected flares/s",
                note: "\(injected) injected, \(recovered) recovered, \(String(format: "%.2f", seconds)) s"))
    }

    /// ZTF IRSA CSV and SPOC FITS readers.
    static func readers(_ lc: Lightcurve, folder: URL, report: (Figure) -> Void) throws {
        var g = SeededGenerator(seed: 3)
        var table = ZTFLightcurveTable()
        for i in 0..<100_000 {
            table.oid.append(736_115_200_001_082 + Int64(i % 4))
            table.expid.append(Int64(50_000_000 + i))
            table.hjd.append(2_458_274.94 + Double(i) * 0.01)
            table.mjd.append(58_274.44 + Double(i) * 0.01)
            table.mag.append(18 + 0.05 * g.gaussian())
            table.magerr.append(0.05)
            table.catflags.append(i % 50 == 0 ? 32768 : 0)
            table.filtercode.append(i % 2 == 0 ? "zg" : "zr")
            for column in [\ZTFLightcurveTable.ra, \.dec, \.chi, \.sharp, \.limitmag, \.magzp, \.magzprms, \.clrcoeff, \.clrcounc, \.airmass] {
                table[keyPath: column].append(1.5)
            }
            table.exptime.append(30)
            table.filefracday.append(20_180_605_447_431)
            for column in [\ZTFLightcurveTable.field, \.ccdid, \.qid, \.programid] { table[keyPath: column].append(1) }
        }
        let csv = folder.appendingPathComponent("ztf.csv")
        try table.write(to: csv)
        let ztfSeconds = try measure { _ = try ZTFLightcurveTable.read(from: csv) }
        report(Figure(name: "ZTF IRSA CSV read", value: 100_000 / ztfSeconds, unit: "rows/s", note: "100,000 rows, 24 columns"))

        // A TESS 20-second sector exported as CSV, in the shape of a real export (AU Mic, sector 27):
        // time,flux,flux_err,quality,cr_flags,flare_flags.
        let rows20s = 100_736
        var text = "time,flux,flux_err,quality,cr_flags,flare_flags\n"
        text.reserveCapacity(rows20s * 60)
        for i in 0..<rows20s {
            let t = 2036.2834520761414 + Double(i) * 20 / 86_400
            text += "\(t),\(Float(1 + 0.0005 * g.gaussian())),0.0004515108,\(i % 31 == 0 ? 512 : 0),0,0.0\n"
        }
        let table20s = folder.appendingPathComponent("tic1_20s.csv")
        try Data(text.utf8).write(to: table20s)
        let tableSeconds = try measure { _ = try LightcurveTable.read(from: table20s, timeSystem: .btjd) }
        report(
            Figure(
                name: "light-curve table CSV read", value: Double(rows20s) / tableSeconds, unit: "rows/s",
                note: "\(rows20s) rows, 6 columns (TESS 20-s sector) in \(String(format: "%.3f", tableSeconds)) s"))

        let fits = folder.appendingPathComponent("tess_lc.fits")
        try SPOCLightcurve(
            mission: .tess, targetID: 1, sector: 1, time: lc.time, pdcsapFlux: lc.flux.map { $0 * 1e4 },
            pdcsapFluxError: Array(repeating: 10, count: lc.count), sapFlux: lc.flux.map { $0 * 1e4 },
            quality: Array(repeating: 0, count: lc.count)
        ).write(to: fits)
        let reads = 20
        let fitsSeconds = try measure { for _ in 0..<reads { _ = try SPOCLightcurve.read(from: fits) } }
        report(
            Figure(
                name: "SPOC FITS read", value: Double(lc.count * reads) / fitsSeconds, unit: "rows/s",
                note: "20,000-row LIGHTCURVE table"))
    }

    /// A Gaia-like catalog CSV of 500,000 rows (the size the reliability issue measured): the time
    /// until its entries and checksum are ready (a run's first source starts right after), and how
    /// much the process's peak memory grows while reading it, against the file's size.
    static func catalog(folder: URL, report: (Figure) -> Void) throws {
        let rows = 500_000
        var g = SeededGenerator(seed: 5)
        let url = folder.appendingPathComponent("gaia_500k.csv")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let out = try FileHandle(forWritingTo: url)
        var text = "source_id,designation,ra,dec,phot_g_mean_mag,pmra,pmdec,parallax,ref_epoch\n"
        for i in 0..<rows {
            let id = 4_295_806_720_000_000_000 + Int64(i) * 7919
            text += "\(id),Gaia DR3 \(id),\(Double(g.next() % 36_000_000) / 100_000),\(Double(g.next() % 18_000_000) / 100_000 - 90),"
            text += "\(Double(g.next() % 8000) / 1000 + 10),\(g.gaussian() * 50),\(g.gaussian() * 50),\(abs(g.gaussian()) * 10),2016.0\n"
            if text.utf8.count > 1 << 20 {
                try out.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try out.write(contentsOf: Data(text.utf8))
        try out.close()
        let megabytes = Double((try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0) / 1e6
        var catalog: Catalog?
        var seconds = 0.0
        let growth = try peakMemoryGrowth {
            seconds = try measure {
                catalog = try Catalog(contentsOf: url)
                _ = try catalog?.checksum()
            }
        }
        guard catalog?.count == rows else { throw CatalogError.empty(catalog: url.path) }
        report(
            Figure(
                name: "catalog CSV read and checksum", value: seconds, unit: "s",
                note: String(format: "500,000 Gaia rows, %.0f MB file", megabytes)))
        if let growth {
            report(
                Figure(
                    name: "catalog CSV read, peak memory growth", value: growth / 1e6, unit: "MB",
                    note: String(format: "%.1f× the file", growth / 1e6 / megabytes)))
        }
    }

    /// How much the process's peak resident memory grows while `body` runs: the kernel's high-water
    /// mark is reset first (`/proc/self/clear_refs`), so earlier benchmarks do not hide it. Nil where
    /// `/proc` does not offer that.
    static func peakMemoryGrowth(_ body: () throws -> Void) throws -> Double? {
        func status(_ key: String) -> Double? {
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
                let kB = Double(line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
            else { return nil }
            return kB * 1024
        }
        let reset = (try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))) != nil
        let before = status("VmRSS")
        try body()
        guard reset, let before, let peak = status("VmHWM") else { return nil }
        return peak - before
    }

    /// Light-curve figures drawn with Cairo.
    static func figures(folder: URL, report: (Figure) -> Void) throws {
        var g = SeededGenerator(seed: 4)
        for points in [2_000, 100_000] {
            let x = (0..<points).map { Double($0) }
            let y = x.map { sin($0 / 300) + 0.1 * g.gaussian() }
            let count = points == 2_000 ? 20 : 5
            let seconds = try measure {
                for k in 0..<count {
                    let figure = Plot.Figure(width: 640, height: 200)
                    let panel = figure.panel(row: 0, column: 0)
                    panel.xLabel = "BTJD (d)"
                    panel.yLabel = "relative flux"
                    panel.points(x: x, y: y, size: 1.5)
                    try figure.write(to: folder.appendingPathComponent("fig-\(k).png"))
                }
            }
            report(Figure(name: "light-curve PNG, \(points) points", value: Double(count) / seconds, unit: "figures/s", note: "640×200 pt at 2×"))
        }
    }

    static func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

extension String {
    /// The string right-aligned in `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
