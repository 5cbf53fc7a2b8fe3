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

    /// 1.4826 × median absolute deviation: a robust estimate of a Gaussian σ.
    public static func robustSigma(_ values: [Double]) -> Double? {
        guard let m = median(values) else { return nil }
        return median(values.map { abs($0 - m) }).map { 1.4826 * $0 }
    }

    /// Places the k-th smallest element at index k, smaller ones before it and larger ones after
    /// (Lomuto partition with a median-of-three pivot, expected linear time). NaN must not be present.
    static func quickselect(_ a: UnsafeMutableBufferPointer<Double>, k: Int) {
        var lo = 0
        var hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three to the end as pivot.
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[mid] < a[hi] { a.swapAt(mid, hi) }
            let pivot = a[hi]
            var store = lo
            for i in lo..<hi where a[i] < pivot {
                a.swapAt(i, store)
                store += 1
            }
            a.swapAt(store, hi)
            if store == k { return }
            if k < store { hi = store - 1 } else { lo = store + 1 }
        }
    }
}
