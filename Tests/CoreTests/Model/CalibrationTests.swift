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
}
