// The `report` command: thin argument parsing over the Report library.
import ArgumentParser
import Core
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
        subcommands: [Run.self, Render.self, List.self],
        defaultSubcommand: Run.self)
}

extension ReportCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build and run an analysis, then render its report.")

        @Argument(help: "The analysis folder, e.g. analyses/flares.")
        var analysis: String

        @Option(help: "Root folder for runs and the raw cache.")
        var output: String = "output"

        @Option(help: "Random seed (recorded with the run); default: the analysis's own.")
        var seed: UInt64?

        @Option(help: "Sources processed in parallel (default: number of cores).")
        var jobs: Int?

        @Option(help: "Process only slice i of N of the catalog, e.g. 0/4.")
        var shard: String?

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        }

        func run() throws {
            let layout = try PackageLayout.locate()
            let name = try layout.analysis(named: analysis)
            let outputRoot = URL(fileURLWithPath: output, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            let runDirectory = try AnalysisLauncher(layout: layout).run(
                analysis: name, output: outputRoot, seed: seed, jobs: jobs, shard: shard)
            let index = try RunRenderer(runDirectory: runDirectory, templates: layout.templates).render()
            print(index.path)
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a run's HTML report from its database, recomputing nothing.")

        @Argument(help: "The run folder (holding run.sqlite).")
        var runFolder: String

        @Option(help: "Templates folder (default: templates/ of this checkout).")
        var templates: String?

        func run() throws {
            let folder = URL(fileURLWithPath: runFolder).standardizedFileURL
            let templatesURL = try templates.map { URL(fileURLWithPath: $0) } ?? PackageLayout.locate().templates
            let index = try RunRenderer(runDirectory: folder, templates: templatesURL).render()
            print(index.path)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs under an output folder.")

        @Option(help: "Root folder for runs.")
        var output: String = "output"

        func run() throws {
            let runs = try RunCatalog(root: URL(fileURLWithPath: output)).runs()
            if runs.isEmpty { print("no runs under \(output)") }
            for r in runs {
                print(r.line)
            }
        }
    }
}
