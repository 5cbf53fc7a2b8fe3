import Foundation

/// Another search's flares on the same light curve — a published catalogue, or a table written by
/// AltaiPony, stella or a colleague's code — to hold a search against (``FlareListComparison``).
///
/// Read from any table ``CatalogTable`` reads (CSV, ECSV, IPAC, VOTable, FITS). Columns are found by
/// their usual names, case-insensitively: start (`start`, `tstart`, `t_start`, `t_s`, `begin`),
/// stop (`stop`, `tstop`, `t_stop`, `t_f`, `end`, `tend`) or a peak time alone (`peak`, `tpeak`,
/// `t_peak`, `peak_time`), and optionally the equivalent duration in seconds (`ed`, `ed_rec`,
/// `equivalent_duration`). AltaiPony's `flc.flares` table (`tstart`, `tstop`, `ed_rec`) is read as
/// it is written. Times must be in the light curve's own time system (BTJD for TESS, BKJD for
/// Kepler and K2): a list has no reliable way to say which it uses.
public struct FlareList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var start: Double
        public var stop: Double
        /// Equivalent duration, seconds (nil: the list gives none).
        public var ed: Double?

        public init(start: Double, stop: Double, ed: Double? = nil) {
            self.start = start
            self.stop = stop
            self.ed = ed
        }
    }

    public var entries: [Entry]
    /// Where the list came from, for messages.
    public var source: String

    public init(entries: [Entry], source: String) {
        self.entries = entries
        self.source = source
    }

    static let startNames = ["start", "tstart", "t_start", "t_s", "begin"]
    static let stopNames = ["stop", "tstop", "t_stop", "t_f", "end", "tend"]
    static let peakNames = ["peak", "tpeak", "t_peak", "peak_time"]
    static let edNames = ["ed", "ed_rec", "equivalent_duration"]

    /// Reads a flare list.
    /// - Throws: ``CatalogFileError`` naming the file, and the row and column of a value that is not
    ///   a number or a stop before its start.
    public static func read(from url: URL) throws -> FlareList {
        try FlareList(table: CatalogTable.read(from: url))
    }

    public init(table: CatalogTable) throws {
        let columns = table.columns.map { $0.trimmingSpaces }
        let start = CatalogColumns.firstMatch(Self.startNames, in: columns), stop = CatalogColumns.firstMatch(Self.stopNames, in: columns)
        // Start and stop where both are there, else a peak time as a zero-length interval.
        let interval: (Int, Int)
        if let start, let stop {
            interval = (start, stop)
        } else if let peak = CatalogColumns.firstMatch(Self.peakNames, in: columns) {
            interval = (peak, peak)
        } else {
            throw CatalogFileError.missingColumn(
                path: table.source, role: "flare time (start and stop, or peak)", tried: Self.startNames + Self.stopNames + Self.peakNames,
                available: table.columns)
        }
        let ed = CatalogColumns.firstMatch(Self.edNames, in: columns)
        /// The finite number in a cell (`row` 0-based; errors count rows from 1); nil for an empty cell.
        func number(_ row: Int, _ k: Int) throws -> Double? {
            guard let cell = table.rows[row][k]?.trimmingSpaces, !cell.isEmpty else { return nil }
            guard let value = Double(cell), value.isFinite else {
                throw CatalogFileError.invalidValue(path: table.source, row: row + 1, column: table.columns[k], value: cell)
            }
            return value
        }
        func time(_ row: Int, _ k: Int) throws -> Double {
            guard let t = try number(row, k) else {
                throw CatalogFileError.invalidValue(path: table.source, row: row + 1, column: table.columns[k], value: "")
            }
            return t
        }
        var entries: [Entry] = []
        for row in table.rows.indices {
            let t0 = try time(row, interval.0), t1 = try time(row, interval.1)
            guard t1 >= t0 else {
                throw CatalogFileError.invalidValue(
                    path: table.source, row: row + 1, column: table.columns[interval.1],
                    value: "\(table.rows[row][interval.1] ?? "") (before its start)")
            }
            entries.append(Entry(start: t0, stop: t1, ed: try ed.flatMap { try number(row, $0) }))
        }
        self.init(entries: entries.sorted { $0.start < $1.start }, source: table.source)
    }
}

/// How a search's detections compare with another list of flares on the same light curve: which
/// listed flares it found (by listed ED), which of its detections the list has, and how the EDs
/// compare. A listed flare is found when a detection's [start, stop] comes within `tolerance` of
/// its own (a list of peak times: the peak lies within a detection, give or take the tolerance).
/// One detection may find several listed flares (a complex flare the list splits) and one listed
/// flare several detections; the ED ratio uses only one-to-one pairs, the others' EDs measuring
/// different things.
public struct FlareListComparison: Sendable, Codable, Equatable {
    public struct Bin: Sendable, Codable, Equatable {
        /// Listed ED range, seconds (`edMax` nil: open).
        public var edMin: Double
        public var edMax: Double?
        public var listed: Int
        public var found: Int

        enum CodingKeys: String, CodingKey {
            case edMin = "ed_min", edMax = "ed_max", listed, found
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(edMin, forKey: .edMin)
            try c.encode(edMax, forKey: .edMax)
            try c.encode(listed, forKey: .listed)
            try c.encode(found, forKey: .found)
        }
    }

    /// A listed flare no detection found, with what the searches given to the comparison saw there.
    public struct Missed: Sendable, Codable, Equatable {
        public var start: Double
        public var stop: Double
        public var ed: Double?
        /// The largest significance (residual over the search's σ) of a point within the interval.
        public var maxSignificance: Double? = nil
        /// Why a candidate there was turned down, if there was one.
        public var turnedDown: FlareFinder.Rejection.Reason? = nil

