import Foundation
import Logging

/// A stand-in survey that "downloads" by writing raw files in a real survey's on-disk format.
///
/// `SyntheticSurvey(.ztf, seed:)` writes IRSA ZTF light-curve CSV (24 columns, several `oid`s per
/// response: two fields × g and r), with a nightly cadence, seasonal gaps set by the star's right
/// ascension, photometric errors that grow with magnitude, saturation and bad-image flags.
/// `SyntheticSurvey(.tess, seed:)` writes SPOC `*_lc.fits` files, one per sector: 2-minute cadence,
/// a mid-sector downlink gap, momentum-dump and pointing flags (some with NaN flux, as SPOC does),
/// and noise that grows with TESS magnitude. Both sample the same ``SyntheticStar`` (rotation plus
/// flares), so a flare seen by both surveys is one event. Output is a deterministic function of
/// (seed, catalog entry): the same inputs give byte-identical files.
///
/// Files land in the raw cache like real downloads (temporary name, then rename), and a second
/// fetch is a cache hit.
public struct SyntheticSurvey: VirtualObservatory {
    public enum Kind: String, Sendable, Codable {
        case ztf
        case tess
    }

    public let kind: Kind
    public let seed: UInt64
    /// TESS only: when set, every star has exactly one sector of this many 2-minute cadences
    /// (no downlink gap), instead of zero to two full sectors: the small light curves of
    /// `report bench --scale`.
    public let tessCadences: Int?

    public init(_ kind: Kind, seed: UInt64, tessCadences: Int? = nil) {
        self.kind = kind
        self.seed = seed
        self.tessCadences = tessCadences.map { max($0, 2) }
    }

    /// Bumped whenever the generated files change, so caches of an older generator are not reused.
    public static let generatorVersion = 2

    public var name: String { "synthetic-\(kind.rawValue)" }
    public var isSynthetic: Bool { true }
    public var description: String {
        switch kind {
        case .ztf: return "Synthetic ZTF (IRSA light-curve CSV), generator v\(Self.generatorVersion), seed \(seed)"
        case .tess:
            return "Synthetic TESS (SPOC 2-minute light-curve FITS), generator v\(Self.generatorVersion), seed \(seed)"
                + (tessCadences.map { ", one sector of \($0) cadences per star" } ?? "")
        }
    }

    public func fetch(_ entry: CatalogEntry, into cache: RawCache, logger: Logger) async throws -> [CachedFile] {
        let star = SyntheticStar(entry: entry, seed: seed)
        let folder = "\(name)/v\(Self.generatorVersion)/seed\(seed)/\(RawCache.safeName(entry.id))"
        switch kind {
        case .ztf:
            // ZTF sees the sky north of Dec −31°.
            guard entry.dec > -31 else { return [] }
            let path = "\(folder)/ztf_lc.csv"
            if let hit = try cache.existing(path) { return [hit] }
            let table = makeZTF(entry: entry, star: star)
            return [try cache.store(path) { try table.write(to: $0) }]
        case .tess:
            var g = SeededGenerator(seed: seed, stream: "tess-sectors|\(entry.id)")
            let sectorCount = tessCadences != nil ? 1 : g.uniform() < 0.35 ? 0 : (g.uniform() < 0.7 ? 1 : 2)
            var sectors: [Int] = []
            while sectors.count < sectorCount {
                let s = 1 + Int(g.uniform() * 69)
                if !sectors.contains(s) { sectors.append(s) }
            }
            var files: [CachedFile] = []
            for sector in sectors.sorted() {
                let tic = Self.ticID(entry)
                let length = tessCadences.map { "-n\($0)" } ?? ""
                let path = "\(folder)/tess-s\(String(format: "%04d", sector))-\(String(format: "%016d", tic))\(length)_lc.fits"
                if let hit = try cache.existing(path) {
                    files.append(hit)
                    continue
                }
                let lc = try makeTESS(entry: entry, star: star, sector: sector, tic: tic)
                files.append(try cache.store(path) { try lc.write(to: $0) })
            }
            return files
        }
    }

    public func datasets(in file: CachedFile, for entry: CatalogEntry, cache: RawCache) throws -> [PhotometricDataset] {
        try RawFile.datasets(in: file, cache: cache, observatory: name, matching: entry, within: 2)
    }

    // MARK: ZTF

