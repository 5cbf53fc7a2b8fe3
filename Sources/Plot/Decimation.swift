import Foundation

/// Reduce (x, y) sorted by x to at most ~2 points per pixel column for display, keeping each column's
/// min and max (so spikes / peaks survive).
///
/// The x range of the finite points is cut into `columns` equal columns; each column keeps the points
/// holding its smallest and largest y (in their original order), and the first and last points of the
/// series are always kept, so a line through the result looks the same at that resolution as a line
/// through every point. Points with non-finite x are dropped. A column that contains non-finite y
/// values also gets one `NaN` point after its extremes, so a line drawn through the result still
/// breaks at the gap (such columns can hold three points).
///
/// ```swift
/// let shown = decimated(x: time, y: value, columns: 800)   // ≤ 1602 points
/// panel.line(x: shown.x, y: shown.y)
/// ```
///
/// - Parameters:
///   - x: Abscissae in increasing order.
///   - y: Ordinates, as many as `x` (extra values of the longer array are ignored).
///   - columns: The number of columns (for example the plot width in pixels); at least 1 is used.
/// - Returns: The kept points; the input unchanged when it is already small enough.
public func decimated(x: [Double], y: [Double], columns: Int) -> (x: [Double], y: [Double]) {
    let count = min(x.count, y.count)
    let columns = max(columns, 1)
    if count <= 2 * columns + 2 { return (Array(x.prefix(count)), Array(y.prefix(count))) }

    var lowest = Double.infinity
    var highest = -Double.infinity
    var firstIndex = -1
    var lastIndex = -1
    for i in 0..<count where x[i].isFinite {
        lowest = min(lowest, x[i])
        highest = max(highest, x[i])
        if y[i].isFinite {
            if firstIndex < 0 { firstIndex = i }
            lastIndex = i
        }
    }
    guard firstIndex >= 0 else { return ([], []) }
    let width = highest - lowest
    let perUnit = width > 0 ? Double(columns) / width : 0

    var outX: [Double] = []
    var outY: [Double] = []
    outX.reserveCapacity(2 * columns + 2)
    outY.reserveCapacity(2 * columns + 2)
    func emit(_ i: Int) {
        outX.append(x[i])
        outY.append(y[i])
    }
    emit(firstIndex)

    var column = -1
    var minIndex = -1
    var maxIndex = -1
    var gap = false
    var gapX = 0.0
    func flush() {
        var kept = [minIndex, maxIndex].filter { $0 >= 0 && $0 != firstIndex && $0 != lastIndex }
        kept.sort()
        if kept.count == 2, kept[0] == kept[1] { kept.removeLast() }
        kept.forEach(emit)
        if gap {
            outX.append(gapX)
            outY.append(.nan)
        }
        minIndex = -1
        maxIndex = -1
        gap = false
    }
    for i in 0..<count where x[i].isFinite {
        let c = min(columns - 1, max(0, Int((x[i] - lowest) * perUnit)))
        if c != column {
            if column >= 0 { flush() }
            column = c
        }
        guard y[i].isFinite else {
            if !gap { gapX = x[i] }
            gap = true
            continue
        }
        if minIndex < 0 || y[i] < y[minIndex] { minIndex = i }
        if maxIndex < 0 || y[i] > y[maxIndex] { maxIndex = i }
    }
    if column >= 0 { flush() }
    if lastIndex != firstIndex { emit(lastIndex) }
    // A trailing gap marker after the last point carries no information.
    while let last = outY.last, last.isNaN {
        outX.removeLast()
        outY.removeLast()
    }
    return (outX, outY)
}
