import Foundation

/// Everything the pipeline learned about one source, stored in one transaction.
public struct SourceOutcome: Sendable {
    public struct InjectionOutcome: Sendable {
        public var injection: Injection
        public var recovered: Bool
        /// What the analysis measured of it, by parameter name (empty if not recovered).
        public var measured: [String: Double] = [:]

        public init(injection: Injection, recovered: Bool, measured: [String: Double] = [:]) {
            self.injection = injection
            self.recovered = recovered
            self.measured = measured
        }
    }

    public var sourceID: Int64
    public var datasets: [PhotometricDataset]
    public var statistics: [Statistic]
    /// Real detections and simulated detections that recovered an injection.
    public var detections: [Detection]
    public var injections: [InjectionOutcome]
    public var coverage: [Histogram]
}
