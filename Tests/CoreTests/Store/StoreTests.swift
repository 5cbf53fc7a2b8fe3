import Foundation
import GRDB
import Testing

@testable import Core
import TestSupport

@Suite("Store")
struct StoreTests {
    func run(_ id: String = "r1") -> RunRecord {
        RunRecord(
            id: id, analysis: "flares", title: "t", parameters: "{}", parameterHash: "abc", seed: 1, codeVersion: "test",
            catalogName: "c", catalogChecksum: "x", catalogCount: 1, cacheDirectory: "/tmp", shard: nil, jobs: 1,
            synthetic: true, startedAt: "2026-01-01T00:00:00Z", finishedAt: nil, status: .running, error: nil)
    }

    @Test func migratesAnEmptyFileToTheCurrentSchema() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("empty.sqlite")
            _ = FileManager.default.createFile(atPath: url.path, contents: Data())
            let store = try Store(url: url)
            #expect(
                try store.appliedMigrations() == [
                    "v1: runs, sources, datasets, detections, histograms", "v2: detection vetting numbers",
                    "v3: blind vetting pages, cards and verdicts", "v4: the share of a detection's excess before its peak",
                    "v5: what the analysis's products mean, and who filled each histogram",
                    "v6: injections of any simulator, their parameters by name",
                    "v7: the part of a detection's ED extrapolated beyond its last point",
                ])
            let tables = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
            }
            for table in [
                "runs", "sources", "datasets", "detections", "real_detections", "histograms", "statistics", "failures", "injections",
                "vet_pages", "vet_cards", "verdicts", "product_descriptions", "histogram_sources", "injection_parameters",
            ] {
                #expect(tables.contains(table))
            }
            #expect(try store.run() == nil)
            // Opening again does not migrate twice.
            _ = try Store(url: url)
        }
    }

    /// A run made before v5, opened read-only (as `report render` does: no migration), has no
    /// descriptions and says so with an empty list, not an error.
    @Test func aRunFromBeforeStatisticDescriptionsReadsNone() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("run.sqlite")
            let store = try Store(url: url)
            try store.begin(run(), cells: [], observatories: [], histograms: [])
            try store.queue.write { db in
                try db.execute(sql: "DROP TABLE product_descriptions; DROP TABLE histogram_sources; DELETE FROM grdb_migrations WHERE identifier LIKE 'v5:%'")
            }
            let old = try Store(url: url, readOnly: true)
            #expect(try old.productDescriptions() == .init())
            #expect(try old.run()?.id == "r1")
        }
    }

    /// A run database migrated only up to `migration`, holding run r1 with source 1 (catalog id 'a'),
    /// and whatever `rows` adds in that schema: what an archived run of that version looks like.
    static func oldRun(at url: URL, upTo migration: String, rows: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: url.path)
        try Store.migrator.migrate(queue, upTo: migration)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, analysis, title, parameters, parameter_hash, seed, code_version, catalog_name,
                        catalog_checksum, catalog_count, cache_directory, jobs, synthetic, started_at, status)
                        VALUES ('r1', 'flares', 't', '{}', 'h', 1, 'v', 'c', 'x', 1, '/tmp', 1, 1, '2026-01-01', 'finished');
                    INSERT INTO sources (id, run_id, catalog_index, catalog_id, name, ra, dec, epoch, status) VALUES (1, 'r1', 0, 'a', 'a', 1, 2, 2016, 'done');
                    """)
            try rows(db)
        }
    }

    /// A run stored before v7 has no `ed_extrapolated` column: read as it is (an archived run opened
    /// for rendering) its detections have their vetting numbers and no extrapolated ED; migrated,
    /// the column is there and empty.
    @Test func detectionsStoredBeforeV7ReadWithoutAnExtrapolatedED() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("run.sqlite")
            try Self.oldRun(at: url, upTo: "v6: injections of any simulator, their parameters by name") { db in
                try db.execute(
                    sql: """
                        INSERT INTO detections (id, source_id, band, time_system, start, stop, peak_time, amplitude, ed, ed_err,
                            significance, n_points, first_index, last_index, first_row, peak_row, last_row, simulated,
                            points_above, rise_time, decay_time, template_delta_chi2, symmetric_delta_chi2, vetting_flags, rise_area_fraction)
                            VALUES (20, 1, 'TESS', 'BTJD', 5.49, 5.52, 5.5, 0.18, 27, 1, 9, 5, 1, 5, 1, 2, 5, 0, 4, 0.001, 0.004, 300, 250, 0, 0.2);
                        """)
            }
            for store in [try Store(url: url, readOnly: true), try Store(url: url)] {
                let d = try #require(try store.detections().first)
                #expect(d.edExtrapolated == nil)
                #expect(d.vetting?.riseAreaFraction == 0.2 && d.vetting?.extrapolatedED == nil)
                #expect(d.fields["ed_extrapolated"] == nil && d.fields["rise_area_fraction"] == 0.2)
            }
        }
    }

    /// A run stored before v6 kept a flare's amplitude, FWHM and ED as columns of `injections`. Read
    /// read-only (not migrated) and after migrating, its injections are the same named parameters,
    /// with the ED and amplitude measured by the detection of largest ED that recovered each.
    @Test func flareInjectionsStoredBeforeV6ReadAsNamedParameters() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("run.sqlite")
            try Self.oldRun(at: url, upTo: "v5: what the analysis's products mean, and who filled each histogram") { db in
                try db.execute(
                    sql: """
                        INSERT INTO injections (id, source_id, number, band, peak_time, amplitude, fwhm, ed, recovered)
                            VALUES (10, 1, 0, 'TESS', 5.5, 0.2, 0.01, 30, 1), (11, 1, 1, 'TESS', 7.5, 0.01, 0.002, 0.8, 0);
                        INSERT INTO detections (id, source_id, band, time_system, start, stop, peak_time, amplitude, ed, ed_err,
                            significance, n_points, first_index, last_index, first_row, peak_row, last_row, simulated, injection_id)
                            VALUES (20, 1, 'TESS', 'BTJD', 5.49, 5.52, 5.5, 0.18, 27, 1, 9, 5, 1, 5, 1, 2, 5, 1, 10),
                                   (21, 1, 'TESS', 'BTJD', 5.53, 5.55, 5.54, 0.05, 3, 1, 4, 3, 6, 8, 6, 7, 8, 1, 10);
                        """)
            }
            func check(_ store: Store) throws {
                let injections = try store.injections()
                #expect(injections.map(\.time) == [5.5, 7.5])
                #expect(injections[0].parameters == ["amplitude": 0.2, "fwhm": 0.01, "ed": 30])
                #expect(injections[0].measured == ["amplitude": 0.18, "ed": 27])
                #expect(injections[1].measured.isEmpty)
                let columns = try #require(try store.injectionColumns()["TESS"])
                #expect(columns.recovered == [true, false])
                #expect(columns.injected["ed"] == [30, 0.8])
                #expect(columns.measured["ed"]?.first == 27)
                #expect(columns.measured["ed"]?.last?.isNaN == true)
            }
            try check(try Store(url: url, readOnly: true))
            try check(try Store(url: url))
            #expect(try Store(url: url).appliedMigrations().last == "v7: the part of a detection's ED extrapolated beyond its last point")
        }
    }

    @Test func roundTripsARunWithSourcesDetectionsAndHistograms() async throws {
        try await withTemporaryFolder { folder in
            let store = try Store(url: folder.appendingPathComponent("run.sqlite"))
            var coverage = Histogram(name: "points", quantity: "points", axes: [HistogramAxis("snr", edges: [0, 10, 100])])
            let described = [
                StatisticDescription("rate", label: "rate", unit: "1/d", format: .significant(3), description: "events per day", sourceColumn: true),
                StatisticDescription("n", label: "points", format: .integer, description: "points", ranksSources: true),
            ]
            let figure = CoverageFigure(histogram: "points", x: "snr", title: "Points", yLabel: "points", xLog: true, caption: "points by S/N")
            try store.begin(
                run(), cells: [NotebookCell(runId: "r1", position: 0, kind: "markdown", text: "hello")], observatories: [], histograms: [coverage],
                products: .init(statistics: described, coverageFigures: [figure]))
            #expect(try store.productDescriptions() == .init(statistics: described, coverageFigures: [figure]))
            let entry = CatalogEntry(id: "4295806720000000123", name: "A <b>star</b>", ra: 1, dec: 2, magnitude: nil)
            let ids = try store.register([(0, entry)], runID: "r1")
            let file = CachedFile(relativePath: "x/y.csv", size: 10, sha256: "ff")
            let dataset = PhotometricDataset(
                observatory: "o", format: .ztfIRSACSV, file: file, selection: "1", band: "ZTF g",
                calibration: .ztfMagnitudeToMicrojansky(bad: .defaultBad))
            let vetting = FlareVetting(
                peakSignificance: 6, pointsAboveThreshold: 2, riseTime: 0.01, decayTime: 0.03, templateDeltaChiSquare: 40,
                symmetricDeltaChiSquare: 31, templateFWHM: 0.02, templateAmplitude: 0.09, riseAreaFraction: 0.25,
                extrapolatedED: 1.5, flags: [.segmentEnd, .missingCadence])
            func detection(simulated: Bool, injection: Int?) -> Detection {
                var d = Detection(
                    band: "ZTF g", timeSystem: .mjd, start: 1, stop: 2, peakTime: 1.5, amplitude: 0.1, equivalentDuration: 5,
                    equivalentDurationError: 1, significance: 6, pointCount: 3, firstIndex: 0, lastIndex: 2,
                    firstOrigin: PointOrigin(dataset: 0, row: 4), peakOrigin: PointOrigin(dataset: 0, row: 5),
                    lastOrigin: PointOrigin(dataset: 0, row: 6), simulated: simulated, injectionID: injection)
                d.vetting = simulated ? nil : vetting
                return d
            }
            coverage.count(source: entry.id)
            coverage.add([5], weight: 7)
            coverage.add([500])
            try store.record(
                SourceOutcome(
                    sourceID: ids[0], datasets: [dataset], statistics: [Statistic("flares", value: 1), Statistic("max_ed", band: "ZTF g", value: 5, unit: "s")],
                    detections: [detection(simulated: false, injection: nil), detection(simulated: true, injection: 0)],
                    injections: [.init(injection: Injection(id: 0, band: "ZTF g", peakTime: 1.5, amplitude: 0.1, fwhm: 0.01, equivalentDuration: 4), recovered: true)],
                    coverage: [coverage]),
                runID: "r1")
            try store.finish(runID: "r1", status: .finished)

            let reopened = try Store(url: store.url, readOnly: true)
            #expect(try reopened.run()?.status == .finished)
            #expect(try reopened.sources().map(\.catalogId) == ["4295806720000000123"])
            #expect(try reopened.sources().first?.magnitude == nil)
            let real = try reopened.detections()
            #expect(real.count == 1)
            #expect(real[0].simulated == false)
            #expect(real[0].peakRow == 5)
            #expect(real[0].peakDatasetId == (try reopened.datasets().first?.id))
            // Vetting numbers survive (migration v2's columns), flags included; none where none were given.
            #expect(real[0].vetting == vetting)
            #expect(real[0].vetting?.flags.names == ["segment end", "missing cadence"])
            #expect(try reopened.read { try Int.fetchOne($0, sql: "SELECT vetting_flags FROM real_detections") } == 6)
            let all = try reopened.detections(includeSimulated: true)
            #expect(all.count == 2)
            let simulated = try #require(all.first { $0.simulated })
            #expect(simulated.vetting == nil)
            #expect(simulated.injectionId == (try reopened.injections().first?.id))
            // The view users query sees only real detections.
            #expect(try reopened.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM real_detections") } == 1)
            let restored = try #require(try reopened.histograms().first)
            #expect(restored == coverage)
            let loaded = try reopened.datasets()[0].dataset()
            #expect(loaded.calibration == .ztfMagnitudeToMicrojansky(bad: .defaultBad))
            #expect(loaded.file == file)
            #expect(try reopened.statistics().count == 2)
        }
    }

    /// The sources that filled a histogram are the ones stored with it, not "every finished
    /// source": here one finished source adds to `points` only, another to neither.
    @Test func aHistogramKnowsWhoFilledIt() async throws {
        try await withTemporaryFolder { folder in
            let store = try Store(url: folder.appendingPathComponent("run.sqlite"))
            let axes = [HistogramAxis("snr", edges: [0, 10, 100])]
            let empty = [Histogram(name: "points", quantity: "points", axes: axes), Histogram(name: "exposure", quantity: "s", axes: axes)]
            try store.begin(run(), cells: [], observatories: [], histograms: empty)
            let ids = try store.register(
                [(0, CatalogEntry(id: "a", ra: 1, dec: 1)), (1, CatalogEntry(id: "b", ra: 2, dec: 2)), (2, CatalogEntry(id: "c", ra: 3, dec: 3))],
                runID: "r1")
            func outcome(_ k: Int, filling names: Set<String>) -> SourceOutcome {
                let coverage = empty.map { h -> Histogram in
                    var h = h
                    if names.contains(h.name) {
                        h.add([.value(5)])
                        h.count(source: ["a", "b", "c"][k])
                    }
                    return h
                }
                return SourceOutcome(sourceID: ids[k], datasets: [], statistics: [], detections: [], injections: [], coverage: coverage)
            }
            try store.record([outcome(0, filling: ["points", "exposure"]), outcome(1, filling: ["points"]), outcome(2, filling: [])], runID: "r1")
            let histograms = Dictionary(uniqueKeysWithValues: try store.histograms().map { ($0.name, $0) })
            #expect(histograms["points"]?.sources == ["a", "b"])
            #expect(histograms["exposure"]?.sources == ["a"])
            #expect(histograms["points"]?.total == 2 && histograms["exposure"]?.total == 1)
            // Counts alone, for figures: the same counts, no contributors read.
            let counts = try store.histograms(contributors: false)
            #expect(counts.map(\.counts) == (try store.histograms()).map(\.counts))
            #expect(counts.allSatisfy { $0.sources.isEmpty })
            #expect(try store.sources().allSatisfy { $0.status == .done })
        }
    }

    @Test func aFailureMarksTheSourceFailedAndKeepsWhatWasStored() async throws {
        try await withTemporaryFolder { folder in
            let store = try Store(url: folder.appendingPathComponent("run.sqlite"))
            try store.begin(run(), cells: [], observatories: [], histograms: [])
            let ids = try store.register([(0, CatalogEntry(id: "a", ra: 1, dec: 1)), (1, CatalogEntry(id: "b", ra: 2, dec: 2))], runID: "r1")
            try store.recordFailure(FailureRecord(id: nil, runId: "r1", sourceId: ids[1], stage: .load, observatory: nil, path: "/x.fits", message: "broken"))
            let sources = try store.sources()
            #expect(sources.map(\.status) == [.pending, .failed])
            #expect(try store.failures().first?.path == "/x.fits")
            // The run never finished: that is visible.
            #expect(try store.run()?.status == .running)
        }
    }

    @Test func aMissingDatabaseIsAClearError() {
        #expect(throws: StoreError.missing(path: "/nonexistent/run.sqlite")) {
            try Store(url: URL(fileURLWithPath: "/nonexistent/run.sqlite"), readOnly: true)
        }
    }
}
