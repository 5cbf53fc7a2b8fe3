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
    public static func lowerBound(_ a: [Double], _ x: Double) -> Int { lowerBound(a, x, by: { $0 }) }

    /// The same for an array sorted by `key`: the package's one binary search.
    public static func lowerBound<T>(_ a: [T], _ x: Double, by key: (T) -> Double) -> Int {
        var lo = 0
        var hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if key(a[mid]) < x { lo = mid + 1 } else { hi = mid }
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
        // An infinite median makes ∞ − ∞: NaN, which has no place in an order.
        for x in v { let d = abs(x - m); if !d.isNaN { scratch.append(d) } }
        return medianInPlace(&scratch).map { 1.4826 * $0 }
    }

    /// 1.4826 × median absolute deviation: a robust estimate of a Gaussian σ.
    public static func robustSigma(_ values: [Double]) -> Double? {
        // One copy, reordered for the median and then overwritten by the absolute deviations.
        var v = values.filter { !$0.isNaN }
        guard let m = medianInPlace(&v) else { return nil }
        // An infinite median makes ∞ − ∞: NaN, which has no place in an order; such deviations are dropped.
        var n = 0
        for k in v.indices {
            let d = abs(v[k] - m)
            if !d.isNaN { v[n] = d; n += 1 }
        }
        v.removeLast(v.count - n)
        return medianInPlace(&v).map { 1.4826 * $0 }
    }

    /// Places the k-th smallest element at index k, smaller ones before it and larger ones after.
    ///
    /// Each step partitions around a median-of-three pivot in two branch-free Lomuto passes — the
    /// values below the pivot to the front, then, if k lies beyond them, the values equal to it
    /// next — so that neither random data (where a branch on the comparison is mispredicted half
    /// the time: it cost the flare search a quarter of its time) nor runs of equal values (every
    /// cadence of a TESS sector is 2 minutes) slow it down. Short ranges are finished by insertion.
    /// NaN must not be present.
    static func quickselect(_ a: UnsafeMutableBufferPointer<Double>, k: Int) {
        guard a.count > 1, k >= 0, k < a.count else { return }
        var lo = 0
        var hi = a.count  // half-open
        while hi - lo > 16 {
            let x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi - 1]
            let pivot = max(min(x, y), min(max(x, y), z))
            var store = lo
            for i in lo..<hi {
                let v = a[i]
                a[i] = a[store]
                a[store] = v
                store &+= Int(unsafeBitCast(v < pivot, to: UInt8.self))  // no branch: a comparison's bit
            }
            if k < store {
                hi = store
                continue
            }
            var equal = store
            for i in store..<hi {
                let v = a[i]
                a[i] = a[equal]
                a[equal] = v
                equal &+= Int(unsafeBitCast(v <= pivot, to: UInt8.self))
            }
            // No value at or below the pivot beyond the ones below it: the pivot is NaN, which no
            // caller may pass; stop rather than loop for ever (the order is then unspecified).
            if k < equal || equal == store && store == lo { return }
            lo = equal
        }
        var i = lo + 1
        while i < hi {
            let v = a[i]
            var j = i
            while j > lo && a[j - 1] > v {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = v
            i += 1
        }
    }
}
