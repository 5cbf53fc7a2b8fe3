import Core
import Foundation

/// Helpers shared by the FITS test suites.
enum FITSTestSupport {
    /// A fresh, empty directory under the system temporary directory.
    static func makeTemporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fits-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `body` with a fresh temporary directory and removes it afterwards.
    static func withTemporaryDirectory<R>(_ body: (URL) throws -> R) throws -> R {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    /// Whether two arrays are equal value by value, NaN matching NaN.
    static func sameValues(_ lhs: [Double], _ rhs: [Double]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    /// A committed fixture in `Tests/CoreTests/Fixtures`, loaded through the test bundle.
    static func fixtureURL(_ name: String, _ fileExtension: String) -> URL? {
        Bundle.module.url(forResource: name, withExtension: fileExtension, subdirectory: "Fixtures")
    }

    /// The source folder of the fixtures, for re-recording them.
    static var fixtureSourceDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures", isDirectory: true)
    }

    /// Writes a copy of the first `length` bytes of `source` to `destination`.
    static func writeTruncatedCopy(of source: URL, length: Int, to destination: URL) throws {
        let data = try Data(contentsOf: source)
        try data.prefix(length).write(to: destination)
    }

    /// The value is rounded to 32-bit precision, as SPOC stores fluxes (`E` columns).
    static func float32(_ value: Double) -> Double { Double(Float(value)) }

    /// The tiny TESS light curve committed as `Fixtures/tess_sector_tiny_lc.fits`.
    ///
    /// 200 two-minute cadences of a synthetic star (TIC 123456789 is a placeholder, not a real
    /// target): a 1 % box transit at rows 90–109, a slow 0.2 % sinusoid, a data gap with NaN
    /// times and fluxes at rows 40–44 (quality 4, coarse point), a momentum dump at row 60
    /// (quality 32, PDCSAP NaN), a manual exclude at row 120 (quality 128, PDCSAP NaN) and an
    /// impulsive outlier at row 150 (quality 512). No randomness: every value is a formula.
    static func tinyTESSLightcurve() throws -> SPOCLightcurve {
        let count = 200
        let cadence = 2.0 / 1440.0
        let start = 1437.9758293681
        var time = [Double](), sap = [Double](), sapError = [Double](), pdc = [Double](), pdcError = [Double]()
        var quality = [Int32](), cadenceNumber = [Int32](), background = [Double](), centroid1 = [Double]()
        var centroid2 = [Double](), timeCorrection = [Double]()
        for row in 0..<count {
            let t = start + Double(row) * cadence
            let inTransit = (90..<110).contains(row)
            let model = 12_345.0 * (1 + 0.002 * sin(Double(row) / 15)) * (inTransit ? 0.99 : 1)
            var flag: Int32 = 0
            var gap = false
            switch row {
            case 40..<45: flag = 4; gap = true
            case 60: flag = 32
            case 120: flag = 128
            case 150: flag = 512
            default: break
            }
            time.append(gap ? .nan : t)
            sap.append(gap ? .nan : float32(model * 1.07 + (row == 150 ? 400 : 0)))
            sapError.append(gap ? .nan : float32(9.25 + 0.01 * Double(row % 7)))
            pdc.append(gap || flag == 32 || flag == 128 ? .nan : float32(model + (row == 150 ? 380 : 0)))
            pdcError.append(gap || flag == 32 || flag == 128 ? .nan : float32(8.5 + 0.01 * Double(row % 5)))
            quality.append(flag)
            cadenceNumber.append(Int32(151_576 + row))
            background.append(gap ? .nan : float32(310.5 + Double(row % 11)))
            centroid1.append(gap ? .nan : 1550.125 + 0.001 * Double(row % 13))
            centroid2.append(gap ? .nan : 406.25 - 0.001 * Double(row % 17))
            timeCorrection.append(float32(0.0026 - 0.000001 * Double(row)))
        }
        var lightcurve = try SPOCLightcurve(
            mission: .tess, targetID: 123_456_789, sector: 5,
            time: time, pdcsapFlux: pdc, pdcsapFluxError: pdcError, sapFlux: sap, sapFluxError: sapError,
            quality: quality, cadenceNumber: cadenceNumber,
            auxiliary: [
                .timeCorrection: timeCorrection, .sapBackground: background,
                .momentCentroidColumn: centroid1, .momentCentroidRow: centroid2,
            ])
        lightcurve.camera = 3
        lightcurve.ccd = 2
        lightcurve.objectRA = 124.5332711499119
        lightcurve.objectDec = -68.31478618755017
        lightcurve.magnitude = 9.393
        lightcurve.effectiveTemperature = 3412.0
        lightcurve.surfaceGravity = 4.94
        lightcurve.stellarRadius = 0.303
        lightcurve.crowding = 0.9981
        lightcurve.fluxFraction = 0.8123
        lightcurve.exposureDays = 19.768406119079
        lightcurve.cadenceDays = 0.001388888888888889
        lightcurve.startTime = start - cadence / 2
        lightcurve.stopTime = start + (Double(count) - 0.5) * cadence
        return lightcurve
    }
}
