import Core
import Foundation

/// A sharded run of an analysis on a Slurm cluster: a job array with one `--shard i/N` per task,
/// and a job that waits for all of them (`afterok`), merges the shards (``RunMerge``) and renders
/// the report. With ``prefetch``, one job first downloads every source's files into the shared raw
/// cache (`--prefetch`, at most ``perHost`` requests at once per archive host) and the array starts
/// after it ends (`afterany`: a source whose prefetch failed is fetched by its shard), so hundreds
/// of tasks never ask an archive at once.
///
/// The batch scripts are plain and kept in the submission folder (`<output>/<analysis>/slurm-<time>/`)
/// with the tasks' logs, so a user can read, edit and resubmit them. Each task prints its shard's run
/// folder as the last line of its standard output (`logs/shard-<i>.out`), which is how the merge
/// job finds the shards; a task that did not finish leaves no such line, and the merge fails naming it.
///
/// ```swift
/// let submission = SlurmSubmission(
///     analysis: "flares", analysisExecutable: bin, reportExecutable: report, checkout: layout.root,
///     output: outputRoot, shards: 4, resources: .init(partition: "short", time: "01:00:00"))
/// let folder = submission.folder(at: Date())
/// try submission.write(folder: folder)
/// let jobs = try submission.submit(folder: folder)
/// ```
public struct SlurmSubmission: Sendable {
    /// What each task asks the scheduler for; nil: the cluster's default.
    public struct Resources: Sendable {
        public var partition: String?
        public var time: String?
        public var memory: String?
        public var cpus: Int
        public var account: String?

        public init(partition: String? = nil, time: String? = nil, memory: String? = nil, cpus: Int = 1, account: String? = nil) {
            self.partition = partition
            self.time = time
            self.memory = memory
            self.cpus = cpus
            self.account = account
        }
    }

    public var analysis: String
    public var analysisExecutable: URL
    public var reportExecutable: URL
    /// The checkout: the jobs run there (the merge job renders with its templates).
    public var checkout: URL
    public var output: URL
    public var shards: Int
    public var seed: UInt64?
    public var catalog: URL?
    public var codeVersion: String?
    public var resources: Resources
    /// Run a prefetch job before the array.
    public var prefetch: Bool
    /// Requests at once per archive host, in the prefetch job and the tasks; nil: the analysis's default.
    public var perHost: Int?

    public init(
        analysis: String, analysisExecutable: URL, reportExecutable: URL, checkout: URL, output: URL, shards: Int,
        seed: UInt64? = nil, catalog: URL? = nil, codeVersion: String? = nil, resources: Resources = Resources(),
        prefetch: Bool = false, perHost: Int? = nil
    ) {
        self.prefetch = prefetch
        self.perHost = perHost
        self.analysis = analysis
        self.analysisExecutable = analysisExecutable
        self.reportExecutable = reportExecutable
        self.checkout = checkout
        self.output = output
        self.shards = shards
        self.seed = seed
        self.catalog = catalog
        self.codeVersion = codeVersion
        self.resources = resources
    }

    /// The job ids `sbatch` gave.
    public struct Jobs: Sendable, Equatable {
        /// The prefetch job, when there is one.
        public var prefetch: String?
        public var array: String
        public var merge: String

        public init(prefetch: String? = nil, array: String, merge: String) {
            self.prefetch = prefetch
            self.array = array
            self.merge = merge
        }
    }

