import Foundation
import GRDB

// One record type per table of the run database (see Store+Migrations.swift and README.md).
// Column names are the snake_case forms of the property names.

protocol SnakeCaseRecord: Codable, FetchableRecord, MutablePersistableRecord {}
extension SnakeCaseRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// Records whose primary key is an auto-incremented `id`, filled in on insert.
protocol IdentifiedRecord: SnakeCaseRecord {
    var id: Int64? { get set }
}
extension IdentifiedRecord {
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `runs`: what was run, with which inputs, and how it ended.
public struct RunRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "runs"
    public enum Status: String, Codable, Sendable { case running, finished, failed }
    public var id: String
    public var analysis: String
    public var title: String
    public var parameters: String
    public var parameterHash: String
    public var seed: Int64
    public var codeVersion: String
    public var catalogName: String
    public var catalogChecksum: String
    public var catalogCount: Int
    public var cacheDirectory: String
    public var shard: String?
    public var jobs: Int
    public var synthetic: Bool
    public var startedAt: String
    public var finishedAt: String?
    public var status: Status
    public var error: String?
}

/// A row of `notebook_cells`: prose of the analysis notebook, shown in the report.
public struct NotebookCell: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "notebook_cells"
    public var runId: String
    public var position: Int
    public var kind: String
    public var text: String
}

/// A row of `observatories`.
public struct ObservatoryRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "observatories"
    public var runId: String
    public var name: String
    public var description: String
    public var synthetic: Bool
}

/// A row of `sources`: one catalog entry and whether it was processed.
public struct SourceRecord: IdentifiedRecord, Sendable, Hashable {
    public static let databaseTableName = "sources"
    public enum Status: String, Codable, Sendable { case pending, done, failed }
    public var id: Int64?
    public var runId: String
    public var catalogIndex: Int
    public var catalogId: String
    public var name: String
    public var ra: Double
    public var dec: Double
    public var magnitude: Double?
    public var magnitudeBand: String?
    public var pmra: Double?
    public var pmdec: Double?
    public var parallax: Double?
    public var epoch: Double
    public var status: Status

    public var entry: CatalogEntry {
        CatalogEntry(
            id: catalogId, name: name, ra: ra, dec: dec, magnitude: magnitude, magnitudeBand: magnitudeBand, pmra: pmra,
            pmdec: pmdec, parallax: parallax, epoch: epoch)
    }
}

/// A row of `datasets`: one raw file (or part of one) linked to a source.
public struct DatasetRecord: IdentifiedRecord, Sendable, Hashable {
    public static let databaseTableName = "datasets"
    public var id: Int64?
    public var sourceId: Int64
    public var position: Int
    public var observatory: String
    public var band: String
    public var format: RawFormat
    public var rawPath: String
    public var selection: String?
    public var sizeBytes: Int64
    public var sha256: String
    public var calibration: String

    /// The dataset this row describes, ready to load from the raw cache.
    public func dataset() throws -> PhotometricDataset {
        let calibration = try JSONDecoder().decode(Calibration.self, from: Data(self.calibration.utf8))
        return PhotometricDataset(
            observatory: observatory, format: format,
            file: CachedFile(relativePath: rawPath, size: sizeBytes, sha256: sha256), selection: selection, band: band,
            calibration: calibration)
    }
}

/// Where in the source pipeline something went wrong (`failures.stage`).
public enum FailureStage: String, Codable, Sendable, Hashable, CaseIterable {
    /// Asking an archive, or reading the raw cache (a changed file is caught here).
    case fetch
    /// Finding the datasets of the source in a raw file.
    case link
    /// Reading and calibrating the datasets into light curves.
    case load
    /// The analysis, the simulation or writing the products.
    case analyze
}

/// A row of `failures`: something that went wrong for a source, with where and why.
public struct FailureRecord: IdentifiedRecord, Sendable, Hashable {
    public static let databaseTableName = "failures"
    public var id: Int64?
    public var runId: String
    public var sourceId: Int64?
    public var stage: FailureStage
    public var observatory: String?
    public var path: String?
    public var message: String
}

/// A row of `statistics`: one summary number of a source (band '' = whole source).
public struct StatisticRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "statistics"
    public var sourceId: Int64
    public var band: String
    public var name: String
    public var value: Double?
    public var unit: String?
}

/// A row of `injections`: one synthetic event and whether it was recovered. What was injected and
/// measured is in `injection_parameters` (``InjectionParameterRecord``).
public struct InjectionRecord: IdentifiedRecord, Sendable, Hashable {
    public static let databaseTableName = "injections"
    public var id: Int64?
    public var sourceId: Int64
    public var number: Int
    public var band: String
    /// ``Injection/time``.
    public var time: Double
    public var recovered: Bool
    /// Injected and measured parameters (``InjectionParameterRecord``), filled by ``Store/injections()``;
    /// not columns of `injections`.
    public var parameters: [String: Double] = [:]
    public var measured: [String: Double] = [:]

    enum CodingKeys: String, CodingKey {
        case id, sourceId, number, band, time, recovered
    }

