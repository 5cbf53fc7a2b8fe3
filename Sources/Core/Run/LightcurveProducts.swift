import Foundation

/// The calibrated light curves of a source and the analysis's model of them, stored in the run
/// folder (`lightcurves/<source id>.fits`) so that the report, and anyone reading the archive, needs
/// neither the raw cache nor the analysis code.
///
/// One FITS file per source, one binary-table HDU per band (`EXTNAME` = the band), in the order the
/// source's bands were analysed:
///
/// | column | format | unit | meaning |
/// |---|---|---|---|
/// | `TIME` | D | d | time in the band's system (`TIMESYS`, `TSNAME`; add `JDOFFSET`, or `BJDREFI` + `BJDREFF` for barycentric systems, for a Julian date) |
/// | `FLUX` | E | `FLUXUNIT` | calibrated flux (relative: 1 is the quiescent level, no unit; ZTF: `uJy`) |
/// | `FLUX_ERR` | E | `FLUXUNIT` | its 1σ error |
/// | `MODEL` | E | `FLUXUNIT` | the analysis's model of the quiescent star (the flare search's detrended baseline); NaN where none |
/// | `DATASET`, `ROW` | I, J | | the point's origin: index in the source's datasets (the `datasets.position` of the run database) and row in that raw file |
///
/// Fluxes are single precision, as in SPOC files (7 significant digits, far below any photometric
/// error); times double. About 26 bytes per point: 0.5 MB for a TESS sector of 2-minute cadences.
///
/// Headers also carry `OBSERVAT`, `EXPOSURE` (s), the raw, flagged and invalid row counts, the
/// source's id, catalog id and name, and the run id. astropy's `Table.read(path, hdu=band)` reads a
/// band; lightkurve's `read` takes the `TIME`/`FLUX`/`FLUX_ERR` columns. Files are written to a
/// temporary name and renamed, and contain no date, so the same run gives the same bytes.
public enum LightcurveProducts {
    /// The folder of a run that holds the files.
    public static let folderName = "lightcurves"

    /// One band as stored: the light curve with its bookkeeping, and the model (nil: none stored).
    public struct Band: Sendable {
        public var band: BandLightcurve
        public var model: [Double]?
    }

    public static func url(runDirectory: URL, sourceID: Int64) -> URL {
        runDirectory.appendingPathComponent(folderName).appendingPathComponent("\(sourceID).fits")
    }

