import Foundation

/// The small Markdown subset used in notebook prose, turned into HTML after escaping.
///
/// Supported: paragraphs (blank-line separated), `#`/`##`/`###` headings, `**bold**`, `*italic*`
/// and `` `code` ``. Everything is HTML-escaped first, so prose can never inject markup.
enum Markdown {
    static func html(_ text: String) -> String {
        var blocks: [String] = []
        for block in text.components(separatedBy: "\n\n") {
            let trimmed = block.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            var level = 0
            var body = Substring(trimmed)
            while body.hasPrefix("#") && level < 6 {
                level += 1
                body = body.dropFirst()
            }
            if level > 0 {
                // A heading is its first line; the rest of the block is a paragraph.
                let lines = body.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
                let h = min(level + 1, 6)  // the page title is the only h1
                let title = inlineHTML(escape(lines[0].trimmingCharacters(in: .whitespaces)))
                blocks.append("<h\(h)>\(title)</h\(h)>")
                if lines.count > 1 {
                    let rest = lines[1].trimmingCharacters(in: .whitespacesAndNewlines)
                    if !rest.isEmpty { blocks.append("<p>\(inlineHTML(escape(rest)))</p>") }
                }
            } else {
                blocks.append("<p>\(inlineHTML(escape(trimmed)))</p>")
            }
        }
        return blocks.joined(separator: "\n")
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func inlineHTML(_ escaped: String) -> String {
        var s = replacePairs(escaped, marker: "`", open: "<code>", close: "</code>")
        s = replacePairs(s, marker: "**", open: "<strong>", close: "</strong>")
        s = replacePairs(s, marker: "*", open: "<em>", close: "</em>")
        return s
    }

    /// Wraps text between pairs of `marker`; an unpaired last marker stays as it is.
    private static func replacePairs(_ s: String, marker: String, open: String, close: String) -> String {
        var parts = s.components(separatedBy: marker)
        guard parts.count >= 3 else { return s }
        var tail = ""
        if parts.count % 2 == 0 {
            tail = marker + parts.removeLast()
        }
        var out = ""
        for (i, part) in parts.enumerated() {
            out += i % 2 == 1 ? open + part + close : part
        }
        return out + tail
    }
}
