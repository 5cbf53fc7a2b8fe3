import Foundation
import Testing

/// The dependency direction of the package (Package.swift's header), checked on the sources: on
/// Linux every module of the build is on the compiler's search path, so a target could import a
/// module it does not declare and still build.
@Suite("Layering")
struct LayeringTests {
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// The toolchain's own modules, which any target may import.
    static let toolchain: Set<String> = [
        "Foundation", "FoundationNetworking", "FoundationXML", "Dispatch", "Glibc", "Synchronization",
    ]

    /// Modules each library target may import besides the toolchain's: its declared dependencies.
    static let allowed: [String: Set<String>] = [
        "Core": toolchain.union(["Logging", "GRDB", "Crypto", "CCFITSIO"]),
        "Plot": toolchain.union(["CCairo"]),
        "NotebookRuntime": toolchain.union(["Core", "ArgumentParser", "Logging"]),
        "Report": toolchain.union(["Core", "Plot", "Mustache", "Logging"]),
    ]

    /// Each Swift file of a target with the lines that are code (not comments).
    static func files(of target: String) throws -> [(name: String, code: [Substring])] {
        let folder = sources.appendingPathComponent(target)
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return try walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }.map { url in
            let code = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            return (url.lastPathComponent, code)
        }
    }

    @Test(arguments: ["Core", "Plot", "NotebookRuntime", "Report"])
    func aTargetImportsOnlyWhatItDeclares(target: String) throws {
        let files = try Self.files(of: target)
        #expect(!files.isEmpty, "no sources found for \(target) under \(Self.sources.path)")
        for (name, code) in files {
            for line in code {
                let words = line.split(separator: " ")
                guard let i = words.firstIndex(of: "import"), words[..<i].allSatisfy({ $0.hasPrefix("@") }), i + 1 < words.count
                else { continue }
                // `import struct Foundation.URL`, `import Foundation.NSString`: the module is the first component.
                let path = words.count > i + 2 ? words[i + 2] : words[i + 1]
                let module = String(path.split(separator: ".")[0])
                #expect(Self.allowed[target]!.contains(module), "\(target)/\(name) imports \(module)")
            }
        }
    }

    @Test func coreParsesNoCommandLineAndNeverExitsOrPrints() throws {
        let forbidden = ["print(", "exit(", "LoggingSystem.bootstrap", "CommandLine.arguments", "ParsableArguments"]
        for (name, code) in try Self.files(of: "Core") {
            for line in code {
                for word in forbidden where line.contains(word) {
                    // `.print(` and `fprint(`-like names are other functions; a bare call is the fault.
                    let range = line.range(of: word)!
                    let before = range.lowerBound == line.startIndex ? " " : line[line.index(before: range.lowerBound)]
                    #expect(!(before == " " || before == "(" || before == "{" || before == "\t"), "Core/\(name): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
    }
}
