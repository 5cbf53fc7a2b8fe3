import Core
import Foundation

/// A table of a run, written where astronomers work: ECSV, VOTable, FITS or CSV.
///
/// Every column has a unit (where it has one), a description and, for VOTable, a UCD (IVOA UCD1+).
/// 64-bit ids stay exact in every format (FITS `K`, VOTable `long`, ECSV `int64`). Times are days
/// in the time system named by the row's `time_system` column (BTJD = BJD − 2457000, BKJD = BJD −
/// 2454833, MJD). Detections are the real ones unless `simulated` is asked for; then every row
/// says in its `simulated` column which it is, and `injection_id` names the injected event a
/// simulated detection recovered.
///
/// ```swift
/// let table = try RunExport.table(.detections, run: runFolder, simulated: false)
/// try RunExport.write(table, format: .votable, to: URL(fileURLWithPath: "detections.xml"))
/// ```
/// astropy reads all four: `Table.read("detections.ecsv")`, `Table.read("detections.xml")`,
/// `Table.read("detections.fits")`, `Table.read("detections.csv", format="csv")` (CSV carries no units).
public enum RunExport {
    public enum TableName: String, CaseIterable, Sendable {
        case sources, detections, statistics, injections, histograms
    }

    public enum Format: String, CaseIterable, Sendable {
        case ecsv, votable, fits, csv

        public var fileExtension: String {
            switch self {
            case .ecsv: return "ecsv"
            case .votable: return "xml"
            case .fits: return "fits"
            case .csv: return "csv"
            }
        }
    }

    /// One column: values of one type, nil where there is none.
    public struct Column: Sendable {
        public enum Values: Sendable {
            case int64([Int64?])
            case double([Double?])
            case string([String?])
            case bool([Bool?])

            var count: Int {
                switch self {
                case let .int64(v): return v.count
                case let .double(v): return v.count
                case let .string(v): return v.count
                case let .bool(v): return v.count
                }
            }
        }

        public var name: String
        public var unit: String?
        public var ucd: String
        public var description: String
        public var values: Values

        /// The value of row `r` as text (nil: none); doubles in Swift's shortest round-trip form.
        func text(_ r: Int) -> String? {
            switch values {
            case let .int64(v): return v[r].map(String.init)
            case let .double(v): return v[r].flatMap { $0.isFinite ? "\($0)" : nil }
            case let .string(v): return v[r]
            case let .bool(v): return v[r].map { $0 ? "True" : "False" }
            }
        }
    }

    public struct Table: Sendable {
        public var name: String
        public var description: String
        public var runID: String
        public var columns: [Column]
        public var rowCount: Int { columns.first?.values.count ?? 0 }
    }

    // MARK: Building the tables

