import Foundation
import Testing

@testable import Core
import TestSupport

@Suite("Calibration")
struct CalibrationTests {
    /// Kepler's SAP_QUALITY bits are not TESS's: 2048 is an impulsive outlier (kept: flares carry
    /// it), 32 a desaturation (rejected), 512 unused.
    @Test func keplerFilesUseKeplerQualityBits() async throws {
        try await withTemporaryFolder { folder in
            let time = (0..<100).map { 600 + Double($0) * 0.0204 }
            var quality = [Int32](repeating: 0, count: 100)
            quality[10] = 2048
            quality[20] = 32
            quality[30] = 65536
            let url = folder.appendingPathComponent("kplr008462852-2013131215648_llc.fits")
            try SPOCLightcurve(
                mission: .kepler, targetID: 8_462_852, sector: 16, time: time, pdcsapFlux: Array(repeating: 5000, count: 100),
                pdcsapFluxError: Array(repeating: 5, count: 100), quality: quality
            ).write(to: url)
            let bands = try RawFile.lightcurves(of: url)
            #expect(bands.map(\.band) == ["Kepler"])
            let lc = try #require(bands.first?.lightcurve)
            #expect(lc.timeSystem == .bkjd)
            #expect(lc.count == 98)  // desaturation and no-data rejected, the impulsive outlier kept
            #expect(lc.origins.contains { $0.row == 10 })
            #expect(!lc.origins.contains { $0.row == 20 })
            #expect(bands[0].flaggedRows == 2)
            #expect(bands[0].normalizations == [5000])
        }
    }

    /// The aperture cosmic-ray bit (TESS 64, Kepler 128) keeps its cadence, as flare peaks carry it,
    /// and is carried to the light curve as ``PointFlags/cosmicRay`` for the search (on TESS 576 =
    /// 64 + 512 too); a collateral cosmic ray (TESS 1024, corrected in calibration) is not. The flags
    /// survive sorting and the run's light-curve product, whose FITS table keeps them in `FLAGS`.
    @Test func cosmicRayBitsAreKeptAsPointFlags() async throws {
        try await withTemporaryFolder { folder in
            let count = 100
            var tess = [Int32](repeating: 0, count: count)
            tess[10] = 64
            tess[11] = 576
            tess[12] = 1024
            tess[20] = 32
            var kepler = [Int32](repeating: 0, count: count)
            kepler[40] = 128
            kepler[41] = 64  // Kepler's Argabrightening: not a cosmic ray there
            let files = [
                ("tess2020186164531-s0027-0000000441420236-0189-a_fast-lc.fits", SPOCLightcurve.Mission.tess, tess, 2036.0),
                ("kplr008462852-2013131215648_llc.fits", .kepler, kepler, 600.0),
            ]
            for (name, mission, quality, start) in files {
                let url = folder.appendingPathComponent(name)
                // Written backwards in time: the reader sorts, and the flags must move with their points.
                let time = (0..<count).map { start + Double(count - 1 - $0) * 0.0204 }
                try SPOCLightcurve(
                    mission: mission, targetID: 1, sector: 27, time: time, pdcsapFlux: Array(repeating: 5000, count: count),
                    pdcsapFluxError: Array(repeating: 5, count: count), quality: quality
                ).write(to: url)
                let band = try #require(try RawFile.lightcurves(of: url).first)
                let lc = band.lightcurve
                let flagged = lc.indices(where: { $0.contains(.cosmicRay) }).map { lc.origins[$0].row }.sorted()
                #expect(flagged == (mission == .tess ? [10, 11] : [40]), "\(name)")
                #expect(lc.time == lc.time.sorted())

                let product = folder.appendingPathComponent("\(mission.rawValue).fits")
                try LightcurveProducts.write(
                    [band], models: [:], source: CatalogEntry(id: "s", ra: 0, dec: 0), sourceID: 1, runID: "r", to: product)
                let stored = try #require(try LightcurveProducts.read(product).first)
                #expect(stored.band.lightcurve.pointFlags == lc.pointFlags)
            }
        }
    }
}

extension Lightcurve {
    /// Indices of the points whose flags satisfy `predicate`.
    fileprivate func indices(where predicate: (PointFlags) -> Bool) -> [Int] {
        pointFlags.indices.filter { predicate(pointFlags[$0]) }
    }
}
