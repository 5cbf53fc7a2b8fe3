import Foundation

/// What a notebook run is told from outside the analysis: where to write, which seed, how many
/// sources at once, which slice of the catalog. The command line of an analysis executable
/// (`NotebookRuntime`'s `RunOptions`) and the `report` command fill it; tests and embedding code
/// make it directly.
public struct RunSettings: Sendable, Hashable {
    /// Root folder for runs and the raw cache.
    public var output: String
    /// The run's seed; nil: the analysis's own.
    public var seed: UInt64?
    /// Sources processed at once; nil: the number of cores.
    public var jobs: Int?
    /// Process only this slice of the catalog.
    public var shard: Shard?
    /// A catalog file that replaces the analysis's own catalog.
    public var catalog: String?
    /// Write the run folder's location as JSON to this file (how `report` learns where the run went).
    public var handoff: String?
    /// Code version recorded with the run; nil: ``VirtualObserver/version``.
    public var codeVersion: String?
    /// Start an unfinished run of the same inputs over instead of going on from its finished sources.
    public var restart: Bool
    /// Only download the sources' files into the raw cache (no analysis, no run database).
    public var prefetch: Bool
    /// At most this many requests at once to one archive host (``HostLimiter``); nil: its default, 4.
    public var perHost: Int?

    public init(
        output: String = "output", seed: UInt64? = nil, jobs: Int? = nil, shard: Shard? = nil, catalog: String? = nil,
        handoff: String? = nil, codeVersion: String? = nil, restart: Bool = false, prefetch: Bool = false, perHost: Int? = nil
    ) {
        self.restart = restart
        self.prefetch = prefetch
        self.perHost = perHost
        self.output = output
        self.seed = seed
        self.jobs = jobs
        self.shard = shard
        self.catalog = catalog
        self.handoff = handoff
        self.codeVersion = codeVersion
    }

    /// Checks what no type says: at least one job, an output folder that can be named.
    public func validated() throws -> RunSettings {
        if let jobs, jobs < 1 { throw RunSettingsError.invalid("--jobs must be at least 1, got \(jobs)") }
        if let perHost, perHost < 1 { throw RunSettingsError.invalid("--per-host must be at least 1, got \(perHost)") }
        if output.trimmingCharacters(in: .whitespaces).isEmpty {
            throw RunSettingsError.invalid("--output must name a folder, got an empty string")
        }
        if output.unicodeScalars.contains(where: { $0.value == 0 }) { throw RunSettingsError.invalid("--output contains a NUL character") }
        return self
    }
}

/// Slice `index` of `count` of a catalog (0 ≤ index < count): every count-th entry from index on
/// (``Catalog/shard(_:of:contains:)``). Written `i/N` on command lines and in run records.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count > 0, (0..<count).contains(index) else {
            throw RunSettingsError.invalid("a shard must be i/N with 0 ≤ i < N, got \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/N`, e.g. `1/4`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else {
            throw RunSettingsError.invalid("--shard must be i/N with 0 ≤ i < N, got '\(text)'")
        }
        self.index = i
        self.count = n
    }

    public var description: String { "\(index)/\(count)" }
}

public enum RunSettingsError: Error, LocalizedError, Equatable {
    case invalid(String)

    public var errorDescription: String? {
        switch self {
        case .invalid(let message): message
        }
    }
}
