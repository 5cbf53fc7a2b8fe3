// swift-tools-version:6.1
//
// virtualobserver: notebook-style, reproducible reports for light-curve surveys.
//
// Dependency direction (enforced here, not by convention):
//   Core   -> GRDB, Logging, Crypto, CCFITSIO      (a library: no Plot, no Report, no command line)
//   NotebookRuntime -> Core, ArgumentParser, Logging (an analysis program's options, logging, exit)
//   Plot   -> CCairo (Cairo, and zlib for PNG files) (knows no astronomy)
//   Report -> Core, Plot, Mustache                  (figures + HTML)
//   report (executable) -> Report, NotebookRuntime
//   analyses/<name> (one executable each) -> Core, NotebookRuntime
import Foundation
import PackageDescription

/// Every folder under `analyses/` is one analysis executable, named after the folder.
/// Adding an analysis means adding a folder; nothing else changes.
let analysesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("analyses")
let analysisNames: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: analysesDirectory.path)) ?? [])
    .filter { name in
        var isDirectory: ObjCBool = false
        let path = analysesDirectory.appendingPathComponent(name).path
        return !name.hasPrefix(".")
            && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
    .sorted()

let core: Target.Dependency = "Core"
let runtime: Target.Dependency = "NotebookRuntime"

/// Core (the search, the readers) and Plot (the rasteriser's Swift side) are numeric code that runs
/// 10–15× slower unoptimised: the default analysis took 505 s in a plain debug build and takes 36 s
/// with these two optimised (2 cores), for about a minute more of compiling. So a debug build — what
/// `swift run report analyses/flares` and `swift test` make — optimises them too; the rest stays
/// debuggable. Drop the flag to step through Core in a debugger. (SwiftPM refuses unsafe flags in a
/// package that another package depends on by version; by path or branch it accepts them.)
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "virtualobserver",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "report", targets: ["ReportCommand"]),
        .library(name: "Core", targets: ["Core"]),
        .library(name: "NotebookRuntime", targets: ["NotebookRuntime"]),
        .library(name: "Plot", targets: ["Plot"]),
    ] + analysisNames.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCFITSIO", pkgConfig: "cfitsio",
            providers: [.apt(["libcfitsio-dev"])]),
        .systemLibrary(
            name: "CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev", "zlib1g-dev"])]),
        .target(
            name: "Core",
            dependencies: [
                "CCFITSIO",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: optimisedInDebug),
        .target(
            name: "NotebookRuntime",
            dependencies: [
                "Core",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "Plot", dependencies: ["CCairo"], swiftSettings: optimisedInDebug),
        .target(
            name: "Report",
            dependencies: [
                "Core", "Plot",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "ReportCommand",
            dependencies: [
                "Report", "NotebookRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // What the test targets share: temporary folders, a capturing logger, snapshots, a loopback
        // HTTP server. A library only the tests link.
        .target(
            name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport"),
        .testTarget(
            name: "CoreTests", dependencies: ["Core", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "TestSupport"], exclude: ["Snapshots"]),
        // Snapshots are read from the source tree by path (#filePath), not bundled.
        .testTarget(
            name: "ReportTests", dependencies: ["Report", "Core", "Plot", "TestSupport"], exclude: ["Snapshots"]),
    ] + analysisNames.map { name in
        .executableTarget(name: name, dependencies: [core, runtime], path: "analyses/\(name)")
    }
)
