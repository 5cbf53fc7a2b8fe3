import CCairo
import Foundation
import Testing

@testable import Plot

/// The PNG writer, read back by hand: chunk layout and CRCs, and every pixel against the surface
/// Cairo drew (straight colour, from premultiplied), for an opaque and a transparent figure.
@Suite("PNG encoder")
struct PNGEncoderTests {
    struct Decoded {
        var width = 0, height = 0, colourType = 0
        var chunkTypes: [String] = []
        var rows: [[UInt8]] = []
    }

    /// Parses a PNG written with filter None: checks the signature and every chunk's CRC.
    func decode(_ png: Data) throws -> Decoded {
        let bytes = [UInt8](png)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var decoded = Decoded()
        var idat: [UInt8] = []
        var at = 8
        while at < bytes.count {
            let length = u32(at)
            let typed = Array(bytes[(at + 4)..<(at + 8 + length)])
            let type = String(decoding: typed.prefix(4), as: UTF8.self)
            let crc = typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            #expect(Int(crc) == u32(at + 8 + length), "CRC of \(type)")
            let body = Array(typed.dropFirst(4))
            decoded.chunkTypes.append(type)
            if type == "IHDR" {
                decoded.width = u32(at + 8)
                decoded.height = u32(at + 12)
                #expect(body[8] == 8 && body[10] == 0 && body[11] == 0 && body[12] == 0)
                decoded.colourType = Int(body[9])
            } else if type == "IDAT" {
                idat += body
            }
            at += 12 + length
        }
        let channels = decoded.colourType == 2 ? 3 : 4
        let rowLength = 1 + decoded.width * channels
        var raw = [UInt8](repeating: 0, count: rowLength * decoded.height)
        var rawLength = uLongf(raw.count)
        #expect(uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK)
        #expect(Int(rawLength) == raw.count)
        for row in 0..<decoded.height {
            let line = raw[(row * rowLength)..<((row + 1) * rowLength)]
            #expect(line.first == 0, "filter None on row \(row)")
            decoded.rows.append(Array(line.dropFirst()))
        }
        return decoded
    }

    @Test func anOpaqueFigureIsWrittenAsRGBPixelForPixel() throws {
        let figure = FigureTests.sampleFigure()
        let png = try decode(try figure.pngData(scale: 1))
        let raster = try figure.raster(scale: 1)
        #expect(png.chunkTypes == ["IHDR", "IDAT", "IEND"])
        #expect(png.width == raster.width && png.height == raster.height && png.width == 360 && png.height == 240)
        #expect(png.colourType == 2)
        var differing = 0
        var coloured = 0
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                let p = raster.rgba(x: x, y: y)
                let row = png.rows[y]
                if [Int(row[3 * x]), Int(row[3 * x + 1]), Int(row[3 * x + 2])] != [p.red, p.green, p.blue] { differing += 1 }
                if p.red != p.green || p.green != p.blue { coloured += 1 }
            }
        }
        #expect(differing == 0)
        #expect(coloured > 1000, "the figure's colours are in the file")
    }

    @Test func aTransparentFigureKeepsItsAlphaAndStraightColour() throws {
        let figure = FigureTests.sampleFigure()
        figure.background = Color(red: 0, green: 0, blue: 1, alpha: 0.5)
        let png = try decode(try figure.pngData(scale: 1))
        let raster = try figure.raster(scale: 1)
        #expect(png.colourType == 6)
        // A corner is background only: half-transparent blue, stored straight (not 0, 0, 128).
        #expect(Array(png.rows[0][0..<4]) == [0, 0, 255, UInt8(raster.rgba(x: 0, y: 0).alpha)])
        #expect((127...128).contains(Int(png.rows[0][3])))
        var worst = 0
        for y in stride(from: 0, to: raster.height, by: 3) {
            for x in stride(from: 0, to: raster.width, by: 3) {
                let p = raster.rgba(x: x, y: y)
                let row = png.rows[y]
                worst = max(worst, abs(Int(row[4 * x + 3]) - p.alpha))
                // Straight colour is defined only where the pixel is not fully transparent; rounding
                // (the writer) and truncation (the test's reader) differ by at most one.
                if p.alpha > 0 {
                    worst = max(worst, abs(Int(row[4 * x]) - p.red), abs(Int(row[4 * x + 1]) - p.green), abs(Int(row[4 * x + 2]) - p.blue))
                }
            }
        }
        #expect(worst <= 1)
    }
}
