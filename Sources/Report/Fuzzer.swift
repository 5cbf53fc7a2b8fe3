import Core
import Foundation

/// Mutation fuzzing of every file format the tool reads, each case in a child process with time and
/// memory limits (`report fuzz`).
///
/// Seeds are small valid files of each format: the test fixtures (SPOC TESS, IRSA ZTF, light-curve
/// tables, catalogs, Gaia-style VOTables) and files written here (Kepler and K2 SPOC, FITS and
/// VOTable light-curve tables, a MAST Mashup answer). Each case applies one to three
/// seeded mutations — byte flips, a truncation, a duplicated chunk, an edited header value (FITS
/// cards, XML attributes, numbers in text) set to 0, −1, 2³¹−1, 2⁶³−1, 1E300, NaN or garbage — and
/// runs the format's whole reading path in a child (`report fuzz-case`): inspection, then, for light
/// curves, calibration and the flare search, for catalogs, the catalog mapping, for MAST, the answer
/// parsing. The child reports each case's start and end on standard output, so the parent knows
/// which case a crash or hang belongs to and restarts the child after it.
///
/// Outcomes: *ok* (read), *error* (a clean, thrown error), *crash* (the child died: a Swift trap or a
/// signal), *hang* (no answer within the time limit; the child is killed), *memory* (the child died
/// under its address-space limit, `ulimit -v`, asking for more). Only errors and successes are
/// acceptable.
public enum Fuzzer {
    /// The formats fuzzed and the reading path each runs.
    public enum Format: String, CaseIterable, Sendable {
        case spocTESS = "spoc-tess", spocKepler = "spoc-kepler", spocK2 = "spoc-k2", ztfCSV = "ztf-csv"
        case lightcurveCSV = "lc-csv", lightcurveECSV = "lc-ecsv", lightcurveIPAC = "lc-ipac"
        case lightcurveVOTable = "lc-votable", lightcurveFITS = "lc-fits"
        case catalogCSV = "catalog-csv", catalogECSV = "catalog-ecsv", catalogIPAC = "catalog-ipac"
        case catalogVOTable = "catalog-votable", catalogBinary2 = "catalog-binary2", catalogFITS = "catalog-fits"
        case mastJSON = "mast-json"

        var isLightcurve: Bool { rawValue.hasPrefix("spoc") || rawValue.hasPrefix("ztf") || rawValue.hasPrefix("lc-") }
        var isFITS: Bool { rawValue.hasPrefix("spoc") || rawValue.hasSuffix("fits") }
        var fileExtension: String {
            switch self {
            case .spocTESS, .spocKepler, .spocK2, .lightcurveFITS, .catalogFITS: return "fits"
            case .lightcurveECSV, .catalogECSV: return "ecsv"
            case .lightcurveIPAC, .catalogIPAC: return "tbl"
            case .lightcurveVOTable, .catalogVOTable, .catalogBinary2: return "vot"
            case .mastJSON: return "json"
            default: return "csv"
            }
        }
    }

    /// The counts of one format's run.
    public struct Tally: Sendable, Codable {
        public var format: String
        public var cases = 0
        public var ok = 0
        public var errors = 0
        public var crashes = 0
        public var hangs = 0
        public var memory = 0
        /// Largest resident set of a child after a case, MiB (the baseline of the process included).
        public var peakMiB = 0.0
        public var seconds = 0.0
        /// Up to ten failing cases kept for regression fixtures: file name and what happened.
        public var failures: [String] = []

        public var acceptable: Bool { crashes == 0 && hangs == 0 && memory == 0 }

        public var line: String {
            format.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(
                    format: "%6d cases %6d ok %6d errors  %d crashes  %d hangs  %d memory  peak %.0f MiB  %.1f s", cases, ok, errors,
                    crashes, hangs, memory, peakMiB, seconds)
        }
    }

    /// What `report fuzz --json` prints.
    public struct Summary: Sendable, Codable {
        public var seed: UInt64
        public var formats: [Tally]

        public init(seed: UInt64, formats: [Tally]) {
            self.seed = seed
            self.formats = formats
        }
    }

    // MARK: Seeds

