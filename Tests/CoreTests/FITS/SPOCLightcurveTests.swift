import Core
import Foundation
import Testing

@Suite("SPOCLightcurve")
struct SPOCLightcurveTests {

    /// TESS 20-second files (`*_fast-lc.fits`) have the 2-minute layout with `TIMEDEL` = 20 s:
    /// they are SPOC files to `RawFile`, and their exposure is the 20-second cadence.
    @Test func readsATESS20SecondFastLightcurveLikeA2MinuteOne() throws {
        let cadence = 20.0 / 86_400
        let count = 600
        let time = (0..<count).map { 2036.2834520761414 + Double($0) * cadence }
        var lightcurve = try SPOCLightcurve(
            mission: .tess, targetID: 441_420_236, sector: 27, time: time,
            pdcsapFlux: (0..<count).map { 52_000 + Double($0 % 7) }, pdcsapFluxError: Array(repeating: 23.5, count: count),
            quality: (0..<count).map { $0 == 100 ? SPOCQualityFlags.manualExclude.rawValue : 0 })
        lightcurve.cadenceDays = cadence
        lightcurve.exposureDays = cadence * 0.8
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("tess2020186164531-s0027-0000000441420236-0189-a_fast-lc.fits")
            try lightcurve.write(to: url)
            #expect(try RawFile.format(of: url) == .spocFITS)
            #expect(try SPOCLightcurve.read(from: url).cadenceDays == cadence)
            let bands = try RawFile.lightcurves(of: url)
            let band = try #require(bands.first)
            #expect(bands.count == 1)
            #expect(band.band == "TESS")
            #expect(band.lightcurve.timeSystem == .btjd)
            #expect(abs(band.exposureSeconds - 20) < 1e-9)  // TIMEDEL, not the 2-minute default
            #expect(band.lightcurve.count == count - 1)
            #expect(band.flaggedRows == 1)
            #expect(band.normalizations == [52_003])
        }
    }
    private typealias Support = FITSTestSupport

    /// Checks that every column and keyword of `read` equals `original`, NaN matching NaN.
    private func expectSameContent(_ read: SPOCLightcurve, _ original: SPOCLightcurve) {
        #expect(read.mission == original.mission)
        #expect(read.targetID == original.targetID)
        #expect(read.sector == original.sector)
        #expect(read.camera == original.camera)
        #expect(read.ccd == original.ccd)
        #expect(read.objectRA == original.objectRA)
        #expect(read.objectDec == original.objectDec)
        #expect(read.magnitude == original.magnitude)
        #expect(read.effectiveTemperature == original.effectiveTemperature)
        #expect(read.surfaceGravity == original.surfaceGravity)
        #expect(read.metallicity == original.metallicity)
        #expect(read.stellarRadius == original.stellarRadius)
        #expect(read.crowding == original.crowding)
        #expect(read.fluxFraction == original.fluxFraction)
        #expect(read.bjdReference == original.bjdReference)
        #expect(read.timeUnit == original.timeUnit)
        #expect(read.timeSystem == original.timeSystem)
        #expect(read.exposureDays == original.exposureDays)
        #expect(read.cadenceDays == original.cadenceDays)
        #expect(Support.sameValues(read.time, original.time))
        #expect(Support.sameValues(read.pdcsapFlux, original.pdcsapFlux))
        #expect(Support.sameValues(read.pdcsapFluxError, original.pdcsapFluxError))
        #expect(Support.sameValues(read.sapFlux, original.sapFlux))
        #expect(Support.sameValues(read.sapFluxError, original.sapFluxError))
        #expect(read.quality == original.quality)
        #expect(read.cadenceNumber == original.cadenceNumber)
        for (column, values) in original.auxiliary {
            #expect(Support.sameValues(read.auxiliary[column] ?? [], values), "\(column.rawValue)")
        }
    }

    /// A small Kepler or K2 light curve with Float-exact fluxes and flagged NaN cadences.
    private func keplerLightcurve(mission: SPOCLightcurve.Mission) throws -> SPOCLightcurve {
        let count = 50
        let time = (0..<count).map { 131.5123 + Double($0) * 0.02043357 }
        let flux = (0..<count).map { $0 == 7 || $0 == 30 ? Double.nan : Support.float32(45_000 + Double($0)) }
        var lightcurve = try SPOCLightcurve(
            mission: mission, targetID: mission == .k2 ? 201_367_065 : 11_904_151, sector: mission == .k2 ? 1 : 4,
            time: time, pdcsapFlux: flux, pdcsapFluxError: flux.map { $0.isNaN ? .nan : 6.5 },
            sapFlux: flux.map { $0.isNaN ? .nan : Support.float32($0 * 0.98) },
            quality: (0..<count).map { $0 == 7 ? 16 : $0 == 30 ? 524_288 : 0 },
            cadenceNumber: (0..<count).map { Int32(11_914 + $0) },
            auxiliary: [.psfCentroidColumnError: [Double](repeating: Support.float32(0.0123), count: count)])
        lightcurve.objectRA = 291.0409
        lightcurve.objectDec = 50.2413
        lightcurve.magnitude = 10.961
        lightcurve.effectiveTemperature = 5627
        lightcurve.metallicity = -0.15
        lightcurve.exposureDays = 0.0204335
        lightcurve.cadenceDays = 0.02043357
        return lightcurve
    }

    @Test func roundTripsATESSLightcurveKeepingNaNs() throws {
        let original = try Support.tinyTESSLightcurve()
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("tess_lc.fits")
            try original.write(to: url)
            let read = try SPOCLightcurve.read(from: url)
            expectSameContent(read, original)
            #expect(read.mission == .tess)
            #expect(read.bjdReference == 2_457_000)
            #expect(read.objectName == "TIC 123456789")
            #expect(read.startTime == original.startTime && read.stopTime == original.stopTime)
            #expect(read.time.filter(\.isNaN).count == 5)
            #expect(read.pdcsapFlux.filter(\.isNaN).count == 7)
            #expect(read.quality.filter { $0 != 0 }.count == 8)
            #expect(read.columnNames.contains("QUALITY") && !read.columnNames.contains("SAP_QUALITY"))
        }
    }

    @Test func roundTripsAKeplerLightcurveWithSAPQuality() throws {
        let original = try keplerLightcurve(mission: .kepler)
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("kplr011904151-2010078095331_llc.fits")
            try original.write(to: url)

            let file = try FITSFile.open(url)
            #expect(try file.stringKeyword("TELESCOP") == "Kepler")
            #expect(try file.intKeyword("KEPLERID") == 11_904_151)
            #expect(try file.intKeyword("QUARTER") == 4)
            #expect(try file.doubleKeyword("KEPMAG") == 10.961)
            #expect(try file.doubleKeyword("FEH") == -0.15)
            #expect(try file.intKeyword("TICID") == nil)
            try file.moveToExtension(named: "LIGHTCURVE")
            #expect(try file.intKeyword("BJDREFI") == 2_454_833)
            #expect(try file.stringKeyword("TUNIT1") == "BJD - 2454833")
            let names = try file.columnNames
            #expect(names.contains("SAP_QUALITY") && !names.contains("QUALITY"))
            #expect(names.firstIndex(of: "PSF_CENTR1_ERR") == names.firstIndex(of: "PSF_CENTR1")! + 1)
            try file.close()

            let read = try SPOCLightcurve.read(from: url)
            expectSameContent(read, original)
            #expect(read.quality[7] == 16 && read.quality[30] == 524_288)
            #expect(read.bjdReference == 2_454_833)
            #expect(read.objectName == "KIC 11904151")
        }
    }

    @Test func roundTripsAK2LightcurveWithCampaign() throws {
        let original = try keplerLightcurve(mission: .k2)
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("ktwo201367065-c01_llc.fits")
            try original.write(to: url)
            let file = try FITSFile.open(url)
            #expect(try file.stringKeyword("MISSION") == "K2")
            #expect(try file.intKeyword("CAMPAIGN") == 1)
            #expect(try file.stringKeyword("OBJECT") == "EPIC 201367065")
            try file.close()
            let read = try SPOCLightcurve.read(from: url)
            expectSameContent(read, original)
            #expect(read.mission == .k2 && read.mission.sectorKeyword == "CAMPAIGN")
        }
    }

    @Test func writesTheSPOCColumnLayoutAndTimeKeywords() throws {
        let lightcurve = try Support.tinyTESSLightcurve()
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("layout_lc.fits")
            try lightcurve.write(to: url)
            let file = try FITSFile.open(url)
            #expect(try file.hduNames == ["PRIMARY", "LIGHTCURVE"])
            #expect(try file.stringKeyword("OBJECT") == "TIC 123456789")
            #expect(try file.intKeyword("TICID") == 123_456_789)
            #expect(try file.intKeyword("SECTOR") == 5)
            #expect(try file.intKeyword("CAMERA") == 3)
            #expect(try file.intKeyword("CCD") == 2)
            #expect(try file.doubleKeyword("TESSMAG") == 9.393)
            #expect(try file.intKeyword("NAXIS") == 0)
            #expect(try file.stringKeyword("DATE") == nil)
            #expect(try file.stringKeyword("CHECKSUM") == nil)
            try file.moveToExtension(named: "LIGHTCURVE")
            #expect(
                try file.columnNames == [
                    "TIME", "TIMECORR", "CADENCENO", "SAP_FLUX", "SAP_FLUX_ERR", "SAP_BKG", "SAP_BKG_ERR",
                    "PDCSAP_FLUX", "PDCSAP_FLUX_ERR", "QUALITY", "PSF_CENTR1", "PSF_CENTR2", "MOM_CENTR1",
                    "MOM_CENTR2", "POS_CORR1", "POS_CORR2",
                ])
            let formats = try (1...16).map { try file.stringKeyword("TFORM\($0)") ?? "" }
            #expect(formats == ["D", "E", "J", "E", "E", "E", "E", "E", "E", "J", "D", "D", "D", "D", "E", "E"])
            #expect(try file.stringKeyword("TUNIT1") == "BJD - 2457000, days")
            #expect(try file.stringKeyword("TUNIT4") == "e-/s")
            #expect(try file.stringKeyword("TUNIT11") == "pixel")
            #expect(try file.stringKeyword("TDISP10") == "B16.16")
            #expect(try file.intKeyword("BJDREFI") == 2_457_000)
            #expect(try file.doubleKeyword("BJDREFF") == 0)
            #expect(try file.stringKeyword("TIMEUNIT") == "d")
            #expect(try file.stringKeyword("TIMESYS") == "TDB")
            #expect(try file.doubleKeyword("TIMEDEL") == 0.001388888888888889)
            #expect(try file.doubleKeyword("EXPOSURE") == 19.768406119079)
            #expect(try file.doubleKeyword("TSTART") == lightcurve.startTime)
            #expect(try file.doubleKeyword("TSTOP") == lightcurve.stopTime)
            #expect(try file.intKeyword("TICID") == 123_456_789)
            #expect(try file.readDoubles(column: "PSF_CENTR1").allSatisfy(\.isNaN), "absent columns are NaN")
        }
    }

    @Test func writesByteIdenticalFilesForEqualValues() throws {
        let lightcurve = try Support.tinyTESSLightcurve()
        try Support.withTemporaryDirectory { directory in
            let first = directory.appendingPathComponent("first_lc.fits")
            let second = directory.appendingPathComponent("second_lc.fits")
            try lightcurve.write(to: first)
            try lightcurve.write(to: second)
            #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        }
    }

    @Test func readsMinimalFilesAndEitherQualityColumnName() throws {
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("minimal.fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [FITSKeyword("TELESCOP", "TESS"), FITSKeyword("TEFF", Double.nan)])
            try file.createBinaryTable(
                name: "LIGHTCURVE",
                columns: [
                    FITSColumn(name: "TIME", format: "D"), FITSColumn(name: "PDCSAP_FLUX", format: "E"),
                    FITSColumn(name: "SAP_QUALITY", format: "J"),
                ],
                keywords: [])
            try file.writeColumn(0, doubles: [1, 2, .nan])
            try file.writeColumn(1, doubles: [10, .nan, 30])
            try file.writeColumn(2, int32s: [0, 8, 0])
            try file.close()

            let read = try SPOCLightcurve.read(from: url)
            #expect(read.mission == .tess)
            #expect(read.quality == [0, 8, 0])
            #expect(read.bjdReference == 2_457_000, "missing BJDREFI falls back to the mission's reference")
            #expect(read.effectiveTemperature == nil, "undefined TEFF reads as nil")
            #expect(read.targetID == nil && read.sector == nil)
            #expect(read.sapFlux.allSatisfy(\.isNaN) && read.sapFlux.count == 3)
            #expect(read.cadenceNumber == [0, 1, 2])
            #expect(read.columnNames == ["TIME", "PDCSAP_FLUX", "SAP_QUALITY"])
            #expect(read.auxiliary.isEmpty)
        }
    }

    @Test func missingLightcurveExtensionThrowsWithThePath() throws {
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("no_lightcurve.fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [FITSKeyword("TELESCOP", "TESS")])
            try file.createBinaryTable(name: "APERTURE", columns: [FITSColumn(name: "X", format: "J")], keywords: [])
            try file.close()
            let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: url) }
            #expect(error == .missingExtension(path: url.path, name: "LIGHTCURVE"))
            #expect(error?.localizedDescription.contains(url.path) == true)
        }
    }

    @Test(arguments: ["TIME", "PDCSAP_FLUX"])
    func missingRequiredColumnThrowsWithThePath(column: String) throws {
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("no_\(column).fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [FITSKeyword("TELESCOP", "TESS")])
            let other = column == "TIME" ? "PDCSAP_FLUX" : "TIME"
            try file.createBinaryTable(name: "LIGHTCURVE", columns: [FITSColumn(name: other, format: "D")], keywords: [])
            try file.writeColumn(0, doubles: [1, 2])
            try file.close()
            let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: url) }
            #expect(error == .missingColumn(path: url.path, hdu: "LIGHTCURVE", column: column))
            #expect(error?.localizedDescription.contains(url.path) == true)
        }
    }

    @Test func unknownTelescopeThrowsWithThePath() throws {
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("hst.fits")
            let file = try FITSFile.create(url)
            try file.writePrimaryHeader(keywords: [FITSKeyword("TELESCOP", "HST")])
            try file.createBinaryTable(
                name: "LIGHTCURVE",
                columns: [FITSColumn(name: "TIME", format: "D"), FITSColumn(name: "PDCSAP_FLUX", format: "E")],
                keywords: [])
            try file.close()
            let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: url) }
            #expect(error == .unrecognizedMission(path: url.path, telescope: "HST"))
        }
    }

    @Test func truncatedCopiesThrowRatherThanCrash() throws {
        let lightcurve = try Support.tinyTESSLightcurve()
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("whole_lc.fits")
            try lightcurve.write(to: url)
            let size = try Data(contentsOf: url).count
            // Inside the primary header, at its end, inside the table header, and inside the rows.
            for length in [0, 100, 2880, 4000, 2880 * 3 + 17, size / 2, size - 2880 - 1000] {
                let truncated = directory.appendingPathComponent("truncated_\(length)_lc.fits")
                try Support.writeTruncatedCopy(of: url, length: length, to: truncated)
                let error = #expect(throws: FITSError.self, "cut at \(length) of \(size) bytes") {
                    try SPOCLightcurve.read(from: truncated)
                }
                #expect(error?.path == truncated.path)
                #expect(error?.localizedDescription.contains(truncated.path) == true)
                if length > 2880, case .truncatedOrCorrupt = error {
                } else if length > 2880 {
                    Issue.record("cut at \(length): expected truncatedOrCorrupt, got \(String(describing: error))")
                }
            }
            // A cut exactly at the end of the primary HDU leaves a valid file without the table.
            let atBoundary = directory.appendingPathComponent("boundary_lc.fits")
            try Support.writeTruncatedCopy(of: url, length: 2880, to: atBoundary)
            let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: atBoundary) }
            #expect(error == .missingExtension(path: atBoundary.path, name: "LIGHTCURVE"))
        }
    }

    @Test func corruptBytesThrowRatherThanCrash() throws {
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("corrupt_lc.fits")
            var bytes = try Data(contentsOf: Support.fixtureURL("tess_sector_tiny_lc", "fits")!)
            // Overwrite the table header's NAXIS2 card area and part of the TFORM cards.
            let garbage = Data((0..<400).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            bytes.replaceSubrange(2880..<3280, with: garbage)
            try bytes.write(to: url)
            let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: url) }
            #expect(error?.path == url.path)
            guard case .truncatedOrCorrupt = error else {
                Issue.record("expected truncatedOrCorrupt, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func initializerRejectsColumnsOfDifferentLengths() throws {
        let error = #expect(throws: FITSError.self) {
            try SPOCLightcurve(mission: .tess, time: [1, 2, 3], pdcsapFlux: [1, 2, 3], quality: [0, 0])
        }
        #expect(error == .lengthMismatch(path: nil, column: "QUALITY", expected: 3, actual: 2))
    }

    // MARK: - Committed fixtures

    @Test func readsTheCommittedTinyTESSFixture() throws {
        let url = try #require(Support.fixtureURL("tess_sector_tiny_lc", "fits"))
        let size = try Data(contentsOf: url).count
        #expect(size <= 30_720, "fixture must stay tiny: \(size) bytes")
        let read = try SPOCLightcurve.read(from: url)
        #expect(read.count == 200)
        #expect(read.mission == .tess && read.targetID == 123_456_789 && read.sector == 5)
        #expect(read.quality[60] == 32 && read.quality[120] == 128 && read.quality[150] == 512)
        #expect(read.time[40].isNaN && read.pdcsapFlux[60].isNaN)
        #expect(read.cadenceNumber.first == 151_576)
        expectSameContent(read, try Support.tinyTESSLightcurve())
    }

    @Test func committedFixtureIsWhatTheWriterProduces() throws {
        let committed = try Data(contentsOf: try #require(Support.fixtureURL("tess_sector_tiny_lc", "fits")))
        try Support.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("regenerated_lc.fits")
            try Support.tinyTESSLightcurve().write(to: url)
            #expect(
                try Data(contentsOf: url) == committed,
                "the writer's output changed; re-record with RECORD_FITS_FIXTURES=1 if intended")
        }
    }

    @Test func committedTruncatedFixtureThrowsWithItsPath() throws {
        let url = try #require(Support.fixtureURL("tess_sector_tiny_lc-truncated", "fits"))
        let error = #expect(throws: FITSError.self) { try SPOCLightcurve.read(from: url) }
        #expect(error?.path == url.path)
        #expect(error?.localizedDescription.contains("tess_sector_tiny_lc-truncated.fits") == true)
        #expect(error?.localizedDescription.contains("truncated") == true)
    }

    /// Re-records the fixtures; run explicitly with `RECORD_FITS_FIXTURES=1 swift test`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RECORD_FITS_FIXTURES"] == "1"))
    func recordFixtures() throws {
        let directory = Support.fixtureSourceDirectory
        let whole = directory.appendingPathComponent("tess_sector_tiny_lc.fits")
        try Support.tinyTESSLightcurve().write(to: whole)
        // Cut inside the table rows: the headers are intact, the data is not.
        let size = try Data(contentsOf: whole).count
        try Support.writeTruncatedCopy(
            of: whole, length: size - 2 * 2880,
            to: directory.appendingPathComponent("tess_sector_tiny_lc-truncated.fits"))
    }
}
