import ArgumentParser
import Core
import Foundation

/// Options every analysis executable accepts; `report` passes them through. They become the
/// notebook's ``Core/RunSettings``.
public struct RunOptions: ParsableArguments, Sendable {
    @Option(help: "Root folder for runs and the raw cache.")
    public var output: String = "output"

    @Option(help: "Random seed (recorded with the run); default: the analysis's own.")
    public var seed: UInt64?

    @Option(help: "Sources processed in parallel (default: number of cores).")
    public var jobs: Int?

    @Option(help: "Process only slice i of N of the catalog, e.g. 1/4 (0-based i).")
    public var shard: String?

    @Option(help: "Replace the analysis's catalog with this file (CSV, ECSV, IPAC, VOTable or FITS).")
    public var catalog: String?

    @Flag(
        help: ArgumentHelp(
            "Start an unfinished run of the same inputs over.",
            discussion: "By default a run that was killed or failed goes on from the sources it finished."))
    public var restart = false

    @Flag(
        help: ArgumentHelp(
            "Only download every source's files into the raw cache, then stop (no analysis).",
            discussion: "For a cluster: one polite download job before many analysis tasks. --jobs sources at once (default 16); records what failed in <output>/<analysis>/prefetch/<run id>.json."))
    public var prefetch = false

    @Option(help: "At most this many requests at once to one archive host (default 4).")
    public var perHost: Int?

    @Option(help: ArgumentHelp("Write the run folder's location as JSON to this file.", visibility: .hidden))
    public var handoff: String?

    @Option(help: ArgumentHelp("Code version recorded with the run.", visibility: .hidden))
    public var codeVersion: String?

    public init() {}

    /// The settings these options give (checked: a usage error names the option and the value).
    public func settings() throws -> RunSettings {
        do {
            return try RunSettings(
                output: output, seed: seed, jobs: jobs, shard: shard.map { try Shard(parsing: $0) }, catalog: catalog,
                handoff: handoff, codeVersion: codeVersion, restart: restart, prefetch: prefetch,
                perHost: perHost
            ).validated()
        } catch let error as RunSettingsError {
            throw ValidationError(error.localizedDescription)
        }
    }

    public mutating func validate() throws {
        _ = try settings()
    }
}
