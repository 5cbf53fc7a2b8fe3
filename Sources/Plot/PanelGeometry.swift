/// Where and how one panel is drawn: its plot area, axis mappings, ticks and colour bar.
struct PanelGeometry {
    /// The plot area (inside the frame) in points.
    var plot: Rect
    var x: Axis
    var y: Axis
    var xTicks: AxisTicks
    var yTicks: AxisTicks
    /// The colour bar for the panel's last heat map, if it has one.
    var colorBar: ColorBar?
    /// The widest a title centred over the plot area may be without leaving the panel's cell.
    var titleWidth: Double = .infinity

    struct ColorBar {
        var heatmap: Mark.Heatmap
        var ticks: AxisTicks
    }
}
