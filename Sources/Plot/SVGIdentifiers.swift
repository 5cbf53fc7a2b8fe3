/// Makes Cairo's SVG output reproducible by renumbering its element ids.
///
/// Cairo names ids with process-wide counters (`surface123`, `glyph0-1`, `clip1`, …), so the same
/// drawing gets different ids in different renders. Every id is renamed to its family (the letters
/// before the first digit) followed by its rank of first appearance in that family, and every
/// reference to it (`#id` in `href`, `url(#id)`) is renamed with it.
enum SVGIdentifiers {
    static func renumbered(_ svg: String) -> String {
        let bytes = Array(svg.utf8)
        let patterns: [[UInt8]] = [Array(" id=\"".utf8), Array("href=\"#".utf8), Array("url(#".utf8)]
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var names: [ArraySlice<UInt8>: [UInt8]] = [:]
        var familyCounts: [ArraySlice<UInt8>: Int] = [:]
        var i = 0
        let quote = UInt8(ascii: "\"")
        let close = UInt8(ascii: ")")
        scanning: while i < bytes.count {
            // Every pattern starts with a byte from this small set; skip quickly otherwise.
            let b = bytes[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "h") || b == UInt8(ascii: "u") {
                for pattern in patterns where matches(bytes, at: i, pattern) {
                    let start = i + pattern.count
                    var end = start
                    while end < bytes.count, bytes[end] != quote, bytes[end] != close, bytes[end] != UInt8(ascii: "<") {
                        end += 1
                    }
                    let old = bytes[start..<end]
                    output.append(contentsOf: bytes[i..<start])
                    if let renamed = names[old] {
                        output.append(contentsOf: renamed)
                    } else {
                        let family = old.prefix { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                        if family.count == old.count {
                            // No counter in this id: keep it.
                            names[old] = Array(old)
                            output.append(contentsOf: old)
                        } else {
                            let rank = (familyCounts[family] ?? 0) + 1
                            familyCounts[family] = rank
                            let renamed = Array(family) + Array(String(rank).utf8)
                            names[old] = renamed
                            output.append(contentsOf: renamed)
                        }
                    }
                    i = end
                    continue scanning
                }
            }
            output.append(b)
            i += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func matches(_ bytes: [UInt8], at i: Int, _ pattern: [UInt8]) -> Bool {
        guard i + pattern.count <= bytes.count else { return false }
        for j in 0..<pattern.count where bytes[i + j] != pattern[j] { return false }
        return true
    }
}