    /// The submission folder for a submission made at `date`.
    public func folder(at date: Date) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return output.appendingPathComponent(analysis).appendingPathComponent("slurm-\(formatter.string(from: date))")
    }

    /// The merged run's folder, where the report appears (`index.html`).
    public static func mergedRun(in folder: URL) -> URL { folder.appendingPathComponent("merged") }

    /// The options every job gives the analysis, so that all name the same run.
    private var runArguments: [String] {
        var arguments = ["--output", output.path]
        if let seed { arguments += ["--seed", String(seed)] }
        if let catalog { arguments += ["--catalog", catalog.path] }
        if let codeVersion { arguments += ["--code-version", codeVersion] }
        if let perHost { arguments += ["--per-host", String(perHost)] }
        return arguments
    }

    /// The prefetch job's script: the whole catalog's files into the raw cache, nothing else.
    public func prefetchScript(folder: URL) -> String {
        let logs = folder.appendingPathComponent("logs")
        return """
            #!/bin/bash
            # \(analysis): downloads every source's files into the raw cache before the shards start (written by
            # `report submit --prefetch`). Fetches that failed are listed in \(output.path)/\(analysis)/prefetch/<run id>.json;
            # the shards start whatever its outcome (afterany) and fetch those sources themselves.
            #SBATCH --job-name=vo-\(analysis)-prefetch
            #SBATCH --chdir=\(Self.directive(checkout.path))
            #SBATCH --output=\(Self.directive(logs.path + "/prefetch.out"))
            #SBATCH --error=\(Self.directive(logs.path + "/prefetch.log"))
            #SBATCH --cpus-per-task=1
            \(directives(cpus: false))set -euo pipefail
            exec \(Self.quote(analysisExecutable.path)) \((runArguments + ["--prefetch"]).map(Self.quote).joined(separator: " "))

            """
    }

    /// The job array's script: one shard per task.
    public func shardScript(folder: URL) -> String {
        let arguments = runArguments + ["--shard", "${SLURM_ARRAY_TASK_ID}/\(shards)", "--jobs", "${SLURM_CPUS_PER_TASK:-1}"]
        let logs = folder.appendingPathComponent("logs")
        return """
            #!/bin/bash
            # \(analysis): shard ${SLURM_ARRAY_TASK_ID} of \(shards), one per array task (written by `report submit`).
            # Standard output ends with the shard's run folder; the merge job reads it from logs/shard-<i>.out.
            #SBATCH --job-name=vo-\(analysis)
            #SBATCH --array=0-\(shards - 1)
            #SBATCH --chdir=\(Self.directive(checkout.path))
            #SBATCH --output=\(Self.directive(logs.path + "/shard-%a.out"))
            #SBATCH --error=\(Self.directive(logs.path + "/shard-%a.log"))
            #SBATCH --cpus-per-task=\(resources.cpus)
            \(directives())set -euo pipefail
            exec \(Self.quote(analysisExecutable.path)) \(arguments.map(Self.quoteKeepingVariables).joined(separator: " "))

            """
    }

    /// The merge job's script: every shard's run folder, merged into `merged/` and rendered.
    public func mergeScript(folder: URL) -> String {
        let logs = folder.appendingPathComponent("logs")
        return """
            #!/bin/bash
            # \(analysis): merges the \(shards) shards and renders the report (written by `report submit`;
            # submitted with --dependency=afterok on the job array, so it runs once every shard succeeded).
            #SBATCH --job-name=vo-\(analysis)-merge
            #SBATCH --chdir=\(Self.directive(checkout.path))
            #SBATCH --output=\(Self.directive(logs.path + "/merge.out"))
            #SBATCH --error=\(Self.directive(logs.path + "/merge.log"))
            #SBATCH --cpus-per-task=1
            \(directives(cpus: false))set -euo pipefail
            shards=()
            for i in $(seq 0 \(shards - 1)); do
              out=\(Self.quote(logs.path))/shard-$i.out
              run=$(tail -n 1 "$out" 2>/dev/null || true)
              if [ -z "$run" ] || [ ! -f "$run/run.sqlite" ]; then
                echo "merge: shard $i/\(shards) did not finish: no run folder at the end of $out" >&2
                exit 1
              fi
              shards+=("$run")
            done
            exec \(Self.quote(reportExecutable.path)) merge \(Self.quote(Self.mergedRun(in: folder).path)) "${shards[@]}"

            """
    }

    private func directives(cpus: Bool = true) -> String {
        var lines: [String] = []
        if let p = resources.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = resources.time { lines.append("#SBATCH --time=\(t)") }
        if let m = resources.memory { lines.append("#SBATCH --mem=\(m)") }
        if let a = resources.account { lines.append("#SBATCH --account=\(a)") }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The scripts of the submission, by file name, in the order they are submitted.
    public func scripts(folder: URL) -> [(name: String, text: String)] {
        (prefetch ? [("prefetch.sbatch", prefetchScript(folder: folder))] : [])
            + [("shards.sbatch", shardScript(folder: folder)), ("merge.sbatch", mergeScript(folder: folder))]
    }

    /// Writes the scripts (executable) and the logs folder into `folder`.
    public func write(folder: URL) throws {
        guard shards >= 1 else { throw SlurmError.invalid("--shards must be at least 1, got \(shards)") }
        if let perHost, perHost < 1 { throw SlurmError.invalid("--per-host must be at least 1, got \(perHost)") }
        for value in [resources.partition, resources.time, resources.memory, resources.account].compactMap({ $0 })
        where value.contains(where: { $0.isNewline || $0.isWhitespace }) {
            throw SlurmError.invalid("a Slurm option cannot hold white space: '\(value)'")
        }
        for path in [checkout.path, folder.path] where path.contains(where: { $0 == "\"" || $0.isNewline }) {
            throw SlurmError.invalid("a path in #SBATCH lines cannot hold a double quote or a line break: '\(path)'")
        }
        let fm = FileManager.default
        try fm.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        for (name, text) in scripts(folder: folder) {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }

    /// Submits the prefetch job (with ``prefetch``), the array after it (`afterany`), then the merge
    /// job depending on the array (`afterok`); records the ids in `jobs.txt`.
    public func submit(folder: URL, sbatch: String = "sbatch") throws -> Jobs {
        var record = JobRecord()
        var arrayArguments = ["--parsable"]
        if prefetch {
            let id = try Self.sbatch(sbatch, ["--parsable", folder.appendingPathComponent("prefetch.sbatch").path])
            record.prefetch = id
            arrayArguments.append("--dependency=afterany:\(id)")
        }
        let array = try Self.sbatch(sbatch, arrayArguments + [folder.appendingPathComponent("shards.sbatch").path])
        let merge = try Self.sbatch(
            sbatch, ["--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes", folder.appendingPathComponent("merge.sbatch").path])
        record.array = array
        record.merge = merge
        try record.write(folder: folder)
        return Jobs(prefetch: record.prefetch, array: array, merge: merge)
    }

    /// What ``resume(folder:sbatch:scancel:)`` resubmitted.
    public struct Resubmission: Sendable, Equatable {
        /// The shards run again (their tasks failed, were killed or cancelled), and the new array's id.
        public var shards: [Int]
        public var array: String?
        /// The new merge job, waiting for the new array and for the old tasks still in the queue.
        public var merge: String
    }

    /// Resubmits the shards of a submission folder that did not finish and are no longer queued or
    /// running (each goes on from the sources it finished), cancels the old merge job (which waits
    /// for ever on a failed task), and submits a new one after the new tasks and those of the old
    /// array still in the queue. With every shard finished, only the merge job is submitted again.
    public static func resume(
        folder: URL, status: SubmissionStatus, sbatch: String = "sbatch", scancel: String = "scancel",
        squeue: String = "squeue", sacct: String = "sacct"
    ) throws -> Resubmission {
        let inQueue: Set<String> = ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"]
        let again = status.shards.filter { $0.counts?.runStatus != "finished" && !inQueue.contains($0.jobState ?? "") }.map(\.index)
        let waiting = status.shards.contains { inQueue.contains($0.jobState ?? "") }
        let jobs = JobRecord(folder: folder)
        if let old = jobs.merge { _ = try? run(scancel, [old]) }
        var array: String?
        var after: [String] = []
        if !again.isEmpty {
            let id = try Self.sbatch(
                sbatch, ["--parsable", "--array=" + again.map(String.init).joined(separator: ","), folder.appendingPathComponent("shards.sbatch").path])
            array = id
            after.append("afterok:\(id)")
        }
        // Earlier arrays (the first and those of earlier resumptions) with tasks still queued or running.
        if waiting {
            after += jobs.arrays.filter { id in
                SubmissionStatus.taskStates(array: id, squeue: squeue, sacct: sacct).values.contains(where: inQueue.contains)
            }.map { "afterany:\($0)" }
        }
        var mergeArguments = ["--parsable"]
        if !after.isEmpty { mergeArguments += ["--dependency=" + after.joined(separator: ","), "--kill-on-invalid-dep=yes"] }
        let merge = try Self.sbatch(sbatch, mergeArguments + [folder.appendingPathComponent("merge.sbatch").path])
        var updated = jobs
        if let array { updated.resubmitted.append((Set(again), array)) }
        updated.merge = merge
        try updated.write(folder: folder)
        return Resubmission(shards: again, array: array, merge: merge)
    }

    /// Runs a Slurm client tool, ignoring its output; whether it succeeded.
    static func run(_ tool: String, _ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Runs `sbatch --parsable …` and returns the job id (`<id>` or `<id>;<cluster>`).
    static func sbatch(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw SlurmError.cannotRun(tool: tool, reason: error.localizedDescription) }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let id = text.split(separator: ";").first.map(String.init), !id.isEmpty,
            id.allSatisfy(\.isNumber)
        else {
            throw SlurmError.submitFailed(
                command: ([tool] + arguments).joined(separator: " "), status: process.terminationStatus,
                message: String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + text)
        }
        return id
    }

    /// `text` in single quotes for the shell.
    /// A path as the value of an `#SBATCH` option: in double quotes, which sbatch reads as one
    /// value (unquoted, a space ends it: "Invalid directive found in batch script"). ``write(folder:)``
    /// refuses paths with a double quote or a line break, which no quoting of sbatch's carries.
    static func directive(_ path: String) -> String { "\"\(path)\"" }

    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Quoted, except an argument built from Slurm's variables (`${SLURM_…}`), in double quotes so the
    /// shell expands them.
    static func quoteKeepingVariables(_ text: String) -> String {
        text.contains("${SLURM_") ? "\"\(text)\"" : quote(text)
    }
}

/// `jobs.txt` of a submission folder: `prefetch ID` (with `--prefetch`), `array ID`, `resubmitted 2,5 ID`
/// for each resumption (the tasks run again and their new array; the latest line for a task counts),
/// and `merge ID`, the current merge job.
struct JobRecord {
    var prefetch: String?
    var array: String?
    var resubmitted: [(tasks: Set<Int>, array: String)] = []
    var merge: String?

    init(array: String? = nil, merge: String? = nil) {
        self.array = array
        self.merge = merge
    }

    /// Reads the folder's record; an empty one if there is none.
    init(folder: URL) {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("jobs.txt"), encoding: .utf8) else { return }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ").map(String.init)
            switch (parts.first, parts.count) {
            case ("prefetch", 2): prefetch = parts[1]
            case ("array", 2): array = parts[1]
            case ("merge", 2): merge = parts[1]
            case ("resubmitted", 3): resubmitted.append((Set(parts[1].split(separator: ",").compactMap { Int($0) }), parts[2]))
            default: continue
            }
        }
    }

    /// Every array of the submission, first to last.
    var arrays: [String] { (array.map { [$0] } ?? []) + resubmitted.map(\.array) }

    func write(folder: URL) throws {
        var text = (prefetch.map { "prefetch \($0)\n" } ?? "") + (array.map { "array \($0)\n" } ?? "")
        for r in resubmitted { text += "resubmitted \(r.tasks.sorted().map(String.init).joined(separator: ",")) \(r.array)\n" }
        if let merge { text += "merge \(merge)\n" }
        try Data(text.utf8).write(to: folder.appendingPathComponent("jobs.txt"), options: .atomic)
    }
}

public enum SlurmError: Error, LocalizedError, Equatable {
    case invalid(String)
    case cannotRun(tool: String, reason: String)
    case submitFailed(command: String, status: Int32, message: String)

    public var errorDescription: String? {
        switch self {
        case .invalid(let message): message
        case let .cannotRun(tool, reason): "cannot run \(tool): \(reason) (is Slurm installed here? `--dry-run` writes the scripts without it)"
        case let .submitFailed(command, status, message): "\(command) failed (exit status \(status)): \(message)"
        }
    }
}
