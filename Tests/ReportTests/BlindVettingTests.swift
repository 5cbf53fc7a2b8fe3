import Core
import Foundation
import GRDB
import Testing

@testable import Report
import TestSupport

/// The checkout's scripts folder.
let scriptsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("scripts")

@Suite("BlindVetting", .serialized)
struct BlindVettingTests {
    /// One card of the page: its HTML and the truth from the database.
    struct Card {
        var id: String
        var html: String
        var simulated: Bool
        var figure: URL
    }

    func cards(_ run: URL) throws -> [Card] {
        let html = try String(contentsOf: run.appendingPathComponent("vet/index.html"), encoding: .utf8)
        let store = try Store(url: run.appendingPathComponent("run.sqlite"), readOnly: true)
        let page = try #require(try store.vetPage())
        let truth = Dictionary(
            uniqueKeysWithValues: try store.detections(includeSimulated: true).compactMap { d in d.id.map { ($0, d.simulated) } })
        let records = try store.vetCards(pageID: page.id)
        let pieces = html.components(separatedBy: "<article ").dropFirst().map { "<article " + $0.components(separatedBy: "</article>")[0] }
        #expect(pieces.count == records.count)
        return zip(pieces, records).map { piece, record in
            #expect(piece.contains("data-card=\"\(record.cardId)\""), "page order is the stored order")
            return Card(
                id: record.cardId, html: piece, simulated: truth[record.detectionId]!,
                figure: run.appendingPathComponent("vet/figures/\(record.cardId).png"))
        }
    }

    /// The card's structure: every tag with its attribute names, and the field labels; no values.
    func structure(_ html: String) -> String {
        var text = html
        text = text.replacingOccurrences(of: #"="[^"]*""#, with: "=\"\"", options: .regularExpression)
        text = text.replacingOccurrences(of: #">[^<]*<"#, with: "><", options: .regularExpression)
        let labels = html.matches(of: /<dt>([^<]*)<\/dt>/).map { String($0.1) }
        return text + "|" + labels.joined(separator: ",")
    }

    /// PNG header fields and the sequence of chunk types (no chunk may differ in kind between groups).
    func pngMetadata(_ url: URL) throws -> String {
        let data = try Data(contentsOf: url)
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        var offset = 8
        var chunks: [String] = []
        var header = ""
        while offset + 8 <= data.count {
            let length = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: data[offset + 4..<offset + 8], as: UTF8.self)
            if type == "IHDR" { header = data[offset + 8..<offset + 8 + 13].map { String($0) }.joined(separator: ".") }
            if chunks.last != type { chunks.append(type) }
            offset += 12 + length
        }
        return header + "|" + chunks.joined(separator: ",")
    }

    @Test func nothingOnThePageTellsSimulatedFromRealCards() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder, count: 8)
            let run = summary.runDirectory
            let store = try Store(url: run.appendingPathComponent("run.sqlite"), readOnly: true)
            let real = try store.detections().count
            try #require(real >= 4, "the tiny run has real candidates to vet")
            let result = try BlindVetting(runDirectory: run).writePage(simulatedFraction: 0.4, seed: 11, templates: templatesFolder)
            #expect(result.real == real)
            #expect(result.simulated == Int((Double(real) * 0.4 / 0.6).rounded()))
            let all = try cards(run)
            let simulated = all.filter(\.simulated), realCards = all.filter { !$0.simulated }
            #expect(simulated.count == result.simulated && realCards.count == real)

