import Foundation
import GRDB
import Logging
import Testing

@testable import Core
import TestSupport

@Suite("Pipeline")
struct PipelineTests {
    func notebook(output: URL, seed: UInt64 = 5, jobs: Int = 2, logger: Logger = quietLogger) throws -> Notebook {
        let settings = RunSettings(output: output.path, seed: seed, jobs: jobs)
        return Notebook(name: "flares", title: "test", settings: settings, defaultSeed: 1, logger: logger)
    }

    let simulator = FlareSimulator(parameters: .init(ratePerDay: 0.5, amplitude: 0.01...0.5, fwhmMinutes: 5...30))

    @Test func aCorruptRawFileFailsItsSourceWithThePathAndTheRunGoesOn() async throws {
        try await withTemporaryFolder { folder in
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 6, seed: 5)
            let survey = SyntheticSurvey(.ztf, seed: 5)
            // First run fills the cache.
            let first = try await notebook(output: folder).run(
                catalog: catalog, observatories: [survey], analysis: FlareSearch(), simulator: simulator)
            #expect(first.failed == 0)
            // Corrupt one cached raw file, as a broken download or disk would.
            let victim = try #require(catalog.entries.first { $0.dec > -31 })
            let cache = try RawCache(root: folder.appendingPathComponent("cache"))
            let path = "synthetic-ztf/v\(SyntheticSurvey.generatorVersion)/seed5/\(victim.id)/ztf_lc.csv"
            let url = cache.url(for: path)
            let text = try String(contentsOf: url, encoding: .utf8)
            try Data(text.prefix(text.count / 2).utf8).write(to: url)

            let logs = CapturedLogs()
            let second = try await notebook(output: folder, logger: logs.logger).run(
                catalog: catalog, observatories: [survey], analysis: FlareSearch(), simulator: simulator)
            #expect(second.failed == 1)
            #expect(second.done == catalog.count - 1)
            let store = try Store(url: second.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let failure = try #require(try store.failures().first)
            #expect(failure.path == url.path)
            // Caught on the cache hit, against the SHA-256 recorded when the file was stored.
            #expect(failure.stage == .fetch)
            #expect(failure.message.contains(url.path))
            #expect(failure.message.contains("changed since it was downloaded"))
            #expect(try store.sources().first { $0.catalogId == victim.id }?.status == .failed)
            #expect(try store.run()?.status == .finished)
            #expect(logs.messages.contains { $0.level == .warning && $0.text.contains(url.path) })
            // The changed file was set aside: the next run fetches (here: makes) it again. That rerun
            // is built beside the finished database (a killed rerun left a stale one there) and
            // replaces it only at the end.
            let beside = second.runDirectory.appendingPathComponent("run.sqlite.new")
            try Data("left by a killed rerun".utf8).write(to: beside)
            // Its light-curve products are staged too: a killed rerun's leftovers are cleared, and the
            // products in place at the end are the new run's, for every source.
            let staged = second.runDirectory.appendingPathComponent(".rerun/lightcurves")
            try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
            try Data("left by a killed rerun".utf8).write(to: staged.appendingPathComponent("999.fits"))
            let third = try await notebook(output: folder).run(
                catalog: catalog, observatories: [survey], analysis: FlareSearch(), simulator: simulator)
            #expect(third.failed == 0)
            #expect(!FileManager.default.fileExists(atPath: beside.path))
            #expect(!FileManager.default.fileExists(atPath: third.runDirectory.appendingPathComponent(".rerun").path))
            let products = try FileManager.default.contentsOfDirectory(
                atPath: third.runDirectory.appendingPathComponent(LightcurveProducts.folderName).path)
            #expect(products.count == catalog.count)
            #expect(!products.contains("999.fits"))
            #expect(try Store(url: third.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true).failures().isEmpty)
        }
    }

