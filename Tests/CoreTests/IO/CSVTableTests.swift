import Foundation
import Testing

@testable import Core
import TestSupport

@Suite("CSVTable")
struct CSVTableTests {
    @Test func quotedFieldsMayHoldCommasQuotesAndLineBreaks() throws {
        let text = "name,ra,note\n\"Smith, J.\",10.5,\"said \"\"hi\"\"\"\nplain,11,\"two\nlines\"\n"
        let table = try CSVTable(data: Data(text.utf8), source: "inline.csv")
        #expect(table.header == ["name", "ra", "note"])
        #expect(table.rows == [["Smith, J.", "10.5", "said \"hi\""], ["plain", "11", "two\nlines"]])
        #expect(table.lineNumbers == [2, 3])
    }

    @Test func aShortRowNamesTheFileAndLine() {
        let text = "a,b,c\n1,2,3\n4,5\n"
        #expect(throws: CSVError.wrongFieldCount(source: "short.csv", line: 3, expected: 3, found: 2)) {
            try CSVTable(data: Data(text.utf8), source: "short.csv")
        }
    }

    @Test func anUnterminatedQuoteIsReported() {
        #expect(throws: CSVError.unterminatedQuote(source: "q.csv", line: 2)) {
            try CSVTable(data: Data("a,b\n\"open,1\n".utf8), source: "q.csv")
        }
    }

    @Test func renderingRoundTrips() throws {
        let rows = [["a,b", "c\"d", "e"]]
        let text = CSVTable.render(header: ["x", "y", "z"], rows: rows)
        #expect(try CSVTable(data: Data(text.utf8), source: "r").rows == rows)
    }

    /// The streaming reader sees the file a block at a time; a block may end anywhere — inside a
    /// quoted field, between the two quotes of a doubled quote, between CR and LF, inside the
    /// byte-order mark. Every block size must give exactly the rows and line numbers of the
    /// whole-file parse.
    @Test func streamingGivesTheWholeFileParseForEveryBlockSize() async throws {
        let text = "\u{FEFF}name , ra,note\r\n\"Smith, J.\",10.5,\"said \"\"hi\"\"\"\r\n\nplain,11,\"two\nlines\"\nlast,12,\"\"\"\""
        let whole = try CSVTable(data: Data(text.utf8), source: "s.csv")
        #expect(whole.header == ["name", "ra", "note"])
        #expect(whole.rows.last == ["last", "12", "\""])
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("s.csv")
            try Data(text.utf8).write(to: url)
            for blockSize in 1...Data(text.utf8).count {
                var header: [String] = []
                var rows: [[String]] = []
                var lines: [Int] = []
                try CSVTable.forEachRow(contentsOf: url, blockSize: blockSize) { header = $0 } row: { fields, line in
                    rows.append(fields)
                    lines.append(line)
                }
                #expect(header == whole.header, "block size \(blockSize)")
                #expect(rows == whole.rows, "block size \(blockSize)")
                #expect(lines == whole.lineNumbers, "block size \(blockSize)")
            }
        }
    }

    @Test func streamingReportsTheErrorsOfTheWholeFileParse() async throws {
        try await withTemporaryFolder { folder in
            for (text, error) in [
                ("a,b,c\n1,2,3\n4,5\n", CSVError.wrongFieldCount(source: "", line: 3, expected: 3, found: 2)),
                ("a,b\n\"open,1\n", CSVError.unterminatedQuote(source: "", line: 2)),
                ("a,b\n1,x\"y\n", CSVError.strayQuote(source: "", line: 2)),
                ("", CSVError.empty(source: "")),
            ] {
                let url = folder.appendingPathComponent("bad.csv")
                try Data(text.utf8).write(to: url)
                func named(_ e: CSVError) -> CSVError {
                    switch e {
                    case let .wrongFieldCount(_, l, x, f): return .wrongFieldCount(source: url.path, line: l, expected: x, found: f)
                    case let .unterminatedQuote(_, l): return .unterminatedQuote(source: url.path, line: l)
                    case let .strayQuote(_, l): return .strayQuote(source: url.path, line: l)
                    default: return .empty(source: url.path)
                    }
                }
                #expect(throws: named(error)) {
                    try CSVTable.forEachRow(contentsOf: url, blockSize: 3) { _ in } row: { _, _ in }
                }
                #expect(throws: named(error)) { try CSVTable(data: Data(text.utf8), source: url.path) }
            }
        }
    }
}
