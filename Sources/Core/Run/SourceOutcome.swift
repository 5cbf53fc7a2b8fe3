import Foundation

/// Everything the pipeline learned about one source, stored in one transaction.
public struct SourceOutcome: Sendable {
    public struct InjectionOutcome: Sendable {
        public var injection: Injection
        public var recovered: Bool
    }

    public var sourceID: Int64
    public var datasets: [PhotometricDataset]
    public var statistics: [Statistic]
    /// Real detections and simulated detections that recovered an injection.
    public var detections: [Detection]
    public var injections: [InjectionOutcome]
    public var coverage: [Histogram]
}
