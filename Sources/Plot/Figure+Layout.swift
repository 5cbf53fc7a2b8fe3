import Foundation

extension Figure {
    /// Draws the whole figure onto `canvas` in points.
    ///
    /// Layout runs in three passes. The vertical space around each plot area (title, tick labels,
    /// x label) does not depend on the data, so row heights come first; they decide how many y ticks
    /// fit, whose label widths decide the left margins and so the plot widths; those decide how many
    /// x ticks fit. Margins are the maximum over a row (top, bottom) or column (left, right) so plot
    /// areas line up.
    ///
    /// - Parameter density: Output resolution in pixels per point, used to reduce long lines.
    func draw(on canvas: Canvas, density: Double) throws {
        try validate()
        canvas.fill(Rect(x: 0, y: 0, width: width, height: height), color: background)

        var top = 0.0
        if let title, !title.isEmpty {
            let text = canvas.setFont(size: Theme.figureTitleSize, fitting: title, width: width - 2 * Theme.outerPad)
            canvas.setColor(.black)
            let titleTop = Theme.outerPad + 2
            canvas.drawText(text, x: width / 2, y: titleTop, horizontal: .center, vertical: .top)
            top = titleTop + canvas.capHeight + canvas.descent + 2
        }
        let cellWidth = width / Double(columns)
        let cellHeight = (height - top) / Double(rows)
        let panels = self.panels

        var limits: [(x: (lower: Double, upper: Double), y: (lower: Double, upper: Double))] = []
        for (index, panel) in panels.enumerated() {
            do {
                limits.append((try panel.limits(.x), try panel.limits(.y)))
            } catch let PlotError.invalidData(message) {
                throw PlotError.invalidData("panel(row: \(index / columns), column: \(index % columns)): \(message)")
            }
        }
        let metrics = TextMetrics(canvas: canvas)

        // Pass 1: vertical margins, row by row.
        var rowTop = [Double](repeating: 0, count: rows)
        var rowBottom = [Double](repeating: 0, count: rows)
        for (index, panel) in panels.enumerated() {
            let row = index / columns
            var above = Theme.outerPad + metrics.tickCap / 2 + 1
            if let title = panel.title, !title.isEmpty {
                above = max(above, Theme.outerPad + metrics.titleHeight + Theme.titlePad)
            }
            var below = Theme.tickLength + Theme.tickPad + metrics.tickCap + metrics.tickDescent + Theme.outerPad
            if let label = panel.xLabel, !label.isEmpty { below += Theme.labelPad + metrics.labelHeight - metrics.tickDescent }
            rowTop[row] = max(rowTop[row], above)
            rowBottom[row] = max(rowBottom[row], below)
        }
        let plotHeights = (0..<rows).map { max(cellHeight - rowTop[$0] - rowBottom[$0], 1) }

        // Pass 2: y ticks, colour bars and horizontal margins, column by column.
        var yTicks: [AxisTicks] = []
        var colorBars: [PanelGeometry.ColorBar?] = []
        var columnLeft = [Double](repeating: 0, count: columns)
        var columnRight = [Double](repeating: 0, count: columns)
        for (index, panel) in panels.enumerated() {
            let (row, column) = (index / columns, index % columns)
            let plotHeight = plotHeights[row]
            let ticks = Figure.verticalTicks(lower: limits[index].y.lower, upper: limits[index].y.upper,
                                             scale: panel.yScale, length: plotHeight, metrics: metrics)
            yTicks.append(ticks)
            canvas.setFont(size: Theme.tickLabelSize)
            let widest = ticks.major.map { canvas.textWidth($0.label) }.max() ?? 0
            var left = Theme.outerPad + widest + Theme.tickPad + Theme.tickLength
            if let label = panel.yLabel, !label.isEmpty { left += metrics.labelHeight + Theme.labelPad }

            // Half of an x tick label may stick out past either end of the axis.
            let roughWidth = max(cellWidth - left - 20, 1)
            let roughX = Figure.horizontalTicks(lower: limits[index].x.lower, upper: limits[index].x.upper,
                                                scale: panel.xScale, length: roughWidth, canvas: canvas)
            let roughAxis = Axis(scale: panel.xScale, lower: limits[index].x.lower, upper: limits[index].x.upper,
                                 start: 0, end: roughWidth)
            var right = Theme.outerPad
            canvas.setFont(size: Theme.tickLabelSize)
            for tick in roughX.major {
                let p = roughAxis.position(tick.value)
                let half = canvas.textWidth(tick.label) / 2
                left = max(left, Theme.outerPad + half - p)
                right = max(right, Theme.outerPad + half - (roughWidth - p))
            }

            var bar: PanelGeometry.ColorBar?
            if let map = panel.marks.reversed().lazy.compactMap({ mark -> Mark.Heatmap? in
                if case let .heatmap(map) = mark { return map }
                return nil
            }).first {
                let range = map.valueRange
                let barTicks = Figure.verticalTicks(lower: range.lowerBound, upper: range.upperBound, scale: .linear,
                                                    length: plotHeight, metrics: metrics)
                canvas.setFont(size: Theme.tickLabelSize)
                let barWidest = barTicks.major.map { canvas.textWidth($0.label) }.max() ?? 0
                var extra = Theme.colorBarGap + Theme.colorBarWidth + Theme.tickLength + Theme.tickPad + barWidest
                if let label = map.colorBarLabel, !label.isEmpty { extra += Theme.labelPad + metrics.labelHeight }
                right = max(right, extra + Theme.outerPad)
                bar = PanelGeometry.ColorBar(heatmap: map, ticks: barTicks)
            }
            colorBars.append(bar)
            columnLeft[column] = max(columnLeft[column], left)
            columnRight[column] = max(columnRight[column], right)
        }
        let plotWidths = (0..<columns).map { max(cellWidth - columnLeft[$0] - columnRight[$0], 1) }

        // Pass 3: x ticks, then draw.
        for (index, panel) in panels.enumerated() where !panel.isHidden {
            let (row, column) = (index / columns, index % columns)
            let plot = Rect(x: Double(column) * cellWidth + columnLeft[column],
                            y: top + Double(row) * cellHeight + rowTop[row],
                            width: plotWidths[column], height: plotHeights[row])
            let (xl, yl) = limits[index]
            let xTicks = Figure.horizontalTicks(lower: xl.lower, upper: xl.upper, scale: panel.xScale,
                                                length: plot.width, canvas: canvas)
            let geometry = PanelGeometry(
                plot: plot,
                x: Axis(scale: panel.xScale, lower: xl.lower, upper: xl.upper, start: plot.minX, end: plot.maxX),
                y: Axis(scale: panel.yScale, lower: yl.lower, upper: yl.upper,
                        start: panel.invertY ? plot.minY : plot.maxY, end: panel.invertY ? plot.maxY : plot.minY),
                xTicks: xTicks, yTicks: yTicks[index], colorBar: colorBars[index],
                titleWidth: 2 * (min(plot.midX - Double(column) * cellWidth, Double(column + 1) * cellWidth - plot.midX) - Theme.outerPad))
            panel.render(on: canvas, geometry: geometry, metrics: metrics, density: density)
        }
    }

