import CCairo
import Foundation

extension Panel {
    /// Draws the panel: data clipped to the plot area, then frame, ticks, labels, legend and colour bar.
    func render(on canvas: Canvas, geometry g: PanelGeometry, metrics: TextMetrics, density: Double) {
        let plot = g.plot
        // Segments are clipped a little outside the plot; the Cairo clip trims the rest exactly.
        let bounds = plot.expanded(by: 20)

        canvas.save()
        canvas.clip(to: plot)
        for mark in marks {
            if case let .heatmap(map) = mark { drawHeatmap(map, on: canvas, geometry: g) }
        }
        for mark in marks {
            if case let .span(from, to, color, _) = mark {
                let a = g.x.accepts(from) ? g.x.position(from) : bounds.minX
                let b = g.x.accepts(to) ? g.x.position(to) : bounds.minX
                canvas.fill(Rect(x: min(a, b), y: plot.minY, width: abs(b - a), height: plot.height), color: color)
            }
        }
        if grid { drawGrid(on: canvas, geometry: g) }
        for mark in marks {
            drawData(mark, on: canvas, geometry: g, bounds: bounds, density: density)
        }
        canvas.restore()

        for mark in marks {
            guard case let .text(s, x, y, color, size) = mark else { continue }
            let px = g.x.position(x)
            let py = g.y.position(y)
            guard px.isFinite, py.isFinite, plot.contains(x: px, y: py) else { continue }
            canvas.setFont(size: size)
            canvas.setColor(color)
            canvas.drawText(s, x: px, y: py)
        }

        drawAxes(on: canvas, geometry: g, metrics: metrics)
        if let legend { drawLegend(at: legend, on: canvas, plot: plot) }
        if let bar = g.colorBar { drawColorBar(bar, on: canvas, plot: plot, metrics: metrics) }
    }

    // MARK: Data

