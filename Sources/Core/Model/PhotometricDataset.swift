import Foundation
import Synchronization

/// One survey's photometry of one object, linked to the raw file it lives in, loaded on first use.
///
/// A ZTF response holds several objects (one per `oid` and filter): each is its own dataset with a
/// `selection`. A SPOC file is one dataset, and so is a light-curve table (``LightcurveTable``: a
/// user's own photometry). The description (observatory, file, band, calibration)
/// is what the run database stores in its `datasets` table; the data are read from the raw cache only
/// when ``calibrated(cache:)`` or ``raw(cache:)`` is first called, and kept for later calls.
public final class PhotometricDataset: Sendable {
    public let observatory: String
    public let format: RawFormat
    public let file: CachedFile
    /// Which part of the file belongs to this dataset (ZTF: the `oid`), or nil for the whole file.
    public let selection: String?
    /// Band label shared by all datasets that may be combined ("ZTF g", "ZTF r", "TESS").
    public let band: String
    public let calibration: Calibration
    private let loaded = Mutex<PhotometricData?>(nil)

    public init(
        observatory: String, format: RawFormat, file: CachedFile, selection: String?, band: String,
        calibration: Calibration
    ) {
        self.observatory = observatory
        self.format = format
        self.file = file
        self.selection = selection
        self.band = band
        self.calibration = calibration
    }

    /// The measurements as stored in the raw file (selected rows only), before calibration.
    /// - Parameter tables: parsed raw tables shared by datasets of one file (a ZTF answer holds
    ///   several objects: parse it once, not once per object).
    public func raw(cache: RawCache, tables: RawTables? = nil) throws -> PhotometricData {
        if let data = loaded.withLock({ $0 }) { return data }
        let data = try PhotometricData.read(self, cache: cache, tables: tables)
        loaded.withLock { $0 = data }
        return data
    }

    /// The calibrated light curve of the good points.
    /// - Parameter index: this dataset's index in its source's list, recorded in each point's origin.
    public func calibrated(cache: RawCache, index: Int32 = 0, tables: RawTables? = nil) throws -> CalibratedDataset {
        try raw(cache: cache, tables: tables).calibrated(with: calibration, band: band, datasetIndex: index, source: file.relativePath)
    }
}

/// Parsed raw tables kept while one source is loaded, keyed by file path. Not thread-safe: one per task.
public final class RawTables {
    var ztf: [String: ZTFLightcurveTable] = [:]
    public init() {}
}

/// Raw measurements of one dataset: time, value (magnitude or flux), error and quality bits per row.
public struct PhotometricData: Sendable {
    public enum Value: Sendable { case magnitude, flux }
    public var time: [Double]
    public var value: [Double]
    public var error: [Double]
    public var flags: [Int32]
    /// Row of each measurement in the raw file's table.
    public var rows: [Int32]
    public var valueKind: Value
    public var timeSystem: TimeSystem
    /// Exposure time of one measurement, seconds.
    public var exposureSeconds: Double
    /// Limiting magnitude of each measurement's image (ZTF `limitmag`), where the archive gives it.
    public var limitingMagnitude: [Double]? = nil

