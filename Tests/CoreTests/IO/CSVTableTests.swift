import Foundation
import Testing

@testable import Core

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
}