    private func makeZTF(entry: CatalogEntry, star: SyntheticStar) -> ZTFLightcurveTable {
        var g = SeededGenerator(seed: seed, stream: "ztf|\(entry.id)")
        var table = ZTFLightcurveTable()
        // M dwarf colours relative to Gaia G; flares are bluer, so larger in g.
        let filters: [(code: String, id: Int32, offset: Double, flareScale: Double)] = [
            ("zg", 1, 1.6, 4.0), ("zr", 2, 0.35, 1.6),
        ]
        // Two overlapping ZTF fields see the star, each on a fixed CCD quadrant: one `oid` per field and filter.
        let fields: [Int32] = [Int32(300 + g.uniform() * 500), Int32(1300 + g.uniform() * 500)]
        let ccds: [Int32] = [Int32(1 + g.uniform() * 16), Int32(1 + g.uniform() * 16)]
        let quadrants: [Int32] = [Int32(1 + g.uniform() * 4), Int32(1 + g.uniform() * 4)]
        // Day of year when the Sun is at the star's RA: the middle of the seasonal gap.
        let gapCentre = (entry.ra / 360 * 365.25 + 80).truncatingRemainder(dividingBy: 365.25)
        let firstNight = 58_194.0
        let lastNight = 60_100.0
        var night = firstNight
        var expid: Int64 = 40_000_000
        while night < lastNight {
            defer { night += 1 }
            let doy = (night - 58_119.0).truncatingRemainder(dividingBy: 365.25)  // MJD 58119 = 2018-01-01
            var fromGap = abs(doy - gapCentre)
            fromGap = min(fromGap, 365.25 - fromGap)
            guard fromGap > 60 else { continue }  // four months a year behind the Sun
            guard g.uniform() < 0.45 else { continue }  // weather and scheduling
            let visits = g.uniform() < 0.15 ? 3 : 1
            for visit in 0..<visits {
                let f = g.uniform() < 0.6 ? 0 : 1
                let field = fields[f]
                let start = night + 0.15 + g.uniform() * 0.25 + Double(visit) * 0.04
                for (k, filter) in filters.enumerated() {
                    let t = start + Double(k) * 0.021  // g then r, 30 min apart
                    let quiescent = star.gaiaG + filter.offset
                    let relative = star.relativeFlux(atMJD: t, flareScale: filter.flareScale)
                    let trueMag = quiescent - 2.5 * log10(max(relative, 1e-6))
                    let seeing = g.uniform(1.5...3.5)
                    let limit = 21.2 - (seeing - 2) * 0.6 + g.gaussian() * 0.2
                    let error = 0.008 + 0.12 * pow(10, 0.4 * (trueMag - limit + 1.5))
                    let measured = trueMag + error * g.gaussian()
                    guard measured < limit else { continue }  // not detected: no row, as in IRSA
                    var flags: Int32 = 0
                    if g.uniform() < 0.03 { flags |= ZTFCatalogFlags.badImage.rawValue }
                    if measured < 12.8 { flags |= 4 }  // saturated
                    if g.uniform() < 0.004 { flags |= 1 << Int32(g.uniform() * 4) }
                    expid += 1 + Int64(g.uniform() * 2000)
                    let ccd = ccds[f]
                    let quadrant = quadrants[f]
                    table.oid.append(Int64(field) * 1_000_000_000_000 + Int64(filter.id) * 100_000_000_000 + Int64(ccd) * 1_000_000_000 + 1_000_000 + Int64(Self.stableNumber(entry.id) % 999_999))
                    table.expid.append(expid)
                    table.hjd.append(t + 2_400_000.5 + 0.004 * cos(2 * .pi * (doy / 365.25)))
                    table.mjd.append(t)
                    table.mag.append(measured)
                    table.magerr.append(error)
                    table.catflags.append(flags)
                    table.filtercode.append(filter.code)
                    // The star where it was that night (proper motion), with 60 mas astrometric noise.
                    let here = entry.position(atEpoch: 2000 + (t - 51_544.5) / 365.25)
                    let cosDec = max(cos(here.dec * .pi / 180), 1e-6)
                    table.ra.append((here.ra + g.gaussian() * 0.06 / 3600 / cosDec + 360).truncatingRemainder(dividingBy: 360))
                    table.dec.append(here.dec + g.gaussian() * 0.06 / 3600)
                    table.chi.append(abs(1 + 0.3 * g.gaussian()))
                    table.sharp.append(0.05 * g.gaussian())
                    table.filefracday.append(Self.fileFracDay(mjd: t))
                    table.field.append(field)
                    table.ccdid.append(ccd)
                    table.qid.append(quadrant)
                    table.limitmag.append(limit)
                    table.magzp.append(26.2 + 0.1 * g.gaussian())
                    table.magzprms.append(abs(0.02 + 0.005 * g.gaussian()))
                    table.clrcoeff.append(-0.05 + 0.01 * g.gaussian())
                    table.clrcounc.append(abs(1e-5 * (1 + g.gaussian())))
                    table.exptime.append(30)
                    table.airmass.append(g.uniform(1.0...2.2))
                    table.programid.append(g.uniform() < 0.7 ? 1 : 2)
                }
            }
        }
        return table
    }