    static func read(_ dataset: PhotometricDataset, cache: RawCache, tables: RawTables?) throws -> PhotometricData {
        let url = cache.url(for: dataset.file.relativePath)
        switch dataset.format {
        case .ztfIRSACSV:
            let table = try tables?.ztf[url.path] ?? ZTFLightcurveTable.read(from: url)
            tables?.ztf[url.path] = table
            let rows: [Int]
            if let selection = dataset.selection {
                guard let oid = Int64(selection) else {
                    throw DatasetError.badSelection(path: url.path, selection: selection)
                }
                rows = table.oid.indices.filter { table.oid[$0] == oid }
                guard !rows.isEmpty else { throw DatasetError.badSelection(path: url.path, selection: selection) }
            } else {
                rows = Array(table.oid.indices)
            }
            let exposure = Calibration.plausibleExposure(Statistics.median(rows.map { table.exptime[$0] }.filter(\.isFinite))) ?? 30
            return PhotometricData(
                time: rows.map { table.mjd[$0] }, value: rows.map { table.mag[$0] },
                error: rows.map { table.magerr[$0] }, flags: rows.map { table.catflags[$0] },
                rows: rows.map { Int32($0) }, valueKind: .magnitude, timeSystem: .mjd, exposureSeconds: exposure,
                limitingMagnitude: rows.map { table.limitmag[$0] })
        case .spocFITS:
            let lc = try SPOCLightcurve.read(from: url)
            let exposure =
                Calibration.plausibleExposure(lc.cadenceDays.map { $0 * 86_400 })
                ?? Calibration.plausibleExposure(lc.exposureDays.map { $0 * 86_400 }) ?? 120
            return PhotometricData(
                time: lc.time, value: lc.pdcsapFlux, error: lc.pdcsapFluxError, flags: lc.quality,
                rows: (0..<Int32(lc.time.count)).map { $0 }, valueKind: .flux,
                timeSystem: .barycentric(reference: lc.bjdReference), exposureSeconds: exposure)
        case .lightcurveTable:
            guard case let .lightcurveTable(system, columns, _) = dataset.calibration else {
                throw DatasetError.calibrationMismatch(path: url.path, calibration: dataset.calibration.summary)
            }
            let table = try LightcurveTable.read(from: url, columns: columns, timeSystem: system)
            guard let count = Int32(exactly: table.count) else {
                throw DatasetError.unreadable(path: url.path, reason: "\(table.count) rows are more than a dataset can hold")
            }
            // A table has no exposure keyword: the median cadence stands for it (0 with fewer than two times).
            return PhotometricData(
                time: table.time, value: table.flux, error: table.fluxError, flags: table.quality, rows: Array(0..<count),
                valueKind: .flux, timeSystem: system, exposureSeconds: (table.medianCadence ?? 0) * 86_400)
        }
    }