    /// Writes one seed file per format into `folder`, from the fixtures in `fixtures` and generated
    /// files; returns the seed of each format.
    public static func seeds(fixtures: URL, into folder: URL) throws -> [Format: URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var result: [Format: URL] = [:]
        let copied: [(Format, String)] = [
            (.spocTESS, "tess_sector_tiny_lc.fits"), (.ztfCSV, "ztf_irsa_two_objects.csv"),
            (.lightcurveCSV, "lightcurve_tic12345_20s.csv"), (.lightcurveECSV, "lightcurve_meta_btjd.ecsv"),
            (.lightcurveIPAC, "lightcurve_mjd.tbl"), (.catalogCSV, "catalog_gaia.csv"), (.catalogECSV, "catalog_gaia.ecsv"),
            (.catalogIPAC, "catalog_gaia.tbl"), (.catalogVOTable, "catalog_gaia_tabledata.vot"),
            (.catalogBinary2, "catalog_gaia_binary2.vot"), (.catalogFITS, "catalog_gaia.fits"),
        ]
        for (format, name) in copied {
            let source = fixtures.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: source.path) else { throw FuzzError.missingSeed(source.path) }
            let url = folder.appendingPathComponent("seed-\(format.rawValue).\(format.fileExtension)")
            try? FileManager.default.removeItem(at: url)
            try FileManager.default.copyItem(at: source, to: url)
            result[format] = url
        }
        // Kepler and K2 from the TESS file, relabelled.
        let tess = try SPOCLightcurve.read(from: fixtures.appendingPathComponent("tess_sector_tiny_lc.fits"))
        for (format, mission) in [(Format.spocKepler, SPOCLightcurve.Mission.kepler), (.spocK2, .k2)] {
            var lc = tess
            lc.mission = mission
            lc.bjdReference = 2_454_833
            lc.sector = 5
            let url = folder.appendingPathComponent("seed-\(format.rawValue).fits")
            try lc.write(to: url)
            result[format] = url
        }
        // A light-curve table as FITS and as VOTable (time in BTJD, as the option says).
        let n = 200
        let time = (0..<n).map { 1_500 + Double($0) * 2 / 1440 }
        let flux: [Double] = (0..<n).map { i in
            let spot: Double = 0.001 * sin(Double(i) / 7)
            return 1 + spot + (i == 120 ? 0.05 : 0)
        }
        let fitsURL = folder.appendingPathComponent("seed-lc-fits.fits")
        let file = try FITSFile.create(fitsURL)
        try file.writePrimaryHeader(keywords: [])
        try file.createBinaryTable(
            name: "LIGHTCURVE",
            columns: [FITSColumn(name: "time", format: "D"), FITSColumn(name: "flux", format: "D"), FITSColumn(name: "flux_err", format: "D")],
            keywords: [FITSKeyword("BJDREFI", Int64(2_457_000), comment: "reference")])
        try file.writeColumn(0, doubles: time)
        try file.writeColumn(1, doubles: flux)
        try file.writeColumn(2, doubles: Array(repeating: 0.001, count: n))
        try file.close()
        result[.lightcurveFITS] = fitsURL
        var vot = """
            <?xml version="1.0" encoding="UTF-8"?>
            <VOTABLE version="1.4"><RESOURCE><TABLE>
            <FIELD name="time" datatype="double" unit="d"/><FIELD name="flux" datatype="double"/><FIELD name="flux_err" datatype="double"/>
            <DATA><TABLEDATA>

            """
        for i in 0..<n { vot += "<TR><TD>\(time[i])</TD><TD>\(flux[i])</TD><TD>0.001</TD></TR>\n" }
        vot += "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>\n"
        let votURL = folder.appendingPathComponent("seed-lc-votable.vot")
        try Data(vot.utf8).write(to: votURL)
        result[.lightcurveVOTable] = votURL
        // A MAST Mashup answer (Mast.Caom.Products), as the service sends it.
        let mast = """
            {"status": "COMPLETE", "msg": "", "paging": {"page": 1, "pageSize": 3, "pagesFiltered": 1, "rows": 3, "rowsFiltered": 3, "rowsTotal": 3},
             "fields": [{"name": "obsid", "type": "string"}, {"name": "productSubGroupDescription", "type": "string"}, {"name": "dataURI", "type": "string"}, {"name": "size", "type": "int"}],
             "data": [{"obsid": "27268426", "productSubGroupDescription": "LC", "dataURI": "mast:TESS/product/tess2018206045859-s0001-0000000261136679-0120-s_lc.fits", "size": 2039040},
                      {"obsid": "27268426", "productSubGroupDescription": "TP", "dataURI": "mast:TESS/product/tess2018206045859-s0001-0000000261136679-0120-s_tp.fits", "size": 44553600},
                      {"obsid": 27268427, "productSubGroupDescription": "FAST-LC", "dataURI": "mast:TESS/product/tess2020238165205-s0029-0000000261136679-0193-a_fast-lc.fits", "size": 9000000}]}

            """
        let mastURL = folder.appendingPathComponent("seed-mast-json.json")
        try Data(mast.utf8).write(to: mastURL)
        result[.mastJSON] = mastURL
        return result
    }

    // MARK: Mutations

    static let extremes = ["0", "-1", "2147483647", "9223372036854775807", "1E300", "-1E300", "NaN", "abc", "''", "1E-300"]

    /// One mutated copy of `seed`: one to three mutations drawn from `g`.
    static func mutate(_ seed: [UInt8], format: Format, using g: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        func index(_ count: Int) -> Int { count > 0 ? min(count - 1, Int(g.uniform() * Double(count))) : 0 }
        let count = 1 + index(3)
        for _ in 0..<count where !bytes.isEmpty {
            switch index(5) {
            case 0:  // byte flips
                for _ in 0..<(1 + index(8)) { bytes[index(bytes.count)] = UInt8(truncatingIfNeeded: g.next()) }
            case 1:  // truncation
                bytes = Array(bytes.prefix(index(bytes.count)))
            case 2:  // a duplicated chunk
                let start = index(bytes.count)
                let length = min(bytes.count - start, 1 + index(2_880))
                let at = index(bytes.count)
                bytes.insert(contentsOf: bytes[start..<(start + length)], at: at)
            case 3 where format.isFITS:  // a FITS header card's value
                let header = min(bytes.count, 2_880 * 4)
                var cards: [Int] = []
                var k = 0
                while k + 80 <= header {
                    if bytes[k + 8] == UInt8(ascii: "="), bytes[k..<(k + 8)].allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { cards.append(k) }
                    k += 80
                }
                guard !cards.isEmpty else { continue }
                let card = cards[index(cards.count)]
                // Right-justified in columns 11–30, as FITS writes numbers.
                let value = extremes[index(extremes.count)]
                let field = Array((String(repeating: " ", count: max(0, 20 - value.count)) + value).utf8)
                for (j, b) in field.prefix(20).enumerated() { bytes[card + 10 + j] = b }
            default:  // a number or attribute value in text replaced by an extreme one
                let text = String(decoding: bytes, as: UTF8.self)
                let pattern = format.rawValue.contains("votable") || format == .catalogBinary2
                    ? #"(?<=")[^"<>]{1,24}(?=")"# : #"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#
                guard let regex = try? NSRegularExpression(pattern: pattern) else { continue }
                let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
                guard !matches.isEmpty, let range = Range(matches[index(matches.count)].range, in: text) else { continue }
                var edited = text
                edited.replaceSubrange(range, with: extremes[index(extremes.count)])
                bytes = Array(edited.utf8)
            }
        }
        return bytes
    }

    // MARK: One case (in the child)

    /// Runs the format's reading path on one file; returns normally when it read, throws a clean error.
    public static func exercise(_ url: URL, format: Format) throws {
        switch format {
        case .mastJSON:
            let rows = try TESSArchive.answer(try Data(contentsOf: url), rows: Mashup.Product.self, service: "Mast.Caom.Products", url: url.path) ?? []
            _ = rows.compactMap { row -> String? in
                guard let group = row.productSubGroupDescription, let uri = row.dataURI else { return nil }
                return "\(group) \(uri) \(row.obsid?.text ?? "")"
            }
        case _ where format.isLightcurve:
            _ = try FileInspection.inspect(url)
            let system: TimeSystem? = format == .lightcurveCSV || format == .lightcurveVOTable || format == .lightcurveFITS ? .btjd : nil
            _ = try QuickLook(file: url, timeSystem: system).run(flares: true, plot: nil)
        default:
            _ = try FileInspection.inspect(url)
            _ = try Catalog(contentsOf: url)
        }
    }

    /// The child's loop: for each file, "start k", the case, then "end k ok|error <rss KiB>".
    public static func runCases(_ files: [String], format: Format) {
        for (k, path) in files.enumerated() {
            FileHandle.standardOutput.write(Data("start \(k)\n".utf8))
            var outcome = "ok"
            do { try exercise(URL(fileURLWithPath: path), format: format) } catch { outcome = "error" }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            FileHandle.standardOutput.write(Data("end \(k) \(outcome) \(usage.ru_maxrss)\n".utf8))
        }
    }

    // MARK: The parent

    /// Fuzzes one format: `cases` mutated files of its seed, each in a child (`executable fuzz-case`)
    /// limited to `timeout` seconds and `memoryMiB` of address space.
    public static func run(
        format: Format, seed: URL, cases: Int, randomSeed: UInt64, executable: String, scratch: URL, timeout: Double = 20,
        memoryMiB: Int = 4_096, keepFailures: URL? = nil
    ) throws -> Tally {
        let folder = scratch.appendingPathComponent(format.rawValue)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = [UInt8](try Data(contentsOf: seed))
        var g = SeededGenerator(seed: randomSeed, stream: "fuzz|\(format.rawValue)")
        var files: [String] = []
        for k in 0..<cases {
            let url = folder.appendingPathComponent(String(format: "case-%06d.%@", k, format.fileExtension))
            try Data(mutate(original, format: format, using: &g)).write(to: url)
            files.append(url.path)
        }
        return try run(format: format, files: files, executable: executable, timeout: timeout, memoryMiB: memoryMiB, keepFailures: keepFailures)
    }

    /// Runs the cases `files` in children and counts their outcomes.
    public static func run(
        format: Format, files: [String], executable: String, timeout: Double, memoryMiB: Int, keepFailures: URL?
    ) throws -> Tally {
        let clock = Date()
        var tally = Tally(format: format.rawValue)
        var next = 0
        while next < files.count {
            // Case k of this child is files[first + k].
            let first = next
            let child = try Child(executable: executable, format: format, files: Array(files[first...]), memoryMiB: memoryMiB)
            var current: Int?
            var started = Date()
            /// Books the child's "start k" and "end k ok|error <rss KiB>" lines.
            func consume(_ lines: [String]) {
                for line in lines {
                    let parts = line.split(separator: " ")
                    guard parts.count >= 2, let k = Int(parts[1]) else { continue }
                    if parts[0] == "start" {
                        current = k
                        started = Date()
                    } else if parts[0] == "end" {
                        current = nil
                        tally.cases += 1
                        if parts.count >= 3, parts[2] == "ok" { tally.ok += 1 } else { tally.errors += 1 }
                        if parts.count >= 4, let kib = Double(parts[3]) { tally.peakMiB = max(tally.peakMiB, kib / 1024) }
                        next = first + k + 1
                    }
                }
            }
            /// Counts a case that did not end in an answer, keeps its file, and resumes after it.
            func failed(_ index: Int, _ what: String, detail: String) {
                tally.cases += 1
                switch what {
                case "memory": tally.memory += 1
                case "hang": tally.hangs += 1
                default: tally.crashes += 1
                }
                record(&tally, file: files[index], what: what, detail: detail, keep: keepFailures)
                next = index + 1
            }
            while true {
                consume(child.lines())
                if !child.isRunning {
                    // What it wrote last (the pipe is drained once it has exited), then the case it died in.
                    consume(child.lines())
                    if let k = current {
                        let stderr = child.standardError()
                        failed(first + k, stderr.contains("alloc") || stderr.contains("memory") ? "memory" : "crash", detail: stderr)
                    } else if next < files.count {
                        // Ended between cases without finishing: count it as a crash of the next one.
                        failed(next, "crash", detail: child.standardError())
                    }
                    break
                }
                if let k = current, Date().timeIntervalSince(started) > timeout {
                    child.kill()
                    failed(first + k, "hang", detail: "no answer in \(timeout) s")
                    break
                }
                usleep(2_000)
            }
        }
        tally.seconds = Date().timeIntervalSince(clock)
        return tally
    }

    static func record(_ tally: inout Tally, file: String, what: String, detail: String, keep: URL?) {
        let name = URL(fileURLWithPath: file).lastPathComponent
        var kept = name
        if let keep {
            try? FileManager.default.createDirectory(at: keep, withIntermediateDirectories: true)
            let destination = keep.appendingPathComponent("\(tally.format)-\(what)-\(name)")
            try? FileManager.default.removeItem(at: destination)
            if (try? FileManager.default.copyItem(atPath: file, toPath: destination.path)) != nil { kept = destination.path }
        }
        if tally.failures.count < 10 {
            let lines = detail.split(separator: "\n").map(String.init)
            let last = lines.first { $0.contains("runtime failure") || $0.contains("Fatal error") || $0.contains("fatal error") || $0.contains("***") && !$0.contains("Backtrac") }
                ?? lines.last { !$0.isEmpty } ?? ""
            tally.failures.append("\(what): \(kept): \(last)")
        }
    }

    /// A running `fuzz-case` child under `ulimit -v`, its output collected as it comes.
    final class Child: @unchecked Sendable {
        let process = Process()
        let out = Pipe()
        let err = Pipe()
        private let lock = NSLock()
        private var buffer = Data()
        private var errors = Data()
        private let list: URL

        init(executable: String, format: Format, files: [String], memoryMiB: Int) throws {
            // The file list goes through a file: thousands of paths exceed no argument limit then.
            list = FileManager.default.temporaryDirectory.appendingPathComponent("vo-fuzz-\(UUID().uuidString).txt")
            try Data(files.joined(separator: "\n").utf8).write(to: list)
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [
                "-c", "ulimit -v \(memoryMiB * 1024); ulimit -c 0; exec \"$0\" fuzz-case --format \"$1\" --list \"$2\"; ",
                executable, format.rawValue, list.path,
            ]
            process.standardOutput = out
            process.standardError = err
            out.fileHandleForReading.readabilityHandler = { [weak self] h in
                let d = h.availableData
                self?.lock.lock()
                self?.buffer.append(d)
                self?.lock.unlock()
            }
            err.fileHandleForReading.readabilityHandler = { [weak self] h in
                let d = h.availableData
                self?.lock.lock()
                if (self?.errors.count ?? 0) < 1 << 16 { self?.errors.append(d) }
                self?.lock.unlock()
            }
            try process.run()
        }

        deinit {
            out.fileHandleForReading.readabilityHandler = nil
            err.fileHandleForReading.readabilityHandler = nil
            try? FileManager.default.removeItem(at: list)
        }

        var isRunning: Bool { process.isRunning }
        var status: Int32 { process.isRunning ? 0 : process.terminationStatus }

        /// Complete lines received since the last call.
        func lines() -> [String] {
            if !process.isRunning {
                // Drain what is left in the pipe.
                out.fileHandleForReading.readabilityHandler = nil
                let rest = out.fileHandleForReading.readDataToEndOfFile()
                lock.lock()
                buffer.append(rest)
                lock.unlock()
            }
            lock.lock()
            defer { lock.unlock() }
            guard let last = buffer.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
            let complete = buffer[buffer.startIndex...last]
            buffer = Data(buffer[(last + 1)...])
            return String(decoding: complete, as: UTF8.self).split(separator: "\n").map(String.init)
        }

        func standardError() -> String {
            usleep(20_000)
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: errors, as: UTF8.self)
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

public enum FuzzError: Error, LocalizedError {
    case missingSeed(String)

    public var errorDescription: String? {
        switch self {
        case let .missingSeed(p): return "seed file \(p) is missing (report fuzz runs inside a checkout, beside Tests/)"
        }
    }
}
