import Core
import Foundation

/// Builds an analysis executable with SwiftPM and runs it, passing the standard run options.
public struct AnalysisLauncher: Sendable {
    public let layout: PackageLayout

    public init(layout: PackageLayout) {
        self.layout = layout
    }

    /// Builds `analysis` and runs it; returns the run folder it wrote.
    ///
    /// The analysis's own output (logs and progress) goes to standard error, so that the `report`
    /// command's standard output stays reserved for the path of the rendered report.
    public func run(analysis: String, output: URL, seed: UInt64?, jobs: Int?, shard: String?, extra: [String] = [])
        throws -> URL
    {
        // The analysis is built as `report` itself was: `swift run -c release report …` runs a
        // release analysis (several times faster than a debug one).
        let configuration = Self.configuration
        FileHandle.standardError.write(Data("report: building \(analysis) (\(configuration) configuration, as report itself)\n".utf8))
        let fresh = layout.replanIfAnalysisIsNew(analysis)
        let build = try Self.execute(
            "/usr/bin/env", Self.buildArguments(configuration: configuration, product: analysis, fresh: fresh), in: layout.root,
            stdoutToStderr: true)
        guard build == 0 else { throw ReportError.buildFailed(analysis: analysis, status: build) }
        guard let binPath = try Self.capture("/usr/bin/env", ["swift", "build", "-c", configuration, "--show-bin-path"], in: layout.root) else {
            throw ReportError.buildFailed(analysis: analysis, status: -1)
        }
        let executable = URL(fileURLWithPath: binPath).appendingPathComponent(analysis)
        let handoff = FileManager.default.temporaryDirectory.appendingPathComponent("vo-handoff-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: handoff) }
        var arguments = [
            "--output", output.path, "--handoff", handoff.path,
            "--code-version", layout.codeVersion(packageVersion: VirtualObserver.version),
        ]
        if let seed { arguments += ["--seed", String(seed)] }
        if let jobs { arguments += ["--jobs", String(jobs)] }
        if let shard { arguments += ["--shard", shard] }
        arguments += extra
        let status = try Self.execute(executable.path, arguments, in: layout.root, stdoutToStderr: true)
        guard status == 0 else { throw ReportError.analysisFailed(analysis: analysis, status: status) }
        guard let data = try? Data(contentsOf: handoff),
            let object = try? JSONDecoder().decode([String: String].self, from: data), let folder = object["runDirectory"]
        else { throw ReportError.noHandoff(analysis: analysis, path: handoff.path) }
        let runDirectory = URL(fileURLWithPath: folder)
        // What built the analysis, for the archive's provenance (read wherever the run is archived).
        try RunProvenance.Build(swift: RunProvenance.swiftVersion(), packages: RunProvenance.resolvedPackages(in: layout.root))
            .write(to: runDirectory)
        return runDirectory
    }

    /// The analysis executable built in release (for batch jobs, which run long); with `build` false
    /// only its path.
    public func releaseExecutable(of analysis: String, build: Bool = true) throws -> URL {
        if build {
            FileHandle.standardError.write(Data("report: building \(analysis) (release configuration, for batch jobs)\n".utf8))
            let fresh = layout.replanIfAnalysisIsNew(analysis)
            let status = try Self.execute(
                "/usr/bin/env", Self.buildArguments(configuration: "release", product: analysis, fresh: fresh), in: layout.root,
                stdoutToStderr: true)
            guard status == 0 else { throw ReportError.buildFailed(analysis: analysis, status: status) }
        }
        guard let binPath = try Self.capture("/usr/bin/env", ["swift", "build", "-c", "release", "--show-bin-path"], in: layout.root) else {
            throw ReportError.buildFailed(analysis: analysis, status: -1)
        }
        return URL(fileURLWithPath: binPath).appendingPathComponent(analysis)
    }

    /// `swift build` of one analysis; after ``PackageLayout/replanIfAnalysisIsNew(_:)`` found
    /// SwiftPM's reading of Package.swift stale, with the manifest evaluated afresh.
    static func buildArguments(configuration: String, product: String, fresh: Bool = false) -> [String] {
        ["swift", "build"] + (fresh ? ["--manifest-cache", "none"] : []) + ["-c", configuration, "--product", product]
    }

    /// The SwiftPM configuration this executable was built in.
    static var configuration: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    /// Runs a tool and waits for it. While it runs, SIGINT, SIGTERM and SIGHUP sent to `report`
    /// (a `kill`, a `timeout`, a batch system cancelling the job) are passed on to it, so that an
    /// analysis never goes on writing its run folder after the command that started it has gone.
    @discardableResult
    static func execute(_ tool: String, _ arguments: [String], in folder: URL, stdoutToStderr: Bool) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if stdoutToStderr { process.standardOutput = FileHandle.standardError }
        let forwarding = SignalForwarding()
        defer { forwarding.stop() }
        try SignalForwarding.launch(process)
        forwarding.start(to: process.processIdentifier)
        process.waitUntilExit()
        // A child ended by a signal reports it as the shells do: 128 + its number.
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    static func capture(_ tool: String, _ arguments: [String], in folder: URL) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension PackageLayout {
    /// Whether SwiftPM's cached reading of Package.swift misses the analysis `analysis`, and if so
    /// makes it read and plan again. SwiftPM caches its evaluation of Package.swift by the file's
    /// text (`~/.cache/org.swift.swiftpm/manifests`), and its build plan until Package.swift
    /// changes; Package.swift lists `analyses/` when it is evaluated, so a folder added since is
    /// "no product named" or "No target named … in build description". Then the cached evaluation
    /// is removed (it is only a cache), Package.swift's modification time set to now (its text is
    /// not touched), and the build told to evaluate afresh. Returns whether it was stale.
    @discardableResult
    func replanIfAnalysisIsNew(_ analysis: String) -> Bool {
        struct Manifest: Decodable {
            struct Product: Decodable { var name: String }
            var products: [Product]
        }
        guard let text = try? AnalysisLauncher.capture("/usr/bin/env", ["swift", "package", "dump-package"], in: root),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: Data(text.utf8)),
            !manifest.products.contains(where: { $0.name == analysis })
        else { return false }
        FileHandle.standardError.write(Data("report: analyses/\(analysis) is new to SwiftPM's cached reading of Package.swift; reading it again\n".utf8))
        let home = FileManager.default.homeDirectoryForCurrentUser
        let caches = [
            ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent(".cache"),
            home.appendingPathComponent("Library/Caches"),
        ]
        for cache in caches {
            try? FileManager.default.removeItem(at: cache.appendingPathComponent("org.swift.swiftpm/manifests"))
        }
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: root.appendingPathComponent("Package.swift").path)
        return true
    }
}

/// The child process termination signals are passed on to (0: none). A global, because a C signal
/// handler captures nothing; written only while no handler is installed.
nonisolated(unsafe) private var forwardedChild: pid_t = 0

/// Passes the termination signals this process receives on to a child process while it runs.
/// A plain `sigaction` handler that only calls `kill` (async-signal-safe), not a Dispatch signal
/// source: those never fired while the main thread waited for the child.
struct SignalForwarding {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// Starts `process` with no signal blocked. A child inherits the signal mask of the thread that
    /// starts it, and threads of a Dispatch pool or a test runner block SIGTERM; such a child could
    /// not be stopped by the signals passed on to it.
    static func launch(_ process: Process) throws {
        var none = sigset_t()
        var old = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        try process.run()
    }

    func start(to child: pid_t) {
        forwardedChild = child
        for signal in Self.signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in
                if forwardedChild > 0 { kill(forwardedChild, received) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
    }

    /// Stops passing signals on and restores their default actions.
    func stop() {
        for signal in Self.signals { Foundation.signal(signal, SIG_DFL) }
        forwardedChild = 0
    }
}
