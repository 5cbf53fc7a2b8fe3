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

    /// The data file: the table as JSON (keys sorted, as `JSONEncoder` would write it) assigned to
    /// `window.VO_TABLES[name]`. Written row by row into one buffer: a table of 100,000 sources is
    /// about 12 MB of text, and an encoder's intermediate tree of it took several times that.
    func script() throws -> Data {
        var out = Data()
        out.reserveCapacity(64 * rows.count + 4096)
        func put(_ text: String) { out.append(contentsOf: text.utf8) }
        put("// Rows of a table of index.html, drawn by report.js (a script, not JSON: it opens from file://).\n")
        put("window.VO_TABLES = window.VO_TABLES || {};\nwindow.VO_TABLES[")
        put(Self.json(name))
        put("] = {\"columns\":[")
        for (k, column) in columns.enumerated() {
            put((k > 0 ? "," : "") + "{\"label\":" + Self.json(column.label) + ",\"type\":" + Self.json(column.type.rawValue) + "}")
        }
        put("],\"name\":" + Self.json(name) + ",\"rows\":[")
        for (k, row) in rows.enumerated() {
            put(k > 0 ? ",{\"c\":[" : "{\"c\":[")
            for (j, cell) in row.cells.enumerated() {
                if j > 0 { put(",") }
                put(Self.json(cell))
            }
            put("]")
            if let failed = row.failed { put(",\"f\":" + (failed ? "true" : "false")) }
            if let link = row.link { put(",\"l\":" + Self.json(link)) }
            put("}")
        }
        put("]")
        if let unlinkedHint { put(",\"unlinkedHint\":" + Self.json(unlinkedHint)) }
        put("};\n")
        return out
    }

    /// A JSON string literal of `text`, escaped as `JSONEncoder` does (without escaping slashes),
    /// and U+2028/2029 escaped too: they end lines in older JavaScript, though not in JSON.
    static func json(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\u{2028}": result += "\\u2028"
            case "\u{2029}": result += "\\u2029"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    func write(into runDirectory: URL) throws {
        let url = runDirectory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try script().write(to: url, options: .atomic)
    }
}