    /// ZTF's `filefracday`: YYYYMMDDffffff, the UT date and fraction of day of the exposure.
    static func fileFracDay(mjd: Double) -> Int64 {
        let date = Date(timeIntervalSince1970: (mjd - 40_587) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        let fraction = Int64(((mjd - mjd.rounded(.down)) * 1_000_000).rounded(.down))
        return Int64(c.year! * 10_000 + c.month! * 100 + c.day!) * 1_000_000 + fraction
    }

    // MARK: TESS

    private func makeTESS(entry: CatalogEntry, star: SyntheticStar, sector: Int, tic: Int64) throws -> SPOCLightcurve {
        var g = SeededGenerator(seed: seed, stream: "tess|\(entry.id)|\(sector)")
        let tmag = star.gaiaG - 1.1  // M dwarfs are brighter in the red TESS band
        let start = 1325.29 + Double(sector - 1) * 27.4  // BTJD of the sector's first cadence
        let cadence = 2.0 / 1440
        let n = tessCadences ?? Int(26.5 / cadence)
        // A sector shorter than 13 days (tessCadences) ends before the downlink.
        let downlink = (start + 13.0)...(start + 14.1)
        let electrons = 15_000 * pow(10, -0.4 * (tmag - 10))
        let sigma = hypot(6e-5, 2.2e-4 * pow(10, 0.2 * (tmag - 8)))
        var time: [Double] = []
        var flux: [Double] = []
        var fluxError: [Double] = []
        var sap: [Double] = []
        var quality: [Int32] = []
        var cadenceNumber: [Int32] = []
        time.reserveCapacity(n)
        let firstCadence = Int32(sector * 20_000)
        let dumpPhase = g.uniform(0...3.1)
        for k in 0..<n {
            let t = start + Double(k) * cadence
            if downlink.contains(t) { continue }
            let mjd = t + 56_999.5  // BTJD + 2457000 − 2400000.5 (barycentric/UTC difference ignored here)
            let relative = star.relativeFlux(atMJD: mjd, flareScale: 1)
            var q: Int32 = 0
            // Momentum dumps every 3.125 d, with pointing flags around them.
            let sinceDump = (t - start - dumpPhase).truncatingRemainder(dividingBy: 3.125)
            if sinceDump >= 0 && sinceDump < cadence { q |= SPOCQualityFlags.desaturation.rawValue }
            if sinceDump >= cadence && sinceDump < 4 * cadence { q |= SPOCQualityFlags.coarsePoint.rawValue }
            if t - downlink.upperBound < 0.1 && t > downlink.upperBound { q |= SPOCQualityFlags.scatteredLight.rawValue }
            if g.uniform() < 0.0005 { q |= SPOCQualityFlags.apertureCosmic.rawValue }
            if relative > 1 + 5 * sigma && g.uniform() < 0.3 { q |= SPOCQualityFlags.impulsiveOutlier.rawValue }
            let noise = sigma * g.gaussian()
            let value = electrons * (relative + noise)
            let bad = q & (SPOCQualityFlags.desaturation.rawValue | SPOCQualityFlags.coarsePoint.rawValue) != 0
            time.append(t)
            flux.append(bad ? .nan : value)
            fluxError.append(bad ? .nan : electrons * sigma)
            sap.append(value * 0.93 * (1 + 0.004 * sin(t)))
            quality.append(q)
            cadenceNumber.append(firstCadence + Int32(k))
        }
        var lc = try SPOCLightcurve(
            mission: .tess, targetID: tic, sector: sector, time: time, pdcsapFlux: flux, pdcsapFluxError: fluxError,
            sapFlux: sap, sapFluxError: fluxError.map { $0 * 0.93 }, quality: quality, cadenceNumber: cadenceNumber)
        lc.objectRA = entry.ra
        lc.objectDec = entry.dec
        lc.magnitude = (tmag * 1000).rounded() / 1000
        lc.objectName = "TIC \(tic)"
        lc.exposureDays = cadence * 0.8
        lc.cadenceDays = cadence
        lc.startTime = time.first
        lc.stopTime = time.last
        return lc
    }

    static func ticID(_ entry: CatalogEntry) -> Int64 {
        Int64(10_000_000 + stableNumber(entry.id) % 490_000_000)
    }

    static func stableNumber(_ text: String) -> UInt64 {
        SeededGenerator.fnv1a(text)
    }

}
