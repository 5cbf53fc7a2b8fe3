import CCairo
import Foundation

extension Figure {
    /// The largest image side Cairo can allocate, in pixels.
    private static let maximumPixels = 32767

    /// Renders onto an ARGB32 image surface and encodes it as PNG.
    func renderPNG(scale: Double, path: String?) throws -> Data {
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

        let sink = ByteSink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(surface, ByteSink.callback, sink.closure)
        }
        try Figure.check(status, path: path)
        return sink.data
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
