import Foundation
import Testing

@testable import Core
import TestSupport

@Suite("Run settings")
struct RunSettingsTests {
    @Test func aShardIsParsedFromITimesNAndWrittenBackTheSameWay() throws {
        let shard = try Shard(parsing: "1/4")
        #expect(shard.index == 1)
        #expect(shard.count == 4)
        #expect(shard.description == "1/4")
        #expect(try Shard(parsing: shard.description) == shard)
    }

    @Test(arguments: ["4/4", "-1/4", "1/0", "1/", "/4", "1/4/2", "a/b", "", "1 / 4"])
    func aMalformedShardIsRefusedNamingTheValue(text: String) {
        #expect(throws: RunSettingsError.invalid("--shard must be i/N with 0 ≤ i < N, got '\(text)'")) {
            try Shard(parsing: text)
        }
    }

    @Test func aShardOutsideItsCountIsRefused() {
        #expect(throws: RunSettingsError.invalid("a shard must be i/N with 0 ≤ i < N, got 3/3")) {
            try Shard(index: 3, count: 3)
        }
    }

    @Test func settingsWithoutJobsOrAnOutputFolderAreRefused() throws {
        #expect(throws: RunSettingsError.invalid("--jobs must be at least 1, got 0")) {
            try RunSettings(jobs: 0).validated()
        }
        #expect(throws: RunSettingsError.invalid("--output must name a folder, got an empty string")) {
            try RunSettings(output: "  ").validated()
        }
        #expect(try RunSettings(output: "runs", jobs: 2).validated() == RunSettings(output: "runs", jobs: 2))
    }

    @Test func aFailedStepIsReportedToTheHostAndThrown() async throws {
        let reported = Locked<[String]>([])
        let notebook = Notebook(
            name: "t", title: "t", settings: RunSettings(output: "unused", catalog: "/nonexistent/catalog.csv"), defaultSeed: 1,
            logger: quietLogger,
            events: .init(failure: { error in reported.withLock { $0.append(error.localizedDescription) } }))
        #expect(throws: (any Error).self) {
            try notebook.catalog(default: try Catalog(name: "unused", entries: []))
        }
        let messages = reported.withLock { $0 }
        #expect(messages.count == 1)
        #expect(messages.first?.contains("/nonexistent/catalog.csv") == true)
    }
}