    /// The table `name` of the run in `runDirectory`.
    public static func table(_ name: TableName, run runDirectory: URL, simulated: Bool = false) throws -> Table {
        let database = runDirectory.appendingPathComponent("run.sqlite")
        guard FileManager.default.fileExists(atPath: database.path) else { throw ReportError.notARunFolder(runDirectory.path) }
        let store = try Store(url: database, readOnly: true)
        guard let run = try store.run() else { throw StoreError.notARun(path: database.path) }
        let sources = try store.sources()
        let catalogID = Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.id.map { ($0, s.catalogId) } })
        switch name {
        case .sources: return sourcesTable(sources, run: run)
        case .detections:
            return detectionsTable(try store.detections(includeSimulated: simulated), catalogID: catalogID, run: run, simulated: simulated)
        case .statistics: return statisticsTable(try store.statistics(), catalogID: catalogID, run: run)
        case .injections:
            // Injected times are in their band's time system, which the band's detections name.
            var systems: [String: String] = [:]
            for d in try store.detections(includeSimulated: true) where systems[d.band] == nil { systems[d.band] = d.timeSystem }
            return injectionsTable(
                try store.injections(), parameters: try store.productDescriptions().injectionParameters, catalogID: catalogID,
                timeSystems: systems, run: run)
        case .histograms: return histogramsTable(try store.histograms(), run: run)
        }
    }

    static func sourcesTable(_ s: [SourceRecord], run: RunRecord) -> Table {
        Table(
            name: "sources", description: "The catalog entries of run \(run.id) and whether each was processed.", runID: run.id,
            columns: [
                Column(name: "source_id", unit: nil, ucd: "meta.id;meta.main", description: "sources.id in the run database", values: .int64(s.map(\.id))),
                Column(name: "catalog_id", unit: nil, ucd: "meta.id", description: "id in the input catalog", values: .string(s.map(\.catalogId))),
                Column(name: "name", unit: nil, ucd: "meta.id", description: "source name", values: .string(s.map(\.name))),
                Column(name: "ra", unit: "deg", ucd: "pos.eq.ra;meta.main", description: "right ascension (ICRS) at the epoch", values: .double(s.map(\.ra))),
                Column(name: "dec", unit: "deg", ucd: "pos.eq.dec;meta.main", description: "declination (ICRS) at the epoch", values: .double(s.map(\.dec))),
                Column(name: "epoch", unit: "yr", ucd: "time.epoch", description: "epoch of the position (Julian year)", values: .double(s.map(\.epoch))),
                Column(name: "pmra", unit: "mas / yr", ucd: "pos.pm;pos.eq.ra", description: "proper motion in RA (times cos dec)", values: .double(s.map(\.pmra))),
                Column(name: "pmdec", unit: "mas / yr", ucd: "pos.pm;pos.eq.dec", description: "proper motion in Dec", values: .double(s.map(\.pmdec))),
                Column(name: "parallax", unit: "mas", ucd: "pos.parallax", description: "parallax", values: .double(s.map(\.parallax))),
                Column(name: "magnitude", unit: "mag", ucd: "phot.mag", description: "catalog magnitude", values: .double(s.map(\.magnitude))),
                Column(name: "magnitude_band", unit: nil, ucd: "instr.bandpass", description: "band of the catalog magnitude", values: .string(s.map(\.magnitudeBand))),
                Column(name: "status", unit: nil, ucd: "meta.code.status", description: "done, failed or pending", values: .string(s.map(\.status.rawValue))),
            ])
    }

    static func detectionsTable(_ d: [DetectionRecord], catalogID: [Int64: String], run: RunRecord, simulated: Bool) -> Table {
        var columns = [
            Column(name: "detection_id", unit: nil, ucd: "meta.id;meta.main", description: "detections.id in the run database", values: .int64(d.map(\.id))),
            Column(name: "source_id", unit: nil, ucd: "meta.id", description: "sources.id of the source", values: .int64(d.map(\.sourceId))),
            Column(name: "catalog_id", unit: nil, ucd: "meta.id", description: "id of the source in the input catalog", values: .string(d.map { catalogID[$0.sourceId] })),
            Column(name: "band", unit: nil, ucd: "instr.bandpass", description: "band (survey and filter) of the light curve", values: .string(d.map(\.band))),
            Column(name: "time_system", unit: nil, ucd: "time.scale", description: "system of the times: BTJD = BJD - 2457000, BKJD = BJD - 2454833, MJD", values: .string(d.map(\.timeSystem))),
            Column(name: "start", unit: "d", ucd: "time.start", description: "first point of the event", values: .double(d.map(\.start))),
            Column(name: "peak_time", unit: "d", ucd: "time.epoch;stat.max", description: "point of the largest excess", values: .double(d.map(\.peakTime))),
            Column(name: "stop", unit: "d", ucd: "time.end", description: "last point of the event", values: .double(d.map(\.stop))),
            Column(name: "amplitude", unit: nil, ucd: "phot.flux;arith.ratio", description: "peak excess over the quiescent flux (relative)", values: .double(d.map(\.amplitude))),
            Column(name: "ed", unit: "s", ucd: "time.duration;phot.flux", description: "equivalent duration", values: .double(d.map(\.ed))),
            Column(name: "ed_err", unit: "s", ucd: "stat.error", description: "uncertainty of the equivalent duration (from the flux errors)", values: .double(d.map(\.edErr))),
            Column(name: "significance", unit: nil, ucd: "stat.snr", description: "peak excess over the local noise", values: .double(d.map(\.significance))),
            Column(name: "n_points", unit: nil, ucd: "meta.number", description: "points in the event", values: .int64(d.map { Int64($0.nPoints) })),
            Column(name: "points_above", unit: nil, ucd: "meta.number", description: "points of the candidate run at or above the N1 threshold", values: .int64(d.map { $0.pointsAbove.map(Int64.init) })),
            Column(name: "rise_time", unit: "d", ucd: "time.duration", description: "half maximum before the peak to the peak", values: .double(d.map(\.riseTime))),
            Column(name: "decay_time", unit: "d", ucd: "time.duration", description: "peak to half maximum after it", values: .double(d.map(\.decayTime))),
            Column(name: "template_delta_chi2", unit: nil, ucd: "stat.fit.chi2", description: "chi2 improvement of the flare template over no event", values: .double(d.map(\.templateDeltaChi2))),
            Column(name: "symmetric_delta_chi2", unit: nil, ucd: "stat.fit.chi2", description: "chi2 improvement of a symmetric Gaussian bump over no event", values: .double(d.map(\.symmetricDeltaChi2))),
            Column(name: "template_fwhm", unit: "d", ucd: "time.duration", description: "FWHM of the best-fitting flare template", values: .double(d.map(\.templateFwhm))),
            Column(name: "template_amplitude", unit: nil, ucd: "phot.flux;arith.ratio", description: "amplitude of the best-fitting flare template (relative)", values: .double(d.map(\.templateAmplitude))),
            Column(name: "rise_area_fraction", unit: nil, ucd: "arith.ratio", description: "share of the excess before the peak (a flare: about a fifth; a symmetric bump: a half)", values: .double(d.map(\.riseAreaFraction))),
            Column(name: "ed_extrapolated", unit: "s", ucd: "time.duration;phot.flux", description: "part of the ED that is the fitted template's tail beyond the last point, not data", values: .double(d.map(\.edExtrapolated))),
            Column(name: "flags", unit: nil, ucd: "meta.code.qual", description: "vetting flags: segment start, segment end, missing cadence, single point, gap before peak, cosmic-ray flag", values: .string(d.map { $0.vetting.map { $0.flags.names.joined(separator: "; ") } })),
        ]
        if simulated {
            columns += [
                Column(name: "simulated", unit: nil, ucd: "meta.code", description: "true: found in a simulation trial (an injected event), not in the real data", values: .bool(d.map(\.simulated))),
                Column(name: "injection_id", unit: nil, ucd: "meta.id", description: "injections.id of the injected event a simulated detection recovered", values: .int64(d.map(\.injectionId))),
            ]
        }
        return Table(
            name: "detections",
            description: simulated
                ? "Detections of run \(run.id), real and simulated (the simulated column says which)."
                : "Real detections of run \(run.id) (simulated ones left out).",
            runID: run.id, columns: columns)
    }

    static func statisticsTable(_ s: [StatisticRecord], catalogID: [Int64: String], run: RunRecord) -> Table {
        Table(
            name: "statistics", description: "Summary statistics per source and band of run \(run.id); band empty: all bands.", runID: run.id,
            columns: [
                Column(name: "source_id", unit: nil, ucd: "meta.id", description: "sources.id of the source", values: .int64(s.map(\.sourceId))),
                Column(name: "catalog_id", unit: nil, ucd: "meta.id", description: "id of the source in the input catalog", values: .string(s.map { catalogID[$0.sourceId] })),
                Column(name: "band", unit: nil, ucd: "instr.bandpass", description: "band, or empty for the whole source", values: .string(s.map(\.band))),
                Column(name: "name", unit: nil, ucd: "meta.id", description: "name of the statistic", values: .string(s.map(\.name))),
                Column(name: "value", unit: nil, ucd: "stat.value", description: "its value, in the row's unit", values: .double(s.map(\.value))),
                Column(name: "unit", unit: nil, ucd: "meta.unit", description: "unit of the value", values: .string(s.map(\.unit))),
            ])
    }

    /// One row per injection: the common columns, then each parameter as described by the run's
    /// simulator (stored value and unit), and what the analysis measured of it where it measured
    /// anything (`<name>_measured`).
    static func injectionsTable(
        _ i: [InjectionRecord], parameters described: [InjectionParameterDescription], catalogID: [Int64: String],
        timeSystems: [String: String], run: RunRecord
    ) -> Table {
        var names = Set<String>()
        for injection in i { names.formUnion(injection.parameters.keys) }
        let parameters = described.filter { names.contains($0.name) }
            + InjectionParameterDescription.defaults(for: names.subtracting(described.map(\.name)).sorted())
        var columns = [
            Column(name: "injection_id", unit: nil, ucd: "meta.id;meta.main", description: "injections.id in the run database", values: .int64(i.map(\.id))),
            Column(name: "source_id", unit: nil, ucd: "meta.id", description: "sources.id of the source", values: .int64(i.map(\.sourceId))),
            Column(name: "catalog_id", unit: nil, ucd: "meta.id", description: "id of the source in the input catalog", values: .string(i.map { catalogID[$0.sourceId] })),
            Column(name: "band", unit: nil, ucd: "instr.bandpass", description: "band it was injected into", values: .string(i.map(\.band))),
            Column(name: "number", unit: nil, ucd: "meta.number", description: "number of the injection within its source", values: .int64(i.map { Int64($0.number) })),
            Column(name: "time_system", unit: nil, ucd: "time.scale", description: "system of time (that of the band's light curve)", values: .string(i.map { timeSystems[$0.band] })),
            Column(name: "time", unit: "d", ucd: "time.epoch", description: "time of the injected event (a flare's peak, a modulation's epoch of zero phase)", values: .double(i.map(\.time))),
        ]
        for p in parameters {
            let text = p.description.isEmpty ? "injected \(p.label)" : "injected: " + p.description
            columns.append(Column(name: p.name, unit: p.unitStored, ucd: p.ucd ?? "stat.value", description: text, values: .double(i.map { $0.parameters[p.name] })))
            if i.contains(where: { $0.measured[p.name] != nil }) {
                columns.append(
                    Column(
                        name: p.name + "_measured", unit: p.unitStored, ucd: p.ucd ?? "stat.value",
                        description: "\(p.label) as the analysis measured it (empty: not recovered, or not measured)",
                        values: .double(i.map { $0.measured[p.name] })))
            }
        }
        columns.append(
            Column(name: "recovered", unit: nil, ucd: "meta.code", description: "true: the analysis found it again", values: .bool(i.map(\.recovered))))
        return Table(
            name: "injections", description: "Synthetic events injected to measure the sensitivity of run \(run.id).", runID: run.id,
            columns: columns)
    }

    /// One row per bin of every coverage histogram: its coordinates on up to three axes (a
    /// category, or the bin's lower and upper edge) and its count.
    static func histogramsTable(_ h: [Histogram], run: RunRecord) -> Table {
        let axes = h.map(\.axes.count).max() ?? 0
        var histogram: [String?] = [], quantity: [String?] = [], count: [Int64?] = []
        var axisName = Array(repeating: [String?](), count: axes), label = axisName, unit = axisName
        var lower = Array(repeating: [Double?](), count: axes), upper = lower
        for hist in h {
            let sizes = hist.axes.map(\.binCount)
            guard !sizes.contains(0) else { continue }
            var index = Array(repeating: 0, count: sizes.count)
            repeat {
                histogram.append(hist.name)
                quantity.append(hist.quantity)
                count.append(hist.count(at: index))
                for k in 0..<axes {
                    guard k < hist.axes.count else {
                        axisName[k].append(nil); label[k].append(nil); unit[k].append(nil); lower[k].append(nil); upper[k].append(nil)
                        continue
                    }
                    let axis = hist.axes[k]
                    axisName[k].append(axis.name)
                    unit[k].append(axis.unit)
                    switch axis.bins {
                    case let .categories(c):
                        label[k].append(c[index[k]]); lower[k].append(nil); upper[k].append(nil)
                    case let .edges(e):
                        label[k].append(nil); lower[k].append(e[index[k]]); upper[k].append(e[index[k] + 1])
                    }
                }
                // Next bin, last axis fastest.
                var k = sizes.count - 1
                while k >= 0 {
                    index[k] += 1
                    if index[k] < sizes[k] { break }
                    index[k] = 0
                    k -= 1
                }
                if k < 0 { break }
            } while true
        }
        var columns = [
            Column(name: "histogram", unit: nil, ucd: "meta.id", description: "name of the coverage histogram", values: .string(histogram)),
            Column(name: "quantity", unit: nil, ucd: "meta.note", description: "what it counts", values: .string(quantity)),
        ]
        for k in 0..<axes {
            let n = k + 1
            columns += [
                Column(name: "axis\(n)", unit: nil, ucd: "meta.id", description: "name of axis \(n)", values: .string(axisName[k])),
                Column(name: "axis\(n)_unit", unit: nil, ucd: "meta.unit", description: "unit of axis \(n)", values: .string(unit[k])),
                Column(name: "axis\(n)_category", unit: nil, ucd: "meta.code", description: "the bin's category on axis \(n), if categorical", values: .string(label[k])),
                Column(name: "axis\(n)_min", unit: nil, ucd: "stat.min", description: "the bin's lower edge on axis \(n) (included)", values: .double(lower[k])),
                Column(name: "axis\(n)_max", unit: nil, ucd: "stat.max", description: "the bin's upper edge on axis \(n) (excluded)", values: .double(upper[k])),
            ]
        }
        columns.append(Column(name: "count", unit: nil, ucd: "meta.number", description: "the bin's count, in the histogram's quantity", values: .int64(count)))
        return Table(name: "histograms", description: "Coverage histograms of run \(run.id): how much data of which quality was searched.", runID: run.id, columns: columns)
    }

    // MARK: Writing

    /// Writes `table` to `url` in `format`: to a temporary name, then renamed.
    public static func write(_ table: Table, format: Format, to url: URL) throws {
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: partial) }
        switch format {
        case .csv: try Data(csv(table).utf8).write(to: partial)
        case .ecsv: try Data(ecsv(table).utf8).write(to: partial)
        case .votable: try Data(votable(table).utf8).write(to: partial)
        case .fits: try fits(table, to: partial)
        }
        if rename(partial.path, url.path) != 0 {
            throw ArchiveError.toolFailed(command: "rename", path: url.path)
        }
    }

    /// RFC 4180: a cell holding a comma, a quote or a line break is quoted, quotes doubled.
    static func csvCell(_ text: String?) -> String {
        guard let text else { return "" }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.isEmpty
            || text.first == " " || text.last == " " || text.first == "#"
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func rows(_ table: Table) -> String {
        (0..<table.rowCount).map { r in table.columns.map { csvCell($0.text(r)) }.joined(separator: ",") + "\n" }.joined()
    }

    static func csv(_ table: Table) -> String {
        table.columns.map { csvCell($0.name) }.joined(separator: ",") + "\n" + rows(table)
    }

    /// ECSV 1.0 (astropy APE 6): a YAML header of `# ` lines, then comma-separated values; empty
    /// cells are missing values.
    static func ecsv(_ table: Table) -> String {
        func yaml(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var header = ["%ECSV 1.0", "---", "delimiter: ','", "datatype:"]
        for c in table.columns {
            let type: String
            switch c.values {
            case .int64: type = "int64"
            case .double: type = "float64"
            case .string: type = "string"
            case .bool: type = "bool"
            }
            var fields = ["name: \(yaml(c.name))", "datatype: \(type)"]
            if let unit = c.unit { fields.append("unit: \(yaml(unit))") }
            fields.append("description: \(yaml(c.description))")
            header.append("- {\(fields.joined(separator: ", "))}")
        }
        header += ["meta:", "  table: \(yaml(table.name))", "  run_id: \(yaml(table.runID))", "  description: \(yaml(table.description))", "schema: astropy-2.0"]
        return header.map { "# " + $0 + "\n" }.joined() + csv(table)
    }

    /// The text with the characters XML 1.0 cannot hold (controls other than tab, line feed and
    /// carriage return) replaced by U+FFFD.
    static func xmlSafe(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r" ? "\u{FFFD}" : $0 }))
    }

    /// Escaped for XML text and attribute values, control characters replaced.
    static func xml(_ s: String) -> String { Markdown.escape(xmlSafe(s)) }

    /// Null of `long` columns in VOTable and FITS.
    static let integerNull = Int64.min

    /// VOTable 1.4, TABLEDATA.
    static func votable(_ table: Table) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
            <RESOURCE type="results">
            <INFO name="run_id" value="\(xml(table.runID))"/>
            <TABLE name="\(xml(table.name))">
            <DESCRIPTION>\(xml(table.description))</DESCRIPTION>

            """
        for c in table.columns {
            var attributes = "name=\"\(xml(c.name))\" ucd=\"\(xml(c.ucd))\""
            switch c.values {
            case .int64: attributes += " datatype=\"long\""
            case .double: attributes += " datatype=\"double\""
            case .string: attributes += " datatype=\"char\" arraysize=\"*\""
            case .bool: attributes += " datatype=\"boolean\""
            }
            if let unit = c.unit { attributes += " unit=\"\(xml(unit))\"" }
            out += "<FIELD \(attributes)>\n<DESCRIPTION>\(xml(c.description))</DESCRIPTION>\n"
            if case .int64 = c.values { out += "<VALUES null=\"\(integerNull)\"/>\n" }
            out += "</FIELD>\n"
        }
        out += "<DATA>\n<TABLEDATA>\n"
        for r in 0..<table.rowCount {
            out += "<TR>"
            for c in table.columns {
                let text: String
                switch c.values {
                case let .int64(v): text = String(v[r] ?? integerNull)
                case let .double(v): text = v[r].flatMap { $0.isFinite ? "\($0)" : nil } ?? "NaN"
                case let .string(v): text = v[r] ?? ""
                case let .bool(v): text = v[r].map { $0 ? "T" : "F" } ?? "?"
                }
                out += "<TD>\(xml(text))</TD>"
            }
            out += "</TR>\n"
        }
        out += "</TABLEDATA>\n</DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n"
        return out
    }

    /// A FITS binary table through CFITSIO: `K` with `TNULLn`, `D` (NaN for none), `nA`, `L`; the
    /// description of each column as a `TCOMMn` keyword, the table's in `EXTNAME` and a comment.
    static func fits(_ table: Table, to url: URL) throws {
        let file = try FITSFile.create(url)
        try file.writePrimaryHeader(keywords: [
            FITSKeyword("ORIGIN", "virtualobserver \(VirtualObserver.version)", comment: "written by"),
            FITSKeyword("RUNID", LightcurveProducts.ascii(table.runID), comment: "run id"),
        ])
        let columns = table.columns.map { c -> FITSColumn in
            let format: String
            switch c.values {
            case .int64: format = "K"
            case .double: format = "D"
            case let .string(v): format = "\(max(1, v.map { $0?.utf8.count ?? 0 }.max() ?? 1))A"
            case .bool: format = "L"
            }
            return FITSColumn(name: c.name, format: format, unit: c.unit ?? "")
        }
        var keywords: [FITSKeyword] = []
        for (k, c) in table.columns.enumerated() {
            if case .int64 = c.values { keywords.append(FITSKeyword("TNULL\(k + 1)", Int(integerNull), comment: "no value")) }
            keywords.append(FITSKeyword("TCOMM\(k + 1)", LightcurveProducts.ascii(c.description), comment: ""))
        }
        try file.createBinaryTable(name: table.name.uppercased(), columns: columns, keywords: keywords)
        for (k, c) in table.columns.enumerated() {
            switch c.values {
            case let .int64(v): try file.writeColumn(k, int64s: v.map { $0 ?? integerNull })
            case let .double(v): try file.writeColumn(k, doubles: v.map { $0 ?? .nan })
            case let .string(v): try file.writeColumn(k, strings: v.map { $0 ?? "" })
            case let .bool(v): try file.writeColumn(k, bools: v)
            }
        }
        try file.close()
    }
}
