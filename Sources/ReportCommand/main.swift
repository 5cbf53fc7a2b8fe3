// The `report` command: thin argument parsing over the Report library.
import ArgumentParser
import Core
import NotebookRuntime
import Foundation
import Report

@main
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run light-curve survey analyses and render their reports.",
        discussion: """
            `report analyses/flares` builds and runs that analysis, then renders \
            output/flares/<run-id>/index.html and prints its path as the last line.
            """,
        subcommands: [Run.self, Submit.self, Status.self, Render.self, List.self, Open.self, Archive.self, Verify.self, Export.self, Vet.self, Merge.self, LightcurveCommand.self, Inspect.self, Bench.self, Fuzz.self, FuzzCase.self],
        defaultSubcommand: Run.self)

    /// ArgumentParser's `main`, after the allocator is set to keep freed memory: the searches of
    /// `lightcurve`, `bench` and `vet` free and allocate light-curve-sized arrays all the time.
    static func main() {
        Allocator.keepFreedMemory()
        main(nil)
    }
}

extension ReportCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build and run an analysis, then render its report.")

        @Argument(help: "The analysis folder, e.g. analyses/flares.")
        var analysis: String

        /// The options every analysis takes (--output, --seed, --jobs, --shard, --catalog), passed through.
        @OptionGroup var options: RunOptions

        func run() throws {
            let (layout, name) = try PackageLayout.locateAnalysis(analysis)
            let outputRoot = URL(fileURLWithPath: options.output).standardizedFileURL
            let catalogPath = options.catalog.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let runDirectory = try AnalysisLauncher(layout: layout).run(
                analysis: name, output: outputRoot, seed: options.seed, jobs: options.jobs, shard: options.shard,
                extra: (catalogPath.map { ["--catalog", $0] } ?? []) + (options.restart ? ["--restart"] : []))
            let index = try RunRenderer(runDirectory: runDirectory, templates: layout.templates).render()
            print(index.path)
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an analysis as a Slurm job array, one shard per task, then merge and render it.",
            discussion: """
                Builds the analysis in release, writes shards.sbatch (the array: --shard $SLURM_ARRAY_TASK_ID/N) \
                and merge.sbatch (afterok on the array: report merge, then the report) into \
                OUTPUT/<analysis>/slurm-<time>/ with the tasks' logs, submits both with sbatch and prints the \
                job ids and where the report will appear. --dry-run prints the scripts instead of submitting. \
                `report submit --resume <slurm folder>` resubmits the shards that failed or were killed (each \
                goes on from the sources it finished) with a new merge job; `report status <slurm folder>` \
                shows where each shard stands.
                """)

        @Argument(help: "The analysis folder, e.g. analyses/flares (not with --resume).")
        var analysis: String?

        @Option(help: "Number of shards (array tasks).")
        var shards: Int?

        @Option(
            help: ArgumentHelp(
                "Resubmit what did not finish of this submission folder (slurm-<time>).",
                discussion: "Shards whose task failed, was killed or cancelled run again and go on from their finished sources; the old merge job is cancelled and a new one waits for them."))
        var resume: String?

        @Option(help: "Root folder for runs and the raw cache (shared by the tasks).")
        var output: String = "output"

        @Option(help: "Random seed; default: the analysis's own.")
        var seed: UInt64?

        @Option(help: "Replace the analysis's catalog with this file.")
        var catalog: String?

        @Option(help: "Slurm partition.") var partition: String?
        @Option(help: "Time limit per task, e.g. 01:00:00.") var time: String?
        @Option(help: "Memory per task, e.g. 4G.") var mem: String?
        @Option(help: "CPUs per task (the sources processed in parallel).") var cpus: Int = 1
        @Option(help: "Slurm account.") var account: String?

        @Flag(
            help: ArgumentHelp(
                "Download every source's files first, in one throttled job; the array starts after it.",
                discussion: "The prefetch job runs the analysis with --prefetch (the raw cache only, at most --per-host requests at once per archive host); the array waits for it with afterany, and a source whose download failed is fetched by its shard."))
        var prefetch = false

        @Option(help: "Requests at once per archive host (prefetch job and tasks); default: 4.")
        var perHost: Int?

        @Flag(help: "Write and print the scripts, submit nothing (no build either).")
        var dryRun = false

        func validate() throws {
            if resume != nil {
                guard analysis == nil, shards == nil else { throw ValidationError("--resume takes the submission folder alone") }
                return
            }
            guard analysis != nil else { throw ValidationError("give the analysis folder, e.g. analyses/flares") }
            guard let shards else { throw ValidationError("give --shards N") }
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1, got \(shards)") }
            guard cpus >= 1 else { throw ValidationError("--cpus must be at least 1, got \(cpus)") }
            if let perHost, perHost < 1 { throw ValidationError("--per-host must be at least 1, got \(perHost)") }
        }

        func run() throws {
            if let resume {
                let folder = URL(fileURLWithPath: resume).standardizedFileURL
                let status = try SubmissionStatus.read(submission: folder)
                let again = try SlurmSubmission.resume(folder: folder, status: status)
                let shardsLine = again.shards.isEmpty
                    ? "report: no shard to run again"
                    : "report: resubmitted shards \(again.shards.map(String.init).joined(separator: ", ")) as job array \(again.array ?? "?")"
                FileHandle.standardError.write(Data("\(shardsLine)\nreport: the merge as job \(again.merge)\n".utf8))
                print(status.report.path)
                return
            }
            guard let analysis, let shards else { return }
            let (layout, name) = try PackageLayout.locateAnalysis(analysis)
            let executable = try AnalysisLauncher(layout: layout).releaseExecutable(of: name, build: !dryRun)
            let report = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]).standardizedFileURL
            let submission = SlurmSubmission(
                analysis: name, analysisExecutable: executable, reportExecutable: report, checkout: layout.root,
                output: URL(fileURLWithPath: output).standardizedFileURL, shards: shards, seed: seed,
                catalog: catalog.map { URL(fileURLWithPath: $0).standardizedFileURL },
                codeVersion: layout.codeVersion(packageVersion: VirtualObserver.version),
                resources: .init(partition: partition, time: time, memory: mem, cpus: cpus, account: account),
                prefetch: prefetch, perHost: perHost)
            let folder = submission.folder(at: Date())
            try submission.write(folder: folder)
            let index = SlurmSubmission.mergedRun(in: folder).appendingPathComponent("index.html")
            if dryRun {
                for script in submission.scripts(folder: folder) {
                    print("# \(folder.appendingPathComponent(script.name).path)")
                    print(script.text)
                }
                print(
                    "# not submitted (--dry-run): "
                        + (prefetch ? "sbatch prefetch.sbatch, then sbatch --dependency=afterany:<prefetch id> shards.sbatch" : "sbatch shards.sbatch")
                        + ", then sbatch --dependency=afterok:<array id> merge.sbatch")
                return
            }
            let jobs = try submission.submit(folder: folder)
            FileHandle.standardError.write(
                Data(
                    """
                    \(jobs.prefetch.map { "report: submitted the prefetch as job \($0); the array starts after it (afterany)\n" } ?? "")\
                    report: submitted \(shards) shards as job array \(jobs.array) and the merge as job \(jobs.merge) (afterok)
                    report: scripts and logs in \(folder.path)

                    """.utf8))
            print(index.path)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where a run stands: sources done, pending and failed, per shard for a `report submit` folder.",
            discussion: """
                FOLDER is a run folder, or the slurm-<time> folder `report submit` wrote: then one line per \
                shard (from its run database) with its array task's Slurm state (squeue, or sacct where the \
                cluster keeps accounting), and the merge job and the report.
                """)

        @Argument(help: "A run folder or a submission folder.")
        var folder: String

        func run() throws {
            let url = URL(fileURLWithPath: folder).standardizedFileURL
            let fm = FileManager.default
            if fm.fileExists(atPath: url.appendingPathComponent("run.sqlite").path) {
                let c = try SubmissionStatus.counts(runFolder: url)
                print("done \(c.done)  pending \(c.pending)  failed \(c.failed)  run \(c.runStatus ?? "?")  \(url.path)")
                return
            }
            guard fm.fileExists(atPath: url.appendingPathComponent("shards.sbatch").path) else {
                throw ReportError.notASubmission(url.path)
            }
            for line in try SubmissionStatus.read(submission: url).lines { print(line) }
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a run's HTML report from its database, recomputing nothing.")

        @Argument(help: "The run folder (holding run.sqlite).")
        var runFolder: String

        @Option(
            help: ArgumentHelp(
                "Templates folder (default: the run's own templates/, which rendered it last).",
                discussion: "To render with edited templates, e.g. a checkout's: --templates templates"))
        var templates: String?

        @Option(
            name: .customLong("source"),
            help: ArgumentHelp(
                "Draw only this source's page and figures (catalog id, name or row id; repeatable), linking them from the index.",
                discussion: "For sources the full render left without a page (it draws at most --pages).",
                valueName: "id"))
        var sources: [String] = []

        @Option(help: "At most this many sources get a page and figures: those of the cards, then those with detections, then by priority.")
        var pages = 1_000

        @Option(help: "At most this many detections are shown as cards on the index (all are in its detection table).")
        var cards = 100

        func validate() throws {
            guard pages >= 0, cards >= 0 else { throw ValidationError("--pages and --cards must not be negative") }
        }

        func run() throws {
            let folder = URL(fileURLWithPath: runFolder).standardizedFileURL
            let templatesURL = try templates.map { URL(fileURLWithPath: $0) } ?? RunRenderer.templates(forRun: folder)
            var renderer = RunRenderer(runDirectory: folder, templates: templatesURL)
            renderer.pageLimit = pages
            renderer.cardLimit = cards
            if !sources.isEmpty {
                for page in try renderer.renderPages(of: sources) { print(page.path) }
                return
            }
            print(try renderer.render().path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs under an output folder.")

        @Option(help: "Root folder for runs.")
        var output: String = "output"

        func run() throws {
            let (runs, problems) = RunCatalog(root: URL(fileURLWithPath: output)).survey()
            if runs.isEmpty && problems.isEmpty { print("no runs under \(output)") }
            for r in runs {
                print(r.line)
            }
            for p in problems {
                print(p.line)
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the run databases of the shards of one run (--shard i/N) into one run.",
            discussion: "OUT is a new run folder; its report is rendered as for any run.")

        @Argument(help: "The new run folder.")
        var out: String

        @Argument(help: "The shard run folders (or their run.sqlite files).")
        var runs: [String]

        func run() throws {
            let shards = runs.map { path -> URL in
                let url = URL(fileURLWithPath: path)
                return url.pathExtension == "sqlite" ? url.deletingLastPathComponent() : url
            }
            let folder = URL(fileURLWithPath: out)
            let merged = try RunMerge.merge(shardFolders: shards, into: folder)
            FileHandle.standardError.write(Data("merged \(shards.count) shards into run \(merged.id)\n".utf8))
            // The templates that rendered the first shard (any shard's would do: one checkout ran them).
            let templates = try RunRenderer.templates(forRun: shards[0])
            let index = try RunRenderer(runDirectory: folder, templates: templates).render()
            print(index.path)
        }
    }

    struct LightcurveCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lightcurve",
            abstract: "Calibrate, detrend and search one light-curve file.",
            discussion: """
                Reads SPOC FITS (TESS 2-minute and 20-second, Kepler, K2), IRSA ZTF CSV, and light-curve \
                tables (CSV, ECSV, IPAC, VOTable, FITS) with time, flux and flux-error columns found by their \
                usual names (time/bjd/btjd/bkjd/mjd/jd/hjd; flux/pdcsap_flux/sap_flux/f/rel_flux; \
                flux_err/e_flux/err/flux_error/sigma; optional quality/sap_quality/flags). Table rows with \
                non-zero quality are rejected; flux is divided by its median unless already relative.
                """)

        @Argument(help: "The raw file.")
        var file: String

        @Flag(help: "Search for flares and list them.")
        var flares = false

        @Flag(help: "Print one JSON object.")
        var json = false

        @Option(
            help: "Write a figure (.png or .svg) of the light curve, flares shaded; with --flares also a close-up of each candidate beside it (NAME-flare-N.png for the Nth; the \(QuickLook.closeUpLimit) most significant if there are more).")
        var plot: String?

        @Option(
            help: ArgumentHelp(
                "Time system of a table's time column: BTJD, BKJD, BJD, HJD, JD or MJD.",
                discussion: "Needed when the column is a plain 'time' and the header has no BJDREFI; overrides what the file says.",
                valueName: "system"))
        var timeSystem: String?

        @Flag(help: "Also list the candidates that passed the criteria but were turned down (shape, negative ED, no corroboration), and why.")
        var rejected = false

        @Option(help: "Inject this many synthetic flares into each band and report how many are recovered.")
        var inject: Int?

        @Option(help: "Seed of the injection–recovery.")
        var seed: UInt64 = 1

        @Option(
            help: ArgumentHelp(
                "Compare the detections with another list of flares on this light curve (CSV, ECSV, IPAC, VOTable or FITS).",
                discussion: "Columns start and stop (also tstart/tstop, t_s/t_f) or peak, optional ed in seconds (ed_rec: AltaiPony's table), times in the light curve's time system.",
                valueName: "list"))
        var compare: String?

        func run() throws {
            // A closure, not `TimeSystem.init(named:)` passed as a function: an incremental release
            // build once crashed printing the result with the reference (perhaps stale build
            // products, as another release-only failure here turned out to be; scripts/check-release).
            let system = try timeSystem.map { try TimeSystem(named: $0) }
            let result = try QuickLook(file: URL(fileURLWithPath: file), timeSystem: system).run(
                flares: flares, plot: plot.map { URL(fileURLWithPath: $0) }, inject: inject, seed: seed, rejected: rejected,
                compare: compare.map { URL(fileURLWithPath: $0) })
            print(json ? try QuickLook.json(result) : QuickLook.text(result))
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print throughput and flare-search quality figures, or time the search of one file.",
            discussion: """
                Without FILE: flare search, injection–recovery, readers, figures, and the stress set \
                (false positives and recovery of the flare search, each with its goal). With FILE: \
                the median time of the search of that file and an injection–recovery on it. \
                Run it optimised: swift run -c release report bench
                """)

        @Argument(help: "A light-curve file (as 'report lightcurve' reads) to time the search on.")
        var file: String?

        @Option(
            help: ArgumentHelp(
                "With FILE: time system of a table's time column (BTJD, BKJD, BJD, HJD, JD or MJD), as for 'report lightcurve'.",
                valueName: "system"))
        var timeSystem: String?

        @Option(help: "Flares injected per band of FILE.")
        var inject: Int = 100

        @Option(help: "Seed of the injection–recovery on FILE.")
        var seed: UInt64 = 1

        @Flag(help: "With FILE: print one JSON object.")
        var json = false

        @Option(
            help: ArgumentHelp(
                "Without FILE: print only these groups (comma-separated).",
                valueName: Benchmarks.Group.allCases.map(\.rawValue).joined(separator: ",")))
        var only: String?

        @Option(
            help: ArgumentHelp(
                "Write the stress set's false positives and recovered and missed flares (S/N ≥ 5) with each star's true parameters to FILE (tab-separated), and the light curves with false positives to FILE.lightcurves/ (read them with 'report lightcurve F --time-system BTJD').",
                valueName: "FILE"))
        var stressDetails: String?

        @Option(
            help: ArgumentHelp(
                "Stars of each cadence in the stress set (more stars: smaller counting noise on its rates, proportionally longer).",
                valueName: "N"))
        var stressStars: Int = Benchmarks.defaultStressStars

        @Option(
            help: ArgumentHelp(
                "Run the synthetic survey end to end with N stars of small light curves (2,000 points, 10 injected flares each) and print sources/s, peak memory and report size.",
                valueName: "N"))
        var scale: Int?

        @Option(help: "With --scale: sources processed at once (default: the number of cores).")
        var jobs: Int?

        @Option(help: "With --scale: keep the run in this folder (default: a temporary folder, removed at the end).")
        var output: String?

        func validate() throws {
            if let scale, scale < 1 { throw ValidationError("--scale must be at least 1, got \(scale)") }
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
            if stressStars < 1 { throw ValidationError("--stress-stars must be at least 1, got \(stressStars)") }
            if timeSystem != nil, file == nil { throw ValidationError("--time-system applies to FILE; give a light-curve file") }
        }

        func run() throws {
            if let scale {
                let templates = try PackageLayout.locate().templates
                let folder = output.map { URL(fileURLWithPath: $0) }
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent("vo-scale-\(UUID().uuidString)")
                defer { if output == nil { try? FileManager.default.removeItem(at: folder) } }
                print("virtualobserver scale benchmark, \(Benchmarks.configuration), \(jobs ?? ProcessInfo.processInfo.activeProcessorCount) jobs")
                let result = try Benchmarks.scale(sources: scale, jobs: jobs, folder: folder, templates: templates) { print($0.line) }
                if output != nil { print(result.runDirectory.appendingPathComponent("index.html").path) }
                return
            }
            var groups = Set(Benchmarks.Group.allCases)
            if let only {
                groups = try Set(
                    only.split(separator: ",").map { name in
                        guard let group = Benchmarks.Group(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                            throw ValidationError(
                                "--only: unknown group '\(name)'; the groups are "
                                    + Benchmarks.Group.allCases.map(\.rawValue).joined(separator: ", "))
                        }
                        return group
                    })
            }
            if let file {
                let system = try timeSystem.map { try TimeSystem(named: $0) }
                let result = try Benchmarks.file(URL(fileURLWithPath: file), timeSystem: system, inject: inject, seed: seed)
                print(json ? try Benchmarks.json(result) : result.text)
                return
            }
            print("virtualobserver benchmarks, \(Benchmarks.configuration), one core")
            var lines: [String] = []
            var sink: Benchmarks.StressDetails?
            var failure: Error?
            if let stressDetails {
                let folder = URL(fileURLWithPath: stressDetails + ".lightcurves")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                sink = Benchmarks.StressDetails(line: { lines.append($0) }) { name, text in
                    do { try Data(text.utf8).write(to: folder.appendingPathComponent(name), options: .atomic) } catch { failure = error }
                }
            }
            try Benchmarks.run(only: groups, stressStars: stressStars, stressDetails: sink) { print($0.line) }
            if let failure { throw failure }
            if let stressDetails {
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: stressDetails), options: .atomic)
            }
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the path of a run's report and open it in a browser where one exists.")

        @Argument(help: "The run folder.")
        var runFolder: String

        func run() throws {
            let index = URL(fileURLWithPath: runFolder).appendingPathComponent("index.html").standardizedFileURL
            guard FileManager.default.fileExists(atPath: index.path) else {
                throw ReportError.notARunFolder(runFolder)
            }
            print(index.path)
            let environment = ProcessInfo.processInfo.environment
            guard environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil else { return }
            let opener = Process()
            opener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            opener.arguments = ["xdg-open", index.path]
            opener.standardError = FileHandle.nullDevice
            try? opener.run()
        }
    }

    struct Archive: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack a rendered run into <run-id>.tar.gz with its provenance and a SHA-256 manifest.")

        @Argument(help: "The run folder.")
        var runFolder: String

        @Option(help: "Folder for the archive (default: beside the run folder).")
        var into: String?

        @Flag(help: "Include the raw files the run read (from the raw cache, checked against their recorded SHA-256) under raw/.")
        var withRaw = false

        @Option(help: "An author for CITATION.cff and .zenodo.json, \"Family, Given\" (repeatable; default: git's user.name).")
        var author: [String] = []

        func run() throws {
            let archive = try RunArchive.create(
                runDirectory: URL(fileURLWithPath: runFolder), into: into.map { URL(fileURLWithPath: $0) }, withRaw: withRaw,
                authors: author)
            print(archive.path)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a table of a run as ECSV, VOTable, FITS or CSV, with units and descriptions.",
            discussion: """
                Detections are the real ones unless --simulated is given; then a 'simulated' column says which \
                is which. Times are days in the system the row's time_system names (BTJD, BKJD, MJD). \
                Without --output the file is <run id>-<table>.<ecsv|xml|fits|csv> in the working directory; its path is printed.
                """)

        @Argument(help: "The run folder.")
        var runFolder: String

        @Option(help: "The table: \(RunExport.TableName.allCases.map(\.rawValue).joined(separator: ", ")).")
        var table: String

        @Option(help: "The format: \(RunExport.Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format: String = "ecsv"

        @Option(help: "The file to write.")
        var output: String?

        @Flag(help: "Include simulated detections (injection–recovery trials), marked in a 'simulated' column.")
        var simulated = false

        func validate() throws {
            guard RunExport.TableName(rawValue: table) != nil else {
                throw ValidationError("--table: no table '\(table)'; the tables are \(RunExport.TableName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard RunExport.Format(rawValue: format) != nil else {
                throw ValidationError("--format: no format '\(format)'; the formats are \(RunExport.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if simulated && table != "detections" { throw ValidationError("--simulated applies to --table detections only") }
        }

        func run() throws {
            let folder = URL(fileURLWithPath: runFolder).standardizedFileURL
            let name = RunExport.TableName(rawValue: table)!
            let format = RunExport.Format(rawValue: self.format)!
            let exported = try RunExport.table(name, run: folder, simulated: simulated)
            let url: URL
            if let output {
                url = URL(fileURLWithPath: output)
            } else {
                url = URL(fileURLWithPath: "\(exported.runID)-\(name.rawValue)\(simulated ? "-with-simulated" : "").\(format.fileExtension)")
            }
            try RunExport.write(exported, format: format, to: url)
            FileHandle.standardError.write(Data("\(exported.rowCount) rows, \(exported.columns.count) columns\n".utf8))
            print(url.path)
        }
    }

    struct Vet: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Blind vetting: a page to judge candidates without knowing which are simulated; import; unblind.",
            discussion: """
                `report vet RUN` writes RUN/vet/index.html: every real candidate and a random sample of recovered                 simulated ones, shuffled, with opaque ids. Vetters judge in the browser (keys j/k, 1/2/3) and export                 a verdicts file; `report vet import RUN FILE` stores it (once per vetter); `report vet unblind RUN`                 reveals which cards were simulated, prints the vetting efficiency and corrected rates, and renders                 the report with them.
                """,
            subcommands: [Page.self, Import.self, Unblind.self],
            defaultSubcommand: Page.self)

        struct Page: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "page", abstract: "Write the blind-vetting page of a run (the default: `report vet RUN`).")

            @Argument(help: "The run folder.")
            var runFolder: String

            @Option(help: "Share of the cards that are simulated, at least 0 and below 1.")
            var simulatedFraction: Double = 0.2

            @Option(help: "Seed of the sample, the card ids and their order (default: the run's seed).")
            var seed: UInt64?

            @Option(help: "Templates folder (default: the run's own templates/, else the checkout's).")
            var templates: String?

            func run() throws {
                let folder = URL(fileURLWithPath: runFolder).standardizedFileURL
                let store = try Store(url: folder.appendingPathComponent("run.sqlite"), readOnly: true)
                guard let run = try store.run() else { throw StoreError.notARun(path: folder.path) }
                let result = try BlindVetting(runDirectory: folder).writePage(
                    simulatedFraction: simulatedFraction, seed: seed ?? UInt64(bitPattern: run.seed),
                    templates: try templates.map { URL(fileURLWithPath: $0) } ?? BlindVetting.templates(forRun: folder))
                FileHandle.standardError.write(
                    Data("vetting page \(result.page.id): \(result.real + result.simulated) cards (which are simulated is in run.sqlite only)\n".utf8))
                print(result.index.path)
            }
        }

        struct Import: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Store a vetter's exported verdicts in the run database.")

            @Argument(help: "The run folder.")
            var runFolder: String

            @Argument(help: "Verdicts files exported from the vetting page (one per vetter).")
            var files: [String]

            func run() throws {
                let vetting = BlindVetting(runDirectory: URL(fileURLWithPath: runFolder).standardizedFileURL)
                for file in files {
                    let (vetter, count) = try vetting.importVerdicts(from: URL(fileURLWithPath: file))
                    print("\(file): \(count) verdicts by \(vetter)")
                }
            }
        }

        struct Unblind: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Reveal which cards were simulated: vetting efficiency, agreement, corrected rates; render the report.")

            @Argument(help: "The run folder.")
            var runFolder: String

            func run() throws {
                let folder = URL(fileURLWithPath: runFolder).standardizedFileURL
                let summary = try BlindVetting(runDirectory: folder).unblind()
                for line in VettingText.lines(summary) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                let index = try RunRenderer(runDirectory: folder, templates: try RunRenderer.templates(forRun: folder)).render()
                print(index.path)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a run archive against its manifest and say what differs.")

        @Argument(help: "The .tar.gz archive.")
        var archive: String

        @Flag(help: "Also render the unpacked run again from the archive alone and check that every file comes out byte-identical.")
        var rerender = false

        func run() throws {
            let result = try RunArchive.verify(URL(fileURLWithPath: archive), rerender: rerender)
            print(result.description)
            if !result.ok { throw ExitCode(1) }
        }
    }

    struct Fuzz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mutate seed files of every format the tool reads and count clean errors, crashes, hangs and memory blow-ups.",
            discussion: """
                Each case is a seed file (small valid files of each format, from Tests/CoreTests/Fixtures and \
                written here) with one to three seeded mutations: byte flips, a truncation, a duplicated chunk, an \
                edited header or attribute value. It is read in a child process (inspection, then calibration and \
                the flare search for light curves, the catalog mapping for catalogs) under a time and an \
                address-space limit. Exits with status 1 if any case crashed, hung or ran out of memory; \
                those cases are copied to --keep.
                """)

        @Option(help: "Formats to fuzz, comma-separated, or 'all': \(Fuzzer.Format.allCases.map(\.rawValue).joined(separator: ", ")).")
        var format = "all"

        @Option(help: "Cases per format.")
        var cases = 1_000

        @Option(help: "Seed of the mutations.")
        var seed: UInt64 = 1

        @Option(help: "Seconds a case may take before it counts as a hang.")
        var timeout = 20.0

        @Option(help: "Address-space limit of the child, MiB.")
        var memory = 4_096

        @Option(help: "Folder to copy failing cases to.")
        var keep = "output/fuzz-failures"

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let formats = format == "all"
                ? Fuzzer.Format.allCases
                : try format.split(separator: ",").map { name in
                    guard let f = Fuzzer.Format(rawValue: String(name)) else {
                        throw ValidationError("unknown format '\(name)'; use \(Fuzzer.Format.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return f
                }
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("vo-fuzz-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let layout = try PackageLayout.locate()
            let seeds = try Fuzzer.seeds(
                fixtures: layout.root.appendingPathComponent("Tests/CoreTests/Fixtures"), into: scratch.appendingPathComponent("seeds"))
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            var tallies: [Fuzzer.Tally] = []
            for f in formats {
                guard let seedFile = seeds[f] else { continue }
                let tally = try Fuzzer.run(
                    format: f, seed: seedFile, cases: cases, randomSeed: seed, executable: executable, scratch: scratch,
                    timeout: timeout, memoryMiB: memory, keepFailures: URL(fileURLWithPath: keep))
                tallies.append(tally)
                if !json {
                    print(tally.line)
                    for failure in tally.failures { print("    \(failure)") }
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(Fuzzer.Summary(seed: seed, formats: tallies)), as: UTF8.self))
            } else {
                let total = tallies.reduce(into: (0, 0, 0, 0)) { $0.0 += $1.cases; $0.1 += $1.crashes; $0.2 += $1.hangs; $0.3 += $1.memory }
                print("fuzz: \(total.0) cases, \(total.1) crashes, \(total.2) hangs, \(total.3) memory blow-ups (seed \(seed))")
            }
            if !tallies.allSatisfy(\.acceptable) { throw ExitCode(1) }
        }
    }

    struct FuzzCase: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fuzz-case", abstract: "Run the reading path of a format on files (the child of report fuzz).",
            shouldDisplay: false)

        @Option var format: String
        @Option var list: String

        func run() throws {
            guard let f = Fuzzer.Format(rawValue: format) else { throw ValidationError("unknown format \(format)") }
            let files = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
            Fuzzer.runCases(files, format: f)
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise any file the tool reads: SPOC/ZTF light curves, light-curve tables and catalog tables.")

        @Argument(help: "The file.")
        var file: String

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let inspection = try FileInspection.inspect(URL(fileURLWithPath: file))
            print(json ? try inspection.json() : inspection.text)
        }
    }
}
