import Foundation
import Testing

@testable import Core

@Suite("Lightcurve")
struct LightcurveTests {
    @Test func rejectsArraysOfDifferentLengths() {
        #expect(throws: LightcurveError.lengthMismatch(time: 3, flux: 2, fluxError: 3)) {
            try Lightcurve(time: [0, 1, 2], flux: [1, 1], fluxError: [0.1, 0.1, 0.1], band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        }
        #expect(throws: LightcurveError.self) {
            try Lightcurve(time: [0, 1], flux: [1, 1], fluxError: [0.1], band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        }
    }

    @Test func rejectsNonFiniteTimes() {
        #expect(throws: LightcurveError.nonFiniteTime(index: 1)) {
            try Lightcurve(time: [0, .nan], flux: [1, 1], fluxError: [0.1, 0.1], band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        }
    }

    @Test func sortingResolvesDuplicateTimestampsKeepingTheSmallerError() throws {
        let lc = try Lightcurve(
            time: [2, 1, 2, 0], flux: [20, 10, 21, 0], fluxError: [0.5, 0.1, 0.2, 0.1], band: "ZTF r", timeSystem: .mjd,
            fluxUnit: .microjansky)
        let sorted = lc.sorted()
        #expect(sorted.time == [0, 1, 2])
        #expect(sorted.flux == [0, 10, 21])
        #expect(sorted.origins.map(\.row) == [3, 1, 2])
        #expect(sorted.provenance.last?.contains("1 duplicate") == true)
    }

    @Test func normalisingDividesFluxAndErrorByTheMedianAndSaysSo() throws {
        let lc = try Lightcurve(
            time: [0, 1, 2], flux: [100, 200, 300], fluxError: [10, 10, 10], band: "TESS", timeSystem: .btjd,
            fluxUnit: .electronsPerSecond)
        let n = try lc.normalized()
        #expect(n.flux == [0.5, 1, 1.5])
        #expect(n.fluxError == [0.05, 0.05, 0.05])
        #expect(n.fluxUnit == .relative)
        #expect(n.provenance.last?.contains("median") == true)
    }

    @Test func segmentsSplitAtGapsLongerThanTheLimit() throws {
        let lc = try Lightcurve(
            time: [0, 0.1, 0.2, 5, 5.1, 9], flux: [1, 1, 1, 1, 1, 1], fluxError: [1, 1, 1, 1, 1, 1], band: "TESS",
            timeSystem: .btjd, fluxUnit: .relative)
        #expect(lc.segments(maxGap: 0.5) == [0..<3, 3..<5, 5..<6])
    }

    @Test func combiningRefusesDifferentBands() throws {
        let a = try Lightcurve(time: [0], flux: [1], fluxError: [1], band: "ZTF g", timeSystem: .mjd, fluxUnit: .microjansky)
        let b = try Lightcurve(time: [1], flux: [1], fluxError: [1], band: "ZTF r", timeSystem: .mjd, fluxUnit: .microjansky)
        #expect(throws: LightcurveError.self) { try a.combined(with: b) }
    }

    /// A close-up shows a short flare at a fast cadence large enough to see: at least 40 cadences
    /// before the peak (13 minutes at 20 s) where 0.15 d would make a few-minute flare a sliver; 0.15 d
    /// at 30 minutes, 20 d either side for sparse data.
    @Test func closeUpWindowsFollowTheCadence() {
        let peak = 2_000.0
        let fast = DetectionWindow.cutout(start: peak, stop: peak + 2.0 / 1440, peak: peak, medianCadence: 20.0 / 86_400)
        #expect(abs(fast.lowerBound - (peak - 40 * 20.0 / 86_400)) < 1e-9 && abs(fast.upperBound - (peak + 80 * 20.0 / 86_400)) < 1e-9)
        let long = DetectionWindow.cutout(start: peak, stop: peak + 0.1, peak: peak, medianCadence: 20.0 / 86_400)
        #expect(abs(long.lowerBound - (peak - 0.6)) < 1e-9, "6 × the duration")
        let kepler = DetectionWindow.cutout(start: peak, stop: peak + 0.02, peak: peak, medianCadence: 29.4 / 1440)
        #expect(abs(kepler.lowerBound - (peak - 0.15)) < 1e-9 && abs(kepler.upperBound - (peak + 0.3)) < 1e-9)
        let sparse = DetectionWindow.cutout(start: peak, stop: peak, peak: peak, medianCadence: 3)
        #expect(sparse == (peak - 20)...(peak + 20))
    }
}