        enum CodingKeys: String, CodingKey {
            case start, stop, ed
            case maxSignificance = "max_significance", turnedDown = "turned_down"
        }
    }

    public var source: String
    public var listed: Int
    /// Listed flares that a detection found.
    public var found: Int
    public var detections: Int
    /// Detections that found at least one listed flare.
    public var inList: Int
    /// Found and listed by listed ED (only when the list gives EDs).
    public var byED: [Bin]
    /// Median of detection ED / listed ED over one-to-one pairs (nil: none, or no EDs listed).
    public var edRatioMedian: Double?
    /// The same with each detection's ED less its extrapolated tail (``FlareVetting/extrapolatedED``):
    /// the data's part, which is what a search that does not extrapolate lists.
    public var dataEDRatioMedian: Double?
    public var oneToOne: Int
    public var missed: [Missed]
    /// Peak times of the detections the list does not have.
    public var notListed: [Double]

    enum CodingKeys: String, CodingKey {
        case source, listed, found, detections, missed
        case inList = "in_list", byED = "by_ed", edRatioMedian = "ed_ratio_median", oneToOne = "one_to_one"
        case dataEDRatioMedian = "data_ed_ratio_median"
        case notListed = "not_listed"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(listed, forKey: .listed)
        try c.encode(found, forKey: .found)
        try c.encode(detections, forKey: .detections)
        try c.encode(inList, forKey: .inList)
        try c.encode(byED, forKey: .byED)
        try c.encode(edRatioMedian, forKey: .edRatioMedian)
        try c.encode(dataEDRatioMedian, forKey: .dataEDRatioMedian)
        try c.encode(oneToOne, forKey: .oneToOne)
        try c.encode(missed, forKey: .missed)
        try c.encode(notListed, forKey: .notListed)
    }

    /// Listed-ED bin edges, seconds: about half a decade each, from the smallest flares a 20-s
    /// light curve of a bright M dwarf shows to the largest.
    public static let edEdges: [Double] = [0, 0.3, 1, 3, 10, 30]

    /// Compares detections (of any band) with a list.
    /// - Parameters:
    ///   - tolerance: days by which intervals may miss and still match; one cadence is usual.
    ///   - searches: the searches (per band) that gave the detections; for each missed flare, the
    ///     largest point significance within its interval (give or take the tolerance) and the
    ///     reason a candidate there was turned down are taken from them: the first thing to look at
    ///     when a listed flare is not found.
    public init(
        _ list: FlareList, detections: [Detection], tolerance: Double,
        searches: [(lightcurve: Lightcurve, result: FlareFinder.Result)] = []
    ) {
        let detections = detections.sorted { $0.start < $1.start }
        var pairs: [[Int]] = Array(repeating: [], count: list.entries.count)
        var listedOf: [[Int]] = Array(repeating: [], count: detections.count)
        for (i, e) in list.entries.enumerated() {
            for (j, d) in detections.enumerated() where d.start - tolerance <= e.stop && e.start <= d.stop + tolerance {
                pairs[i].append(j)
                listedOf[j].append(i)
            }
        }
        source = list.source
        listed = list.entries.count
        found = pairs.filter { !$0.isEmpty }.count
        self.detections = detections.count
        inList = listedOf.filter { !$0.isEmpty }.count
        let withED = list.entries.indices.filter { list.entries[$0].ed != nil }
        byED = withED.isEmpty
            ? []
            : Self.edEdges.indices.map { k in
                let lo = Self.edEdges[k], hi = k + 1 < Self.edEdges.count ? Self.edEdges[k + 1] : nil
                let members = withED.filter { i in
                    let ed = list.entries[i].ed!
                    return ed >= lo && hi.map { ed < $0 } ?? true
                }
                return Bin(edMin: lo, edMax: hi, listed: members.count, found: members.filter { !pairs[$0].isEmpty }.count)
            }
        var ratios: [Double] = [], dataRatios: [Double] = []
        for (i, js) in pairs.enumerated() where js.count == 1 && listedOf[js[0]].count == 1 {
            guard let ed = list.entries[i].ed, ed > 0 else { continue }
            let d = detections[js[0]]
            ratios.append(d.equivalentDuration / ed)
            dataRatios.append((d.equivalentDuration - (d.vetting?.extrapolatedED ?? 0)) / ed)
        }
        oneToOne = ratios.count
        edRatioMedian = Statistics.median(ratios)
        dataEDRatioMedian = Statistics.median(dataRatios)
        missed = list.entries.indices.filter { pairs[$0].isEmpty }.map { i in
            let e = list.entries[i]
            var m = Missed(start: e.start, stop: e.stop, ed: e.ed)
            let lo = e.start - tolerance, hi = e.stop + tolerance
            for (lc, result) in searches {
                var k = Statistics.lowerBound(lc.time, lo)
                while k < lc.time.count, lc.time[k] <= hi {
                    if result.significance[k].isFinite { m.maxSignificance = max(m.maxSignificance ?? -.infinity, result.significance[k]) }
                    k += 1
                }
                m.turnedDown = m.turnedDown ?? result.rejected.first { $0.candidate.start <= hi && lo <= $0.candidate.stop }?.reason
            }
            return m
        }
        notListed = detections.indices.filter { listedOf[$0].isEmpty }.map { detections[$0].peakTime }
    }
}
