import Foundation

/// The quiescent level of a light curve, estimated by an iterative, outlier-masked running median.
///
/// The median is taken in a sliding time window (so one method serves 2-minute and nightly cadences),
/// evaluated on nodes a quarter window apart and interpolated linearly between them (cost
/// O(n log w) instead of O(n·w)). After each pass, points more than `clip` σ above the model — flare
/// candidates — are masked with the point before and a decay tail twice their length after, so the
/// model does not climb into flares.
/// The approach follows the sigma-clipped smoothing of AltaiPony (Ilin et al. 2021, §3.1), with a
/// median instead of a Savitzky–Golay filter, in two stages: a broad window for slow trends, then
/// an optional fine window on what is left, for fast rotators (periods of hours) whose modulation a
/// broad median cannot follow. Flare candidates found in the first stage stay masked in the second.
public struct Detrender: Sendable, Codable, Hashable {
    /// Width of the running-median window, days.
    public var window: Double
    /// Width of the second, fine stage, days (nil: one stage).
    public var fineWindow: Double?
    /// Upper clipping threshold, in units of the robust scatter.
    public var clip: Double
    public var iterations: Int

    public init(window: Double, fineWindow: Double? = nil, clip: Double = 3, iterations: Int = 3) {
        self.window = window
        self.fineWindow = fineWindow
        self.clip = clip
        self.iterations = iterations
    }

    /// The model (same length as `range`) of the points `range` of a sorted series.
    public func model(time: [Double], flux: [Double], range: Range<Int>) -> [Double] {
        var mask = Array(repeating: true, count: range.count)
        let coarse = maskedMedian(time: time, flux: flux, range: range, window: window, mask: &mask)
        guard let fineWindow, fineWindow < window else { return coarse }
        var remainder = flux
        for k in 0..<range.count { remainder[range.lowerBound + k] = flux[range.lowerBound + k] - coarse[k] }
        let fine = maskedMedian(time: time, flux: remainder, range: range, window: fineWindow, mask: &mask)
        return zip(coarse, fine).map { $0 + $1 }
    }

    /// Iterated running median, masking points above `clip` σ (and their neighbours) after each pass.
    private func maskedMedian(time: [Double], flux: [Double], range: Range<Int>, window: Double, mask: inout [Bool])
        -> [Double]
    {
        var model = runningMedian(time: time, flux: flux, range: range, window: window, use: mask)
        for _ in 1..<max(iterations, 1) {
            let residuals = (0..<range.count).map { flux[range.lowerBound + $0] - model[$0] }
            guard let sigma = Statistics.robustSigma(residuals), sigma > 0 else { break }
            // Mask each run of points above the clip, one point before it and, for the decay tail
            // that sinks below the clip, twice its length after it.
            var changed = false
            var k = 0
            while k < residuals.count {
                guard residuals[k] > clip * sigma else {
                    k += 1
                    continue
                }
                var end = k
                while end + 1 < residuals.count && residuals[end + 1] > clip * sigma { end += 1 }
                let tail = 2 * (end - k + 1) + 1
                for j in max(0, k - 1)...min(residuals.count - 1, end + tail) where mask[j] {
                    mask[j] = false
                    changed = true
                }
                k = end + 1
            }
            if !changed { break }
            model = runningMedian(time: time, flux: flux, range: range, window: window, use: mask)
        }
        return model
    }

    private func runningMedian(time: [Double], flux: [Double], range: Range<Int>, window: Double, use: [Bool]) -> [Double] {
        let lo = range.lowerBound
        let n = range.count
        guard n > 0 else { return [] }
        let t0 = time[lo]
        let t1 = time[range.upperBound - 1]
        let step = window / 4
        let nodeCount = max(1, Int(((t1 - t0) / step).rounded(.up)) + 1)
        var nodeTimes: [Double] = []
        var nodeValues: [Double] = []
        var left = 0
        var right = 0
        var buffer: [Double] = []
        var times: [Double] = []
        var lastNodeTime = -Double.infinity
        for k in 0..<nodeCount {
            let tc = t0 + Double(k) * step
            while left < n && time[lo + left] < tc - window / 2 { left += 1 }
            if right < left { right = left }
            while right < n && time[lo + right] <= tc + window / 2 { right += 1 }
            buffer.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            for j in left..<right where use[j] && flux[lo + j].isFinite {
                buffer.append(flux[lo + j])
                times.append(time[lo + j])
            }
            // Each median is placed at the median time of the points it used, not at the window's
            // centre: near a segment's ends, and beside masked flares, the window is one-sided, and
            // for a monotonic trend the median flux belongs to the median time exactly (a centred
            // placement would lag by up to a quarter window).
            if let m = Statistics.median(buffer), let t = Statistics.median(times) {
                guard t > lastNodeTime else { continue }
                lastNodeTime = t
                nodeTimes.append(t)
                nodeValues.append(m)
            }
        }
        if nodeTimes.isEmpty {
            let all = (0..<n).map { flux[lo + $0] }.filter(\.isFinite)
            return Array(repeating: Statistics.median(all) ?? .nan, count: n)
        }
        // Beyond the outer nodes the model is extrapolated linearly, with a slope taken between nodes
        // at least half a window apart (closer nodes give a slope that is mostly noise); a stretch
        // too short for that is extrapolated flat.
        let startSlope = slope(nodeTimes, nodeValues, from: 0, step: 1, window: window)
        let endSlope = slope(nodeTimes, nodeValues, from: nodeTimes.count - 1, step: -1, window: window)
        var result = [Double](repeating: 0, count: n)
        var k = 0
        for j in 0..<n {
            let t = time[lo + j]
            while k + 1 < nodeTimes.count && nodeTimes[k + 1] < t { k += 1 }
            if t <= nodeTimes[0] {
                result[j] = nodeValues[0] + startSlope * (t - nodeTimes[0])
            } else if k + 1 >= nodeTimes.count {
                let m = nodeTimes.count - 1
                result[j] = nodeValues[m] + endSlope * (t - nodeTimes[m])
            } else {
                let f = (t - nodeTimes[k]) / (nodeTimes[k + 1] - nodeTimes[k])
                result[j] = nodeValues[k] + f * (nodeValues[k + 1] - nodeValues[k])
            }
        }
        return result
    }

    private func slope(_ times: [Double], _ values: [Double], from anchor: Int, step: Int, window: Double) -> Double {
        var j = anchor + step
        while j >= 0 && j < times.count {
            if abs(times[j] - times[anchor]) >= window / 2 {
                return (values[j] - values[anchor]) / (times[j] - times[anchor])
            }
            j += step
        }
        return 0
    }
}
