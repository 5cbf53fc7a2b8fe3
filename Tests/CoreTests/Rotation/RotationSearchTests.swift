import Foundation
import Testing

@testable import Core

@Suite("RotationSearch")
struct RotationSearchTests {
    /// A relative light curve: a sinusoid of `period` and semi-amplitude `amplitude`, Gaussian noise
    /// `sigma`, and, if asked, a few flares.
    func lightcurve(
        band: String = "TESS", time: [Double], period: Double?, amplitude: Double, sigma: Double, flares: Bool = false, seed: UInt64 = 1
    ) throws -> Lightcurve {
        var g = SeededGenerator(seed: seed, stream: "rotation test \(band)")
        let flux = time.map { t in
            var f = 1 + sigma * g.gaussian()
            if let period { f += amplitude * sin(2 * .pi * t / period + 0.3) }
            if flares {
                for peak in [time[0] + 3.1, time[0] + 9.7, time[0] + 17.2] {
                    f += FlareTemplate.davenport2014.value(at: t, peak: peak, fwhm: 10.0 / 1440, amplitude: 0.2)
                }
            }
            return f
        }
        return try Lightcurve(
            time: time, flux: flux, fluxError: [Double](repeating: sigma, count: time.count), band: band, timeSystem: .btjd,
            fluxUnit: .relative)
    }

    /// A TESS sector: 27 days at 2 minutes with the mid-sector gap.
    var sector: [Double] {
        stride(from: 2000.0, to: 2027, by: 2.0 / 1440).filter { $0 < 2013 || $0 > 2014 }
    }

    func statistic(_ output: AnalysisOutput, _ name: String, band: String? = nil) -> Double? {
        output.statistics.first { $0.name == name && $0.band == band }?.value
    }

    func analyze(_ bands: [Lightcurve]) throws -> AnalysisOutput {
        let entry = CatalogEntry(id: "1", name: "star", ra: 0, dec: 0, magnitude: 12)
        return try RotationSearch().analyze(
            AnalysisInput(
                entry: entry,
                bands: bands.map {
                    BandLightcurve(lightcurve: $0, observatory: "test", rawRows: $0.count, flaggedRows: 0, invalidRows: 0, exposureSeconds: 120, datasetIndices: [0])
                }, mode: .real))
    }

    @Test(arguments: [0.15, 0.9, 4.2, 11.0])
    func findsPeriodsFromATenthOfADayToAThirdOfASector(period: Double) throws {
        let output = try analyze([try lightcurve(time: sector, period: period, amplitude: 0.005, sigma: 0.002, flares: true)])
        let found = try #require(statistic(output, "period", band: "TESS"))
        #expect(abs(found / period - 1) < 0.01, "found \(found) d for \(period) d")
        #expect(statistic(output, "significant", band: "TESS") == 1)
        #expect(abs(try #require(statistic(output, "amplitude", band: "TESS")) / 0.005 - 1) < 0.1)
        // The source's period is its only significant band's.
        #expect(statistic(output, "period") == found)
        #expect(statistic(output, "significant_bands") == 1)
        #expect(statistic(output, "band_disagreement")?.isNaN == true)
    }

    /// Nightly ground-based epochs over four seasons, 3 % noise: a 2.7-day period of 3 % is found,
    /// not one of its daily aliases.
    @Test func findsAPeriodInSparseNightlyData() throws {
        var g = SeededGenerator(seed: 2, stream: "nights")
        let nights = (0..<1500).filter { d in (d % 365) < 240 && g.uniform() < 0.5 }.map { 58_300 + Double($0) + 0.2 * g.uniform() }
        let output = try analyze([try lightcurve(band: "ZTF g", time: nights, period: 2.7, amplitude: 0.03, sigma: 0.03)])
        let found = try #require(statistic(output, "period", band: "ZTF g"))
        #expect(abs(found / 2.7 - 1) < 0.01, "found \(found) d")
        #expect(statistic(output, "significant", band: "ZTF g") == 1)
    }

    /// A 20-day rotation in a 27-day sector peaks at the longest period searched (13.5 d): marked,
    /// and not the source's period, while a ground-based band that resolves it is.
    @Test func aPeriodAtTheLongestSearchedIsALimit() throws {
        var g = SeededGenerator(seed: 3, stream: "nights")
        let nights = (0..<1500).filter { d in (d % 365) < 240 && g.uniform() < 0.5 }.map { 58_300 + Double($0) + 0.2 * g.uniform() }
        let tess = try lightcurve(time: sector, period: 20, amplitude: 0.01, sigma: 0.002)
        let ztf = try lightcurve(band: "ZTF r", time: nights.map { $0 - 56_000 }, period: 20, amplitude: 0.03, sigma: 0.02)
        let output = try analyze([tess, ztf])
        #expect(statistic(output, "at_longest_period", band: "TESS") == 1)
        #expect(statistic(output, "at_longest_period", band: "ZTF r") == 0)
        #expect(abs(try #require(statistic(output, "period")) / 20 - 1) < 0.02)
        #expect(statistic(output, "significant_bands") == 1)
    }

