/// One row of a legend: a sample of the series' style and its label.
struct LegendEntry {
    enum Sample {
        case line(color: Color, width: Double, dash: [Double])
        case marker(color: Color, size: Double, shape: MarkerShape)
        case box(fill: Color, edge: Color?)
    }

    var label: String
    var sample: Sample
}
