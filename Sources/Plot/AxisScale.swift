/// How data values map to positions along an axis.
public enum AxisScale: Sendable, Equatable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios (base 10). Non-positive values are ignored.
    case log
}
