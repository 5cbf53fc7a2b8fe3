import Foundation

/// File names made from text that came from a catalog or a file.
///
/// Only letters, digits, `-`, `_` and `.` survive; everything else (including `/`, `..` and control
/// characters) becomes `_`, leading dots are removed, and the length is bounded. Uniqueness is the
/// caller's job: it appends a number that is unique in its context (the database row id).
enum FileNames {
    static func safe(_ text: String, maxLength: Int = 60) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let ok = (scalar.value < 128) && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_" || scalar == ".")
            result.append(ok ? Character(scalar) : "_")
        }
        while result.contains("..") { result = result.replacingOccurrences(of: "..", with: "_") }
        while result.hasPrefix(".") { result.removeFirst() }
        if result.count > maxLength { result = String(result.prefix(maxLength)) }
        return result.isEmpty ? "source" : result
    }

    /// The page of a source: `sources/<safe name>-<row id>.html`.
    static func sourcePage(name: String, id: Int64) -> String {
        "sources/\(safe(name))-\(id).html"
    }
}
