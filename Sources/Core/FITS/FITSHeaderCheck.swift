import Foundation

/// Checks the headers of a FITS file before CFITSIO parses them.
///
/// CFITSIO 4.x copies some header values into fixed buffers without a bound: an unquoted value
/// filling a card's whole value field (70 characters, no comment) in a `TTYPEn` card overflows the
/// 70-byte column name and aborts the process (glibc's `buffer overflow detected`), found by
/// `report fuzz`. A damaged file must give an error naming it instead, so every header is walked
/// here first (FITS Standard 4.0, §3–4): cards are 80 printable ASCII characters (32–126), a header
/// ends with `END` within its blocks, and an unquoted value is shorter than 68 characters (numbers
/// and logicals are at most 20; strings must be quoted). The walk follows `BITPIX`, `NAXISn`,
/// `PCOUNT` and `GCOUNT` from one HDU to the next, as CFITSIO does, and stops at the end of the file.
enum FITSHeaderCheck {
    static let block = 2_880

    static func validate(_ url: URL) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return }  // CFITSIO reports it
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        var offset = 0
        var hdu = 1
        while offset < size, hdu <= 10_000 {
            try handle.seek(toOffset: UInt64(offset))
            var keywords: [String: Int] = [:]
            var ended = false
            var blocks = 0
            while !ended {
                // A header cut short: CFITSIO says so, without reading past the end.
                guard let data = try handle.read(upToCount: block), data.count == block else { return }
                blocks += 1
                let bytes = [UInt8](data)
                for c in 0..<(block / 80) {
                    let card = bytes[(c * 80)..<(c * 80 + 80)]
                    let number = (blocks - 1) * 36 + c + 1
                    if let bad = card.firstIndex(where: { $0 < 0x20 || $0 > 0x7E }) {
                        throw FITSError.truncatedOrCorrupt(
                            path: url.path,
                            detail: "HDU \(hdu), header card \(number): byte \(bad - card.startIndex + 1) (0x\(String(bytes[bad], radix: 16))) is not ASCII text")
                    }
                    let keyword = String(decoding: card.prefix(8), as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if keyword == "END" {
                        ended = true
                        break
                    }
                    guard card[card.startIndex + 8] == UInt8(ascii: "="), card[card.startIndex + 9] == UInt8(ascii: " ") else { continue }
                    let field = String(decoding: card.suffix(70), as: UTF8.self)
                    let value = field.drop { $0 == " " }
                    guard let first = value.first, first != "'" else { continue }
                    let token = value.prefix { $0 != "/" }.trimmingCharacters(in: .whitespaces)
                    if token.count >= 68 {
                        throw FITSError.truncatedOrCorrupt(
                            path: url.path,
                            detail: "HDU \(hdu), header card \(number) (\(keyword)): an unquoted value of \(token.count) characters")
                    }
                    if let integer = Int(token) { keywords[keyword] = integer }
                }
                if blocks > 1_000 {
                    throw FITSError.truncatedOrCorrupt(path: url.path, detail: "HDU \(hdu): no END card in the first 1,000 header blocks")
                }
            }
            // The data that follows: |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn), in whole blocks.
            guard let bitpix = keywords["BITPIX"], let axes = keywords["NAXIS"], (0...999).contains(axes) else { return }
            var elements = axes == 0 ? 0 : 1
            for k in stride(from: 1, through: axes, by: 1) {
                guard let n = keywords["NAXIS\(k)"], n >= 0 else { return }
                let (product, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow else { return }
                elements = product
            }
            let pcount = keywords["PCOUNT"] ?? 0, gcount = keywords["GCOUNT"] ?? 1
            guard pcount >= 0, gcount >= 0 else { return }
            let (withHeap, o1) = elements.addingReportingOverflow(axes == 0 ? 0 : pcount)
            let (groups, o2) = withHeap.multipliedReportingOverflow(by: gcount)
            let (bytes, o3) = groups.multipliedReportingOverflow(by: abs(bitpix) / 8)
            guard !o1, !o2, !o3 else { return }
            let dataBlocks = (bytes + block - 1) / block
            let (next, o4) = (offset + blocks * block).addingReportingOverflow(dataBlocks.multipliedReportingOverflow(by: block).partialValue)
            guard !o4, dataBlocks < Int.max / block else { return }
            offset = next
            hdu += 1
        }
    }
}