    /// Y ticks whose labels are at least about two label heights apart.
    static func verticalTicks(lower: Double, upper: Double, scale: AxisScale, length: Double,
                              metrics: TextMetrics) -> AxisTicks {
        let axis = Axis(scale: scale, lower: lower, upper: upper, start: 0, end: length)
        let spacing = metrics.tickCap * 2.2
        var target = min(6, max(2, Int(length / (spacing * 1.6))))
        while true {
            let ticks = AxisTicks(lower: lower, upper: upper, scale: scale, target: target)
            let positions = ticks.major.map { axis.position($0.value) }
            let fits = zip(positions, positions.dropFirst()).allSatisfy { abs($1 - $0) >= spacing }
            if fits || target <= 2 { return ticks }
            target -= 1
        }
    }

    /// X ticks whose labels do not touch: centres at least half the two widths plus a gap apart.
    static func horizontalTicks(lower: Double, upper: Double, scale: AxisScale, length: Double,
                                canvas: Canvas) -> AxisTicks {
        let axis = Axis(scale: scale, lower: lower, upper: upper, start: 0, end: length)
        canvas.setFont(size: Theme.tickLabelSize)
        let gap = Theme.tickLabelSize * 1.2
        var target = min(6, max(2, Int(length / 35)))
        while true {
            let ticks = AxisTicks(lower: lower, upper: upper, scale: scale, target: target)
            let placed = ticks.major.map { (axis.position($0.value), canvas.textWidth($0.label)) }
            let fits = zip(placed, placed.dropFirst()).allSatisfy { a, b in
                abs(b.0 - a.0) >= (a.1 + b.1) / 2 + gap
            }
            if fits || target <= 2 { return ticks }
            target -= 1
        }
    }
}
