import Foundation

/// Time spent per stage of the source pipeline, summed over the sources of a run (all jobs), so
/// that a run can say where its time went: `fetch 0.4 ms, link 1.2 ms, …` per source.
final class StageClock: Sendable {
    enum Stage: String, CaseIterable, Sendable {
        case fetch, link, load, analyze, simulate, products, record
    }

    private let totals = Locked([Stage: UInt64]())

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func add(_ stage: Stage, since start: UInt64) {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- start
        totals.withLock { $0[stage, default: 0] += elapsed }
    }

    /// "fetch 0.41, link 1.20, … ms per source" over `sources` sources.
    func line(sources: Int) -> String {
        let t = totals.withLock { $0 }
        let n = Double(max(sources, 1))
        return Stage.allCases.map { "\($0.rawValue) " + String(format: "%.2f", Double(t[$0] ?? 0) / 1e6 / n) }
            .joined(separator: ", ") + " ms per source (summed over jobs)"
    }
}
