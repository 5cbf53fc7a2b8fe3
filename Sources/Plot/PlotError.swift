import Foundation

/// Errors from rendering or writing a ``Figure``.
///
/// Rendering and writing cases name the output file (or `nil` when rendering to memory) and the
/// status text Cairo or the operating system reported, so the message says what to fix.
public enum PlotError: Error, LocalizedError, Equatable {
    /// Cairo failed while creating a surface, drawing or encoding the image.
    case renderFailed(path: String?, status: String)
    /// The rendered image could not be written to `path`.
    case writeFailed(path: String, status: String)
    /// The file name's extension is neither `.png` nor `.svg`.
    case unsupportedFormat(path: String)
    /// The figure's data or settings cannot be drawn; the text says which call and why.
    case invalidData(String)

    public var errorDescription: String? {
        switch self {
        case let .renderFailed(path, status):
            "Cannot render figure \(path.map { "for '\($0)'" } ?? "in memory"): \(status)"
        case let .writeFailed(path, status):
            "Cannot write figure to '\(path)': \(status)"
        case let .unsupportedFormat(path):
            "Cannot write figure to '\(path)': unsupported format (use a .png or .svg file name)"
        case let .invalidData(message):
            "Invalid figure data: \(message)"
        }
    }
}
