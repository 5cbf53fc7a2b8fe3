import ArgumentParser
import Core
import Foundation
import Logging

extension Notebook {
    /// A notebook run as a program: parses the standard options (``RunOptions``) from `arguments`
    /// (default: the process's), exiting on `--help` or a usage error as command-line tools do; logs
    /// to standard error (level from `VO_LOG_LEVEL`, default info); ends the program with a one-line
    /// error and exit status 1 when a step fails, instead of Swift's crash report for an error thrown
    /// at top level; prints the run folder as the last line of standard output; and draws a progress
    /// bar when standard error is a terminal. The C allocator keeps freed memory
    /// (``Allocator/keepFreedMemory()``).
    public convenience init(name: String, title: String, defaultSeed: UInt64, arguments: [String]? = nil) {
        Allocator.keepFreedMemory()
        CommandLineHost.bootstrapLogging()
        let settings: RunSettings
        do {
            let command = try AnalysisCommand.parse(arguments ?? Array(CommandLine.arguments.dropFirst()))
            settings = try command.options.settings()
        } catch {
            AnalysisCommand.exit(withError: error)
        }
        self.init(
            name: name, title: title, settings: settings, defaultSeed: defaultSeed,
            events: CommandLineHost.events(terminal: isatty(STDERR_FILENO) == 1))
    }
}

/// The command line of an analysis program, so that `--help` and usage errors name the program
/// (`flares --shard …`) rather than the options type.
struct AnalysisCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "analysis",
            abstract: "Run this analysis into a run folder (its database and light-curve products).",
            discussion: "`report analyses/<name>` runs it and renders the report; the options are the same.")
    }

    @OptionGroup var options: RunOptions
}

/// What a notebook program does that a library must not: logging set-up, exit, standard output.
enum CommandLineHost {
    nonisolated(unsafe) private static var loggingReady = false
    private static let loggingLock = NSLock()

    static func bootstrapLogging() {
        loggingLock.lock()
        defer { loggingLock.unlock() }
        guard !loggingReady else { return }
        loggingReady = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["VO_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
            return handler
        }
    }

    static func events(terminal: Bool) -> Notebook.Events {
        // Fault injection for the tests of resumption: VO_KILL_AFTER_SOURCES=n makes the program kill
        // itself (SIGKILL, as a node loss or `kill -9` would) once n sources are stored.
        let killAfter = ProcessInfo.processInfo.environment["VO_KILL_AFTER_SOURCES"].flatMap { Int($0) }
        let bar = terminal ? ProgressBar() : nil
        var progress: (@Sendable (Int, Int, Int, Double) -> Void)?
        if bar != nil || killAfter != nil {
            progress = { (done: Int, failed: Int, total: Int, elapsed: Double) in
                bar?.update(done: done, failed: failed, total: total, elapsed: elapsed)
                if let killAfter, done >= killAfter { kill(getpid(), SIGKILL) }
            }
        }
        return Notebook.Events(
            failure: { error in
                let message = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))
                exit(1)
            },
            finished: { summary in
                print(summary.runDirectory.path)
            },
            progress: progress)
    }
}

/// One line on the terminal, redrawn in place at most five times a second (and at the end): a bar,
/// then done/total, failures, rate and ETA.
final class ProgressBar: @unchecked Sendable {
    private var lastDrawn = Date.distantPast
    private let lock = NSLock()

    func update(done: Int, failed: Int, total: Int, elapsed: Double) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) > 0.2 || done == total else { return }
        lastDrawn = now
        let line = Notebook.progressLine(done: done, failed: failed, total: total, elapsed: elapsed)
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(bar) \(line)\(done == total ? "\n" : "")".utf8))
    }
}
