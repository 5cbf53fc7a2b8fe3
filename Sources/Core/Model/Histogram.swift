import Foundation

/// One axis of a ``Histogram``: named, with numeric bin edges or category labels.
public struct HistogramAxis: Sendable, Hashable, Codable {
    public enum Bins: Sendable, Hashable, Codable {
        /// Numeric bins [e₀, e₁), [e₁, e₂), …; the last bin includes its upper edge.
        case edges([Double])
        /// Named categories (survey band, quality class).
        case categories([String])
    }

    public var name: String
    public var unit: String?
    public var bins: Bins

    public init(_ name: String, unit: String? = nil, edges: [Double]) {
        precondition(edges.count >= 2 && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram axis '\(name)' needs at least two increasing edges")
        self.name = name
        self.unit = unit
        self.bins = .edges(edges)
    }

    public init(_ name: String, categories: [String]) {
        precondition(!categories.isEmpty && Set(categories).count == categories.count,
                     "histogram axis '\(name)' needs distinct categories")
        self.name = name
        self.unit = nil
        self.bins = .categories(categories)
    }

    public var binCount: Int {
        switch bins {
        case let .edges(e): return e.count - 1
        case let .categories(c): return c.count
        }
    }

    /// Bin index of a coordinate, or nil when it falls outside the axis.
    public func bin(of coordinate: HistogramCoordinate) -> Int? {
        switch (bins, coordinate) {
        case let (.edges(edges), .value(x)):
            guard x.isFinite, x >= edges[0], x <= edges[edges.count - 1] else { return nil }
            if x == edges[edges.count - 1] { return edges.count - 2 }
            var lo = 0
            var hi = edges.count - 1
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= x { lo = mid } else { hi = mid }
            }
            return lo
        case let (.categories(labels), .label(s)):
            return labels.firstIndex(of: s)
        default:
            return nil
        }
    }
}

/// A coordinate on a histogram axis: a number or a category label.
public enum HistogramCoordinate: Sendable, Hashable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral
{
    case value(Double)
    case label(String)
    public init(floatLiteral value: Double) { self = .value(value) }
    public init(integerLiteral value: Int) { self = .value(Double(value)) }
    public init(stringLiteral value: String) { self = .label(value) }
}

/// An N-dimensional histogram of integer counts with named axes, whose sums are exact.
///
/// Coverage histograms count what an analysis scanned (points, exposure seconds) by quality and kind
/// of data. Counts are integers so that adding the histograms of parallel shards gives exactly the
/// histogram of the whole run, in any order. Each histogram also remembers which sources contributed,
/// so adding two that share a source (a source counted twice) is an error, as is adding histograms
/// with different axes.
///
/// ```swift
/// var h = Histogram(name: "points", quantity: "points", axes: [
///     HistogramAxis("band", categories: ["TESS", "ZTF g"]),
///     HistogramAxis("snr", edges: [0, 5, 10, 1e9]),
/// ])
/// h.count(source: "star-1")
/// h.add(["TESS", 7.5])
/// let total = try h + other
/// ```
public struct Histogram: Sendable, Hashable, Codable {
    public let name: String
    /// What is counted, e.g. "points" or "exposure seconds".
    public let quantity: String
    public let axes: [HistogramAxis]
    /// Counts in row-major order (last axis fastest).
    public private(set) var counts: [Int64]
    /// Entries whose coordinates fell outside some axis (counted, so nothing scanned goes missing).
    public private(set) var outside: Int64
    /// Identifiers of the sources that contributed.
    public private(set) var sources: Set<String>

    public init(name: String, quantity: String, axes: [HistogramAxis]) {
        self.name = name
        self.quantity = quantity
        self.axes = axes
        self.counts = Array(repeating: 0, count: axes.reduce(1) { $0 * $1.binCount })
        self.outside = 0
        self.sources = []
    }

    /// Records that `source` contributes to this histogram (call once per source, before or after its ``add(_:weight:)``s).
    public mutating func count(source: String) {
        sources.insert(source)
    }

    /// Adds `weight` at `coordinates` (one per axis). Also call ``count(source:)`` for the source they belong to.
    public mutating func add(_ coordinates: [HistogramCoordinate], weight: Int64 = 1) {
        precondition(coordinates.count == axes.count, "histogram '\(name)' has \(axes.count) axes")
        var flat = 0
        for (axis, coordinate) in zip(axes, coordinates) {
            guard let b = axis.bin(of: coordinate) else {
                outside += weight
                return
            }
            flat = flat * axis.binCount + b
        }
        counts[flat] += weight
    }

    /// Count in the bin with these indices (one per axis).
    public func count(at indices: [Int]) -> Int64 {
        var flat = 0
        for (axis, i) in zip(axes, indices) { flat = flat * axis.binCount + i }
        return counts[flat]
    }

    /// Sum of all counts inside the axes.
    public var total: Int64 { counts.reduce(0, +) }

    /// Counts summed over every axis but `axis`.
    public func projection(onto axis: Int) -> [Int64] {
        var result = Array(repeating: Int64(0), count: axes[axis].binCount)
        let inner = axes[(axis + 1)...].reduce(1) { $0 * $1.binCount }
        let size = axes[axis].binCount
        for (flat, c) in counts.enumerated() { result[(flat / inner) % size] += c }
        return result
    }

    /// Exact sum of two histograms of the same shape and disjoint sources.
    /// - Throws: ``HistogramError`` when names, axes or quantities differ, or a source is in both.
    public static func + (a: Histogram, b: Histogram) throws -> Histogram {
        guard a.name == b.name, a.quantity == b.quantity, a.axes == b.axes else {
            throw HistogramError.incompatible(a.name, b.name)
        }
        let shared = a.sources.intersection(b.sources)
        guard shared.isEmpty else { throw HistogramError.sourceCountedTwice(histogram: a.name, sources: shared.sorted()) }
        var sum = a
        for i in sum.counts.indices { sum.counts[i] += b.counts[i] }
        sum.outside += b.outside
        sum.sources.formUnion(b.sources)
        return sum
    }
}

public enum HistogramError: Error, LocalizedError, Equatable {
    case incompatible(String, String)
    case sourceCountedTwice(histogram: String, sources: [String])

    public var errorDescription: String? {
        switch self {
        case let .incompatible(a, b): return "histograms '\(a)' and '\(b)' have different axes or quantities"
        case let .sourceCountedTwice(h, s):
            return "histogram '\(h)': sources counted twice: \(s.prefix(5).joined(separator: ", "))\(s.count > 5 ? " …" : "")"
        }
    }
}

extension Histogram {
    /// Sets counts from a sparse map (bin −1 = outside) and the contributing sources; used by the store.
    mutating func restore(counts sparse: [Int: Int64], sources: Set<String>) {
        for (bin, count) in sparse {
            if bin < 0 { outside += count } else if bin < counts.count { counts[bin] += count }
        }
        self.sources = sources
    }
}

extension HistogramAxis {
    /// The bands of the surveys the tool reads, then "other": a coverage axis any analysis can share.
    public static let surveyBands = ["TESS", "Kepler", "K2", "ZTF g", "ZTF r", "ZTF i", "other"]

    /// An axis named "band" over ``surveyBands``.
    public static var surveyBand: HistogramAxis { HistogramAxis("band", categories: surveyBands) }
}

extension HistogramCoordinate {
    /// A band on a ``HistogramAxis/surveyBand`` axis ("other" for a band it does not list).
    public static func surveyBand(_ band: String) -> HistogramCoordinate {
        .label(HistogramAxis.surveyBands.contains(band) ? band : "other")
    }
}
