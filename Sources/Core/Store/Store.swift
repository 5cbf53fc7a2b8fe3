import Foundation
import GRDB

/// The SQLite database of one run: owns the schema and its migrations, and every read and write.
///
/// Writes are transactional: everything about one source (datasets, statistics, detections,
/// injections, its share of the coverage histograms, its status) lands in one transaction or not at
/// all. A run that crashes leaves a database that opens, whose `runs.status` still says `running`,
/// and whose finished sources are complete.
///
/// ```swift
/// let store = try Store(url: runDirectory.appendingPathComponent("run.sqlite"))
/// let real = try store.detections()                        // simulated ones excluded
/// let all = try store.detections(includeSimulated: true)
/// ```
public final class Store: Sendable {
    public let url: URL
    let queue: DatabaseQueue

    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    /// - Throws: ``StoreError`` naming the file.
    public init(url: URL, readOnly: Bool = false) throws {
        self.url = url
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        do {
            if readOnly && !FileManager.default.fileExists(atPath: url.path) {
                throw StoreError.missing(path: url.path)
            }
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            if !readOnly { try Self.migrator.migrate(queue) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotOpen(path: url.path, reason: String(describing: error))
        }
    }

    /// Names of the migrations applied to this database, in order.
    public func appliedMigrations() throws -> [String] {
        try wrap { try queue.read { try Self.migrator.appliedMigrations($0) } }
    }

    // MARK: Writing a run

    public func begin(
        _ run: RunRecord, cells: [NotebookCell], observatories: [ObservatoryRecord], histograms: [Histogram],
        products: ProductDescriptions = ProductDescriptions()
    ) throws {
        try wrap {
            try queue.write { db in
                var run = run
                try run.insert(db)
                for var cell in cells { try cell.insert(db) }
                for var o in observatories { try o.insert(db) }
                for h in histograms {
                    try db.execute(
                        sql: "INSERT INTO histograms (run_id, name, quantity, axes) VALUES (?, ?, ?, ?)",
                        arguments: [run.id, h.name, h.quantity, try CanonicalJSON.string(h.axes)])
                }
                try Self.insert(products, runID: run.id, into: db)
            }
        }
    }

    /// What a run's analysis (and simulator) said of its products: stored with the run so that a
    /// report is drawn from the database alone.
    public struct ProductDescriptions: Sendable, Equatable {
        public var statistics: [StatisticDescription]
        public var coverageFigures: [CoverageFigure]
        public var detectionFields: [DetectionFieldDescription]
        public var injectionParameters: [InjectionParameterDescription]
        public var sensitivityFigures: [SensitivityFigure]
        public var sourceFigures: [SourceFigure]

        public init(
            statistics: [StatisticDescription] = [], coverageFigures: [CoverageFigure] = [],
            detectionFields: [DetectionFieldDescription] = [], injectionParameters: [InjectionParameterDescription] = [],
            sensitivityFigures: [SensitivityFigure] = [], sourceFigures: [SourceFigure] = []
        ) {
            self.statistics = statistics
            self.coverageFigures = coverageFigures
            self.detectionFields = detectionFields
            self.injectionParameters = injectionParameters
            self.sensitivityFigures = sensitivityFigures
            self.sourceFigures = sourceFigures
        }
    }

    static func insert(_ products: ProductDescriptions, runID: String, into db: Database) throws {
        func put(_ kind: String, _ position: Int, _ name: String, _ json: String) throws {
            try db.execute(
                sql: "INSERT INTO product_descriptions (run_id, kind, position, name, description) VALUES (?, ?, ?, ?, ?)",
                arguments: [runID, kind, position, name, json])
        }
        for (k, d) in products.statistics.enumerated() { try put("statistic", k, d.name, try CanonicalJSON.string(d)) }
        for (k, f) in products.coverageFigures.enumerated() { try put("coverage figure", k, f.histogram, try CanonicalJSON.string(f)) }
        for (k, f) in products.detectionFields.enumerated() { try put("detection field", k, f.name, try CanonicalJSON.string(f)) }
        for (k, p) in products.injectionParameters.enumerated() { try put("injection parameter", k, p.name, try CanonicalJSON.string(p)) }
        for (k, f) in products.sensitivityFigures.enumerated() { try put("sensitivity figure", k, f.x, try CanonicalJSON.string(f)) }
        for (k, f) in products.sourceFigures.enumerated() { try put("source figure", k, f.statistic, try CanonicalJSON.string(f)) }
    }

    /// What the run's products mean (empty for runs made before they were stored).
    public func productDescriptions() throws -> ProductDescriptions {
        try wrap {
            try queue.read { db in
                // A database opened read-only is not migrated: one made before v5 has no such table.
                guard try db.tableExists("product_descriptions") else { return ProductDescriptions() }
                func fetch<T: Decodable>(_ kind: String, as type: T.Type) throws -> [T] {
                    try String.fetchAll(
                        db, sql: "SELECT description FROM product_descriptions WHERE kind = ? ORDER BY position", arguments: [kind]
                    ).map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
                }
                return ProductDescriptions(
                    statistics: try fetch("statistic", as: StatisticDescription.self),
                    coverageFigures: try fetch("coverage figure", as: CoverageFigure.self),
                    detectionFields: try fetch("detection field", as: DetectionFieldDescription.self),
                    injectionParameters: try fetch("injection parameter", as: InjectionParameterDescription.self),
                    sensitivityFigures: try fetch("sensitivity figure", as: SensitivityFigure.self),
                    sourceFigures: try fetch("source figure", as: SourceFigure.self))
            }
        }
    }

    /// What the run's statistics mean, in the analysis's order (none for runs made before they were stored).
    public func statisticDescriptions() throws -> [StatisticDescription] { try productDescriptions().statistics }

    /// Inserts the catalog as `pending` sources and returns their ids, in catalog order.
    public func register<Entries: Sequence>(_ entries: Entries, runID: String) throws -> [Int64]
    where Entries.Element == (index: Int, entry: CatalogEntry) {
        try wrap {
            try queue.write { db in
                // One prepared statement for all rows: a 500,000-source catalog registers in seconds.
                let statement = try db.makeStatement(
                    sql: """
                        INSERT INTO sources (run_id, catalog_index, catalog_id, name, ra, dec, magnitude, magnitude_band,
                            pmra, pmdec, parallax, epoch, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                return try entries.map { item in
                    let e = item.entry
                    try statement.execute(arguments: [
                        runID, item.index, e.id, e.name, e.ra, e.dec, e.magnitude, e.magnitudeBand, e.pmra, e.pmdec, e.parallax,
                        e.epoch, SourceRecord.Status.pending.rawValue,
                    ])
                    return db.lastInsertedRowID
                }
            }
        }
    }

    /// Rows that belong to a source (datasets, injections, detections, failures) have ids
    /// `source id × rowIDStride + ordinal` (ordinal from 1, in the order the source's outcome lists
    /// them), not the next free row id: which source finishes first must not change any id, and
    /// source ids follow the catalog order. So two runs of the same inputs give the same ids with
    /// any `--jobs`, and a merge of shards gives the ids of the unsharded run.
    public static let rowIDStride: Int64 = 1_000_000

    /// The id of the `ordinal`-th (from 1) row of a source in a per-source table.
    public static func rowID(source: Int64, ordinal: Int) -> Int64 {
        precondition(ordinal >= 1 && Int64(ordinal) < rowIDStride, "a source has at most \(rowIDStride - 1) rows per table")
        return source * rowIDStride + Int64(ordinal)
    }

    /// The ordinal of a row id made by ``rowID(source:ordinal:)``; nil for an id of another scheme.
    static func ordinal(of id: Int64, source: Int64) -> Int? {
        let k = id - source * rowIDStride
        return k >= 1 && k < rowIDStride ? Int(k) : nil
    }

    /// Stores everything about one processed source in one transaction.
    public func record(_ outcome: SourceOutcome, runID: String) throws {
        try record([outcome], runID: runID)
    }

    /// Stores finished sources in one transaction (each marked done only if all of them are
    /// stored); their coverage is added to the run's histograms bin by bin.
    public func record(_ outcomes: [SourceOutcome], runID: String) throws {
        try wrap {
            try queue.write { db in
                var coverage: [HistogramBin: Int64] = [:]
                for outcome in outcomes {
                    try Self.insert(outcome, into: db)
                    for h in outcome.coverage where !h.sources.isEmpty {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO histogram_sources (run_id, name, source_id) VALUES (?, ?, ?)",
                            arguments: [runID, h.name, outcome.sourceID])
                    }
                    for h in outcome.coverage {
                        for (bin, count) in h.counts.enumerated() where count != 0 {
                            coverage[HistogramBin(name: h.name, bin: bin), default: 0] += count
                        }
                        if h.outside != 0 { coverage[HistogramBin(name: h.name, bin: -1), default: 0] += h.outside }
                    }
                }
                for (key, count) in coverage.sorted(by: { ($0.key.name, $0.key.bin) < ($1.key.name, $1.key.bin) }) {
                    try Self.addCount(db, runID: runID, name: key.name, bin: key.bin, count: count)
                }
            }
        }
    }

    private struct HistogramBin: Hashable {
        var name: String
        var bin: Int
    }

    /// One source's rows, its status set to done.
    private static func insert(_ outcome: SourceOutcome, into db: Database) throws {
        var datasetIDs: [Int64] = []
        for (position, d) in outcome.datasets.enumerated() {
            var record = DatasetRecord(
                id: rowID(source: outcome.sourceID, ordinal: position + 1), sourceId: outcome.sourceID, position: position, observatory: d.observatory,
                band: d.band, format: d.format, rawPath: d.file.relativePath, selection: d.selection,
                sizeBytes: d.file.size, sha256: d.file.sha256,
                calibration: try CanonicalJSON.string(d.calibration))
            try record.insert(db)
            datasetIDs.append(record.id!)
        }
        func datasetID(_ origin: PointOrigin) -> Int64? {
            datasetIDs.indices.contains(Int(origin.dataset)) ? datasetIDs[Int(origin.dataset)] : nil
        }
        for s in outcome.statistics {
            var statistic = StatisticRecord(
                sourceId: outcome.sourceID, band: s.band ?? "", name: s.name,
                value: s.value.isFinite ? s.value : nil, unit: s.unit)
            try statistic.insert(db, onConflict: .replace)
        }
        var injectionIDs: [Int: Int64] = [:]
        for (k, item) in outcome.injections.enumerated() {
            var record = InjectionRecord(
                item.injection, id: rowID(source: outcome.sourceID, ordinal: k + 1), sourceId: outcome.sourceID, recovered: item.recovered)
            try record.insert(db)
            injectionIDs[item.injection.id] = record.id!
            for var parameter in InjectionParameterRecord.records(of: item.injection, measured: item.measured, injectionId: record.id!) {
                try parameter.insert(db)
            }
        }
        for (k, d) in outcome.detections.enumerated() {
            var record = DetectionRecord(
                d, id: rowID(source: outcome.sourceID, ordinal: k + 1), sourceId: outcome.sourceID, datasetID: datasetID,
                injectionId: d.injectionID.flatMap { injectionIDs[$0] })
            try record.insert(db)
        }
        try db.execute(
            sql: "UPDATE sources SET status = ? WHERE id = ?",
            arguments: [SourceRecord.Status.done.rawValue, outcome.sourceID])
    }

    static func addCount(_ db: Database, runID: String, name: String, bin: Int, count: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO histogram_counts (run_id, name, bin, count) VALUES (?, ?, ?, ?)
                ON CONFLICT (run_id, name, bin) DO UPDATE SET count = count + excluded.count
                """, arguments: [runID, name, bin, count])
    }

    /// Records a failure; with a source, marks that source failed (keeping whatever it already stored).
    public func recordFailure(_ failure: FailureRecord) throws {
        try wrap {
            try queue.write { db in
                var failure = failure
                if failure.id == nil, let source = failure.sourceId {
                    // The source's next failure ordinal (a source stops at its first failure today).
                    let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM failures WHERE source_id = ?", arguments: [source]) ?? 0
                    failure.id = Self.rowID(source: source, ordinal: count + 1)
                }
                try failure.insert(db)
                if let id = failure.sourceId {
                    try db.execute(
                        sql: "UPDATE sources SET status = ? WHERE id = ?",
                        arguments: [SourceRecord.Status.failed.rawValue, id])
                }
            }
        }
    }

    public func finish(runID: String, status: RunRecord.Status, error: String? = nil, at date: Date = Date()) throws {
        try wrap {
            try queue.write { db in
                try db.execute(
                    sql: "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?",
                    arguments: [status.rawValue, Store.timestamp(date), error, runID])
            }
        }
    }

    // MARK: Reading

    /// The run this database holds (one per database), or nil for an empty database.
    public func run() throws -> RunRecord? {
        try wrap { try queue.read { try RunRecord.fetchOne($0) } }
    }

    public func cells() throws -> [NotebookCell] {
        try wrap { try queue.read { try NotebookCell.order(Column("position")).fetchAll($0) } }
    }

    public func observatories() throws -> [ObservatoryRecord] {
        try wrap { try queue.read { try ObservatoryRecord.order(Column("name")).fetchAll($0) } }
    }

    public func sources() throws -> [SourceRecord] {
        try wrap { try queue.read { try SourceRecord.order(Column("catalog_index")).fetchAll($0) } }
    }

    public func datasets(sourceID: Int64? = nil) throws -> [DatasetRecord] {
        try wrap {
            try queue.read { db in
                var request = DatasetRecord.order(Column("source_id"), Column("position"))
                if let sourceID { request = request.filter(Column("source_id") == sourceID) }
                return try request.fetchAll(db)
            }
        }
    }

    /// The datasets of these sources (a report's pages: a few sources of many).
    public func datasets(sourceIDs: [Int64]) throws -> [DatasetRecord] {
        try wrap {
            try queue.read { db in
                try DatasetRecord.filter(sourceIDs.contains(Column("source_id")))
                    .order(Column("source_id"), Column("position")).fetchAll(db)
            }
        }
    }

    /// How many datasets each source has (sources with none are absent).
    public func datasetCounts() throws -> [Int64: Int] {
        try wrap {
            try queue.read { db in
                var counts: [Int64: Int] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT source_id, COUNT(*) FROM datasets GROUP BY source_id")
                while let row = try rows.next() { counts[row[0]] = row[1] }
                return counts
            }
        }
    }

    /// One raw file of the run: several datasets can share one (ZTF: one answer, several objects).
    public struct RawFileRecord: Sendable, Equatable {
        public var path: String
        public var sizeBytes: Int64
        public var sha256: String
    }

    /// Every raw file the run's datasets were read from, once each, by path.
    public func rawFiles() throws -> [RawFileRecord] {
        try wrap {
            try queue.read { db in
                var files: [RawFileRecord] = []
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT raw_path, MAX(size_bytes), MAX(sha256) FROM datasets GROUP BY raw_path ORDER BY raw_path")
                while let row = try rows.next() { files.append(RawFileRecord(path: row[0], sizeBytes: row[1], sha256: row[2])) }
                return files
            }
        }
    }

    /// Detections, real only unless `includeSimulated`.
    public func detections(sourceID: Int64? = nil, includeSimulated: Bool = false) throws -> [DetectionRecord] {
        try wrap {
            try queue.read { db in
                var request = DetectionRecord.order(Column("source_id"), Column("band"), Column("peak_time"))
                if !includeSimulated { request = request.filter(Column("simulated") == false) }
                if let sourceID { request = request.filter(Column("source_id") == sourceID) }
                return try request.fetchAll(db)
            }
        }
    }

    /// Only the simulated detections (for sensitivity figures).
    public func simulatedDetections() throws -> [DetectionRecord] {
        try wrap {
            try queue.read { try DetectionRecord.filter(Column("simulated") == true).order(Column("id")).fetchAll($0) }
        }
    }

    /// Every injection, with its parameters as injected and measured.
    public func injections() throws -> [InjectionRecord] {
        try wrap {
            try queue.read { db in
                guard try db.tableExists("injection_parameters") else { return try Self.injectionsBeforeV6(db) }
                var injections = try InjectionRecord.order(Column("id")).fetchAll(db)
                var position: [Int64: Int] = [:]
                for (k, i) in injections.enumerated() { if let id = i.id { position[id] = k } }
                let rows = try InjectionParameterRecord.fetchCursor(db)
                while let p = try rows.next() {
                    guard let k = position[p.injectionId] else { continue }
                    injections[k].parameters[p.name] = p.injected
                    if let measured = p.measured { injections[k].measured[p.name] = measured }
                }
                return injections
            }
        }
    }

    /// Statistics of one source or of all, of one band only (`""`: the source's own, over all bands)
    /// or of every band.
    public func statistics(sourceID: Int64? = nil, band: String? = nil) throws -> [StatisticRecord] {
        try wrap {
            try queue.read { db in
                var request = StatisticRecord.order(Column("source_id"), Column("band"), Column("name"))
                if let sourceID { request = request.filter(Column("source_id") == sourceID) }
                if let band { request = request.filter(Column("band") == band) }
                return try request.fetchAll(db)
            }
        }
    }

    /// Every statistic of these sources (a report's pages: a few sources of many).
    public func statistics(sourceIDs: [Int64]) throws -> [StatisticRecord] {
        try wrap {
            try queue.read { db in
                try StatisticRecord.filter(sourceIDs.contains(Column("source_id")))
                    .order(Column("source_id"), Column("band"), Column("name")).fetchAll(db)
            }
        }
    }

    /// The injections of one band as columns: what a sensitivity figure needs of a million
    /// injections, without their records.
    public struct InjectionColumns: Sendable, Equatable {
        public var recovered: [Bool] = []
        /// Injected value of each parameter, by name (NaN where an injection lacks it).
        public var injected: [String: [Double]] = [:]
        /// Measured value of each parameter some injection has a measurement of (NaN where none).
        public var measured: [String: [Double]] = [:]
        public var count: Int { recovered.count }

        mutating func set(_ name: String, _ value: Double, row: Int, measured isMeasured: Bool) {
            func put(_ column: inout [Double]) {
                if column.count < row + 1 { column += [Double](repeating: .nan, count: row + 1 - column.count) }
                column[row] = value
            }
            if isMeasured { put(&measured[name, default: []]) } else { put(&injected[name, default: []]) }
        }

        /// Every column `count` long.
        mutating func pad() {
            for name in injected.keys where injected[name]!.count < count {
                injected[name]! += [Double](repeating: .nan, count: count - injected[name]!.count)
            }
            for name in measured.keys where measured[name]!.count < count {
                measured[name]! += [Double](repeating: .nan, count: count - measured[name]!.count)
            }
        }
    }

    /// Every injection's parameters, as injected and measured, and whether it was recovered, by
    /// band (read with a cursor).
    public func injectionColumns() throws -> [String: InjectionColumns] {
        try wrap {
            try queue.read { db in
                var bands: [String: InjectionColumns] = [:]
                guard try db.tableExists("injection_parameters") else {
                    for i in try Self.injectionsBeforeV6(db) {
                        bands[i.band, default: InjectionColumns()].recovered.append(i.recovered)
                        let row = bands[i.band]!.count - 1
                        for (name, value) in i.parameters { bands[i.band]!.set(name, value, row: row, measured: false) }
                        for (name, value) in i.measured { bands[i.band]!.set(name, value, row: row, measured: true) }
                    }
                    for band in bands.keys { bands[band]!.pad() }
                    return bands
                }
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT i.id, i.band, i.recovered, p.name, p.injected, p.measured FROM injections i
                        LEFT JOIN injection_parameters p ON p.injection_id = i.id ORDER BY i.id
                        """)
                var current: Int64? = nil
                var row = -1
                while let r = try rows.next() {
                    let id: Int64 = r[0]
                    let band: String = r[1]
                    if id != current {
                        current = id
                        bands[band, default: InjectionColumns()].recovered.append(r[2])
                        row = bands[band]!.count - 1
                    }
                    guard let name: String = r[3] else { continue }
                    bands[band]!.set(name, r[4], row: row, measured: false)
                    if let measured: Double = r[5] { bands[band]!.set(name, measured, row: row, measured: true) }
                }
                for band in bands.keys { bands[band]!.pad() }
                return bands
            }
        }
    }

    /// The injections of a database made before v6 and opened read-only (not migrated: `report
    /// render` of an archived run), read as migration v6 would have stored them.
    static func injectionsBeforeV6(_ db: Database) throws -> [InjectionRecord] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT i.id, i.source_id, i.number, i.band, i.peak_time, i.recovered, i.amplitude, i.fwhm, i.ed,
                    (SELECT d.ed FROM detections d WHERE d.injection_id = i.id ORDER BY d.ed DESC LIMIT 1) AS measured_ed,
                    (SELECT d.amplitude FROM detections d WHERE d.injection_id = i.id ORDER BY d.ed DESC LIMIT 1) AS measured_amplitude
                FROM injections i ORDER BY i.id
                """
        ).map { row in
            var measured: [String: Double] = [:]
            if let ed: Double = row["measured_ed"] { measured["ed"] = ed }
            if let amplitude: Double = row["measured_amplitude"] { measured["amplitude"] = amplitude }
            return InjectionRecord(
                id: row["id"], sourceId: row["source_id"], number: row["number"], band: row["band"], time: row["peak_time"],
                recovered: row["recovered"], parameters: ["amplitude": row["amplitude"], "fwhm": row["fwhm"], "ed": row["ed"]],
                measured: measured)
        }
    }

    /// How many sources are pending, done and failed.
    public func sourceCounts() throws -> [SourceRecord.Status: Int] {
        try wrap {
            try queue.read { db in
                var counts: [SourceRecord.Status: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM sources GROUP BY status") {
                    if let status = SourceRecord.Status(rawValue: row["status"]) { counts[status] = row["n"] }
                }
                return counts
            }
        }
    }

    /// Real detections, injections and recovered injections, counted in the database (a run of
    /// 100,000 stars holds a million injections: they are not loaded to be counted).
    public func eventCounts() throws -> (detections: Int, injections: Int, recovered: Int) {
        try wrap {
            try queue.read { db in
                let detections = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM detections WHERE simulated = 0") ?? 0
                let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(recovered), 0) AS r FROM injections")
                return (detections, row?["n"] ?? 0, row?["r"] ?? 0)
            }
        }
    }

    public func failures() throws -> [FailureRecord] {
        try wrap { try queue.read { try FailureRecord.order(Column("id")).fetchAll($0) } }
    }

    /// The run's coverage histograms, with the identifiers of the sources that were counted.
    /// The run's coverage histograms. `contributors: false` leaves their ``Histogram/sources``
    /// empty: a figure needs the counts only, and at 100,000 sources the contributors are hundreds
    /// of thousands of rows.
    public func histograms(contributors withContributors: Bool = true) throws -> [Histogram] {
        try wrap {
            try queue.read { db in
                // Who filled each histogram; a run made before v5 (opened read-only, not migrated)
                // did not store it, and every finished source is taken to have.
                var contributors: [String: Set<String>] = [:]
                if withContributors, try db.tableExists("histogram_sources") {
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT h.name, s.catalog_id FROM histogram_sources h JOIN sources s ON s.id = h.source_id")
                    while let row = try rows.next() { contributors[row[0], default: []].insert(row[1]) }
                } else if withContributors {
                    let done = Set(try String.fetchAll(db, sql: "SELECT catalog_id FROM sources WHERE status = 'done'"))
                    for name in try String.fetchAll(db, sql: "SELECT name FROM histograms") { contributors[name] = done }
                }
                let rows = try Row.fetchAll(db, sql: "SELECT run_id, name, quantity, axes FROM histograms ORDER BY rowid")
                return try rows.map { row in
                    let axes = try JSONDecoder().decode([HistogramAxis].self, from: Data((row["axes"] as String).utf8))
                    var counts: [Int: Int64] = [:]
                    for r in try Row.fetchAll(
                        db, sql: "SELECT bin, count FROM histogram_counts WHERE run_id = ? AND name = ?",
                        arguments: [row["run_id"] as String, row["name"] as String])
                    {
                        counts[r["bin"]] = r["count"]
                    }
                    return Histogram(
                        restoring: row["name"], quantity: row["quantity"], axes: axes, counts: counts,
                        sources: contributors[row["name"] as String] ?? [])
                }
            }
        }
    }

    /// Runs arbitrary read-only SQL (for users' own queries and tests).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try wrap { try queue.read(body) }
    }

    /// Runs a write transaction (for the store's own extensions).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try wrap { try queue.write(body) }
    }

    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw StoreError.database(path: url.path, message: error.description)
        }
    }
}

extension Histogram {
    /// Rebuilds a histogram from stored sparse counts (bin −1 = outside the axes).
    init(restoring name: String, quantity: String, axes: [HistogramAxis], counts: [Int: Int64], sources: Set<String>) {
        self.init(name: name, quantity: quantity, axes: axes)
        self.restore(counts: counts, sources: sources)
    }
}

public enum StoreError: Error, LocalizedError, Equatable {
    case missing(path: String)
    case cannotOpen(path: String, reason: String)
    case database(path: String, message: String)
    case notARun(path: String)

    public var errorDescription: String? {
        switch self {
        case let .missing(p): return "no run database at \(p)"
        case let .cannotOpen(p, r): return "cannot open run database \(p): \(r)"
        case let .database(p, m): return "run database \(p): \(m)"
        case let .notARun(p): return "\(p) holds no run"
        }
    }
}

extension Store {
    /// The version of the SQLite library GRDB runs on, e.g. "3.40.1".
    public func sqliteVersion() throws -> String {
        try read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "unknown" }
    }
}
