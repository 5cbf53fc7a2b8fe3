import Foundation
import Testing

@testable import Core
import TestSupport

/// `--prefetch`: the run only downloads, records what failed, and leaves no run database; the
/// analysis that follows finds the files in the cache.
@Suite("Prefetch")
struct PrefetchTests {
    let fast = RetryPolicy(attempts: 2, baseDelay: 0.01, maximumDelay: 0.02, timeout: 5)

    func catalog(_ n: Int) throws -> Catalog {
        try Catalog(
            name: "prefetch", entries: (0..<n).map { CatalogEntry(id: "star-\($0)", name: "S\($0)", ra: 359.9997, dec: 51.3937 + Double($0) * 0.01) })
    }

    func notebook(_ folder: URL, prefetch: Bool) -> Notebook {
        Notebook(
            name: "flares", title: "prefetch test", settings: RunSettings(output: folder.path, seed: 3, jobs: 3, prefetch: prefetch),
            defaultSeed: 1, logger: quietLogger)
    }

    @Test func aFailedFetchIsRecordedByNameTheOthersAreCachedAndTheRunFails() async throws {
        let body = try Data(contentsOf: try fixture("ztf_irsa_two_objects.csv"))
        // The archive refuses the fourth star (dec 51.4237) until `healed`.
        final class Switch: @unchecked Sendable { var healed = false }
        let state = Switch()
        let server = try LoopbackServer { request in
            if !state.healed, request.query["POS"]?.contains(" 51.4237") == true {
                return .respond(status: 500, headers: [:], body: Data("Internal Server Error: database unavailable".utf8))
            }
            return .respond(status: 200, headers: ["Content-Type": "text/csv"], body: body)
        }
        defer { server.stop() }
        let archive = ZTFArchive(baseURL: server.baseURL, retry: fast, client: URLSessionHTTPClient(), environment: [:])
        let catalog = try catalog(6)
        try await withTemporaryFolder { folder in
            await #expect(throws: PrefetchError.self) {
                try await notebook(folder, prefetch: true).run(
                    catalog: catalog, observatories: [archive], analysis: FlareSearch(), simulator: nil as FlareSimulator?)
            }
            // One record, named by the run id the analysis will have, with the failure and its reason.
            let prefetchFolder = folder.appendingPathComponent("flares/prefetch")
            let names = try FileManager.default.contentsOfDirectory(atPath: prefetchFolder.path)
            #expect(names.count == 1)
            let recordURL = prefetchFolder.appendingPathComponent(try #require(names.first))
            let record = try JSONDecoder().decode(Notebook.PrefetchRecord.self, from: Data(contentsOf: recordURL))
            #expect(record.sources == 6)
            #expect(record.files == 5)
            #expect(record.failures.map(\.catalogID) == ["star-3"])
            #expect(record.failures.first?.observatory == "ztf")
            #expect(record.failures.first?.message.contains("500") == true)
            #expect(record.failures.first?.message.contains("database unavailable") == true)
            // Retried before it was given up (two attempts), and nothing but downloads happened.
            #expect(server.requests.count == 5 + 2)
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("flares/\(record.runID)").path))
            let runID = record.runID

            // The archive is back: a second prefetch asks only for the missing star and succeeds.
            state.healed = true
            let summary = try await notebook(folder, prefetch: true).run(
                catalog: catalog, observatories: [archive], analysis: FlareSearch(), simulator: nil as FlareSimulator?)
            #expect(summary.failed == 0)
            #expect(server.requests.count == 7 + 1)
            let second = try JSONDecoder().decode(Notebook.PrefetchRecord.self, from: Data(contentsOf: recordURL))
            #expect(second.runID == runID && second.failures.isEmpty && second.files == 6)

            // The analysis then runs from the cache alone, under the run id the prefetch named.
            let run = try await notebook(folder, prefetch: false).run(
                catalog: catalog, observatories: [archive], analysis: FlareSearch(), simulator: nil as FlareSimulator?)
            #expect(server.requests.count == 8)
            #expect(run.runDirectory.lastPathComponent == runID)
            #expect(run.failed == 0 && run.done == 6)
        }
    }
}