    private func drawData(_ mark: Mark, on canvas: Canvas, geometry g: PanelGeometry, bounds: Rect, density: Double) {
        let cr = canvas.cr
        switch mark {
        case let .line(x, y, color, width, dash, _):
            var xs = x.map(g.x.position)
            var ys = y.map(g.y.position)
            let columns = Int(g.plot.width * density)
            if xs.count > 4 * columns, columns > 0, Panel.isNonDecreasing(xs) {
                // Points with no x position become gaps, so decimation keeps the line broken there.
                var lastX = Double.nan
                for i in xs.indices {
                    if xs[i].isFinite { lastX = xs[i] } else if lastX.isFinite { xs[i] = lastX; ys[i] = .nan }
                }
                (xs, ys) = decimated(x: xs, y: ys, columns: columns)
            }
            canvas.setColor(color)
            canvas.strokePolyline(xs: xs, ys: ys, bounds: bounds, width: width, dash: dash)

        case let .points(x, y, color, size, shape, _):
            canvas.setColor(color)
            canvas.fillMarkers(xs: x.map(g.x.position), ys: y.map(g.y.position), bounds: bounds, size: size,
                               shape: shape)

        case let .errorBars(x, y, yError, color, width):
            let floor = Panel.baseline(g)
            var segments: [(Double, Double, Double, Double)] = []
            segments.reserveCapacity(x.count)
            for i in 0..<min(x.count, y.count, yError.count) {
                let e = yError[i]
                guard e.isFinite, e >= 0, g.y.accepts(y[i]) else { continue }
                let px = g.x.position(x[i])
                let low = y[i] - e
                let y0 = g.y.accepts(low) ? g.y.position(low) : floor
                let y1 = g.y.position(y[i] + e)
                segments.append((px, y0, px, y1))
            }
            canvas.setColor(color)
            canvas.strokeSegments(segments, bounds: bounds, width: width)

        case let .stepHistogram(edges, counts, color, fill, _):
            let base = Panel.baseline(g)
            let level = { (c: Double) in g.y.accepts(c) ? g.y.position(c) : base }
            let ex = edges.map(g.x.position)
            // Chunks of bins keep paths short; each chunk starts and ends on the baseline.
            let chunk = 2000
            var start = 0
            while start < counts.count {
                let end = min(start + chunk, counts.count)
                var xs: [Double] = [ex[start]]
                var ys: [Double] = [base]
                for i in start..<end {
                    xs += [ex[i], ex[i + 1]]
                    ys += [level(counts[i]), level(counts[i])]
                }
                xs.append(ex[end])
                ys.append(base)
                if fill {
                    canvas.setColor(color.withAlpha(color.alpha * 0.35))
                    var first = true
                    for (px, py) in zip(xs, ys) where px.isFinite && py.isFinite {
                        let cx = min(max(px, bounds.minX), bounds.maxX)
                        let cy = min(max(py, bounds.minY), bounds.maxY)
                        if first { cairo_move_to(cr, cx, cy) } else { cairo_line_to(cr, cx, cy) }
                        first = false
                    }
                    cairo_close_path(cr)
                    cairo_fill(cr)
                }
                canvas.setColor(color)
                canvas.strokePolyline(xs: xs, ys: ys, bounds: bounds, width: 1, dash: [])
                start = end
            }

        case let .bars(edges, counts, color, _):
            let base = Panel.baseline(g)
            canvas.setColor(color)
            var pending = 0
            for i in 0..<counts.count {
                let a = g.x.position(edges[i])
                let b = g.x.position(edges[i + 1])
                let top = g.y.accepts(counts[i]) ? g.y.position(counts[i]) : base
                guard a.isFinite, b.isFinite, top.isFinite else { continue }
                let x0 = min(max(min(a, b), bounds.minX), bounds.maxX)
                let x1 = min(max(max(a, b), bounds.minX), bounds.maxX)
                let y0 = min(max(min(top, base), bounds.minY), bounds.maxY)
                let y1 = min(max(max(top, base), bounds.minY), bounds.maxY)
                cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0)
                pending += 1
                if pending >= Theme.batchSize {
                    cairo_fill(cr)
                    pending = 0
                }
            }
            cairo_fill(cr)

        case let .verticalLine(x, color, dash):
            let px = g.x.position(x)
            guard px.isFinite else { return }
            canvas.setColor(color)
            canvas.setLine(width: 0.8, dash: dash)
            canvas.strokeLine(x0: px, y0: g.plot.minY, x1: px, y1: g.plot.maxY)
            canvas.setLine(width: 1)

        case let .horizontalLine(y, color, dash):
            let py = g.y.position(y)
            guard py.isFinite else { return }
            canvas.setColor(color)
            canvas.setLine(width: 0.8, dash: dash)
            canvas.strokeLine(x0: g.plot.minX, y0: py, x1: g.plot.maxX, y1: py)
            canvas.setLine(width: 1)

        case .span, .heatmap, .text:
            break
        }
    }

    /// The device y of the bottom of bars and histograms: zero, or just past the lower limit on a log axis.
    private static func baseline(_ g: PanelGeometry) -> Double {
        if g.y.scale == .linear { return g.y.position(0) }
        return g.y.start + (g.y.start > g.y.end ? 10 : -10)
    }

    private static func isNonDecreasing(_ values: [Double]) -> Bool {
        var previous = -Double.infinity
        for v in values where v.isFinite {
            if v < previous { return false }
            previous = v
        }
        return true
    }

    private func drawHeatmap(_ map: Mark.Heatmap, on canvas: Canvas, geometry g: PanelGeometry) {
        let cr = canvas.cr
        let range = map.valueRange
        let span = range.upperBound - range.lowerBound
        func color(_ v: Double) -> Color {
            v.isFinite ? Viridis.color(at: (v - range.lowerBound) / span) : Theme.missingDataColor
        }
        let xs = map.xEdges.map(g.x.position)
        let ys = map.yEdges.map(g.y.position)
        let columns = xs.count - 1
        let rows = ys.count - 1
        let drawable = xs.allSatisfy(\.isFinite) && ys.allSatisfy(\.isFinite)
        let width = (xs.last ?? 0) - (xs.first ?? 0)
        let height = (ys.last ?? 0) - (ys.first ?? 0)

        // SVG viewers smooth scaled images, so for vector output each cell becomes a block of pixels
        // about the size it will be shown at; Cairo's nearest-neighbour filter keeps PNG cells sharp.
        let cellWidth = abs(width) / Double(max(columns, 1))
        let cellHeight = abs(height) / Double(max(rows, 1))
        let repeatX = canvas.vector ? min(max(Int((cellWidth * 4).rounded()), 1), max(4096 / max(columns, 1), 1)) : 1
        let repeatY = canvas.vector ? min(max(Int((cellHeight * 4).rounded()), 1), max(4096 / max(rows, 1), 1)) : 1
        if drawable, Panel.isEvenlySpaced(xs), Panel.isEvenlySpaced(ys), columns <= 8192, rows <= 8192,
           width != 0, height != 0,
           let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns * repeatX), Int32(rows * repeatY)),
           cairo_surface_status(image) == CAIRO_STATUS_SUCCESS, let pixels = cairo_image_surface_get_data(image) {
            defer { cairo_surface_destroy(image) }
            cairo_surface_flush(image)
            let stride = Int(cairo_image_surface_get_stride(image))
            for r in 0..<rows {
                let firstLine = UnsafeMutableRawPointer(pixels + r * repeatY * stride)
                for c in 0..<columns {
                    let pixel = Panel.argb(color(map.values[r][c]))
                    for k in 0..<repeatX {
                        firstLine.storeBytes(of: pixel, toByteOffset: (c * repeatX + k) * 4, as: UInt32.self)
                    }
                }
                for k in 1..<repeatY {
                    UnsafeMutableRawPointer(pixels + (r * repeatY + k) * stride)
                        .copyMemory(from: firstLine, byteCount: columns * repeatX * 4)
                }
            }
            cairo_surface_mark_dirty(image)
            let pixelColumns = Double(columns * repeatX)
            let pixelRows = Double(rows * repeatY)
            cairo_save(cr)
            cairo_translate(cr, xs[0], ys[0])
            cairo_scale(cr, width / pixelColumns, height / pixelRows)
            cairo_set_source_surface(cr, image, 0, 0)
            cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
            cairo_rectangle(cr, 0, 0, pixelColumns, pixelRows)
            cairo_fill(cr)
            cairo_restore(cr)
            return
        }

        // Uneven edges: one rectangle per cell, grown by a hair so neighbours leave no seams.
        let plot = g.plot
        for r in 0..<rows {
            for c in 0..<columns {
                let x0 = min(xs[c], xs[c + 1]), x1 = max(xs[c], xs[c + 1])
                let y0 = min(ys[r], ys[r + 1]), y1 = max(ys[r], ys[r + 1])
                guard x0.isFinite, x1.isFinite, y0.isFinite, y1.isFinite,
                      x1 >= plot.minX, x0 <= plot.maxX, y1 >= plot.minY, y0 <= plot.maxY else { continue }
                let left = max(x0, plot.minX - 1), right = min(x1, plot.maxX + 1)
                let topEdge = max(y0, plot.minY - 1), bottom = min(y1, plot.maxY + 1)
                canvas.fill(Rect(x: left - 0.15, y: topEdge - 0.15, width: right - left + 0.3,
                                 height: bottom - topEdge + 0.3), color: color(map.values[r][c]))
            }
        }
    }

    private static func isEvenlySpaced(_ positions: [Double]) -> Bool {
        guard positions.count >= 2 else { return false }
        let step = (positions[positions.count - 1] - positions[0]) / Double(positions.count - 1)
        return zip(positions, positions.dropFirst()).allSatisfy { abs(($1 - $0) - step) <= abs(step) * 1e-3 + 1e-9 }
    }

    /// A colour as a premultiplied ARGB32 pixel.
    static func argb(_ c: Color) -> UInt32 {
        func byte(_ v: Double) -> UInt32 { UInt32((min(max(v.isFinite ? v : 0, 0), 1) * 255).rounded()) }
        let a = min(max(c.alpha.isFinite ? c.alpha : 1, 0), 1)
        return byte(a) << 24 | byte(c.red * a) << 16 | byte(c.green * a) << 8 | byte(c.blue * a)
    }

    // MARK: Decorations

    private func drawGrid(on canvas: Canvas, geometry g: PanelGeometry) {
        canvas.setColor(Theme.gridColor)
        canvas.setLine(width: Theme.gridWidth)
        for tick in g.xTicks.major {
            let px = g.x.position(tick.value)
            guard px.isFinite, px > g.plot.minX + 0.5, px < g.plot.maxX - 0.5 else { continue }
            cairo_move_to(canvas.cr, px, g.plot.minY)
            cairo_line_to(canvas.cr, px, g.plot.maxY)
        }
        for tick in g.yTicks.major {
            let py = g.y.position(tick.value)
            guard py.isFinite, py > g.plot.minY + 0.5, py < g.plot.maxY - 0.5 else { continue }
            cairo_move_to(canvas.cr, g.plot.minX, py)
            cairo_line_to(canvas.cr, g.plot.maxX, py)
        }
        cairo_stroke(canvas.cr)
    }

    private func drawAxes(on canvas: Canvas, geometry g: PanelGeometry, metrics: TextMetrics) {
        let cr = canvas.cr
        let plot = g.plot
        canvas.stroke(plot, color: .black, width: Theme.frameWidth)

        // Ticks, outward.
        canvas.setLine(width: Theme.tickWidth)
        for tick in g.xTicks.major where g.x.contains(tick.value) {
            let px = g.x.position(tick.value)
            cairo_move_to(cr, px, plot.maxY)
            cairo_line_to(cr, px, plot.maxY + Theme.tickLength)
        }
        for tick in g.yTicks.major where g.y.contains(tick.value) {
            let py = g.y.position(tick.value)
            cairo_move_to(cr, plot.minX, py)
            cairo_line_to(cr, plot.minX - Theme.tickLength, py)
        }
        cairo_stroke(cr)
        canvas.setLine(width: Theme.minorTickWidth)
        for value in g.xTicks.minor where g.x.contains(value) {
            let px = g.x.position(value)
            cairo_move_to(cr, px, plot.maxY)
            cairo_line_to(cr, px, plot.maxY + Theme.minorTickLength)
        }
        for value in g.yTicks.minor where g.y.contains(value) {
            let py = g.y.position(value)
            cairo_move_to(cr, plot.minX, py)
            cairo_line_to(cr, plot.minX - Theme.minorTickLength, py)
        }
        cairo_stroke(cr)

        // Tick labels.
        canvas.setFont(size: Theme.tickLabelSize)
        var widestY = 0.0
        for tick in g.xTicks.major where g.x.contains(tick.value) {
            canvas.drawText(tick.label, x: g.x.position(tick.value), y: plot.maxY + Theme.tickLength + Theme.tickPad,
                            horizontal: .center, vertical: .top)
        }
        for tick in g.yTicks.major where g.y.contains(tick.value) {
            widestY = max(widestY, canvas.textWidth(tick.label))
            canvas.drawText(tick.label, x: plot.minX - Theme.tickLength - Theme.tickPad, y: g.y.position(tick.value),
                            horizontal: .right, vertical: .middle)
        }

        // Axis labels and title.
        canvas.setFont(size: Theme.axisLabelSize)
        if let xLabel, !xLabel.isEmpty {
            let labelTop = plot.maxY + Theme.tickLength + Theme.tickPad + metrics.tickCap + Theme.labelPad
            canvas.drawText(xLabel, x: plot.midX, y: labelTop, horizontal: .center, vertical: .top)
        }
        if let yLabel, !yLabel.isEmpty {
            let labelRight = plot.minX - Theme.tickLength - Theme.tickPad - widestY - Theme.labelPad
            canvas.drawText(yLabel, x: labelRight, y: plot.midY, horizontal: .center, vertical: .bottom, rotated: true)
        }
        if let title, !title.isEmpty {
            // A title wider than the cell (a long file name) is set smaller rather than cut off.
            let text = canvas.setFont(size: Theme.titleSize, fitting: title, width: g.titleWidth)
            canvas.drawText(text, x: plot.midX, y: plot.minY - Theme.titlePad, horizontal: .center, vertical: .bottom)
        }
    }

    private func drawLegend(at position: LegendPosition, on canvas: Canvas, plot: Rect) {
        let entries = marks.compactMap(\.legendEntry)
        guard !entries.isEmpty else { return }
        let cr = canvas.cr
        canvas.setFont(size: Theme.legendSize)
        let rowHeight = Theme.legendSize * 1.45
        let pad = Theme.legendPadding
        let labelWidth = entries.map { canvas.textWidth($0.label) }.max() ?? 0
        let boxWidth = 2 * pad + Theme.legendSampleWidth + Theme.legendSampleGap + labelWidth
        let boxHeight = 2 * pad + Double(entries.count) * rowHeight - (rowHeight - Theme.legendSize) + 2
        let inset = Theme.legendInset
        let x = switch position {
        case .upperLeft, .lowerLeft: plot.minX + inset
        case .upperRight, .lowerRight: plot.maxX - inset - boxWidth
        }
        let y = switch position {
        case .upperLeft, .upperRight: plot.minY + inset
        case .lowerLeft, .lowerRight: plot.maxY - inset - boxHeight
        }
        let box = Rect(x: x, y: y, width: boxWidth, height: boxHeight)
        Panel.roundedRectangle(cr, box, radius: 2.5)
        canvas.setColor(Color.white.withAlpha(0.85))
        cairo_fill_preserve(cr)
        canvas.setColor(Color(hex: "#cccccc"))
        canvas.setLine(width: 0.6)
        cairo_stroke(cr)

        let capHeight = canvas.capHeight
        for (i, entry) in entries.enumerated() {
            let cy = y + pad + 1 + Double(i) * rowHeight + Theme.legendSize / 2
            let sx = x + pad
            switch entry.sample {
            case let .line(color, width, dash):
                canvas.setColor(color)
                canvas.setLine(width: min(width, 3), dash: dash)
                canvas.strokeLine(x0: sx, y0: cy, x1: sx + Theme.legendSampleWidth, y1: cy)
                canvas.setLine(width: 1)
            case let .marker(color, size, shape):
                canvas.setColor(color)
                canvas.addMarker(x: sx + Theme.legendSampleWidth / 2, y: cy, size: min(size, 8), shape: shape)
                cairo_fill(cr)
            case let .box(fill, edge):
                let sample = Rect(x: sx, y: cy - capHeight * 0.6, width: Theme.legendSampleWidth, height: capHeight * 1.2)
                canvas.fill(sample, color: fill)
                if let edge { canvas.stroke(sample, color: edge, width: 0.8) }
            }
            canvas.setColor(.black)
            canvas.drawText(entry.label, x: sx + Theme.legendSampleWidth + Theme.legendSampleGap, y: cy,
                            horizontal: .left, vertical: .middle)
        }
    }

    private static func roundedRectangle(_ cr: OpaquePointer, _ r: Rect, radius: Double) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, r.maxX - radius, r.minY + radius, radius, -Double.pi / 2, 0)
        cairo_arc(cr, r.maxX - radius, r.maxY - radius, radius, 0, Double.pi / 2)
        cairo_arc(cr, r.minX + radius, r.maxY - radius, radius, Double.pi / 2, Double.pi)
        cairo_arc(cr, r.minX + radius, r.minY + radius, radius, Double.pi, 3 * Double.pi / 2)
        cairo_close_path(cr)
    }

    private func drawColorBar(_ bar: PanelGeometry.ColorBar, on canvas: Canvas, plot: Rect, metrics: TextMetrics) {
        let cr = canvas.cr
        let rect = Rect(x: plot.maxX + Theme.colorBarGap, y: plot.minY, width: Theme.colorBarWidth, height: plot.height)
        let steps = 256
        if let gradient = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, Int32(steps)),
           cairo_surface_status(gradient) == CAIRO_STATUS_SUCCESS, let pixels = cairo_image_surface_get_data(gradient) {
            defer { cairo_surface_destroy(gradient) }
            cairo_surface_flush(gradient)
            let stride = Int(cairo_image_surface_get_stride(gradient))
            for i in 0..<steps {
                let t = 1 - (Double(i) + 0.5) / Double(steps)
                UnsafeMutableRawPointer(pixels + i * stride).storeBytes(of: Panel.argb(Viridis.color(at: t)), as: UInt32.self)
            }
            cairo_surface_mark_dirty(gradient)
            cairo_save(cr)
            canvas.clip(to: rect)
            cairo_translate(cr, rect.x, rect.y)
            cairo_scale(cr, rect.width, rect.height / Double(steps))
            cairo_set_source_surface(cr, gradient, 0, 0)
            cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD)
            cairo_paint(cr)
            cairo_restore(cr)
        }
        canvas.stroke(rect, color: .black, width: Theme.frameWidth)

        let range = bar.heatmap.valueRange
        let axis = Axis(scale: .linear, lower: range.lowerBound, upper: range.upperBound, start: rect.maxY, end: rect.minY)
        canvas.setLine(width: Theme.tickWidth)
        for tick in bar.ticks.major where axis.contains(tick.value) {
            let py = axis.position(tick.value)
            cairo_move_to(cr, rect.maxX, py)
            cairo_line_to(cr, rect.maxX + Theme.tickLength, py)
        }
        cairo_stroke(cr)
        canvas.setFont(size: Theme.tickLabelSize)
        var widest = 0.0
        for tick in bar.ticks.major where axis.contains(tick.value) {
            widest = max(widest, canvas.textWidth(tick.label))
            canvas.drawText(tick.label, x: rect.maxX + Theme.tickLength + Theme.tickPad, y: axis.position(tick.value),
                            horizontal: .left, vertical: .middle)
        }
        if let label = bar.heatmap.colorBarLabel, !label.isEmpty {
            canvas.setFont(size: Theme.axisLabelSize)
            let x = rect.maxX + Theme.tickLength + Theme.tickPad + widest + Theme.labelPad + metrics.labelHeight
                - metrics.labelDescent
            canvas.drawText(label, x: x, y: rect.midY, horizontal: .center, vertical: .baseline, rotated: true)
        }
    }
}
