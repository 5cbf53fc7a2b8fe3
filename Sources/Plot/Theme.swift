/// The house style: sizes in points, matplotlib-like defaults for figures in papers.
enum Theme {
    static let fontFamily = "DejaVu Sans"
    static let tickLabelSize = 9.0
    static let axisLabelSize = 10.0
    static let titleSize = 11.0
    static let figureTitleSize = 12.0
    static let legendSize = 9.0

    static let frameWidth = 0.8
    static let tickWidth = 0.8
    static let tickLength = 3.5
    static let minorTickWidth = 0.6
    static let minorTickLength = 2.0
    /// Gap between a tick and its label.
    static let tickPad = 2.5
    /// Gap between tick labels and the axis label.
    static let labelPad = 4.0
    /// Gap between the plot area and the panel title.
    static let titlePad = 6.0
    /// Blank margin around each panel's cell.
    static let outerPad = 5.0

    static let gridColor = Color(hex: "#e3e3e3")
    static let gridWidth = 0.6
    static let missingDataColor = Color.lightGray

    static let colorBarGap = 10.0
    static let colorBarWidth = 10.0

    static let legendInset = 6.0
    static let legendPadding = 5.0
    static let legendSampleWidth = 20.0
    static let legendSampleGap = 6.0

    /// Segments (or markers) per Cairo path before it is stroked (or filled): long paths are quadratic.
    static let batchSize = 500
}
