import Foundation
import Testing

@testable import Core
import TestSupport

/// Regression cases for inputs that once trapped, hung or were read silently wrong (found by
/// mutating real files): each must now give an error naming the file.
@Suite("Hostile inputs")
struct HostileInputTests {
    /// A BINARY2 VOTable with the given FIELD elements and stream bytes.
    func binary2(fields: String, stream: [UInt8]) -> Data {
        Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <VOTABLE version="1.4"><RESOURCE><TABLE>\(fields)
            <DATA><BINARY2><STREAM encoding="base64">\(Data(stream).base64EncodedString())</STREAM></BINARY2></DATA>
            </TABLE></RESOURCE></VOTABLE>
            """.utf8)
    }

    func expectCatalogError(_ data: Data, mentioning text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try VOTableReader.read(data, source: "hostile.vot")
            Issue.record("must throw", sourceLocation: sourceLocation)
        } catch let error as CatalogFileError {
            #expect(error.path == "hostile.vot", sourceLocation: sourceLocation)
            if let text { #expect(error.localizedDescription.contains(text), "\(error.localizedDescription)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func binary2ArraySizesThatCannotBeAreErrors() {
        for size in ["-5", "99999999999999999999", "4294967296", "3x-1", "x"] {
            expectCatalogError(
                binary2(fields: #"<FIELD name="ra" datatype="double"/><FIELD name="s" datatype="char" arraysize="\#(size)"/>"#,
                        stream: [0] + Array(repeating: 0, count: 8) + Array("ab".utf8)),
                mentioning: "arraysize")
        }
        // A variable-length string claiming more bytes than the stream holds.
        expectCatalogError(
            binary2(fields: #"<FIELD name="s" datatype="char" arraysize="*"/>"#, stream: [0, 0xFF, 0xFF, 0xFF, 0xF0, 65]),
            mentioning: "ends inside row 1")
    }

    @Test func binary2WithoutFieldsIsAnErrorNotAnEndlessLoop() {
        expectCatalogError(binary2(fields: "", stream: [1, 2, 3, 4]), mentioning: "no FIELD")
    }

    @Test func binary2CharWithoutArraySizeIsOneCharacterAndNumberArraysAreSkipped() throws {
        let data = binary2(
            fields: #"<FIELD name="c" datatype="char"/><FIELD name="v" datatype="double" arraysize="2"/><FIELD name="ra" datatype="int"/>"#,
            stream: [0, UInt8(ascii: "Q")] + Array(repeating: 0, count: 16) + [0, 0, 0, 7])
        let table = try VOTableReader.read(data, source: "ok.vot")
        #expect(table.rows == [["Q", nil, "7"]])
    }

    @Test func invalidUTF8AnywhereIsAnErrorNamingTheByte() {
        var bytes = Array("<?xml version=\"1.0\"?><!-- ".utf8)
        let offset = bytes.count
        bytes += [0xC3, 0x28] + Array(" --><VOTABLE><RESOURCE><TABLE><FIELD name=\"ra\" datatype=\"int\"/></TABLE></RESOURCE></VOTABLE>".utf8)
        expectCatalogError(Data(bytes), mentioning: "byte \(offset + 1)")
        // In an attribute name, and a NUL.
        expectCatalogError(Data(Array("<VOTABLE a".utf8) + [0xFF] + Array("=\"1\"/>".utf8)), mentioning: "UTF-8")
        expectCatalogError(Data(Array("<VOTABLE>".utf8) + [0] + Array("</VOTABLE>".utf8)), mentioning: "byte 10")
        #expect(VOTableReader.invalidByteOffset(Data("Gaia DR3 ✓ € 𝄞".utf8)) == nil)
        #expect(VOTableReader.invalidByteOffset(Data([0xED, 0xA0, 0x80])) == 0)  // a UTF-16 surrogate
        #expect(VOTableReader.invalidByteOffset(Data([0xC0, 0x80])) == 0)  // overlong
    }

    /// The fixture SPOC file with one header card's value replaced (in the first HDU that has it
    /// when `extensionOnly` is false, else in the first extension).
    func editedSPOC(_ keyword: String, value: String, in folder: URL) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: try fixture("tess_sector_tiny_lc.fits")))
        let key = Array(keyword.padding(toLength: 8, withPad: " ", startingAt: 0).utf8) + Array("= ".utf8)
        var position: Int?
        // Cards start every 80 bytes; the table's NAXIS2 is in the first extension (after HDU 1).
        var card = keyword == "NAXIS2" ? 2880 : 0
        while card + 80 <= bytes.count {
            if Array(bytes[card..<(card + 10)]) == key {
                position = card
                break
            }
            card += 80
        }
        let at = try #require(position)
        let field = Array(value.leftPadding(toLength: 20).utf8)
        for (k, b) in field.enumerated() { bytes[at + 10 + k] = b }
        let url = folder.appendingPathComponent("edited-\(keyword).fits")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func aHugeRowCountIsCheckedAgainstTheFileSize() async throws {
        try await withTemporaryFolder { folder in
            for rows in ["2147483647", "9223372036854775807"] {
                let url = try editedSPOC("NAXIS2", value: rows, in: folder)
                do {
                    _ = try SPOCLightcurve.read(from: url)
                    Issue.record("NAXIS2 = \(rows) must not read")
                } catch let error as FITSError {
                    #expect(error.localizedDescription.contains(url.path))
                }
            }
        }
    }

    @Test func aReferenceDateThatIsNoDateIsAnError() async throws {
        try await withTemporaryFolder { folder in
            for value in ["1E300", "-2457000", "1E7.5"] {
                let url = try editedSPOC("BJDREFI", value: value, in: folder)
                do {
                    let lc = try SPOCLightcurve.read(from: url)
                    // A value CFITSIO cannot parse as a number is treated as absent: fine, if finite.
                    #expect(lc.bjdReference.isFinite && lc.bjdReference < 1e7)
                } catch let error as FITSError {
                    #expect(error.localizedDescription.contains(url.path))
                } catch {
                    #expect(String(describing: error).contains(url.path))
                }
            }
        }
    }

    @Test func aTruncatedFITSCatalogIsAnErrorNotInventedRows() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("catalog.fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [])
            try file.createBinaryTable(
                name: "RESULT",
                columns: [FITSColumn(name: "source_id", format: "K"), FITSColumn(name: "ra", format: "D"), FITSColumn(name: "dec", format: "D")],
                keywords: [])
            let n = 400
            try file.writeColumn(0, int64s: (0..<n).map { 4_295_806_720_000_000_123 + Int64($0) })
            try file.writeColumn(1, doubles: (0..<n).map { Double($0) / 10 })
            try file.writeColumn(2, doubles: (0..<n).map { _ in -12.5 })
            try file.close()
            let whole = try Data(contentsOf: url)
            let truncated = folder.appendingPathComponent("truncated.fits")
            try whole.prefix(2 * 2880 + 24 * 100).write(to: truncated)
            do {
                _ = try Catalog(contentsOf: truncated)
                Issue.record("a truncated FITS catalog must not read")
            } catch let error as FITSError {
                #expect(error.localizedDescription.contains(truncated.path))
            }
            // The whole file keeps its exact 64-bit identifiers.
            let catalog = try Catalog(contentsOf: url)
            #expect(catalog.entries.last?.id == "4295806720000000522")
        }
    }

    /// Files `report fuzz` found: a CFITSIO buffer overflow on an unquoted 70-character TTYPE, a
    /// header with binary bytes, times of 10²⁹⁵ (a Double→Int trap in the detrending) and of 10⁸¹ (a
    /// search that ran for minutes), and a SPOC file whose times gave a flare fit's FWHM so many
    /// cadences long that the rise/decay smoothing width trapped converting it to Int. Each must
    /// give an error naming the file, or read safely.
    @Test(arguments: [
        "fuzz_lctable_ttype-70-unquoted.fits", "fuzz_lctable_header-not-ascii.fits", "fuzz_lctable_time-1e295.fits",
        "fuzz_spoc_time-3e81.fits", "fuzz_spoc_fwhm-over-cadence-huge.fits",
    ])
    func filesFoundByTheFuzzerGiveErrorsOrReadSafely(name: String) throws {
        let url = try fixture(name)
        do {
            _ = try FileInspection.inspect(url)
            let bands = try RawFile.lightcurves(of: url, timeSystem: .btjd)
            let output = try FlareSearch().analyze(
                AnalysisInput(entry: CatalogEntry(id: name, ra: 0, dec: 0), bands: bands, mode: .simulation))
            // Read: then without the impossible times.
            for band in bands { #expect(band.lightcurve.time.allSatisfy { abs($0) < Calibration.maximumTime }) }
            _ = output
        } catch let error as LocalizedError {
            #expect(error.errorDescription?.contains(url.path) == true, "\(error.errorDescription ?? "")")
        }
    }

    @Test func aMissingRightAscensionIsNamedAsSuch() {
        let table = CatalogTable(format: .csv, columns: ["ra", "dec"], rows: [["1", "2"], ["NaN", "3"]], source: "s.csv")
        #expect(throws: CatalogFileError.invalidValue(path: "s.csv", row: 2, column: "ra", value: "NaN")) {
            try Catalog(table: table, name: "t")
        }
    }
}

extension String {
    fileprivate func leftPadding(toLength length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}

@Suite("Raw cache")
struct RawCacheSafetyTests {
    @Test func folderNamesAreOneToOneWithIdentifiers() {
        let ids = ["x/1", "x_1", "x?1", ".", "..", "", "x\u{0}1", "x 1", "Gaia DR3 123", "TIC 1", "TIC_1", String(repeating: "a", count: 300)]
        let names = ids.map(RawCache.safeName)
        #expect(Set(names).count == ids.count)
        #expect(RawCache.safeName("x_1") == "x_1")
        #expect(RawCache.safeName("4295806720000000123") == "4295806720000000123")
        for name in names {
            #expect(!name.hasPrefix("."))
            #expect(!name.contains("/") && !name.contains("\u{0}"))
            #expect(name.utf8.count < 120)
        }
    }

    @Test func aFileChangedAfterDownloadIsCaughtAndSetAside() async throws {
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let stored = try cache.store("ztf/a/lc.csv", data: Data("mjd,mag\n1,15.0\n".utf8))
            #expect(try cache.existing("ztf/a/lc.csv") == stored)
            // One magnitude edited by hand.
            try Data("mjd,mag\n1,14.0\n".utf8).write(to: cache.url(for: "ztf/a/lc.csv"))
            #expect(throws: CacheError.self) { try cache.existing("ztf/a/lc.csv") }
            // Set aside: the next attempt sees no file and fetches it again.
            #expect(try cache.existing("ztf/a/lc.csv") == nil)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("ztf/a").path)
            #expect(names.contains { $0.hasPrefix(".lc.csv.changed-") })
            _ = try cache.store("ztf/a/lc.csv", data: Data("mjd,mag\n1,15.0\n".utf8))
            #expect(try cache.existing("ztf/a/lc.csv")?.sha256 == stored.sha256)
        }
    }

    @Test func stalePartialDownloadsAreRemovedByTheNextStore() async throws {
        try await withTemporaryFolder { folder in
            let cache = try RawCache(root: folder)
            let dir = folder.appendingPathComponent("tess/b")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let old = dir.appendingPathComponent(".lc.fits.partial-OLD")
            let young = dir.appendingPathComponent(".lc.fits.partial-YOUNG")
            try Data("half".utf8).write(to: old)
            try Data("half".utf8).write(to: young)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: old.path)
            _ = try cache.store("tess/b/lc.fits", data: Data("whole".utf8))
            #expect(!FileManager.default.fileExists(atPath: old.path))
            #expect(FileManager.default.fileExists(atPath: young.path))  // may be another process's download
        }
    }
}

@Suite("Run folder")
struct RunFolderTests {
    @Test func aSecondRunOnTheSameFolderStopsNamingTheFirst() async throws {
        try await withTemporaryFolder { folder in
            let first = try RunFolderLock(folder: folder)
            #expect(throws: RunFolderError.busy(path: folder.path, holder: getpid())) { try RunFolderLock(folder: folder) }
            first.release()
            let again = try RunFolderLock(folder: folder)
            again.release()
        }
    }

    /// Another process holds a run's folder (flock and its pid in `.lock`, as a run does): a run of the
    /// same inputs stops, naming that process, and leaves the finished result as it was. Killed with
    /// SIGKILL, the other process loses the lock with its life, and the run goes ahead.
    @Test func aRunHeldByAnotherProcessStopsAndGoesAheadOnceItIsKilled() async throws {
        try await withTemporaryFolder { folder in
            let settings = RunSettings(output: folder.path, seed: 4, jobs: 2)
            let catalog = try SyntheticSurvey.mDwarfCatalog(count: 2, seed: 4)
            func run() async throws -> RunSummary {
                try await Notebook(name: "flares", title: "lock", settings: settings, defaultSeed: 1, logger: quietLogger).run(
                    catalog: catalog, observatories: [SyntheticSurvey(.ztf, seed: 4)], analysis: FlareSearch(),
                    simulator: FlareSimulator(parameters: .init(ratePerDay: 0.5, amplitude: 0.01...0.5, fwhmMinutes: 5...30)))
            }
            let first = try await run()
            let database = first.runDirectory.appendingPathComponent("run.sqlite")
            let before = try Data(contentsOf: database)

            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            holder.arguments = [
                "python3", "-c",
                """
                import fcntl, os, sys, time
                f = open(sys.argv[1], "a+")
                fcntl.flock(f, fcntl.LOCK_EX)
                f.truncate(0); f.write(str(os.getpid()) + "\\n"); f.flush()
                print("locked", flush=True)
                time.sleep(120)
                """,
                first.runDirectory.appendingPathComponent(".lock").path,
            ]
            let pipe = Pipe()
            holder.standardOutput = pipe
            try holder.run()
            let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
            #expect(line.hasPrefix("locked"))
            do {
                _ = try await run()
                Issue.record("a run went ahead while another process held its folder")
            } catch let error as RunFolderError {
                #expect(error == .busy(path: first.runDirectory.path, holder: holder.processIdentifier))
                #expect(error.localizedDescription.contains("process \(holder.processIdentifier)"))
            }
            #expect(try Data(contentsOf: database) == before)

            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            let again = try await run()
            #expect(again.runDirectory.path == first.runDirectory.path)
            #expect(try Store(url: database, readOnly: true).run()?.status == .finished)
        }
    }
}
