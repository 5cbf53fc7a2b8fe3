import Foundation
import Testing

@testable import Core

@Suite("Allocator")
struct AllocatorTests {
    /// Minor page faults of the calling thread so far (Linux counts them per thread; the tests of
    /// other suites run on other threads).
    static func pageFaults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD
        return usage.ru_minflt
    }

    /// A search's pattern: a few light-curve-sized arrays allocated, filled and freed together, over
    /// and over. With freed memory kept, the later rounds take no fresh pages; glibc's default gave
    /// the three megabytes back after each round and faulted them in again (37,500 faults in all,
    /// measured with the call left out).
    @Test(.disabled(if: getenv("VO_MALLOC_DEFAULTS") != nil, "VO_MALLOC_DEFAULTS keeps glibc's own behaviour"))
    func arraysFreedAndAllocatedAgainTakeNoFreshPages() {
        Allocator.keepFreedMemory()
        func round() -> Double {
            let arrays = (0..<8).map { k in [Double](repeating: Double(k), count: 50_000) }  // 400 kB each
            return arrays.reduce(0) { $0 + $1[$1.count - 1] }
        }
        var total = round()
        let before = Self.pageFaults()
        for _ in 0..<50 { total += round() }
        let faults = Self.pageFaults() - before
        #expect(total == 51 * 28)
        #expect(faults < 500, "\(faults) page faults in 50 rounds of 3.2 MB")
    }
}
