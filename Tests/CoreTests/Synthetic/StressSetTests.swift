import Foundation
import Testing

@testable import Core

@Suite("StressSet")
struct StressSetTests {
    @Test func theSameSeedAndIndexGiveIdenticalLightCurves() {
        for cadence in StressSet.Cadence.allCases {
            let a = StressSet(seed: 7).star(3, cadence: cadence)
            let b = StressSet(seed: 7).star(3, cadence: cadence)
            #expect(a.band.lightcurve.time == b.band.lightcurve.time)
            #expect(a.band.lightcurve.flux == b.band.lightcurve.flux)
            #expect(a.parameters == b.parameters)
            let other = StressSet(seed: 8).star(3, cadence: cadence)
            #expect(other.band.lightcurve.flux != a.band.lightcurve.flux)
        }
    }

    @Test func drawnParametersStayInTheirRanges() {
        let set = StressSet(seed: 1)
        for cadence in StressSet.Cadence.allCases {
            // 40 stars at 30 minutes (to count the sawtooth fraction); fewer of the long 20 s curves.
            let stars = (0..<(cadence == .thirtyMinute ? 40 : 12)).map { set.star($0, cadence: cadence) }
            for star in stars {
                let p = star.parameters
                #expect((0.1...30).contains(p.rotationPeriod))
                #expect((0.001...0.1).contains(p.amplitude))
                #expect((2e-4...5e-3).contains(p.whiteNoise))
                // 0.5–1.5 × the white noise of a 29.4-minute average.
                let averaged = p.whiteNoise * (cadence.seconds / StressSet.Cadence.thirtyMinute.seconds).squareRoot()
                #expect(p.redNoise >= 0.5 * averaged * (1 - 1e-12) && p.redNoise <= 1.5 * averaged * (1 + 1e-12))
                #expect((1.0 / 24...6.0 / 24).contains(p.redNoiseTimescale))
                #expect((2...3).contains(p.spots.count))
                for spot in p.spots { #expect(abs(spot.period / p.rotationPeriod - 1) <= 0.03) }
                #expect(star.band.lightcurve.fluxError.allSatisfy { $0 == p.whiteNoise })
                #expect(star.band.exposureSeconds == cadence.seconds)
                if let roll = p.rollAmplitude {
                    #expect(cadence == .thirtyMinute)
                    #expect((5e-4...5e-3).contains(roll))
                }
            }
            // About half of the 30-minute stars have the roll sawtooth, none of the others.
            let rolled = stars.filter { $0.parameters.rollAmplitude != nil }.count
            if cadence == .thirtyMinute { #expect((10...30).contains(rolled)) } else { #expect(rolled == 0) }
        }
    }

    /// Half the peak-to-peak of the flux binned in phase-resolving bins (1/40 of a period, at least
    /// 5 points) matches the drawn semi-amplitude within 10 % plus 5 σ of the binned noise (white
    /// noise averaged over the bin, red noise not).
    @Test func measuredModulationMatchesTheDrawnAmplitude() {
        let set = StressSet(seed: 2)
        for index in 0..<20 {
            let star = set.star(index, cadence: .twoMinute)
            let p = star.parameters
            let lc = star.band.lightcurve
            let width = max(p.rotationPeriod / 40, 5 * StressSet.Cadence.twoMinute.seconds / 86_400)
            var sums: [Int: (Double, Int)] = [:]
            for (t, f) in zip(lc.time, lc.flux) {
                let key = Int((t - lc.time[0]) / width)
                let s = sums[key, default: (0, 0)]
                sums[key] = (s.0 + f, s.1 + 1)
            }
            let means = sums.values.filter { $0.1 >= 3 }.map { $0.0 / Double($0.1) }
            let measured = (means.max()! - means.min()!) / 2
            let perBin = Double(lc.count) / Double(sums.count)
            let noise = (p.whiteNoise * p.whiteNoise / perBin + p.redNoise * p.redNoise).squareRoot()
            #expect(
                abs(measured - p.amplitude) <= 0.1 * p.amplitude + 5 * noise,
                "star \(index): measured \(measured), drawn \(p.amplitude), noise \(noise)")
        }
    }

    /// With the spot signal removed, the 30-minute flux folded at 0.25 d shows a ramp of the drawn
    /// semi-amplitude where a sawtooth was drawn (and nothing where none was); folded at another
    /// period the ramp is gone. Each thruster firing's cadence is missing, so there is a gap every 6 h.
    @Test func theRollSawtoothHasASixHourPeriodWhereDrawn() {
        let set = StressSet(seed: 3)
        var checkedWith = 0
        var checkedWithout = 0
        for index in 0..<12 {
            let star = set.star(index, cadence: .thirtyMinute)
            let lc = star.band.lightcurve
            let residual = lc.flux.indices.map { lc.flux[$0] - 1 - star.modulation[$0] }
            func foldedRange(_ period: Double) -> Double {
                var sums = [Double](repeating: 0, count: 6)
                var counts = [Int](repeating: 0, count: 6)
                for (t, r) in zip(lc.time, residual) {
                    let k = min(5, Int(((t - lc.time[0]) / period).truncatingRemainder(dividingBy: 1) * 6))
                    sums[k] += r
                    counts[k] += 1
                }
                let means = zip(sums, counts).map { $0 / Double($1) }
                return (means.max()! - means.min()!) / 2
            }
            let noise = star.parameters.whiteNoise + star.parameters.redNoise
            if let roll = star.parameters.rollAmplitude {
                checkedWith += 1
                // Six bins of a linear ramp of semi-amplitude A: bin means span A·5/6 on each side.
                #expect(abs(foldedRange(0.25) - roll * 5 / 6) <= 0.15 * roll + noise / 3, "star \(index)")
                #expect(foldedRange(0.31) < 0.5 * foldedRange(0.25) + noise / 3, "star \(index)")
                let steps = zip(lc.time.dropFirst(), lc.time).filter { $0 - $1 > 1.5 * 1765.5 / 86_400 }.count
                #expect(steps >= 90, "star \(index): \(steps) missing cadences")
            } else {
                checkedWithout += 1
                #expect(foldedRange(0.25) <= noise / 3 + 1e-4, "star \(index)")
            }
        }
        #expect(checkedWith >= 3 && checkedWithout >= 3)
    }

    @Test func everyLightCurveHasItsGapsAndSpans27Days() {
        let set = StressSet(seed: 4)
        for cadence in StressSet.Cadence.allCases {
            for index in 0..<5 {
                let star = set.star(index, cadence: cadence)
                let t = star.band.lightcurve.time
                let p = star.parameters
                #expect(p.gaps.count >= 3)
                for gap in p.gaps { #expect(!t.contains { gap.contains($0) }) }
                let differences = zip(t.dropFirst(), t).map { $0 - $1 }
                #expect(differences.max()! >= 0.8)
                #expect(differences.filter { $0 >= 1.0 / 24 }.count >= 2)
                #expect(t.first! >= StressSet.start && t.last! <= StressSet.start + 27)
                #expect(t.last! - t.first! > 26.5)
                // Apart from the gaps, every cadence is there.
                let step = cadence.seconds / 86_400
                let expected = 27 / step - p.gaps.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } / step
                if cadence != .thirtyMinute || p.rollAmplitude == nil {
                    #expect(abs(Double(t.count) - expected) < 0.02 * expected)
                }
            }
        }
    }
}

/// False positives of the current ``FlareSearch`` on flare-free spotted stars.
@Suite("StressSetPurity")
struct StressSetPurityTests {
    /// 60 flare-free stars of 27 days (8 at 20 s, whose light curves are long, 26 at 2 min and 26 at
    /// 30 min). The goal of at most 0.02 false positives per light curve per 27 days would allow at
    /// most 1 in total here; it is not met yet. The running-median detrending of 2026-11 found 385
    /// (49 at 20 s, 223 at 2 min, 113 at 30 min); the rotation-aware detrending with the inverted-curve
    /// calibration finds 10 (1 at 2 min, 9 at 30 min, on stars with spots of several per cent rotating
    /// in under a day, or K2-like roll). This guards that level: more than 15 is a regression.
    /// Takes ~75 s in a debug build.
    @Test func falsePositivesOnFlareFreeSpottedStars() throws {
        let set = StressSet(seed: 1)
        let search = FlareSearch(parameters: .standard)
        var total = 0
        var found: [String] = []
        for cadence in StressSet.Cadence.allCases {
            for star in set.stars(cadence == .twentySecond ? 8 : 26, cadence: cadence) {
                let detections = try search.analyze(
                    AnalysisInput(entry: CatalogEntry(id: "stress", ra: 0, dec: 0), bands: [star.band], mode: .simulation)
                ).detections
                total += detections.count
                if !detections.isEmpty {
                    found.append("\(cadence.rawValue) #\(star.parameters.index): \(detections.count)")
                }
            }
        }
        #expect(total <= 15, "false positives: \(found.joined(separator: ", "))")
    }
}
