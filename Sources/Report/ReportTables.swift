import Foundation

/// A table of the index page that lives in a data file (`data/<name>.js`) instead of the HTML, so
/// that the page stays small and quick to open however many rows there are. `report.js` draws it a
/// page of rows at a time, sorts and filters it; the cells are set as text, never as HTML.
///
/// The file is a script, not JSON, because browsers refuse `fetch` of `file://` URLs and a report
/// must open from the disk: it assigns `window.VO_TABLES["<name>"] = {columns, rows}`.
struct ReportTable: Encodable {
    struct Column: Encodable {
        var label: String
        /// `number` columns sort numerically ("–" last); `text` ones alphabetically.
        var type: Kind
        enum Kind: String, Encodable { case text, number }
    }

    struct Row: Encodable {
        /// Display text per column.
        var cells: [String]
        /// Link of the first cell, relative to the index; nil when the row has no page.
        var link: String?
        /// Drawn as a warning (a failed source).
        var failed: Bool?

        enum CodingKeys: String, CodingKey { case cells = "c", link = "l", failed = "f" }
    }

    var name: String
    var columns: [Column]
    var rows: [Row]
    /// What the first cell says when the row has no link (how to get the page).
    var unlinkedHint: String?

    /// The path of the data file, relative to the run folder.
    var path: String { "data/\(name).js" }

    func script() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(self), as: UTF8.self)
        // U+2028/2029 are line ends in older JavaScript, not in JSON: escape them.
        let safe = json.replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        let name = String(decoding: try JSONEncoder().encode(self.name), as: UTF8.self)
        let text = "// Rows of a table of index.html, drawn by report.js (a script, not JSON: it opens from file://).\n"
            + "window.VO_TABLES = window.VO_TABLES || {};\nwindow.VO_TABLES[\(name)] = \(safe);\n"
        return Data(text.utf8)
    }

    func write(into runDirectory: URL) throws {
        let url = runDirectory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try script().write(to: url, options: .atomic)
    }
}