    /// Applies a calibration: rejects flagged and non-finite rows and converts to calibrated flux.
    public func calibrated(with calibration: Calibration, band: String, datasetIndex: Int32, source: String) throws
        -> CalibratedDataset
    {
        var keep: [Int] = []
        keep.reserveCapacity(time.count)
        var flagged = 0
        let badMask: Int32
        switch calibration {
        case let .ztfMagnitudeToMicrojansky(bad): badMask = bad.rawValue
        case let .spocNormalizedPDCSAP(bad): badMask = bad.rawValue
        case let .keplerNormalizedPDCSAP(bad): badMask = bad.rawValue
        case let .lightcurveTable(_, _, bad): badMask = bad
        }
        // K2: the cadence right after a thruster firing carries the roll sawtooth's reset, a one-cadence
        // jump that PDC does not remove and that looks like a flare's fast rise; it is rejected with
        // the firing (Kepler files have no firings, so this changes nothing there).
        var afterFiring: Int32 = 0
        if case .keplerNormalizedPDCSAP = calibration { afterFiring = KeplerQualityFlags.thrusterFiring.rawValue }
        // ZTF: an epoch whose image could not have detected the star at its usual brightness (limiting
        // magnitude brighter than the object's median + 0.5) is biased bright — only upward noise is
        // detected there — and is rejected.
        var tooShallow = [Bool](repeating: false, count: time.count)
        if case .ztfMagnitudeToMicrojansky = calibration, let limits = limitingMagnitude, limits.count == time.count,
            let typical = Statistics.median(value.indices.filter { value[$0].isFinite && flags[$0] & badMask == 0 }.map { value[$0] })
        {
            for i in time.indices where limits[i].isFinite && limits[i] < typical + Calibration.ztfLimitMargin { tooShallow[i] = true }
        }
        for i in time.indices {
            // Invalid: not finite, a non-positive error, or a time no time system reaches (|t| > 10⁷
            // days: a damaged value that would overflow every duration computed from it).
            guard time[i].isFinite, abs(time[i]) < Calibration.maximumTime, value[i].isFinite, error[i].isFinite, error[i] > 0
            else { continue }
            if flags[i] & badMask != 0 || (i > 0 && flags[i - 1] & afterFiring != 0) || tooShallow[i] {
                flagged += 1
                continue
            }
            keep.append(i)
        }
        var flux: [Double]
        var fluxError: [Double]
        var normalization: Double?
        let unit: FluxUnit
        var provenance = ["loaded \(keep.count) of \(time.count) rows from \(source)"]
        switch calibration {
        case .ztfMagnitudeToMicrojansky:
            guard valueKind == .magnitude else { throw DatasetError.calibrationMismatch(path: source, calibration: calibration.summary) }
            flux = keep.map { pow(10, -0.4 * (value[$0] - Calibration.microjanskyZeroPoint)) }
            fluxError = zip(keep, flux).map { i, f in f * 0.4 * log(10) * error[i] }
            unit = .microjansky
        case .spocNormalizedPDCSAP, .keplerNormalizedPDCSAP:
            guard valueKind == .flux else { throw DatasetError.calibrationMismatch(path: source, calibration: calibration.summary) }
            flux = keep.map { value[$0] }
            fluxError = keep.map { error[$0] }
            let level = Statistics.median(flux) ?? .nan
            if level > 0 {
                normalization = level
                flux = flux.map { $0 / level }
                fluxError = fluxError.map { $0 / level }
                provenance.append("PDCSAP_FLUX normalised by its median \(level) e-/s")
            } else if !flux.isEmpty {
                throw DatasetError.calibrationFailed(path: source, reason: "median PDCSAP_FLUX \(level) is not positive")
            }
            unit = .relative
        case .lightcurveTable:
            guard valueKind == .flux else { throw DatasetError.calibrationMismatch(path: source, calibration: calibration.summary) }
            flux = keep.map { value[$0] }
            fluxError = keep.map { error[$0] }
            let level = Statistics.median(flux) ?? .nan
            if flux.isEmpty {
            } else if !(level > 0) {
                throw DatasetError.calibrationFailed(
                    path: source, reason: "median flux \(level) is not positive (is the column a deviation or a magnitude?)")
            } else if abs(level - 1) > LightcurveTable.relativeTolerance {
                normalization = level
                flux = flux.map { $0 / level }
                fluxError = fluxError.map { $0 / level }
                provenance.append("flux normalised by its median \(level)")
            } else {
                provenance.append("flux already relative (median \(level)), not renormalised")
            }
            unit = .relative
        }
        provenance.append(calibration.summary)
        let cosmic = calibration.cosmicRayBits(band: band)
        let lightcurve = try Lightcurve(
            time: keep.map { time[$0] }, flux: flux, fluxError: fluxError,
            origins: keep.map { PointOrigin(dataset: datasetIndex, row: rows[$0]) },
            pointFlags: keep.map { flags[$0] & cosmic != 0 ? .cosmicRay : [] }, band: band,
            timeSystem: timeSystem, fluxUnit: unit, provenance: provenance
        ).sorted()
        return CalibratedDataset(
            lightcurve: lightcurve, rawRows: time.count, flaggedRows: flagged,
            invalidRows: time.count - flagged - keep.count, exposureSeconds: exposureSeconds, normalization: normalization)
    }
}

/// A calibrated dataset and the bookkeeping of what was kept.
public struct CalibratedDataset: Sendable {
    public var lightcurve: Lightcurve
    public var rawRows: Int
    /// Rows rejected by the quality mask.
    public var flaggedRows: Int
    /// Rows with non-finite time, value or error.
    public var invalidRows: Int
    public var exposureSeconds: Double
    /// The factor relative flux was divided by (SPOC: median PDCSAP_FLUX in e⁻/s), if any.
    public var normalization: Double?
}

public enum DatasetError: Error, LocalizedError, Equatable, FileError {
    case badSelection(path: String, selection: String)
    case calibrationMismatch(path: String, calibration: String)
    case calibrationFailed(path: String, reason: String)
    case unreadable(path: String, reason: String)

    public var path: String? {
        switch self {
        case let .badSelection(p, _), let .calibrationMismatch(p, _), let .calibrationFailed(p, _), let .unreadable(p, _):
            return p
        }
    }

    public var errorDescription: String? {
        switch self {
        case let .unreadable(p, r): return r.contains(p) ? r : "\(p): \(r)"

        case let .badSelection(p, s): return "\(p): no rows for selection '\(s)'"
        case let .calibrationMismatch(p, c): return "\(p): calibration '\(c)' does not fit this file's values"
        case let .calibrationFailed(p, r): return "\(p): calibration failed: \(r)"
        }
    }
}
