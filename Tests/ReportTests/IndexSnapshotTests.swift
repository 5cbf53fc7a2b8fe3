@testable import Core
import Foundation
import Testing

@testable import Report
import TestSupport

@Suite("IndexSnapshot")
struct IndexSnapshotTests {
    /// A run database written by hand with fixed values, so the page is the same on every machine.
    @Test func indexHTMLMatchesTheCommittedSnapshot() async throws {
        try await withTemporaryFolder { folder in
            let id = "flares-000000000000-seed1"
            let runDirectory = folder.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
            let store = try Store(url: runDirectory.appendingPathComponent("run.sqlite"))
            var coverage = FlareSearch().emptyCoverage()
            try store.begin(
                RunRecord(
                    id: id, analysis: "flares", title: "Snapshot run", parameters: "{\"analysis\":{\"name\":\"flares\"}}",
                    parameterHash: String(repeating: "0", count: 64), seed: 1, codeVersion: "0.1.0 (test)",
                    catalogName: "two stars", catalogChecksum: String(repeating: "a", count: 64), catalogCount: 2,
                    cacheDirectory: "/nonexistent/cache", shard: nil, jobs: 1, synthetic: true,
                    startedAt: "2026-01-01T00:00:00Z", finishedAt: nil, status: .running, error: nil),
                cells: [NotebookCell(runId: id, position: 0, kind: "markdown", text: "## Question\nDo <b>stars</b> flare?")],
                observatories: [ObservatoryRecord(runId: id, name: "synthetic-tess", description: "Synthetic TESS", synthetic: true)],
                histograms: coverage,
                products: .init(statistics: FlareSearch().statisticDescriptions, coverageFigures: FlareSearch().coverageFigures))
            let ids = try store.register(
                [(0, CatalogEntry(id: "4295806720000000123", name: "<script>alert(1)</script>", ra: 10, dec: 20, magnitude: 12)),
                 (1, CatalogEntry(id: "2", name: "../../etc/passwd", ra: 30, dec: -40))], runID: id)
            for k in coverage.indices { coverage[k].count(source: "4295806720000000123") }
            coverage[0].add(["TESS", 50, 12], weight: 1000)
            coverage[1].add(["TESS", 50, 12], weight: 120_000)
            let dataset = PhotometricDataset(
                observatory: "synthetic-tess", format: .spocFITS, file: CachedFile(relativePath: "t/lc.fits", size: 100, sha256: "ab"),
                selection: nil, band: "TESS", calibration: .spocNormalizedPDCSAP(bad: .defaultBad))
            try store.record(
                SourceOutcome(
                    sourceID: ids[0], datasets: [dataset],
                    statistics: [Statistic("flares", value: 1), Statistic("flare_rate", value: 0.04, unit: "1/d")],
                    detections: [
                        Detection(
                            band: "TESS", timeSystem: .btjd, start: 1500.1, stop: 1500.12, peakTime: 1500.105, amplitude: 0.05,
                            equivalentDuration: 42, equivalentDurationError: 1.5, significance: 20, pointCount: 15, firstIndex: 10,
                            lastIndex: 24, firstOrigin: PointOrigin(dataset: 0, row: 10), peakOrigin: PointOrigin(dataset: 0, row: 14),
                            lastOrigin: PointOrigin(dataset: 0, row: 24))
                    ], injections: [], coverage: coverage),
                runID: id)
            try store.recordFailure(FailureRecord(id: nil, runId: id, sourceId: ids[1], stage: .fetch, observatory: "synthetic-tess", path: nil, message: "archive said 503"))
            try store.finish(runID: id, status: .finished, at: ISO8601DateFormatter().date(from: "2026-01-01T00:01:40Z")!)
            let index = try RunRenderer(runDirectory: runDirectory, templates: templatesFolder).render()
            let html = try String(contentsOf: index, encoding: .utf8).replacingOccurrences(of: folder.path, with: "<tmp>")
            assertSnapshot(html, named: "index.html")
            // The source table's rows, which report.js draws from this file.
            assertSnapshot(try String(contentsOf: runDirectory.appendingPathComponent("data/sources.js"), encoding: .utf8), named: "sources.js")
            // And the SVG twin of the coverage figure is there, deterministic by construction.
            #expect(FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("figures/coverage.svg").path))
        }
    }
}