    /// The row of an injection (its parameters go to ``InjectionParameterRecord/records(of:measured:injectionId:)``).
    public init(_ injection: Injection, id: Int64?, sourceId: Int64, recovered: Bool) {
        self.init(id: id, sourceId: sourceId, number: injection.id, band: injection.band, time: injection.time, recovered: recovered)
    }

    public init(
        id: Int64?, sourceId: Int64, number: Int, band: String, time: Double, recovered: Bool, parameters: [String: Double] = [:],
        measured: [String: Double] = [:]
    ) {
        self.id = id
        self.sourceId = sourceId
        self.number = number
        self.band = band
        self.time = time
        self.recovered = recovered
        self.parameters = parameters
        self.measured = measured
    }
}

/// A row of `injection_parameters`: one parameter of an injected event, as injected and as the
/// analysis measured it (nil where it was not recovered or the analysis measures no such thing).
public struct InjectionParameterRecord: SnakeCaseRecord, Sendable, Hashable {
    public static let databaseTableName = "injection_parameters"
    public var injectionId: Int64
    public var name: String
    public var injected: Double
    public var measured: Double?

    /// The rows of an injection's parameters, by name; a measurement that is not finite is none.
    public static func records(of injection: Injection, measured: [String: Double], injectionId: Int64) -> [InjectionParameterRecord] {
        injection.parameters.sorted { $0.key < $1.key }.map { name, value in
            InjectionParameterRecord(
                injectionId: injectionId, name: name, injected: value, measured: measured[name].flatMap { $0.isFinite ? $0 : nil })
        }
    }
}

/// A row of `detections`: a real (`simulated` = 0) or simulated event.
public struct DetectionRecord: IdentifiedRecord, Sendable, Hashable {
    public static let databaseTableName = "detections"
    public var id: Int64?
    public var sourceId: Int64
    public var band: String
    public var timeSystem: String
    public var start: Double
    public var stop: Double
    public var peakTime: Double
    public var amplitude: Double
    public var ed: Double
    public var edErr: Double
    public var significance: Double
    public var nPoints: Int
    public var firstIndex: Int
    public var lastIndex: Int
    public var firstDatasetId: Int64?
    public var firstRow: Int
    public var peakDatasetId: Int64?
    public var peakRow: Int
    public var lastDatasetId: Int64?
    public var lastRow: Int
    public var simulated: Bool
    public var injectionId: Int64?
    /// Vetting numbers (``FlareVetting``), where the analysis gave them.
    public var pointsAbove: Int?
    public var riseTime: Double?
    public var decayTime: Double?
    public var templateDeltaChi2: Double?
    public var symmetricDeltaChi2: Double?
    public var templateFwhm: Double?
    public var templateAmplitude: Double?
    public var vettingFlags: Int?
    public var riseAreaFraction: Double? = nil
    public var edExtrapolated: Double? = nil

    /// The vetting numbers as the model type, if stored.
    public var vetting: FlareVetting? {
        guard let pointsAbove, let riseTime, let decayTime, let templateDeltaChi2, let symmetricDeltaChi2, let vettingFlags
        else { return nil }
        return FlareVetting(
            peakSignificance: significance, pointsAboveThreshold: pointsAbove, riseTime: riseTime, decayTime: decayTime,
            templateDeltaChiSquare: templateDeltaChi2, symmetricDeltaChiSquare: symmetricDeltaChi2,
            templateFWHM: templateFwhm, templateAmplitude: templateAmplitude, riseAreaFraction: riseAreaFraction,
            extrapolatedED: edExtrapolated, flags: .init(rawValue: vettingFlags))
    }
}

extension DetectionRecord {
    /// The row of a detection: the one mapping from ``Detection`` to its record.
    /// - Parameter datasetID: the `datasets.id` of a point's dataset (nil: not stored).
    public init(_ d: Detection, id: Int64?, sourceId: Int64, datasetID: (PointOrigin) -> Int64?, injectionId: Int64?) {
        self.init(
            id: id, sourceId: sourceId, band: d.band, timeSystem: d.timeSystem.name, start: d.start, stop: d.stop, peakTime: d.peakTime,
            amplitude: d.amplitude, ed: d.equivalentDuration, edErr: d.equivalentDurationError, significance: d.significance,
            nPoints: d.pointCount, firstIndex: d.firstIndex, lastIndex: d.lastIndex, firstDatasetId: datasetID(d.firstOrigin),
            firstRow: Int(d.firstOrigin.row), peakDatasetId: datasetID(d.peakOrigin), peakRow: Int(d.peakOrigin.row),
            lastDatasetId: datasetID(d.lastOrigin), lastRow: Int(d.lastOrigin.row), simulated: d.simulated, injectionId: injectionId,
            pointsAbove: d.vetting?.pointsAboveThreshold, riseTime: d.vetting?.riseTime, decayTime: d.vetting?.decayTime,
            templateDeltaChi2: d.vetting?.templateDeltaChiSquare, symmetricDeltaChi2: d.vetting?.symmetricDeltaChiSquare,
            templateFwhm: d.vetting?.templateFWHM, templateAmplitude: d.vetting?.templateAmplitude, vettingFlags: d.vetting?.flags.rawValue,
            riseAreaFraction: d.vetting?.riseAreaFraction, edExtrapolated: d.vetting?.extrapolatedED)
    }
}
