import Foundation

/// Robust statistics used throughout: medians and the median absolute deviation.
public enum Statistics {
    /// Median of the values (NaN ignored), or nil when there are none.
    public static func median(_ values: [Double]) -> Double? {
        var v = values.filter { !$0.isNaN }
        guard !v.isEmpty else { return nil }
        let mid = v.count / 2
        v.withUnsafeMutableBufferPointer { buffer in
            quickselect(buffer, k: mid)
        }
        if v.count % 2 == 1 { return v[mid] }
        let upper = v[mid]
        let lower = v[..<mid].max()!
        return (lower + upper) / 2
    }

    /// The first index of a sorted array whose value is not less than `x` (`a.count` if none).
    public static func lowerBound(_ a: [Double], _ x: Double) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Median of a buffer of finite values, reordering it (no copy: for hot loops that reuse a buffer).
    static func medianInPlace(_ v: inout [Double]) -> Double? {
        guard !v.isEmpty else { return nil }
        let mid = v.count / 2
        v.withUnsafeMutableBufferPointer { quickselect($0, k: mid) }
        if v.count % 2 == 1 { return v[mid] }
        let upper = v[mid]
        var lower = v[0]
        for k in 1..<mid where v[k] > lower { lower = v[k] }
        return (lower + upper) / 2
    }

    /// 1.4826 × MAD of a buffer of finite values, reordering it and using `scratch` (no allocation
    /// once the buffers are large enough).
    static func robustSigmaInPlace(_ v: inout [Double], scratch: inout [Double]) -> Double? {
        guard let m = medianInPlace(&v) else { return nil }
        scratch.removeAll(keepingCapacity: true)
        for x in v { scratch.append(abs(x - m)) }
        return medianInPlace(&scratch).map { 1.4826 * $0 }
    }

    /// 1.4826 × median absolute deviation: a robust estimate of a Gaussian σ.
    public static func robustSigma(_ values: [Double]) -> Double? {
        guard let m = median(values) else { return nil }
        return median(values.map { abs($0 - m) }).map { 1.4826 * $0 }
    }

    /// Places the k-th smallest element at index k, smaller ones before it and larger ones after.
    ///
    /// Three-way partitioning (Dijkstra's Dutch flag) around a median-of-three pivot, so runs of
    /// equal values — every cadence of a TESS sector is 2 minutes — cost linear time, not quadratic.
    /// NaN must not be present.
    static func quickselect(_ a: UnsafeMutableBufferPointer<Double>, k: Int) {
        var lo = 0
        var hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let x = a[lo], y = a[mid], z = a[hi]
            let pivot = max(min(x, y), min(max(x, y), z))
            // a[lo..<lt] < pivot, a[lt..<i] == pivot, a[gt+1...hi] > pivot.
            var lt = lo
            var i = lo
            var gt = hi
            while i <= gt {
                if a[i] < pivot {
                    a.swapAt(i, lt)
                    lt += 1
                    i += 1
                } else if a[i] > pivot {
                    a.swapAt(i, gt)
                    gt -= 1
                } else {
                    i += 1
                }
            }
            if k < lt { hi = lt - 1 } else if k > gt { lo = gt + 1 } else { return }
        }
    }
}