    /// Batches of 1 % of the run, 1 to 64 sources, or what finished within the time limit.
    @Test func finishedSourcesAreStoredInBoundedBatches() throws {
        func outcome(_ id: Int64) -> SourceOutcome {
            SourceOutcome(sourceID: id, datasets: [], statistics: [], detections: [], injections: [], coverage: [])
        }
        #expect(RecordBatch(total: 24).size == 1)
        #expect(RecordBatch(total: 1_000).size == 10)
        #expect(RecordBatch(total: 100_000).size == 64)
        var batch = RecordBatch(total: 1_000)
        for id in Int64(1)...9 { #expect(batch.add(outcome(id)) == nil) }
        #expect(batch.add(outcome(10))?.map(\.sourceID) == Array(1...10))
        #expect(batch.drain().isEmpty)
        var timed = RecordBatch(total: 1_000, seconds: 0.05)
        #expect(timed.add(outcome(1)) == nil)
        Thread.sleep(forTimeInterval: 0.06)
        #expect(timed.add(outcome(2))?.map(\.sourceID) == [1, 2])
        #expect(timed.add(outcome(3)) == nil)
        #expect(timed.drain().map(\.sourceID) == [3])
    }

    @Test func theSameInputsGiveTheSameRunAndResults() async throws {
        try await withTemporaryFolder { folder in
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 8, seed: 6)
            let observatories: [any VirtualObservatory] = [SyntheticSurvey(.ztf, seed: 6), SyntheticSurvey(.tess, seed: 6)]
            func results(_ summary: RunSummary) throws -> [String] {
                let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
                let d = try store.detections(includeSimulated: true).map { "\($0.band) \($0.peakTime) \($0.ed) \($0.simulated)" }
                let s = try store.statistics().map { "\($0.sourceId) \($0.band) \($0.name) \(String(describing: $0.value))" }
                let h = try store.histograms().map { "\($0.name) \($0.counts)" }
                return (d + s + h).sorted()
            }
            let a = try await notebook(output: folder.appendingPathComponent("a"), jobs: 1).run(
                catalog: catalog, observatories: observatories, analysis: FlareSearch(), simulator: simulator)
            let b = try await notebook(output: folder.appendingPathComponent("b"), jobs: 3).run(
                catalog: catalog, observatories: observatories, analysis: FlareSearch(), simulator: simulator)
            #expect(a.runDirectory.lastPathComponent == b.runDirectory.lastPathComponent)
            #expect(a.runDirectory.lastPathComponent.hasPrefix("flares-"))
            #expect(a.runDirectory.lastPathComponent.hasSuffix("-seed5"))
            #expect(try results(a) == results(b))
            #expect(a.injections > 0)
            let store = try Store(url: a.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let run = try #require(try store.run())
            #expect(run.seed == 5)
            #expect(run.status == .finished)
            #expect(run.parameters.contains("\"n1\":3"))
            // A different seed is a different run.
            let c = try await notebook(output: folder.appendingPathComponent("a"), seed: 7).run(
                catalog: catalog, observatories: observatories, analysis: FlareSearch(), simulator: simulator)
            #expect(c.runDirectory.lastPathComponent != a.runDirectory.lastPathComponent)
        }
    }

    @Test func mergedShardsEqualTheWholeRun() async throws {
        try await withTemporaryFolder { folder in
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 9, seed: 8)
            let observatories: [any VirtualObservatory] = [SyntheticSurvey(.ztf, seed: 8), SyntheticSurvey(.tess, seed: 8)]
            let whole = try await notebook(output: folder).run(
                catalog: catalog, observatories: observatories, analysis: FlareSearch(), simulator: simulator)
            var shardDatabases: [URL] = []
            for i in [2, 0, 1] {  // any order
                let settings = RunSettings(output: folder.path, seed: 5, jobs: 2, shard: try Shard(index: i, count: 3))
                let shard = try await Notebook(name: "flares", title: "test", settings: settings, defaultSeed: 1, logger: quietLogger)
                    .run(catalog: catalog, observatories: observatories, analysis: FlareSearch(), simulator: simulator)
                #expect(shard.runDirectory.lastPathComponent.hasSuffix("-shard\(i)of3"))
                shardDatabases.append(shard.runDirectory.appendingPathComponent("run.sqlite"))
            }
            let mergedURL = folder.appendingPathComponent("merged.sqlite")
            let merged = try Store.merge(shards: shardDatabases, into: mergedURL)
            #expect(merged.id == whole.runDirectory.lastPathComponent)
            #expect(merged.status == .finished)
            let a = try Store(url: whole.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let b = try Store(url: mergedURL, readOnly: true)
            #expect(try content(a) == content(b))
            #expect(try a.histograms() == b.histograms())
            #expect(try a.sources().map(\.catalogId) == b.sources().map(\.catalogId))
            // What the statistics mean travels with them: the analysis's, then the simulator's.
            #expect(try b.statisticDescriptions() == FlareSearch().statisticDescriptions + StatisticDescription.simulation)
            #expect(try b.productDescriptions().coverageFigures == FlareSearch().coverageFigures)
            #expect(try a.productDescriptions() == b.productDescriptions())

            // Merging the shard folders also carries each source's light-curve products, renumbered
            // and with the merged run's id: byte for byte those of the whole run.
            let mergedFolder = folder.appendingPathComponent("merged-run")
            _ = try RunMerge.merge(shardFolders: shardDatabases.map { $0.deletingLastPathComponent() }, into: mergedFolder)
            let products = { (run: URL) in
                try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent(LightcurveProducts.folderName).path).sorted()
            }
            let names = try products(whole.runDirectory)
            #expect(!names.isEmpty)
            #expect(try products(mergedFolder) == names)
            for name in names {
                let path = "\(LightcurveProducts.folderName)/\(name)"
                #expect(
                    try Data(contentsOf: mergedFolder.appendingPathComponent(path))
                        == Data(contentsOf: whole.runDirectory.appendingPathComponent(path)), "\(path)")
            }

            // A shard given twice, or one missing, is refused.
            #expect(throws: MergeError.self) {
                try Store.merge(shards: [shardDatabases[0], shardDatabases[0], shardDatabases[1]], into: folder.appendingPathComponent("x.sqlite"))
            }
            #expect(throws: MergeError.missingShards(["1/3"])) {
                try Store.merge(shards: [shardDatabases[0], shardDatabases[1]], into: folder.appendingPathComponent("y.sqlite"))
            }
        }
    }

    /// The flares analysis as a child process (the executable `swift test` builds beside the test
    /// bundle), killed with SIGKILL at seeded random moments and run again each time: the finished
    /// run has the same content as an uninterrupted one, and after every kill the database passes
    /// SQLite's integrity check (its journal rolls back what the kill cut short).
    @Test func aRunKilledAtRandomMomentsAndRerunEqualsAnUninterruptedOne() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flares")
        try #require(
            FileManager.default.isExecutableFile(atPath: executable.path),
            "no flares executable beside the tests at \(executable.path) (swift test builds it with the other targets)")
        try await withTemporaryFolder { folder in
            let entries = try SyntheticSurvey.mDwarfCatalog(count: 8, seed: 20_261_124).entries
            var csv = "source_id,ra,dec,phot_g_mean_mag,pmra,pmdec,parallax\n"
            for e in entries {
                csv += "\(e.id),\(e.ra),\(e.dec),\(e.magnitude ?? .nan),\(e.pmra ?? 0),\(e.pmdec ?? 0),\(e.parallax ?? 0)\n"
            }
            let catalog = folder.appendingPathComponent("stars.csv")
            try Data(csv.utf8).write(to: catalog)
            func start(_ output: URL) throws -> Process {
                let p = Process()
                p.executableURL = executable
                p.arguments = ["--output", output.path, "--catalog", catalog.path, "--jobs", "2", "--seed", "3"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try p.run()
                return p
            }
            func database(_ output: URL) throws -> URL? {
                let runs = output.appendingPathComponent("flares")
                guard let id = try? FileManager.default.contentsOfDirectory(atPath: runs.path).first else { return nil }
                return runs.appendingPathComponent(id).appendingPathComponent("run.sqlite")
            }

            let clean = folder.appendingPathComponent("clean")
            let began = Date()
            let whole = try start(clean)
            whole.waitUntilExit()
            #expect(whole.terminationStatus == 0)
            let duration = Date().timeIntervalSince(began)
            let expected = try content(Store(url: try #require(try database(clean)), readOnly: true))
            #expect(!expected.isEmpty)

            let killed = folder.appendingPathComponent("killed")
            var g = SeededGenerator(seed: 11)
            for attempt in 0..<4 {
                let p = try start(killed)
                let delay = g.uniform(0.1...max(0.2, 0.9 * duration))
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                if let url = try database(killed), FileManager.default.fileExists(atPath: url.path) {
                    // Whatever the kill cut short, the database opens (a writer rolls back a hot
                    // journal, as the next run does) and is intact.
                    let check = try Store(url: url).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
                    #expect(check == "ok", "attempt \(attempt), killed after \(delay) s")
                }
            }
            let last = try start(killed)
            last.waitUntilExit()
            #expect(last.terminationStatus == 0)
            let store = try Store(url: try #require(try database(killed)), readOnly: true)
            #expect(try store.run()?.status == .finished)
            #expect(try content(store) == expected)
        }
    }

    /// The flares analysis as a child process, killed (SIGKILL) once it has stored three of 24 sources,
    /// then run again: the rerun says it goes on from the finished sources, processes only the
    /// others, and the run equals an uninterrupted one. With `--restart` it starts over.
    @Test func aKilledRunGoesOnFromItsFinishedSources() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flares")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "no flares executable at \(executable.path)")
        try await withTemporaryFolder { folder in
            let entries = try SyntheticSurvey.mDwarfCatalog(count: 24, seed: 20_261_124).entries
            var csv = "source_id,ra,dec,phot_g_mean_mag\n"
            for e in entries { csv += "\(e.id),\(e.ra),\(e.dec),\(e.magnitude ?? .nan)\n" }
            let catalog = folder.appendingPathComponent("stars.csv")
            try Data(csv.utf8).write(to: catalog)
            let log = folder.appendingPathComponent("log.txt")
            func start(_ output: URL, _ extra: [String] = [], killAfter: Int? = nil) throws -> Process {
                let p = Process()
                if let killAfter {
                    p.environment = ProcessInfo.processInfo.environment.merging(["VO_KILL_AFTER_SOURCES": String(killAfter)]) { $1 }
                }
                p.executableURL = executable
                p.arguments = ["--output", output.path, "--catalog", catalog.path, "--jobs", "1", "--seed", "3"] + extra
                p.standardOutput = FileHandle.nullDevice
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                p.standardError = try FileHandle(forWritingTo: log)
                try p.run()
                return p
            }
            func database(_ output: URL) -> URL? {
                let runs = output.appendingPathComponent("flares")
                guard let id = try? FileManager.default.contentsOfDirectory(atPath: runs.path).first else { return nil }
                return runs.appendingPathComponent(id).appendingPathComponent("run.sqlite")
            }
            func done(_ output: URL, suffix: String = "") -> Int {
                guard let url = database(output).map({ URL(fileURLWithPath: $0.path + suffix) }), FileManager.default.fileExists(atPath: url.path),
                    let store = try? Store(url: url, readOnly: true)
                else { return 0 }
                return (try? store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sources WHERE status = 'done'") ?? 0 }) ?? 0
            }

            let clean = folder.appendingPathComponent("clean")
            let whole = try start(clean)
            whole.waitUntilExit()
            #expect(whole.terminationStatus == 0)
            let expected = try content(Store(url: try #require(database(clean)), readOnly: true))

            let killed = folder.appendingPathComponent("killed")
            // Killed (SIGKILL, by itself: polling from here raced the child under load) once 3 are stored.
            let first = try start(killed, killAfter: 3)
            first.waitUntilExit()
            #expect(first.terminationReason == .uncaughtSignal)
            let finished = done(killed)
            try #require(finished == 3, "killed with \(finished) of 24 sources done")

            let second = try start(killed)
            second.waitUntilExit()
            #expect(second.terminationStatus == 0)
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("resuming, \(finished) of 24 sources already done"), "\(text)")
            #expect(text.contains("\(24 - finished)/\(24 - finished) sources"), "\(text)")
            let store = try Store(url: try #require(database(killed)), readOnly: true)
            #expect(try store.run()?.status == .finished)
            #expect(try content(store) == expected)

            // A finished run is rerun from the start (as is an unfinished one with --restart).
            let third = try start(killed, ["--restart"])
            third.waitUntilExit()
            let again = try String(contentsOf: log, encoding: .utf8)
            #expect(!again.contains("resuming"))
            #expect(again.contains("24/24 sources"))
            #expect(try content(Store(url: try #require(database(killed)), readOnly: true)) == expected)

            // A rerun of a finished run, killed: the finished result stays in place, untouched, and
            // the next rerun goes on from the killed one's sources (built beside it, then renamed).
            let fourth = try start(killed, killAfter: 5)
            fourth.waitUntilExit()
            let staged = done(killed, suffix: ".new")
            try #require(staged == 5, "rerun killed with \(staged) of 24 sources done")
            #expect(try Store(url: try #require(database(killed)), readOnly: true).run()?.status == .finished)
            let fifth = try start(killed)
            fifth.waitUntilExit()
            #expect(fifth.terminationStatus == 0)
            #expect(try String(contentsOf: log, encoding: .utf8).contains("resuming, \(staged) of 24 sources already done (run.sqlite.new)"))
            #expect(try content(Store(url: try #require(database(killed)), readOnly: true)) == expected)
            #expect(!FileManager.default.fileExists(atPath: try #require(database(killed)).path + ".new"))
        }
    }

    /// Everything a run found, keyed by catalog id rather than row ids.
    func content(_ store: Store) throws -> [String] {
        let catalogID = Dictionary(uniqueKeysWithValues: try store.sources().map { ($0.id!, $0.catalogId) })
        let injections = Dictionary(uniqueKeysWithValues: try store.injections().map { ($0.id!, $0) })
        let detections = try store.detections(includeSimulated: true).map { d in
            "D \(catalogID[d.sourceId]!) \(d.band) \(d.peakTime) \(d.ed) \(d.edErr) \(d.significance) \(d.simulated) \(d.peakRow) "
                + "\(d.injectionId.map { injections[$0]!.number } ?? -1)"
        }
        let statistics = try store.statistics().map { "S \(catalogID[$0.sourceId]!) \($0.band) \($0.name) \(String(describing: $0.value))" }
        let injected = try store.injections().map { 
            "I \(catalogID[$0.sourceId]!) \($0.number) \($0.time) \($0.recovered) "
                + "\($0.parameters.sorted { $0.key < $1.key }) \($0.measured.sorted { $0.key < $1.key })"
        }
        let datasets = try store.datasets().map { "F \(catalogID[$0.sourceId]!) \($0.position) \($0.rawPath) \($0.sha256)" }
        let coverage = try store.histograms().flatMap { h in
            h.counts.enumerated().filter { $0.element != 0 }.map { "H \(h.name) \($0.offset) \($0.element)" } + ["H \(h.name) outside \(h.outside)"]
        }
        let states = try store.sources().map { "T \($0.catalogId) \($0.status.rawValue)" }
        return (detections + statistics + injected + datasets + coverage + states).sorted()
    }
}

@Suite("Search against the synthetic truth")
struct SyntheticTruthTests {
    /// The synthetic stars' flares are known, so the search's purity can be measured: nearly every
    /// real detection must sit on a true flare (and time systems must line up: BTJD vs MJD).
    @Test func realDetectionsAreTrueFlares() async throws {
        try await withTemporaryFolder { folder in
            let seed: UInt64 = 12
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 30, seed: seed)
            let settings = RunSettings(output: folder.path, seed: UInt64(seed), jobs: 2)
            let summary = try await Notebook(name: "flares", title: "truth", settings: settings, defaultSeed: 1, logger: quietLogger)
                .run(
                    catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: seed), SyntheticSurvey(.tess, seed: seed)],
                    analysis: FlareSearch(), simulator: Optional<FlareSimulator>.none)
            let store = try Store(url: summary.runDirectory.appendingPathComponent("run.sqlite"), readOnly: true)
            let sources = Dictionary(uniqueKeysWithValues: try store.sources().map { ($0.id!, $0.entry) })
            let detections = try store.detections()
            #expect(detections.count >= 10)
            var onFlare = 0
            var misses: [String] = []
            for d in detections {
                let star = SyntheticStar(entry: sources[d.sourceId]!, seed: seed)
                let mjd = d.timeSystem == "BTJD" ? d.peakTime + 56_999.5 : d.peakTime
                // Largest true flare excess within a cadence of the detected peak.
                let excess = stride(from: mjd - 0.01, through: mjd + 0.01, by: 0.0005).map { t in
                    star.relativeFlux(atMJD: t, flareScale: 1) - (star.relativeFlux(atMJD: t, flareScale: 0))
                }.max() ?? 0
                if excess > 0.002 { onFlare += 1 } else { misses.append("\(d.band) \(d.peakTime) amplitude \(d.amplitude) \(d.significance)σ") }
            }
            #expect(Double(onFlare) >= 0.9 * Double(detections.count), "\(onFlare) of \(detections.count) on true flares; not: \(misses)")
        }
    }
}
