import Foundation

/// A search run on every source: light curves in, summary statistics, detections and coverage out.
///
/// An analysis is a pure function of its parameters and its input: it does not download, store or
/// draw. The pipeline (``AnalysisRun``) calls it once on the real light curves and, when a
/// ``Simulator`` is given, once more on light curves with injected events (``AnalysisMode/simulation``);
/// what it finds then is stored as simulated.
public protocol Analysis: Sendable {
    associatedtype Parameters: Codable & Sendable
    /// Short name, used in the run id and the report ("flares").
    var name: String { get }
    var parameters: Parameters { get }
    /// The coverage histograms this analysis fills, empty; the run's totals start from these.
    func emptyCoverage() -> [Histogram]
    /// What the statistics it stores mean and how a report shows them (stored with the run).
    var statisticDescriptions: [StatisticDescription] { get }
    /// How a report draws its coverage histograms (stored with the run).
    var coverageFigures: [CoverageFigure] { get }
    /// What the numbers it stores with each detection beyond the common ones mean, in the order a
    /// detection card shows them (stored with the run).
    var detectionFields: [DetectionFieldDescription] { get }
    /// Figures each source's page shows beside its light curves (stored with the run).
    var sourceFigures: [SourceFigure] { get }
    /// Searches one source.
    func analyze(_ input: AnalysisInput) throws -> AnalysisOutput
}

extension Analysis {
    /// None: the report then lists the statistics by name, with no columns of their own.
    public var statisticDescriptions: [StatisticDescription] { [] }
    /// None: the report draws each histogram along its first numeric axis (``CoverageFigure/defaults(for:)``).
    public var coverageFigures: [CoverageFigure] { [] }
    /// None: a detection card shows only the common numbers (and, for runs stored before analyses
    /// described their detections, every field by its stored name).
    public var detectionFields: [DetectionFieldDescription] { [] }
    /// None: a source's page shows its light curves only.
    public var sourceFigures: [SourceFigure] { [] }
}

/// Whether an analysis sees the real data or data with injected events.
public enum AnalysisMode: Sendable, Equatable {
    case real
    case simulation
}

/// What an analysis is given for one source.
public struct AnalysisInput: Sendable {
    public var entry: CatalogEntry
    public var bands: [BandLightcurve]
    public var mode: AnalysisMode

    public init(entry: CatalogEntry, bands: [BandLightcurve], mode: AnalysisMode) {
        self.entry = entry
        self.bands = bands
        self.mode = mode
    }
}

/// What an analysis returns for one source.
public struct AnalysisOutput: Sendable {
    public var statistics: [Statistic]
    public var detections: [Detection]
    /// Coverage of this source, same shapes as ``Analysis/emptyCoverage()`` (ignored in simulation mode).
    public var coverage: [Histogram]
    /// The detrended model per band (same length as the band's light curve), for figures. Optional.
    public var models: [String: [Double]]

    public init(statistics: [Statistic], detections: [Detection], coverage: [Histogram], models: [String: [Double]] = [:]) {
        self.statistics = statistics
        self.detections = detections
        self.coverage = coverage
        self.models = models
    }
}

/// Injects synthetic events into light curves, says what it injected, and says which of them the
/// analysis found again.
public protocol Simulator: Sendable {
    associatedtype Parameters: Codable & Sendable
    var name: String { get }
    var parameters: Parameters { get }
    /// What the numbers of each ``Injection/parameters`` mean (stored with the run).
    var injectionParameters: [InjectionParameterDescription] { get }
    /// How a report draws the sensitivity this simulator measures (stored with the run).
    var sensitivityFigures: [SensitivityFigure] { get }
    /// Returns the light curve with events added, and the events. Injection ids start at `firstID`.
    /// - Parameter exposureSeconds: how long one point integrates (events are averaged over it).
    func inject(into lightcurve: Lightcurve, exposureSeconds: Double, using generator: inout SeededGenerator, firstID: Int) throws
        -> (Lightcurve, [Injection])
    /// The flux that `injection` alone adds at each point of `lightcurve` (the light curve it was
    /// injected into; zero where it adds none): what ``inject(into:exposureSeconds:using:firstID:)``
    /// added for it. Blind vetting draws a simulated candidate as the real light curve plus this.
    func signal(of injection: Injection, in lightcurve: Lightcurve, exposureSeconds: Double) -> [Double]
    /// Which injections the analysis's output on the injected light curves recovers, what it
    /// measured of each, and which of its detections are the recovered events.
    func recovery(of injections: [Injection], in output: AnalysisOutput) -> SimulatedRecovery
}

extension Simulator {
    /// None: the report then names the parameters as stored.
    public var injectionParameters: [InjectionParameterDescription] { [] }
    /// None: the report draws the recovered fraction along each parameter (``SensitivityFigure/defaults(for:)``).
    public var sensitivityFigures: [SensitivityFigure] { [] }
}

/// One injected synthetic event.
public struct Injection: Sendable, Hashable, Codable {
    /// Unique within the source.
    public var id: Int
    public var band: String
    /// When the event happens (a flare's peak; a modulation's epoch of zero phase), in the light
    /// curve's time system.
    public var time: Double
    /// What was injected, by name (``Simulator/injectionParameters`` says what each means).
    public var parameters: [String: Double]

    public init(id: Int, band: String, time: Double, parameters: [String: Double]) {
        self.id = id
        self.band = band
        self.time = time
        self.parameters = parameters
    }
}

/// What the analysis found again of the injections into one source (``Simulator/recovery(of:in:)``).
public struct SimulatedRecovery: Sendable {
    /// The ids of the recovered injections.
    public var recovered: Set<Int>
    /// What the analysis measured of each injection, by id and parameter name: of the recovered
    /// ones, and of others where it measured something (a period found at an alias).
    public var measured: [Int: [String: Double]]
    /// The detections of the simulation pass that are recovered injections, each with its
    /// injection's id. Detections that recover none are the real events found again, and dropped.
    public var detections: [(detection: Detection, injection: Int)]

    public init(
        recovered: Set<Int> = [], measured: [Int: [String: Double]] = [:], detections: [(detection: Detection, injection: Int)] = []
    ) {
        self.recovered = recovered
        self.measured = measured
        self.detections = detections
    }
}
