import Core
import Foundation
import Testing

@Suite("FITSFile")
struct FITSFileTests {
    /// Writes one binary table `DATA` with the given columns to `url`, via `fill`.
    private func writeTable(
        to url: URL, columns: [FITSColumn], keywords: [FITSKeyword] = [], fill: (FITSFile) throws -> Void
    ) throws {
        let file = try FITSFile.create(url)
        try file.writePrimaryHeader(keywords: [FITSKeyword("ORIGIN", "tests")])
        try file.createBinaryTable(name: "DATA", columns: columns, keywords: keywords)
        try fill(file)
        try file.close()
    }

    /// CFITSIO's error-message stack is shared by all threads: failing calls in parallel (files that
    /// do not exist, an HDU that does not exist) each get a message of their own, never another
    /// thread's text or bytes of its buffer (seen once in CI, in a run's warnings).
    @Test func errorsInParallelCarryOnlyTheirOwnMessage() async throws {
        let directory = try FITSTestSupport.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let url = directory.appendingPathComponent("one.fits")
            try writeTable(to: url, columns: [FITSColumn(name: "TIME", format: "1D")]) { file in
                try file.writeColumn(0, doubles: [1, 2, 3])
            }
            let messages = await withTaskGroup(of: String.self) { group in
                for k in 0..<400 {
                    group.addTask {
                        do {
                            if k % 2 == 0 {
                                _ = try FITSFile.open(directory.appendingPathComponent("missing-\(k).fits"))
                            } else {
                                let file = try FITSFile.open(url)
                                try file.moveToHDU(number: 7)
                            }
                            return "no error"
                        } catch {
                            return "\(k % 2) " + ((error as? LocalizedError)?.errorDescription ?? "\(error)")
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            let kinds = Set(messages.map { m in m.replacingOccurrences(of: #"missing-\d+"#, with: "missing-N", options: .regularExpression) })
            #expect(kinds.count == 2, "\(kinds.sorted())")
        }
    }

    @Test func readsBackEveryNumericAndStringColumnType() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("types.fits")
            let columns = [
                FITSColumn(name: "D_COL", format: "D", unit: "d"), FITSColumn(name: "E_COL", format: "E"),
                FITSColumn(name: "J_COL", format: "J"), FITSColumn(name: "K_COL", format: "K"),
                FITSColumn(name: "I_COL", format: "I"), FITSColumn(name: "B_COL", format: "B"),
                FITSColumn(name: "LABEL", format: "20A"),
            ]
            try writeTable(to: url, columns: columns) { file in
                try file.writeColumn(0, doubles: [1.5, .nan, -2.25])
                try file.writeColumn(1, floats: [0.5, .nan, 3.75])
                try file.writeColumn(2, int32s: [-7, 0, Int32.max])
                try file.writeColumn(3, int64s: [Int64.min + 1, 0, Int64.max])
                try file.writeColumn(4, int32s: [-300, 12, 32_000])
                try file.writeColumn(5, int32s: [0, 128, 255])
                try file.writeColumn(6, strings: ["TIC 1", "a label of 20 chars!", ""])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.rowCount == 3)
            #expect(try file.columnNames == columns.map(\.name))
            #expect(FITSTestSupport.sameValues(try file.readDoubles(column: "D_COL"), [1.5, .nan, -2.25]))
            #expect(FITSTestSupport.sameValues(try file.readDoubles(column: "E_COL"), [0.5, .nan, 3.75]))
            #expect(try file.readDoubles(column: "J_COL") == [-7, 0, Double(Int32.max)])
            #expect(try file.readDoubles(column: "I_COL") == [-300, 12, 32_000])
            #expect(try file.readDoubles(column: "B_COL") == [0, 128, 255])
            #expect(try file.readInt64s(column: "K_COL") == [Int64.min + 1, 0, Int64.max])
            #expect(try file.readInt32s(column: "J_COL") == [-7, 0, Int32.max])
            #expect(try file.readInt32s(column: "B_COL") == [0, 128, 255])
            #expect(try file.readStrings(column: "LABEL") == ["TIC 1", "a label of 20 chars!", ""])
        }
    }

    @Test func readsInt64ColumnExactlyBeyondDoublePrecision() throws {
        // 4295806720000000123 > 2^53: a round trip through Double would give ...0000128.
        let big: Int64 = 4_295_806_720_000_000_123
        #expect(Int64(exactly: Double(big)) != big)
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("int64.fits")
            try writeTable(to: url, columns: [FITSColumn(name: "SOURCE_ID", format: "K")]) { file in
                try file.writeColumn(0, int64s: [big, big + 1, -big])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.readInt64s(column: "source_id") == [big, big + 1, -big])
            #expect(throws: FITSError.self) { try file.readInt32s(column: "SOURCE_ID") }
        }
    }

    @Test func readsIntegerNullsAsNilAndNaN() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("nulls.fits")
            try writeTable(
                to: url, columns: [FITSColumn(name: "FLAG", format: "J")],
                keywords: [FITSKeyword("TNULL1", -1, comment: "null value")]
            ) { file in
                try file.writeColumn(0, int32s: [5, -1, 7])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.readInt32s(column: "FLAG") == [5, nil, 7])
            #expect(try file.readInt64s(column: "FLAG") == [5, nil, 7])
            #expect(FITSTestSupport.sameValues(try file.readDoubles(column: "FLAG"), [5, .nan, 7]))
        }
    }

    @Test func readsAHundredThousandRowsOfEachColumnType() throws {
        let rows = 100_000
        let time = (0..<rows).map { 1437.0 + Double($0) / 720 }
        let ids = (0..<rows).map { Int64($0) * 1_000_000_007 + 4_295_806_720_000_000_123 }
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("large.fits")
            try writeTable(
                to: url,
                columns: [FITSColumn(name: "TIME", format: "D"), FITSColumn(name: "ID", format: "K"),
                          FITSColumn(name: "FLUX", format: "E")]
            ) { file in
                try file.writeColumn(0, doubles: time)
                try file.writeColumn(1, int64s: ids)
                try file.writeColumn(2, floats: time.map { Float($0) })
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            let readTime = try file.readDoubles(column: "TIME")
            let readIDs = try file.readInt64s(column: "ID")
            let readFlux = try file.readDoubles(column: "FLUX")
            #expect(try file.rowCount == rows)
            #expect(readTime == time)
            #expect(readIDs == ids)
            #expect(readFlux.count == rows && readFlux[rows - 1] == Double(Float(time[rows - 1])))
            // How fast: `report bench --only readers` ("SPOC FITS read", rows per second), not a timed
            // test, which flakes on a loaded machine.
        }
    }

    @Test func missingColumnErrorNamesFileHDUAndColumn() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("columns.fits")
            try writeTable(to: url, columns: [FITSColumn(name: "TIME", format: "D")]) { file in
                try file.writeColumn(0, doubles: [1, 2])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            let error = #expect(throws: FITSError.self) { try file.readDoubles(column: "PDCSAP_FLUX") }
            #expect(error == .missingColumn(path: url.path, hdu: "DATA", column: "PDCSAP_FLUX"))
            let description = error?.localizedDescription ?? ""
            #expect(description.contains(url.path))
            #expect(description.contains("PDCSAP_FLUX"))
            #expect(description.contains("DATA"))
        }
    }

