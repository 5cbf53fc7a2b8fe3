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
        let build = try Self.execute(
            "/usr/bin/env", ["swift", "build", "--product", analysis], in: layout.root, stdoutToStderr: true)
        guard build == 0 else { throw ReportError.buildFailed(analysis: analysis, status: build) }
        guard let binPath = try Self.capture("/usr/bin/env", ["swift", "build", "--show-bin-path"], in: layout.root) else {
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

    @discardableResult
    static func execute(_ tool: String, _ arguments: [String], in folder: URL, stdoutToStderr: Bool) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if stdoutToStderr { process.standardOutput = FileHandle.standardError }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
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
