import Foundation

/// Font measurements shared by layout and drawing.
struct TextMetrics {
    /// Height of digits in tick labels.
    var tickCap: Double
    /// Descent of the tick-label font.
    var tickDescent: Double
    /// Space an axis label needs across its baseline (ascent of tall glyphs plus descent).
    var labelHeight: Double
    /// Descent of the axis-label font.
    var labelDescent: Double
    /// Space a panel title needs.
    var titleHeight: Double

    init(canvas: Canvas) {
        canvas.setFont(size: Theme.tickLabelSize)
        tickCap = canvas.capHeight
        tickDescent = canvas.descent
        canvas.setFont(size: Theme.axisLabelSize)
        labelHeight = canvas.capHeight * 1.15 + canvas.descent
        labelDescent = canvas.descent
        canvas.setFont(size: Theme.titleSize)
        titleHeight = canvas.capHeight * 1.15 + canvas.descent
    }
}
