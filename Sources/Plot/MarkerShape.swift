/// The symbol drawn for each point of a scatter series.
public enum MarkerShape: Sendable, Equatable {
    /// A filled disc.
    case circle
    /// A filled axis-aligned square.
    case square
    /// A filled upward-pointing triangle.
    case triangle
}