    /// Writes a source's bands and models (by band name) to `url`, replacing any file there.
    public static func write(
        _ bands: [BandLightcurve], models: [String: [Double]], source: CatalogEntry, sourceID: Int64, runID: String, to url: URL
    ) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let file = try FITSFile.create(temporary)
        try file.writePrimaryHeader(keywords: [
            FITSKeyword("ORIGIN", "virtualobserver \(VirtualObserver.version)", comment: "written by"),
            FITSKeyword("RUNID", ascii(runID), comment: "run id"),
            FITSKeyword("SOURCEID", Int(sourceID), comment: "sources.id in the run database"),
            FITSKeyword("CATID", ascii(source.id), comment: "catalog id"),
            FITSKeyword("OBJECT", ascii(source.name), comment: "source name"),
            FITSKeyword("NBANDS", bands.count, comment: "one table HDU per band follows"),
        ])
        for band in bands {
            let lc = band.lightcurve
            // FITS units (Standard §4.3): µJy is `uJy`; a relative flux is dimensionless (empty).
            let unit = lc.fluxUnit == .microjansky ? "uJy" : lc.fluxUnit.rawValue
            let columnUnit = lc.fluxUnit == .relative ? "" : unit
            var keywords = [
                FITSKeyword("BAND", ascii(lc.band), comment: "band"),
                FITSKeyword("OBSERVAT", ascii(band.observatory), comment: "observatory"),
                FITSKeyword("TSNAME", lc.timeSystem.name, comment: "time system of TIME"),
                FITSKeyword("TIMESYS", lc.timeSystem.scale.hasPrefix("TDB") ? "TDB" : "UTC", comment: "time scale"),
                FITSKeyword("TIMESCAL", lc.timeSystem.scale, comment: "time scale and frame"),
                FITSKeyword("JDOFFSET", lc.timeSystem.julianDateOffset, comment: "JD = TIME + JDOFFSET"),
                FITSKeyword("TIMEUNIT", "d", comment: "unit of TIME"),
                FITSKeyword("FLUXUNIT", unit, comment: "unit of FLUX, FLUX_ERR and MODEL"),
                FITSKeyword("EXPOSURE", band.exposureSeconds, comment: "[s] exposure of one point"),
                FITSKeyword("RAWROWS", band.rawRows, comment: "rows in the raw files"),
                FITSKeyword("FLAGROWS", band.flaggedRows, comment: "rows rejected for quality flags"),
                FITSKeyword("BADROWS", band.invalidRows, comment: "rows rejected as invalid"),
            ]
            if lc.timeSystem.scale.hasPrefix("TDB") {
                let integer = lc.timeSystem.julianDateOffset.rounded(.down)
                keywords += [
                    FITSKeyword("BJDREFI", Int64(integer), comment: "integer part of the BJD reference"),
                    FITSKeyword("BJDREFF", lc.timeSystem.julianDateOffset - integer, comment: "fraction of the BJD reference"),
                ]
            }
            try file.createBinaryTable(
                name: ascii(lc.band),
                columns: [
                    FITSColumn(name: "TIME", format: "D", unit: "d"), FITSColumn(name: "FLUX", format: "E", unit: columnUnit),
                    FITSColumn(name: "FLUX_ERR", format: "E", unit: columnUnit), FITSColumn(name: "MODEL", format: "E", unit: columnUnit),
                    FITSColumn(name: "DATASET", format: "I"), FITSColumn(name: "ROW", format: "J"),
                    FITSColumn(name: "FLAGS", format: "B"),
                ], keywords: keywords)
            let model = models[lc.band].flatMap { $0.count == lc.count ? $0 : nil } ?? Array(repeating: .nan, count: lc.count)
            try file.writeColumn(0, doubles: lc.time)
            try file.writeColumn(1, floats: lc.flux.map { Float($0) })
            try file.writeColumn(2, floats: lc.fluxError.map { Float($0) })
            try file.writeColumn(3, floats: model.map { Float($0) })
            try file.writeColumn(4, int32s: lc.origins.map(\.dataset))
            try file.writeColumn(5, int32s: lc.origins.map(\.row))
            try file.writeColumn(6, int32s: lc.pointFlags.map { Int32($0.rawValue) })
        }
        try file.close()
        if rename(temporary.path, url.path) != 0 {
            throw FITSError.cfitsio(path: url.path, operation: "move the finished file into place", status: -1, message: String(cString: strerror(errno)))
        }
    }

    /// Header text: printable ASCII only (FITS Standard §4.2.1), other characters as `?`, at most 60
    /// characters (a quote is written twice).
    public static func ascii(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(60).map { (0x20...0x7E).contains($0.value) ? $0 : "?" }))
    }

    /// Reads the bands of a file written by ``write(_:models:source:sourceID:runID:to:)``.
    public static func read(_ url: URL) throws -> [Band] {
        let file = try FITSFile.open(url)
        var result: [Band] = []
        let count = try file.hduCount
        guard count >= 2 else { return [] }
        for number in 2...count {
            try file.moveToHDU(number: number)
            guard let band = try file.stringKeyword("BAND"), let name = try file.stringKeyword("TSNAME"),
                let offset = try file.doubleKeyword("JDOFFSET")
            else {
                throw FITSError.truncatedOrCorrupt(path: url.path, detail: "HDU \(number) is not a virtualobserver light-curve table")
            }
            let scale = try file.stringKeyword("TIMESCAL") ?? "UTC"
            let unitText = try file.stringKeyword("FLUXUNIT") ?? "relative"
            let unit = FluxUnit(rawValue: unitText == "uJy" ? "µJy" : unitText) ?? .relative
            let time = try file.readDoubles(column: "TIME")
            let flux = try file.readDoubles(column: "FLUX")
            let error = try file.readDoubles(column: "FLUX_ERR")
            let model = try file.readDoubles(column: "MODEL")
            let datasets = try file.readInt32s(column: "DATASET")
            let rows = try file.readInt32s(column: "ROW")
            // Products written before the FLAGS column (2026-12-07) have no point flags.
            let flags = try file.columnIndex(named: "FLAGS") == nil ? nil : try file.readInt32s(column: "FLAGS")
            let lc = try Lightcurve(
                time: time, flux: flux, fluxError: error,
                origins: zip(datasets, rows).map { PointOrigin(dataset: $0 ?? 0, row: $1 ?? 0) },
                pointFlags: flags?.map { PointFlags(rawValue: UInt8(truncatingIfNeeded: $0 ?? 0)) }, band: band,
                timeSystem: TimeSystem(name: name, julianDateOffset: offset, scale: scale), fluxUnit: unit,
                provenance: ["read from \(url.lastPathComponent)"])
            let stored = BandLightcurve(
                lightcurve: lc, observatory: try file.stringKeyword("OBSERVAT") ?? "",
                rawRows: Int(try file.intKeyword("RAWROWS") ?? 0), flaggedRows: Int(try file.intKeyword("FLAGROWS") ?? 0),
                invalidRows: Int(try file.intKeyword("BADROWS") ?? 0), exposureSeconds: try file.doubleKeyword("EXPOSURE") ?? 0,
                datasetIndices: Array(Set(datasets.compactMap { $0.map(Int.init) })).sorted())
            result.append(Band(band: stored, model: model.contains(where: \.isFinite) ? model : nil))
        }
        return result
    }
}
