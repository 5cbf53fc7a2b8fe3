import Core
import Foundation

/// Where a run stands, read from its databases: for one run folder, its sources done, pending and
/// failed; for a `report submit` folder, the same per shard (from the shard's run folder, found in
/// the task's log once it finished, or else as the newest `…-shard<i>of<N>` folder beside it) and
/// the Slurm state of each array task and of the merge job where Slurm answers (`squeue`, then
/// `sacct`).
public struct SubmissionStatus: Sendable {
    public struct Counts: Sendable, Equatable {
        public var done = 0
        public var pending = 0
        public var failed = 0
        public var runStatus: String?
    }

    public struct Shard: Sendable {
        public var index: Int
        public var runFolder: URL?
        public var counts: Counts?
        public var jobState: String?
    }

    public var shards: [Shard]
    public var mergeJobState: String?
    public var report: URL
    public var reportExists: Bool
    /// The state of the prefetch job (`report submit --prefetch`), nil where there is none or Slurm does not say.
    public var prefetchJobState: String? = nil
    /// Whether the submission has a prefetch job.
    public var hasPrefetch = false

    /// Counts of one run folder's sources by status (the unfinished rerun's, `run.sqlite.new`, where
    /// one is under way beside a finished run).
    public static func counts(runFolder: URL) throws -> Counts {
        let fm = FileManager.default
        var url = runFolder.appendingPathComponent("run.sqlite")
        let new = runFolder.appendingPathComponent("run.sqlite.new")
        if fm.fileExists(atPath: new.path) { url = new }
        let store = try Store(url: url, readOnly: true)
        let byStatus = try store.sourceCounts()
        return Counts(
            done: byStatus[.done] ?? 0, pending: byStatus[.pending] ?? 0, failed: byStatus[.failed] ?? 0,
            runStatus: try store.run()?.status.rawValue)
    }

    /// Reads a submission folder (`slurm-<time>/`, holding shards.sbatch and jobs.txt).
    public static func read(submission folder: URL, squeue: String = "squeue", sacct: String = "sacct") throws -> SubmissionStatus {
        let script = try String(contentsOf: folder.appendingPathComponent("shards.sbatch"), encoding: .utf8)
        guard let line = script.split(separator: "\n").first(where: { $0.hasPrefix("#SBATCH --array=0-") }),
            let last = Int(line.dropFirst("#SBATCH --array=0-".count))
        else { throw ReportError.notASubmission(folder.path) }
        let count = last + 1
        let jobs = JobRecord(folder: folder)
        var states = jobs.array.map { taskStates(array: $0, squeue: squeue, sacct: sacct) } ?? [:]
        for r in jobs.resubmitted {
            for (task, state) in taskStates(array: r.array, squeue: squeue, sacct: sacct) where r.tasks.contains(task) {
                states[task] = state
            }
        }
        let siblings = (try? FileManager.default.contentsOfDirectory(at: folder.deletingLastPathComponent(), includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        var shards: [Shard] = []
        for i in 0..<count {
            var run: URL?
            if let out = try? String(contentsOf: folder.appendingPathComponent("logs/shard-\(i).out"), encoding: .utf8),
                let path = out.split(separator: "\n").last.map(String.init), FileManager.default.fileExists(atPath: path + "/run.sqlite")
            {
                run = URL(fileURLWithPath: path)
            } else {
                run = siblings.filter { $0.lastPathComponent.hasSuffix("-shard\(i)of\(count)") }
                    .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("run.sqlite").path) }
                    .max { modified($0) < modified($1) }
            }
            shards.append(Shard(index: i, runFolder: run, counts: run.flatMap { try? counts(runFolder: $0) }, jobState: states[i]))
        }
        let merge = jobs.merge.flatMap { taskStates(array: $0, squeue: squeue, sacct: sacct)[-1] }
        let report = SlurmSubmission.mergedRun(in: folder).appendingPathComponent("index.html")
        return SubmissionStatus(
            shards: shards, mergeJobState: merge, report: report, reportExists: FileManager.default.fileExists(atPath: report.path),
            prefetchJobState: jobs.prefetch.flatMap { taskStates(array: $0, squeue: squeue, sacct: sacct)[-1] },
            hasPrefetch: jobs.prefetch != nil)
    }

    private static func modified(_ url: URL) -> Date {
        let file = url.appendingPathComponent("run.sqlite")
        return (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
    }

    /// State per array task (-1: a job that is not an array) from squeue, else sacct; empty where
    /// neither answers (no Slurm here, or the job left the queue and there is no accounting).
    static func taskStates(array: String, squeue: String, sacct: String) -> [Int: String] {
        var states: [Int: String] = [:]
        func parse(_ text: String, separator: Character) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: separator, omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count >= 2 else { continue }
                let id = fields[0]
                let task: Int?
                if let underscore = id.firstIndex(of: "_") {
                    task = Int(id[id.index(after: underscore)...])
                } else {
                    task = id == array ? -1 : nil
                }
                if let task, states[task] == nil { states[task] = fields[1] }
            }
        }
        if let text = run(squeue, ["-h", "-r", "-j", array, "-o", "%i %T"]) { parse(text, separator: " ") }
        if let text = run(sacct, ["-n", "-X", "-P", "-j", array, "-o", "JobID,State"]) { parse(text, separator: "|") }
        return states
    }

    private static func run(_ tool: String, _ arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// The prefetch job (if any), one line per shard, then the merge job and the report.
    public var lines: [String] {
        (hasPrefetch ? ["prefetch  job \(prefetchJobState ?? "-")  (log: logs/prefetch.out)"] : []) + shards.map { s in
            let n = shards.count
            let counts = s.counts.map { "done \($0.done)  pending \($0.pending)  failed \($0.failed)  run \($0.runStatus ?? "?")" }
                ?? "no run folder yet"
            return "shard \(s.index)/\(n)  \(counts)  job \(s.jobState ?? "-")  \(s.runFolder?.path ?? "")"
        } + [
            "merge  job \(mergeJobState ?? "-")  report \(reportExists ? report.path : "not yet (\(report.path))")"
        ]
    }
}
