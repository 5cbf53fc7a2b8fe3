import CCairo
import Foundation

extension Figure {
    /// The largest image side Cairo can allocate, in pixels.
    private static let maximumPixels = 32767

    /// Renders onto an ARGB32 image surface and encodes it as PNG.
    func renderPNG(scale: Double, path: String?) throws -> Data {
        try withImageSurface(scale: scale, path: path) { surface in
            do {
                return try PNGEncoder.encode(surface: surface)
            } catch PlotError.renderFailed(_, let status) {
                throw PlotError.renderFailed(path: path, status: status)
            }
        }
    }

    /// The pixels a PNG of the figure holds, for checking what was drawn where.
    func raster(scale: Double = 1) throws -> Raster {
        try withImageSurface(scale: scale, path: nil) { surface in
            let width = Int(cairo_image_surface_get_width(surface))
            let height = Int(cairo_image_surface_get_height(surface))
            let stride = Int(cairo_image_surface_get_stride(surface))
            guard let bytes = cairo_image_surface_get_data(surface) else {
                throw PlotError.renderFailed(path: nil, status: "image surface has no pixel data")
            }
            var pixels = [UInt32](repeating: 0, count: width * height)
            bytes.withMemoryRebound(to: UInt32.self, capacity: stride / 4 * height) { words in
                for row in 0..<height {
                    for column in 0..<width { pixels[row * width + column] = words[row * (stride / 4) + column] }
                }
            }
            return Raster(width: width, height: height, pixels: pixels)
        }
    }

    /// Draws the figure onto a new ARGB32 image surface of `width × scale` by `height × scale`
    /// pixels and hands it to `body`.
    private func withImageSurface<T>(scale: Double, path: String?, _ body: (OpaquePointer) throws -> T) throws -> T {
        try validate()
        guard scale.isFinite, scale > 0 else {
            throw PlotError.invalidData("PNG scale \(scale) must be a positive number of pixels per point")
        }
        let pixelWidth = Int((width * scale).rounded())
        let pixelHeight = Int((height * scale).rounded())
        guard (1...Figure.maximumPixels).contains(pixelWidth), (1...Figure.maximumPixels).contains(pixelHeight) else {
            throw PlotError.invalidData(
                "PNG of \(pixelWidth) × \(pixelHeight) pixels is outside 1…\(Figure.maximumPixels) per side")
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(pixelWidth), Int32(pixelHeight))
        else { throw PlotError.renderFailed(path: path, status: "cannot create image surface") }
        defer { cairo_surface_destroy(surface) }
        try Figure.check(cairo_surface_status(surface), path: path)
        guard let cr = cairo_create(surface) else {
            throw PlotError.renderFailed(path: path, status: "cannot create drawing context")
        }
        defer { cairo_destroy(cr) }
        cairo_scale(cr, Double(pixelWidth) / width, Double(pixelHeight) / height)
        try draw(on: Canvas(cr), density: scale)
        try Figure.check(cairo_status(cr), path: path)
        cairo_surface_flush(surface)
        return try body(surface)
    }

    /// Renders onto an SVG surface and returns the text with Cairo's ids renumbered.
    func renderSVG(path: String?) throws -> String {
        try validate()
        let sink = ByteSink()
        try withExtendedLifetime(sink) {
            guard let surface = cairo_svg_surface_create_for_stream(ByteSink.callback, sink.closure, width, height)
            else { throw PlotError.renderFailed(path: path, status: "cannot create SVG surface") }
            defer { cairo_surface_destroy(surface) }
            try Figure.check(cairo_surface_status(surface), path: path)
            guard let cr = cairo_create(surface) else {
                throw PlotError.renderFailed(path: path, status: "cannot create drawing context")
            }
            do {
                defer { cairo_destroy(cr) }
                // Vector output: keep lines at about four points per point of width when reducing them.
                try draw(on: Canvas(cr, vector: true), density: 4)
                try Figure.check(cairo_status(cr), path: path)
            }
            cairo_surface_finish(surface)
            try Figure.check(cairo_surface_status(surface), path: path)
        }
        return SVGIdentifiers.renumbered(String(decoding: sink.data, as: UTF8.self))
    }

    /// Throws ``PlotError/invalidData(_:)`` listing every problem recorded by the figure and panels.
    func validate() throws {
        var problems = issues
        for (index, panel) in panels.enumerated() {
            let place = "panel(row: \(index / columns), column: \(index % columns))"
            problems += panel.issues.map { "\(place): \($0)" }
        }
        if !problems.isEmpty { throw PlotError.invalidData(problems.joined(separator: "; ")) }
    }

    /// Throws ``PlotError/renderFailed(path:status:)`` with Cairo's text unless `status` is success.
    static func check(_ status: cairo_status_t, path: String?) throws {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        throw PlotError.renderFailed(path: path, status: String(cString: cairo_status_to_string(status)))
    }

    /// Writes `data` to a temporary file beside `url`, then renames it over `url`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let path = url.path
        let writeError = String(cString: cairo_status_to_string(CAIRO_STATUS_WRITE_ERROR))
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw PlotError.writeFailed(path: path, status: "\(writeError): \(error.localizedDescription)")
        }
        if rename(temporary.path, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw PlotError.writeFailed(path: path, status: "\(writeError): \(reason)")
        }
    }
}

extension Figure {
    /// The version of the Cairo library linked in, e.g. "1.16.0".
    public static var cairoVersion: String { String(cString: cairo_version_string()) }
}

/// The pixels of a rendered figure: Cairo's ARGB32, premultiplied, row by row from the top left.
struct Raster {
    let width: Int
    let height: Int
    let pixels: [UInt32]

    /// Red, green, blue (0–255, not premultiplied) and alpha of one pixel.
    func rgba(x: Int, y: Int) -> (red: Int, green: Int, blue: Int, alpha: Int) {
        let p = pixels[y * width + x]
        let a = Int(p >> 24)
        guard a > 0 else { return (0, 0, 0, 0) }
        func channel(_ shift: UInt32) -> Int { min(255, Int((p >> shift) & 0xff) * 255 / a) }
        return (channel(16), channel(8), channel(0), a)
    }

    /// Whether a pixel is within `tolerance` (0–255 per channel) of an opaque colour.
    func pixel(x: Int, y: Int, is color: Color, tolerance: Int = 8) -> Bool {
        let p = rgba(x: x, y: y)
        return p.alpha > 250 && abs(p.red - Int((color.red * 255).rounded())) <= tolerance
            && abs(p.green - Int((color.green * 255).rounded())) <= tolerance
            && abs(p.blue - Int((color.blue * 255).rounded())) <= tolerance
    }

    /// The columns and rows holding at least one pixel of `color`.
    func extent(of color: Color, tolerance: Int = 8) -> (columns: Set<Int>, rows: Set<Int>) {
        var columns = Set<Int>(), rows = Set<Int>()
        for y in 0..<height {
            for x in 0..<width where pixel(x: x, y: y, is: color, tolerance: tolerance) {
                columns.insert(x)
                rows.insert(y)
            }
        }
        return (columns, rows)
    }
}
