/// The corner of a panel's plot area that holds its legend.
public enum LegendPosition: Sendable, Equatable {
    case upperLeft, upperRight, lowerLeft, lowerRight
}