    @Test func noiseAloneHasNoSignificantPeriod() throws {
        let output = try analyze([try lightcurve(time: sector, period: nil, amplitude: 0, sigma: 0.002)])
        #expect(try #require(statistic(output, "fap", band: "TESS")) > 1e-3)
        #expect(statistic(output, "significant", band: "TESS") == 0)
        #expect(statistic(output, "period")?.isNaN == true)
        #expect(statistic(output, "significant_bands") == 0)
    }

    @Test func bandsThatDisagreeAreFlaggedButHalfThePeriodIsNot() throws {
        let time = sector
        let three = try lightcurve(band: "TESS", time: time, period: 3, amplitude: 0.005, sigma: 0.002)
        let half = try lightcurve(band: "Kepler", time: time, period: 1.5, amplitude: 0.005, sigma: 0.002, seed: 2)
        let other = try lightcurve(band: "K2", time: time, period: 5, amplitude: 0.005, sigma: 0.002, seed: 3)
        #expect(statistic(try analyze([three, half]), "band_disagreement") == 0)
        #expect(statistic(try analyze([three, other]), "band_disagreement") == 1)
        #expect(statistic(try analyze([three, half, other]), "significant_bands") == 3)
        // A ground-based band's daily alias of the same rotation: 1 / (1/3 + 1.0027) d.
        let search = RotationSearch()
        #expect(search.agree(3, 1 / (1.0 / 3 + 1.0027379)) && search.agree(1 / (1.0 / 3 + 1.0027379), 3))
        #expect(search.agree(0.7, 1 / (1 / 0.7 - 1.0027379)))
        #expect(!search.agree(3, 0.9))
    }

    /// A band without enough points is not searched: no period, and it fills no baseline coverage.
    @Test func aBandWithTooFewPointsIsNotSearched() throws {
        let output = try analyze([try lightcurve(time: Array(sector.prefix(10)), period: 1, amplitude: 0.01, sigma: 0.001)])
        #expect(statistic(output, "points", band: "TESS") == 10)
        #expect(statistic(output, "period", band: "TESS") == nil)
        #expect(output.coverage.first { $0.name == "baseline" }?.counts.reduce(0, +) == 0)
        #expect(output.coverage.first { $0.name == "points" }?.counts.reduce(0, +) == 10)
    }

    /// The simulator's modulation is what it says (smeared by the exposure as a boxcar smears a
    /// sinusoid), and an injection counts as found only at its own period, not at an alias, though
    /// the alias is kept as what was measured.
    @Test func anInjectedModulationIsRecoveredAtItsPeriodOnly() throws {
        let simulator = SpotModulationSimulator(parameters: .init(period: 2...2, amplitude: 0.01...0.01))
        let flat = try lightcurve(time: sector, period: nil, amplitude: 0, sigma: 0.002)
        var g = SeededGenerator(seed: 5, stream: "inject")
        let (injected, injections) = try simulator.inject(into: flat, exposureSeconds: 120, using: &g, firstID: 7)
        let injection = try #require(injections.first)
        #expect(injections.count == 1 && injection.id == 7)
        #expect(abs((injection.parameters["period"] ?? 0) - 2) < 1e-12 && abs((injection.parameters["amplitude"] ?? 0) - 0.01) < 1e-14)
        let added = zip(injected.flux, flat.flux).map { $0 - $1 }
        let median = try #require(Statistics.median(flat.flux))
        #expect(abs((added.max() ?? 0) / median - 0.01) < 1e-5)
        // A half-period exposure keeps 2/π of the amplitude.
        let smeared = simulator.signal(of: injection, in: flat, exposureSeconds: 86_400)
        #expect(abs((smeared.max() ?? 0) / median - 0.01 * 2 / .pi) < 1e-4)

        let output = try analyze([injected])
        let recovery = simulator.recovery(of: injections, in: output)
        #expect(recovery.recovered == [7])
        #expect(abs((recovery.measured[7]?["period"] ?? 0) - 2) < 0.02)
        let alias = AnalysisOutput(
            statistics: [Statistic("period", band: "TESS", value: 1.0), Statistic("amplitude", band: "TESS", value: 0.004)], detections: [],
            coverage: [])
        let missed = simulator.recovery(of: injections, in: alias)
        #expect(missed.recovered.isEmpty)
        #expect(missed.measured[7] == ["period": 1.0, "amplitude": 0.004])
    }
}