    @Test func missingExtensionErrorNamesFile() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("extensions.fits")
            try writeTable(to: url, columns: [FITSColumn(name: "TIME", format: "D")]) { _ in }
            let file = try FITSFile.open(url)
            let error = #expect(throws: FITSError.self) { try file.moveToExtension(named: "LIGHTCURVE") }
            #expect(error == .missingExtension(path: url.path, name: "LIGHTCURVE"))
            #expect(error?.localizedDescription.contains(url.path) == true)
            // The failed move leaves the file usable.
            try file.moveToExtension(named: "data")
            #expect(try file.columnNames == ["TIME"])
        }
    }

    @Test func columnIndexMatchesWholeNamesIgnoringCase() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("index.fits")
            try writeTable(
                to: url,
                columns: [FITSColumn(name: "TIME_ERR", format: "D"), FITSColumn(name: "TIME", format: "D")]
            ) { _ in }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.columnIndex(named: "time") == 1)
            #expect(try file.columnIndex(named: "Time_Err") == 0)
            #expect(try file.columnIndex(named: "TIM") == nil)
            #expect(try file.rowCount == 0)
            #expect(try file.readDoubles(column: "TIME") == [])
        }
    }

    @Test func rejectsReadsAndWritesOfTheWrongColumnType() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("wrongtype.fits")
            try writeTable(
                to: url, columns: [FITSColumn(name: "LABEL", format: "8A"), FITSColumn(name: "FLAG", format: "J")]
            ) { file in
                try file.writeColumn(0, strings: ["a", "b"])
                #expect(throws: FITSError.self) { try file.writeColumn(1, doubles: [1, .nan]) }
                #expect(throws: FITSError.self) { try file.writeColumn(0, doubles: [1, 2]) }
                let error = #expect(throws: FITSError.self) { try file.writeColumn(5, doubles: [1]) }
                #expect(error == .columnIndexOutOfRange(path: url.path, hdu: "DATA", index: 5, columnCount: 2))
                try file.writeColumn(1, doubles: [1, 2])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            let error = #expect(throws: FITSError.self) { try file.readDoubles(column: "LABEL") }
            guard case .wrongColumnType(let path, let hdu, let column, _, let actual) = error else {
                Issue.record("expected wrongColumnType, got \(String(describing: error))")
                return
            }
            #expect(path == url.path && hdu == "DATA" && column == "LABEL" && actual == "8A")
            #expect(throws: FITSError.self) { try file.readStrings(column: "FLAG") }
            #expect(try file.readInt32s(column: "FLAG") == [1, 2])
        }
    }

    @Test func keywordsRoundTripWithTheirTypes() throws {
        let longText = String(repeating: "long string keyword value ", count: 6)
        let keywords = [
            FITSKeyword("TELESCOP", "TESS", comment: "telescope"),
            FITSKeyword("TICID", 4_295_806_720_000_000_123 as Int64, comment: "beyond 2^53"),
            FITSKeyword("TIMEDEL", 0.001388888888888889, comment: "[d] time resolution of data"),
            FITSKeyword("SMALL", 1e-5),
            FITSKeyword("BJDREFI", 2_457_000),
            FITSKeyword("BJDREFF", 0.0),
            FITSKeyword("RA_OBJ", 124.5332711499119),
            FITSKeyword("SIMDATA", false),
            FITSKeyword("LONGSTR", longText),
            FITSKeyword("TEFF", Double.nan, comment: "[K] undefined"),
        ]
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("keywords.fits")
            let writer = try FITSFile.create(url)
            try writer.writePrimaryHeader(keywords: keywords)
            try writer.close()

            let file = try FITSFile.open(url)
            #expect(try file.stringKeyword("TELESCOP") == "TESS")
            #expect(try file.intKeyword("TICID") == 4_295_806_720_000_000_123)
            #expect(try file.doubleKeyword("TIMEDEL") == 0.001388888888888889)
            #expect(try file.doubleKeyword("SMALL") == 1e-5)
            #expect(try file.intKeyword("BJDREFI") == 2_457_000)
            #expect(try file.doubleKeyword("RA_OBJ") == 124.5332711499119)
            #expect(try file.boolKeyword("SIMDATA") == false)
            #expect(try file.stringKeyword("LONGSTR") == longText.trimmingCharacters(in: .whitespaces))
            #expect(try file.doubleKeyword("TEFF") == nil, "an undefined value reads as absent")
            #expect(try file.stringKeyword("ABSENT") == nil)
            #expect(try file.doubleKeyword("ABSENT") == nil)
            #expect(try file.intKeyword("ABSENT") == nil)
            let error = #expect(throws: FITSError.self) { try file.doubleKeyword("TELESCOP") }
            #expect(error?.path == url.path)

            let all = try file.allKeywords
            let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byName["SIMPLE"]?.value == .bool(true))
            #expect(byName["TELESCOP"] == FITSKeyword("TELESCOP", "TESS", comment: "telescope"))
            #expect(byName["TICID"]?.value == .int(4_295_806_720_000_000_123))
            #expect(byName["TIMEDEL"]?.value == .double(0.001388888888888889))
            #expect(byName["BJDREFF"]?.value == .double(0))
            #expect(byName["LONGSTR"]?.value == .string(longText.trimmingCharacters(in: .whitespaces)))
            #expect(byName["TEFF"] == nil)
            #expect(all.map(\.name).firstIndex(of: "TELESCOP")! < all.map(\.name).firstIndex(of: "TICID")!)
        }
    }

    @Test func listsAndMovesBetweenHDUs() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("hdus.fits")
            let writer = try FITSFile.create(url)
            try writer.writePrimaryHeader(keywords: [])
            try writer.createBinaryTable(name: "FIRST", columns: [FITSColumn(name: "A", format: "D")], keywords: [])
            try writer.createBinaryTable(name: "SECOND", columns: [FITSColumn(name: "B", format: "J")], keywords: [])
            try writer.close()

            let file = try FITSFile.open(url)
            #expect(try file.hduCount == 3)
            #expect(try file.hduNames == ["PRIMARY", "FIRST", "SECOND"])
            #expect(try file.currentHDUNumber == 1, "listing the names keeps the current HDU")
            #expect(try file.currentHDUNumber == 1)
            try file.moveToHDU(number: 3)
            #expect(try file.columnNames == ["B"])
            try file.moveToExtension(named: "FIRST")
            #expect(try file.currentHDUNumber == 2)
            #expect(throws: FITSError.self) { try file.moveToHDU(number: 4) }
        }
    }

    @Test func writesByteIdenticalFilesForEqualInput() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            var contents: [Data] = []
            for name in ["one.fits", "two.fits"] {
                let url = directory.appendingPathComponent(name)
                try writeTable(
                    to: url, columns: [FITSColumn(name: "TIME", format: "D", displayFormat: "D14.7")],
                    keywords: [FITSKeyword("EXPOSURE", 19.768406119079)]
                ) { file in
                    try file.writeColumn(0, doubles: [1, .nan, 3])
                }
                contents.append(try Data(contentsOf: url))
            }
            #expect(contents[0] == contents[1])
            #expect(contents[0].count % 2880 == 0)
            let header = String(decoding: contents[0], as: UTF8.self)
            #expect(!header.contains("DATE    ="))
            #expect(header.contains("TDISP1  = 'D14.7   '"))
        }
    }

    @Test func createReplacesAnExistingFile() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("replace.fits")
            try Data("not FITS".utf8).write(to: url)
            try writeTable(to: url, columns: [FITSColumn(name: "X", format: "D")]) { file in
                try file.writeColumn(0, doubles: [42])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.readDoubles(column: "X") == [42])
        }
    }

    @Test func takesPathsLiterallyEvenWithBrackets() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("lc[1] (copy).fits")
            try writeTable(to: url, columns: [FITSColumn(name: "X", format: "D")]) { file in
                try file.writeColumn(0, doubles: [7])
            }
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "DATA")
            #expect(try file.readDoubles(column: "X") == [7])
        }
    }

    @Test func openingAMissingOrNonFITSFileThrowsWithThePath() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("missing.fits")
            let error = #expect(throws: FITSError.self) { try FITSFile.open(missing) }
            #expect(error?.localizedDescription.contains(missing.path) == true)

            let text = directory.appendingPathComponent("text.fits")
            try Data(String(repeating: "this is not a FITS file\n", count: 200).utf8).write(to: text)
            let textError = #expect(throws: FITSError.self) { try FITSFile.open(text) }
            #expect(textError?.path == text.path)

            let empty = directory.appendingPathComponent("empty.fits")
            try Data().write(to: empty)
            #expect(throws: FITSError.self) { try FITSFile.open(empty) }
        }
    }

    @Test func usingAClosedFileThrows() throws {
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("closed.fits")
            try writeTable(to: url, columns: [FITSColumn(name: "X", format: "D")]) { _ in }
            let file = try FITSFile.open(url)
            try file.close()
            try file.close()
            let error = #expect(throws: FITSError.self) { try file.hduCount }
            guard case .fileClosed(let path, _) = error else {
                Issue.record("expected fileClosed, got \(String(describing: error))")
                return
            }
            #expect(path == url.path)
        }
    }

    @Test func readsASCIITableColumns() throws {
        // A hand-made ASCII table (FITS Standard 4.0, section 7.2): F10.4, I6 and A8 fields.
        func card(_ text: String) -> String { text.padding(toLength: 80, withPad: " ", startingAt: 0) }
        func block(_ cards: [String]) -> Data {
            var text = (cards + ["END"]).map(card).joined()
            while text.utf8.count % 2880 != 0 { text += " " }
            return Data(text.utf8)
        }
        var bytes = block([
            "SIMPLE  =                    T", "BITPIX  =                    8", "NAXIS   =                    0",
            "EXTEND  =                    T",
        ])
        bytes += block([
            "XTENSION= 'TABLE   '", "BITPIX  =                    8", "NAXIS   =                    2",
            "NAXIS1  =                   24", "NAXIS2  =                    2", "PCOUNT  =                    0",
            "GCOUNT  =                    1", "TFIELDS =                    3",
            "TTYPE1  = 'MAG     '", "TBCOL1  =                    1", "TFORM1  = 'F10.4   '",
            "TTYPE2  = 'COUNT   '", "TBCOL2  =                   11", "TFORM2  = 'I6      '",
            "TTYPE3  = 'NAME    '", "TBCOL3  =                   17", "TFORM3  = 'A8      '",
            "EXTNAME = 'CATALOG '",
        ])
        var rows = "   12.3456    42TIC 1   " + "    9.8765    -7KIC 22  "
        while rows.utf8.count % 2880 != 0 { rows += " " }
        bytes += Data(rows.utf8)
        try FITSTestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("ascii.fits")
            try bytes.write(to: url)
            let file = try FITSFile.open(url)
            try file.moveToExtension(named: "CATALOG")
            #expect(try file.columnNames == ["MAG", "COUNT", "NAME"])
            #expect(try file.readDoubles(column: "MAG") == [12.3456, 9.8765])
            #expect(try file.readInt64s(column: "COUNT") == [42, -7])
            #expect(try file.readInt32s(column: "COUNT") == [42, -7])
            #expect(try file.readStrings(column: "NAME") == ["TIC 1", "KIC 22"])
        }
    }
}
