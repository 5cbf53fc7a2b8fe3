import CCairo
import Foundation

/// A thin layer over a Cairo context: colours, text placement and batched drawing of long series.
///
/// Coordinates are in points with y growing downwards, whatever the surface's resolution.
final class Canvas {
    enum HorizontalAlignment { case left, center, right }
    enum VerticalAlignment { case baseline, top, middle, bottom }

    let cr: OpaquePointer
    /// Whether the surface is vector output (SVG), whose viewers may smooth scaled-up images.
    let vector: Bool

    init(_ cr: OpaquePointer, vector: Bool = false) {
        self.cr = cr
        self.vector = vector
        // Unhinted metrics make text the same width in PNG (any scale) and SVG, so layouts match.
        if let options = cairo_font_options_create() {
            cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
            cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
            cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
            cairo_set_font_options(cr, options)
            cairo_font_options_destroy(options)
        }
        cairo_select_font_face(cr, Theme.fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    // MARK: State

    func setColor(_ c: Color) {
        func clamp(_ v: Double) -> Double { v.isFinite ? min(max(v, 0), 1) : 0 }
        cairo_set_source_rgba(cr, clamp(c.red), clamp(c.green), clamp(c.blue), clamp(c.alpha))
    }

    func setLine(width: Double, dash: [Double] = [], offset: Double = 0) {
        cairo_set_line_width(cr, width)
        let usable = dash.contains { $0 > 0 } ? dash : []
        usable.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), offset) }
    }

    func save() { cairo_save(cr) }
    func restore() { cairo_restore(cr) }

    func clip(to rect: Rect) {
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
    }

    func fill(_ rect: Rect, color: Color) {
        setColor(color)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    func stroke(_ rect: Rect, color: Color, width: Double) {
        setColor(color)
        setLine(width: width)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(cr)
    }

    func strokeLine(x0: Double, y0: Double, x1: Double, y1: Double) {
        cairo_move_to(cr, x0, y0)
        cairo_line_to(cr, x1, y1)
        cairo_stroke(cr)
    }

    // MARK: Text

    func setFont(size: Double, bold: Bool = false) {
        cairo_select_font_face(cr, Theme.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// Sets the font to `size`, or smaller (down to 6 points) where `s` would be wider than `width`,
    /// and returns `s` as it fits: whole, or shortened with an ellipsis where even 6 points is too
    /// wide. For titles, which carry file names of any length.
    func setFont(size: Double, fitting s: String, width: Double) -> String {
        setFont(size: size)
        let natural = textWidth(s)
        guard natural > width, width > 0 else { return s }
        // A little under the ratio: glyph widths do not scale exactly with the size.
        setFont(size: max(6, 0.97 * size * width / natural))
        guard textWidth(s) > width else { return s }
        var keep = s.count - 1
        while keep > 0, textWidth(String(s.prefix(keep)) + "…") > width { keep -= 1 }
        return String(s.prefix(keep)) + "…"
    }

    /// The advance width of `s` in the current font.
    func textWidth(_ s: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        return extents.x_advance
    }

    /// The height of digits and capitals above the baseline in the current font.
    var capHeight: Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, "0", &extents)
        return -extents.y_bearing
    }

    /// The depth of descenders below the baseline in the current font.
    var descent: Double {
        var extents = cairo_font_extents_t()
        cairo_font_extents(cr, &extents)
        return extents.descent
    }

    /// Draws `s` anchored at (x, y); vertical anchors use the cap height so digits sit evenly.
    ///
    /// With `rotated`, the text reads upwards and the alignments apply along and across it.
    func drawText(_ s: String, x: Double, y: Double, horizontal: HorizontalAlignment = .left,
                  vertical: VerticalAlignment = .baseline, rotated: Bool = false) {
        guard !s.isEmpty else { return }
        let width = textWidth(s)
        let dx: Double = switch horizontal {
        case .left: 0
        case .center: -width / 2
        case .right: -width
        }
        let dy: Double = switch vertical {
        case .baseline: 0
        case .top: capHeight
        case .middle: capHeight / 2
        case .bottom: -descent
        }
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if rotated { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, dx, dy)
        cairo_show_text(cr, s)
        cairo_restore(cr)
    }

    // MARK: Long series

    /// Strokes a polyline through device points, breaking at non-finite coordinates.
    ///
    /// Segments are clipped to `bounds` (so far-away points cannot overflow Cairo's fixed-point
    /// coordinates) and stroked every ``Theme/batchSize`` segments, keeping the dash pattern in phase.
    func strokePolyline(xs: [Double], ys: [Double], bounds: Rect, width: Double, dash: [Double]) {
        let count = min(xs.count, ys.count)
        let dashed = dash.contains { $0 > 0 }
        setLine(width: width, dash: dash)
        var segments = 0
        var penX = Double.nan
        var penY = Double.nan
        var previous: (Double, Double)?
        var runLength = 0.0
        for i in 0..<count {
            let x = xs[i]
            let y = ys[i]
            guard x.isFinite, y.isFinite else {
                previous = nil
                continue
            }
            defer { previous = (x, y) }
            guard let (px, py) = previous else { continue }
            guard let segment = clipSegment(px, py, x, y, to: bounds) else {
                penX = .nan
                continue
            }
            if segment.x0 != penX || segment.y0 != penY {
                cairo_move_to(cr, segment.x0, segment.y0)
                runLength = 0
            }
            cairo_line_to(cr, segment.x1, segment.y1)
            penX = segment.x1
            penY = segment.y1
            segments += 1
            if dashed { runLength += hypot(segment.x1 - segment.x0, segment.y1 - segment.y0) }
            if segments >= Theme.batchSize {
                cairo_stroke(cr)
                if dashed { setLine(width: width, dash: dash, offset: runLength) }
                cairo_move_to(cr, penX, penY)
                segments = 0
            }
        }
        cairo_stroke(cr)
        if dashed { setLine(width: width) }
    }

    /// Strokes independent segments (x0[i], y0[i]) → (x1[i], y1[i]), skipping non-finite ones.
    func strokeSegments(_ segments: [(Double, Double, Double, Double)], bounds: Rect, width: Double) {
        setLine(width: width)
        var pending = 0
        for (x0, y0, x1, y1) in segments {
            guard let s = clipSegment(x0, y0, x1, y1, to: bounds) else { continue }
            cairo_move_to(cr, s.x0, s.y0)
            cairo_line_to(cr, s.x1, s.y1)
            pending += 1
            if pending >= Theme.batchSize {
                cairo_stroke(cr)
                pending = 0
            }
        }
        cairo_stroke(cr)
    }

    /// Adds the outline of one marker centred at (x, y) to the current path.
    func addMarker(x: Double, y: Double, size: Double, shape: MarkerShape) {
        let r = size / 2
        switch shape {
        case .circle:
            cairo_new_sub_path(cr)
            cairo_arc(cr, x, y, r, 0, 2 * Double.pi)
            cairo_close_path(cr)
        case .square:
            cairo_rectangle(cr, x - r, y - r, size, size)
        case .triangle:
            // Equilateral, centred on its centroid, with about the area of the square.
            let side = size * 1.5
            let h = side * 0.866
            cairo_move_to(cr, x, y - h * 2 / 3)
            cairo_line_to(cr, x + side / 2, y + h / 3)
            cairo_line_to(cr, x - side / 2, y + h / 3)
            cairo_close_path(cr)
        }
    }

    /// Fills markers at device points, skipping non-finite ones and those outside `bounds`.
    func fillMarkers(xs: [Double], ys: [Double], bounds: Rect, size: Double, shape: MarkerShape) {
        let count = min(xs.count, ys.count)
        let reach = bounds.expanded(by: size)
        var pending = 0
        for i in 0..<count {
            let x = xs[i]
            let y = ys[i]
            guard x.isFinite, y.isFinite, reach.contains(x: x, y: y) else { continue }
            addMarker(x: x, y: y, size: size, shape: shape)
            pending += 1
            if pending >= Theme.batchSize {
                cairo_fill(cr)
                pending = 0
            }
        }
        cairo_fill(cr)
    }
}

/// Clips the segment (x0, y0)–(x1, y1) to `rect` (Liang–Barsky); `nil` when nothing is inside.
func clipSegment(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
                 to rect: Rect) -> (x0: Double, y0: Double, x1: Double, y1: Double)? {
    if rect.contains(x: x0, y: y0), rect.contains(x: x1, y: y1) { return (x0, y0, x1, y1) }
    let dx = x1 - x0
    let dy = y1 - y0
    var t0 = 0.0
    var t1 = 1.0
    for (p, q) in [(-dx, x0 - rect.minX), (dx, rect.maxX - x0), (-dy, y0 - rect.minY), (dy, rect.maxY - y0)] {
        if p == 0 {
            if q < 0 { return nil }
        } else {
            let r = q / p
            if p < 0 {
                if r > t1 { return nil }
                if r > t0 { t0 = r }
            } else {
                if r < t0 { return nil }
                if r < t1 { t1 = r }
            }
        }
    }
    if t0 == 0, t1 == 1 { return (x0, y0, x1, y1) }
    return (x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy)
}