            // Structure and figure metadata: one kind for every card.
            #expect(Set(simulated.map { structure($0.html) }) == Set(realCards.map { structure($0.html) }))
            #expect(Set(all.map { structure($0.html) }).count == 1, "every card has the same fields")
            #expect(Set(simulated.map { try! pngMetadata($0.figure) }) == Set(realCards.map { try! pngMetadata($0.figure) }))
            // Names: the opaque card id only; no detection id, no word that names the kind.
            let detectionIDs = try store.detections(includeSimulated: true).compactMap(\.id).map(String.init)
            for card in all {
                #expect(card.html.contains("figures/\(card.id).png"))
                for word in ["simulated", "injected", "injection", "synthetic", "detection-"] {
                    #expect(!card.html.lowercased().contains(word), "card \(card.id) says '\(word)'")
                }
                // The archive's cosmic-ray bit marks real flares' cadences more often than injected ones'.
                #expect(!card.html.contains("cosmic-ray flag"), "card \(card.id) shows the cosmic-ray flag")
                for id in detectionIDs { #expect(!card.html.contains(id), "card \(card.id) shows a detection id") }
            }
            // Sizes: simulated figures are not systematically larger or smaller (Mann–Whitney U, |z| < 3.3).
            let sizes = try all.map { (try Data(contentsOf: $0.figure).count, $0.simulated) }.sorted { $0.0 < $1.0 }
            let rankSum = sizes.enumerated().filter { $0.element.1 }.map { Double($0.offset + 1) }.reduce(0, +)
            let n1 = Double(simulated.count), n2 = Double(realCards.count)
            let z = (rankSum - n1 * (n1 + n2 + 1) / 2) / (n1 * n2 * (n1 + n2 + 1) / 12).squareRoot()
            #expect(abs(z) < 3.3, "figure file sizes separate the groups (z = \(z))")
            // The folder holds the page, its two assets and one figure per card: nothing else.
            let files = try FileManager.default.subpathsOfDirectory(atPath: run.appendingPathComponent("vet").path)
                .filter { !$0.hasSuffix("figures") }.sorted()
            #expect(files == (["index.html", "style.css", "vet.js"] + all.map { "figures/\($0.id).png" }).sorted())

            // The same seed gives the same page; another page is refused once this one has verdicts.
            let before = try Data(contentsOf: run.appendingPathComponent("vet/index.html"))
            let again = try BlindVetting(runDirectory: run).writePage(simulatedFraction: 0.4, seed: 11, templates: templatesFolder)
            #expect(again.page.id == result.page.id)
            #expect(try Data(contentsOf: run.appendingPathComponent("vet/index.html")) == before)
            let file = folder.appendingPathComponent("v.json")
            try verdictsJSON(page: result.page.id, vetter: "A", verdicts: [(all[0].id, "flare", "")]).write(to: file)
            try BlindVetting(runDirectory: run).importVerdicts(from: file)
            #expect(throws: VettingStoreError.self) {
                try BlindVetting(runDirectory: run).writePage(simulatedFraction: 0.2, seed: 12, templates: templatesFolder)
            }
            #expect(try Data(contentsOf: run.appendingPathComponent("vet/index.html")) == before, "a refused page leaves vet/ alone")
        }
    }

    func verdictsJSON(page: String, vetter: String, verdicts: [(String, String, String)]) throws -> Data {
        let object: [String: Any] = [
            "format": BlindVetting.verdictsFormat, "version": 1, "page": page, "vetter": vetter, "exported": "2026-12-01T10:00:00Z",
            "verdicts": verdicts.map { ["card": $0.0, "verdict": $0.1, "comment": $0.2, "time": "2026-12-01T09:59:00Z"] },
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test func verdictsGivenInChromiumAreImportedUnblindedAndReported() async throws {
        try await withTemporaryFolder { folder in
            let summary = try await tinyRun(in: folder, count: 8)
            let run = summary.runDirectory
            _ = try RunRenderer(runDirectory: run, templates: templatesFolder).render()
            let vetting = BlindVetting(runDirectory: run)
            let result = try vetting.writePage(simulatedFraction: 0.4, seed: 5, templates: templatesFolder)
            let all = try cards(run)
            try #require(all.count >= 4)

            // A person in the browser: card 1 flare, card 2 not a flare, a comment on card 3 and unsure.
            let process = Process()
            process.executableURL = scriptsFolder.appendingPathComponent("browser-vet")
            process.arguments = [
                result.index.path, folder.appendingPathComponent("downloads").path, "Ada Lovelace",
                "1", "2", "c", "text:two points only", "Escape", "3",
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0, "browser-vet failed: \(String(decoding: data, as: UTF8.self))")
            let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(report["judged"] as? Int == 3)
            #expect(report["judgedAfterReload"] as? Int == 3, "verdicts survive a reload (localStorage)")
            #expect(report["vetterAfterReload"] as? String == "Ada Lovelace")
            #expect(report["scriptErrors"] as? String == "0")
            let exported = URL(fileURLWithPath: try #require(report["download"] as? String))

            // Before import and unblinding, the report says vetting is in progress and tells nothing per card.
            let (vetter, count) = try vetting.importVerdicts(from: exported)
            #expect(vetter == "Ada Lovelace" && count == 3)
            let store = try Store(url: run.appendingPathComponent("run.sqlite"), readOnly: true)
            let stored = try store.verdicts(pageID: result.page.id)
            #expect(stored.map(\.cardId) == all.prefix(3).map(\.id))
            #expect(stored.map(\.verdict) == [.flare, .notFlare, .unsure])
            #expect(stored[2].comment == "two points only" && stored[0].comment == "")
            #expect(stored.allSatisfy { !$0.time.isEmpty })
            var html = try String(contentsOf: try RunRenderer(runDirectory: run, templates: templatesFolder).render(), encoding: .utf8)
            #expect(html.contains("Blind vetting in progress"))
            #expect(!html.contains("simulated accepted") && !html.contains("<dt>vetted</dt>"))

            // A file made for another page is refused and changes nothing; a second vetter is accepted.
            let foreign = folder.appendingPathComponent("foreign.json")
            try verdictsJSON(page: "0123456789abcdef", vetter: "Mallory", verdicts: [(all[0].id, "flare", "")]).write(to: foreign)
            #expect(throws: VettingError.otherPage(file: foreign.path, filePage: "0123456789abcdef", runPage: result.page.id)) {
                try vetting.importVerdicts(from: foreign)
            }
            let bad = folder.appendingPathComponent("bad.json")
            try verdictsJSON(page: result.page.id, vetter: "Mallory", verdicts: [(all[0].id, "maybe", "")]).write(to: bad)
            #expect(throws: VettingError.self) { try vetting.importVerdicts(from: bad) }
            #expect(try store.verdicts(pageID: result.page.id).count == 3)
            let second = folder.appendingPathComponent("grace.json")
            try verdictsJSON(page: result.page.id, vetter: "Grace Hopper", verdicts: all.map { ($0.id, "flare", "") }).write(to: second)
            try vetting.importVerdicts(from: second)
            #expect(Set(try store.verdicts(pageID: result.page.id).map(\.vetter)) == ["Ada Lovelace", "Grace Hopper"])

            // Unblinding: efficiencies from the simulated cards, agreement, corrected rates; then no more imports.
            let measured = try vetting.unblind()
            #expect(measured.vetters == ["Ada Lovelace", "Grace Hopper"])
            #expect(measured.simulatedCount == all.filter(\.simulated).count)
            #expect(measured.agreements.count == 1 && measured.agreements[0].common == 3)
            #expect(measured.simulatedAcceptedByVetter["Grace Hopper"]?.k == measured.simulatedCount)
            #expect(throws: VettingStoreError.self) { try vetting.importVerdicts(from: second) }
            html = try String(contentsOf: try RunRenderer(runDirectory: run, templates: templatesFolder).render(), encoding: .utf8)
            #expect(!html.contains("Blind vetting in progress"))
            #expect(html.contains("simulated accepted (vetting efficiency)") && html.contains("Cohen"))
            #expect(html.contains("<dt>vetted</dt>"))
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("figures/vetting.png").path))
        }
    }
}
