import Foundation
import Testing

@testable import Report
import TestSupport

/// The batch scripts `report submit` writes, run by bash as Slurm would run them, with stand-ins
/// for the analysis, `report` and `sbatch` that record what they were given. (CI submits them to a
/// real one-node Slurm cluster: scripts/check-slurm.)
@Suite("Slurm submission")
struct SlurmSubmissionTests {
    /// A stand-in executable that writes its arguments, one per line, to `record` (appending a
    /// blank line after each call) and then prints `output`.
    static func recorder(at url: URL, record: URL, output: String = "") throws {
        let script = """
            #!/bin/bash
            for a in "$@"; do printf '%s\\n' "$a" >> '\(record.path)'; done
            echo >> '\(record.path)'
            \(output.isEmpty ? "" : "echo '\(output)'")
            """
        try Data(script.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    static func bash(_ script: URL, environment: [String: String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script.path]
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func submission(in folder: URL) throws -> SlurmSubmission {
        // Paths with a space and a quote: the scripts must pass them through intact.
        let tools = folder.appendingPathComponent("tools with 'quotes'")
        try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
        return SlurmSubmission(
            analysis: "flares", analysisExecutable: tools.appendingPathComponent("flares"),
            reportExecutable: tools.appendingPathComponent("report"), checkout: folder,
            output: folder.appendingPathComponent("out put"), shards: 4, seed: 7,
            catalog: folder.appendingPathComponent("my stars.csv"), codeVersion: "0.1.0 (git abc)",
            resources: .init(partition: "short", time: "01:00:00", memory: "4G", cpus: 3, account: "astro"))
    }

    @Test func anArrayTaskRunsItsShardWithTheRunOptions() async throws {
        try await withTemporaryFolder { folder in
            let s = try submission(in: folder)
            let jobs = s.folder(at: Date(timeIntervalSince1970: 0))
            #expect(jobs.lastPathComponent == "slurm-19700101T000000Z")
            try s.write(folder: jobs)
            let record = folder.appendingPathComponent("args.txt")
            try Self.recorder(at: s.analysisExecutable, record: record)
            let script = jobs.appendingPathComponent("shards.sbatch")
            let text = try String(contentsOf: script, encoding: .utf8)
            for directive in [
                "#SBATCH --array=0-3", "#SBATCH --cpus-per-task=3", "#SBATCH --partition=short", "#SBATCH --time=01:00:00",
                "#SBATCH --mem=4G", "#SBATCH --account=astro", "#SBATCH --output=\"\(jobs.path)/logs/shard-%a.out\"",
                "#SBATCH --chdir=\"\(folder.path)\"",
            ] {
                #expect(text.contains("\n\(directive)\n"), "missing \(directive)")
            }
            let run = try Self.bash(script, environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_CPUS_PER_TASK": "3"])
            #expect(run.status == 0, "\(run.stderr)")
            let arguments = try String(contentsOf: record, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            #expect(
                arguments == [
                    "--output", folder.appendingPathComponent("out put").path, "--seed", "7", "--catalog",
                    folder.appendingPathComponent("my stars.csv").path, "--code-version", "0.1.0 (git abc)", "--shard", "2/4", "--jobs", "3", "", "",
                ])
        }
    }

    @Test func theMergeJobMergesEveryShardAndNamesOneThatDidNotFinish() async throws {
        try await withTemporaryFolder { folder in
            let s = try submission(in: folder)
            let jobs = s.folder(at: Date())
            try s.write(folder: jobs)
            let record = folder.appendingPathComponent("args.txt")
            try Self.recorder(at: s.reportExecutable, record: record)
            // Each task's standard output ends with its shard's run folder.
            var runs: [String] = []
            for i in 0..<4 {
                let run = folder.appendingPathComponent("runs/flares-x-seed7-shard\(i)of4")
                try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
                try Data().write(to: run.appendingPathComponent("run.sqlite"))
                runs.append(run.path)
                let log = i == 2 ? "" : "some line\n\(run.path)\n"
                try Data(log.utf8).write(to: jobs.appendingPathComponent("logs/shard-\(i).out"))
            }
            let script = jobs.appendingPathComponent("merge.sbatch")
            let missing = try Self.bash(script, environment: [:])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("shard 2/4 did not finish"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: record.path))

            try Data("\(runs[2])\n".utf8).write(to: jobs.appendingPathComponent("logs/shard-2.out"))
            let merged = try Self.bash(script, environment: [:])
            #expect(merged.status == 0, "\(merged.stderr)")
            let arguments = try String(contentsOf: record, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(arguments == ["merge", SlurmSubmission.mergedRun(in: jobs).path] + runs)
        }
    }

    @Test func theMergeJobIsSubmittedAfterTheArrayAndWaitsForIt() async throws {
        try await withTemporaryFolder { folder in
            let s = try submission(in: folder)
            let jobs = s.folder(at: Date())
            try s.write(folder: jobs)
            // sbatch --parsable prints "<id>" or "<id>;<cluster>".
            let record = folder.appendingPathComponent("sbatch.txt")
            let sbatch = folder.appendingPathComponent("sbatch")
            try Self.recorder(at: sbatch, record: record, output: "41;cluster")
            let submitted = try s.submit(folder: jobs, sbatch: sbatch.path)
            #expect(submitted == .init(array: "41", merge: "41"))
            let calls = try String(contentsOf: record, encoding: .utf8).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(calls.count == 2)
            #expect(calls[0].split(separator: "\n") == ["--parsable", "\(jobs.path)/shards.sbatch"])
            #expect(calls[1].split(separator: "\n").contains("--dependency=afterok:41"))
            #expect(calls[1].hasSuffix("\(jobs.path)/merge.sbatch"))
            #expect(try String(contentsOf: jobs.appendingPathComponent("jobs.txt"), encoding: .utf8) == "array 41\nmerge 41\n")

            // An sbatch that refuses the job: its message, not a job id.
            try Data("#!/bin/bash\necho 'sbatch: error: invalid partition specified: short' >&2\nexit 1\n".utf8).write(to: sbatch)
            #expect(throws: SlurmError.self) { try s.submit(folder: jobs, sbatch: sbatch.path) }
            do {
                _ = try s.submit(folder: jobs, sbatch: sbatch.path)
            } catch {
                #expect(error.localizedDescription.contains("invalid partition specified"))
            }
        }
    }

    /// `--prefetch`: one job downloads for the whole catalog with the run's options (so it fills the
    /// cache of the same run), the array waits for it with afterany, the merge for the array.
    @Test func aPrefetchJobRunsFirstAndTheArrayStartsAfterItWhateverItsOutcome() async throws {
        try await withTemporaryFolder { folder in
            var s = try submission(in: folder)
            s.prefetch = true
            s.perHost = 2
            let jobs = s.folder(at: Date())
            try s.write(folder: jobs)
            #expect(s.scripts(folder: jobs).map(\.name) == ["prefetch.sbatch", "shards.sbatch", "merge.sbatch"])
            let record = folder.appendingPathComponent("args.txt")
            try Self.recorder(at: s.analysisExecutable, record: record)
            let script = jobs.appendingPathComponent("prefetch.sbatch")
            let text = try String(contentsOf: script, encoding: .utf8)
            #expect(text.contains("\n#SBATCH --output=\"\(jobs.path)/logs/prefetch.out\"\n"))
            #expect(!text.contains("--array"))
            let run = try Self.bash(script, environment: [:])
            #expect(run.status == 0, "\(run.stderr)")
            let arguments = try String(contentsOf: record, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(
                arguments == [
                    "--output", folder.appendingPathComponent("out put").path, "--seed", "7", "--catalog",
                    folder.appendingPathComponent("my stars.csv").path, "--code-version", "0.1.0 (git abc)", "--per-host", "2", "--prefetch",
                ])
            // The tasks get the same per-host limit (they fetch what the prefetch could not).
            #expect(try String(contentsOf: jobs.appendingPathComponent("shards.sbatch"), encoding: .utf8).contains("'--per-host' '2'"))

            let calls = folder.appendingPathComponent("sbatch.txt")
            let sbatch = folder.appendingPathComponent("sbatch")
            try Self.recorder(at: sbatch, record: calls, output: "77")
            let submitted = try s.submit(folder: jobs, sbatch: sbatch.path)
            #expect(submitted == .init(prefetch: "77", array: "77", merge: "77"))
            let made = try String(contentsOf: calls, encoding: .utf8).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(made.count == 3)
            #expect(made[0].split(separator: "\n") == ["--parsable", "\(jobs.path)/prefetch.sbatch"])
            #expect(made[1].split(separator: "\n") == ["--parsable", "--dependency=afterany:77", "\(jobs.path)/shards.sbatch"])
            #expect(made[2].split(separator: "\n").contains("--dependency=afterok:77"))
            #expect(try String(contentsOf: jobs.appendingPathComponent("jobs.txt"), encoding: .utf8) == "prefetch 77\narray 77\nmerge 77\n")
            let status = try SubmissionStatus.read(submission: jobs, squeue: "/nonexistent/squeue", sacct: "/nonexistent/sacct")
            #expect(status.lines.first == "prefetch  job -  (log: logs/prefetch.out)")
            #expect(status.lines.count == 1 + 4 + 1)
        }
    }

    @Test func optionsThatWouldBreakADirectiveAreRefused() async throws {
        try await withTemporaryFolder { folder in
            var s = try submission(in: folder)
            s.resources.partition = "short\n#SBATCH --wrap=evil"
            #expect(throws: SlurmError.invalid("a Slurm option cannot hold white space: 'short\n#SBATCH --wrap=evil'")) {
                try s.write(folder: folder.appendingPathComponent("jobs"))
            }
        }
    }

    @Test func resumingResubmitsOnlyTheShardsThatDidNotFinishAndANewMerge() async throws {
        try await withTemporaryFolder { folder in
            let s = try submission(in: folder)
            let jobs = s.folder(at: Date())
            try s.write(folder: jobs)
            try Data("array 40\nmerge 41\n".utf8).write(to: jobs.appendingPathComponent("jobs.txt"))
            func shard(_ i: Int, _ run: String?, _ job: String?) -> SubmissionStatus.Shard {
                SubmissionStatus.Shard(
                    index: i, runFolder: nil, counts: run.map { SubmissionStatus.Counts(done: 1, pending: 1, failed: 0, runStatus: $0) },
                    jobState: job)
            }
            // 0 finished, 1 killed mid-run, 2 never started (cancelled), 3 still running.
            let status = SubmissionStatus(
                shards: [shard(0, "finished", nil), shard(1, "running", "CANCELLED"), shard(2, nil, nil), shard(3, "running", "RUNNING")],
                mergeJobState: "PENDING", report: jobs.appendingPathComponent("merged/index.html"), reportExists: false)
            let record = folder.appendingPathComponent("calls.txt")
            let sbatch = folder.appendingPathComponent("sbatch"), scancel = folder.appendingPathComponent("scancel")
            try Self.recorder(at: sbatch, record: record, output: "52")
            try Self.recorder(at: scancel, record: record)
            // Slurm's queue still holds task 3 of the first array.
            let squeue = folder.appendingPathComponent("squeue")
            try Data("#!/bin/bash\n[ \"$4\" = 40 ] && echo '40_3 RUNNING'\nexit 0\n".utf8).write(to: squeue)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: squeue.path)
            let again = try SlurmSubmission.resume(
                folder: jobs, status: status, sbatch: sbatch.path, scancel: scancel.path, squeue: squeue.path, sacct: "/nonexistent/sacct")
            #expect(again == .init(shards: [1, 2], array: "52", merge: "52"))
            let calls = try String(contentsOf: record, encoding: .utf8).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(calls.count == 3)
            #expect(calls[0] == "41")  // the old merge job, cancelled
            #expect(calls[1].split(separator: "\n") == ["--parsable", "--array=1,2", "\(jobs.path)/shards.sbatch"])
            // The new merge waits for the new tasks and for the old array's task still running.
            #expect(calls[2].split(separator: "\n").contains("--dependency=afterok:52,afterany:40"))
            let text = try String(contentsOf: jobs.appendingPathComponent("jobs.txt"), encoding: .utf8)
            #expect(text == "array 40\nresubmitted 1,2 52\nmerge 52\n")
            let saved = JobRecord(folder: jobs)
            #expect(saved.arrays == ["40", "52"] && saved.merge == "52" && saved.resubmitted.first?.tasks == [1, 2])
        }
    }

    @Test func taskStatesComeFromSqueueThenSacct() async throws {
        try await withTemporaryFolder { folder in
            let squeue = folder.appendingPathComponent("squeue"), sacct = folder.appendingPathComponent("sacct")
            try Data("#!/bin/bash\nprintf '40_2 RUNNING\\n40_3 PENDING\\n'\n".utf8).write(to: squeue)
            // Accounting knows the finished tasks (and repeats one squeue already gave: squeue wins).
            try Data("#!/bin/bash\nprintf '40_0|COMPLETED\\n40_1|FAILED\\n40_2|COMPLETED\\n'\n".utf8).write(to: sacct)
            for url in [squeue, sacct] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            let states = SubmissionStatus.taskStates(array: "40", squeue: squeue.path, sacct: sacct.path)
            #expect(states == [0: "COMPLETED", 1: "FAILED", 2: "RUNNING", 3: "PENDING"])
            #expect(SubmissionStatus.taskStates(array: "40", squeue: "/nonexistent/squeue", sacct: "/nonexistent/sacct").isEmpty)
        }
    }
}
