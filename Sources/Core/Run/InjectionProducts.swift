import Foundation

/// What the simulation pass saw around each recovered injection, stored beside a source's light-curve
/// products (`lightcurves/<source id>-injections.fits`) so that a simulated candidate can be drawn
/// exactly like a real one, from the run folder alone, for blind vetting.
///
/// A simulated candidate is drawn as the real light curve plus the signal of *its* injection only (not
/// the other events injected into the same light curve, which would give it away by their number),
/// with the model that the search fitted to the light curve with injections. For each recovered
/// injection the file keeps the rows of the close-up window (``DetectionWindow``) of the detection
/// that recovered it, and every row where its signal exceeds 10⁻⁴ of its peak; a few hundred rows per injection.
///
/// One binary-table HDU per band that has recovered injections (`EXTNAME` = `BAND` = the band):
///
/// | column | format | meaning |
/// |---|---|---|
/// | `INJECTN` | J | the injection's number within the source (`injections.number` of the run database) |
/// | `INDEX` | J | row of the band's table in `lightcurves/<source id>.fits` |
/// | `SIGNAL` | E | flux this injection alone added there (`FLUXUNIT` of the light curve) |
/// | `MODEL` | E | the analysis's model of the light curve with injections; NaN where none |
///
/// Written to a temporary name and renamed; no date, so the same run gives the same bytes.
public enum InjectionProducts {
    /// The stored rows of one recovered injection.
    public struct Cutout: Sendable, Equatable {
        public var band: String
        /// `injections.number`.
        public var injection: Int
        /// Row indices into the band's light curve, increasing.
        public var indices: [Int]
        public var signal: [Double]
        public var model: [Double]

        public init(band: String, injection: Int, indices: [Int], signal: [Double], model: [Double]) {
            self.band = band
            self.injection = injection
            self.indices = indices
            self.signal = signal
            self.model = model
        }

        /// The cut-out of one injection: the rows inside any of `windows` and every row where `signal`
        /// exceeds 10⁻⁴ of its peak (further out in a flare's tail it adds less than that fraction of
        /// its amplitude, far below any photometric noise, and is not kept).
        /// - Parameters:
        ///   - signal: the injection's flux at every point of `lightcurve` (``Simulator/signal(of:in:exposureSeconds:)``).
        ///   - model: the simulation pass's model, same length, or nil.
        public init(band: String, injection: Int, lightcurve: Lightcurve, windows: [ClosedRange<Double>], signal: [Double], model: [Double]?) {
            let floor = 1e-4 * (signal.map(abs).max() ?? 0)
            let indices = lightcurve.time.indices.filter { i in
                (signal[i] != 0 && abs(signal[i]) >= floor) || windows.contains { $0.contains(lightcurve.time[i]) }
            }
            let model = model.flatMap { $0.count == lightcurve.count ? $0 : nil }
            self.init(
                band: band, injection: injection, indices: indices, signal: indices.map { signal[$0] },
                model: indices.map { model?[$0] ?? .nan })
        }

        /// The real light curve with this injection added, and the model with the simulation pass's values
        /// where stored (the real `model` elsewhere, NaN where there is none). Indices beyond the light
        /// curve are ignored.
        public func applied(to lc: Lightcurve, model realModel: [Double]?) -> (lightcurve: Lightcurve, model: [Double]) {
            var flux = lc.flux
            var model = realModel.flatMap { $0.count == lc.count ? $0 : nil } ?? [Double](repeating: .nan, count: lc.count)
            for (k, i) in indices.enumerated() where i >= 0 && i < lc.count {
                flux[i] += signal[k]
                if self.model[k].isFinite { model[i] = self.model[k] }
            }
            return (lc.replacingFlux(flux), model)
        }
    }

    public static func url(runDirectory: URL, sourceID: Int64) -> URL {
        runDirectory.appendingPathComponent(LightcurveProducts.folderName).appendingPathComponent("\(sourceID)-injections.fits")
    }

    /// Writes the cut-outs of a source (any order; stored by band, then injection) to `url`.
    public static func write(_ cutouts: [Cutout], source: CatalogEntry, sourceID: Int64, runID: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        var bands: [String] = []
        for c in cutouts where !bands.contains(c.band) { bands.append(c.band) }
        let file = try FITSFile.create(temporary)
        try file.writePrimaryHeader(keywords: [
            FITSKeyword("ORIGIN", "virtualobserver \(VirtualObserver.version)", comment: "written by"),
            FITSKeyword("RUNID", LightcurveProducts.ascii(runID), comment: "run id"),
            FITSKeyword("SOURCEID", Int(sourceID), comment: "sources.id in the run database"),
            FITSKeyword("CATID", LightcurveProducts.ascii(source.id), comment: "catalog id"),
            FITSKeyword("OBJECT", LightcurveProducts.ascii(source.name), comment: "source name"),
            FITSKeyword("NBANDS", bands.count, comment: "one table HDU per band follows"),
        ])
        for band in bands {
            let mine = cutouts.filter { $0.band == band }.sorted { $0.injection < $1.injection }
            try file.createBinaryTable(
                name: LightcurveProducts.ascii(band),
                columns: [
                    FITSColumn(name: "INJECTN", format: "J"), FITSColumn(name: "INDEX", format: "J"),
                    FITSColumn(name: "SIGNAL", format: "E"), FITSColumn(name: "MODEL", format: "E"),
                ],
                keywords: [FITSKeyword("BAND", LightcurveProducts.ascii(band), comment: "band")])
            try file.writeColumn(0, int32s: mine.flatMap { c in c.indices.map { _ in Int32(c.injection) } })
            try file.writeColumn(1, int32s: mine.flatMap { $0.indices.map { Int32($0) } })
            try file.writeColumn(2, floats: mine.flatMap { $0.signal.map { Float($0) } })
            try file.writeColumn(3, floats: mine.flatMap { $0.model.map { Float($0) } })
        }
        try file.close()
        if rename(temporary.path, url.path) != 0 {
            throw FITSError.cfitsio(
                path: url.path, operation: "move the finished file into place", status: -1, message: String(cString: strerror(errno)))
        }
    }

    /// Reads the cut-outs of a file written by ``write(_:source:sourceID:runID:to:)``.
    public static func read(_ url: URL) throws -> [Cutout] {
        let file = try FITSFile.open(url)
        var result: [Cutout] = []
        let count = try file.hduCount
        guard count >= 2 else { return [] }
        for number in 2...count {
            try file.moveToHDU(number: number)
            guard let band = try file.stringKeyword("BAND") else {
                throw FITSError.truncatedOrCorrupt(path: url.path, detail: "HDU \(number) is not a virtualobserver injection table")
            }
            let injections = try file.readInt32s(column: "INJECTN")
            let indices = try file.readInt32s(column: "INDEX")
            let signal = try file.readDoubles(column: "SIGNAL")
            let model = try file.readDoubles(column: "MODEL")
            var start = 0
            while start < injections.count {
                var end = start
                while end < injections.count && injections[end] == injections[start] { end += 1 }
                guard let id = injections[start] else {
                    throw FITSError.truncatedOrCorrupt(path: url.path, detail: "HDU \(number) row \(start + 1) has no injection number")
                }
                result.append(
                    Cutout(
                        band: band, injection: Int(id), indices: indices[start..<end].map { Int($0 ?? -1) },
                        signal: Array(signal[start..<end]), model: Array(model[start..<end])))
                start = end
            }
        }
        return result
    }
}
