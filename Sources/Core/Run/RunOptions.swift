import ArgumentParser
import Foundation

/// Options every analysis executable accepts; `report` passes them through.
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

    @Option(help: ArgumentHelp("Write the run folder's location as JSON to this file.", visibility: .hidden))
    public var handoff: String?

    @Option(help: ArgumentHelp("Code version recorded with the run.", visibility: .hidden))
    public var codeVersion: String?

    public init() {}

    /// The parsed `--shard i/N`.
    public func shardIndex() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else {
            throw ValidationError("--shard must be i/N with 0 ≤ i < N, got '\(shard)'")
        }
        return (i, n)
    }

    public mutating func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if output.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--output must name a folder, got an empty string")
        }
        if output.unicodeScalars.contains(where: { $0.value == 0 }) { throw ValidationError("--output contains a NUL character") }
        _ = try shardIndex()
    }
}
