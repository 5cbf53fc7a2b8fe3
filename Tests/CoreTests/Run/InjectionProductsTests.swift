import Foundation
import Testing

@testable import Core
import TestSupport

@Suite("InjectionProducts")
struct InjectionProductsTests {
    /// Each injection's signal, added alone, is what injecting it put there; a stored cut-out reads back
    /// and, applied to the real light curve, gives the injected flux inside it and the real flux elsewhere.
    @Test func oneInjectionAloneIsWhatInjectingAddedAndItsCutoutRoundTrips() throws {
        var g = SeededGenerator(seed: 4)
        let time = stride(from: 0.0, to: 10, by: 2.0 / 1440).map { 1500 + $0 }
        let lc = try Lightcurve(
            time: time, flux: time.map { _ in 1 + 0.001 * g.gaussian() }, fluxError: Array(repeating: 0.001, count: time.count),
            band: "TESS", timeSystem: .btjd, fluxUnit: .relative)
        let simulator = FlareSimulator(parameters: .init(ratePerDay: 0.8, amplitude: 0.01...0.2, fwhmMinutes: 4...30))
        var generator = SeededGenerator(seed: 9, stream: "inject")
        let (injected, injections) = try simulator.inject(into: lc, exposureSeconds: 120, using: &generator, firstID: 0)
        try #require(injections.count >= 3)
        let signals = injections.map { simulator.signal(of: $0, in: lc, exposureSeconds: 120) }
        for i in lc.time.indices {
            let sum = signals.reduce(0) { $0 + $1[i] }
            #expect(abs(injected.flux[i] - lc.flux[i] - sum) < 1e-12)
        }

        let first = injections[0]
        let window = DetectionWindow.cutout(start: first.peakTime, stop: first.peakTime + first.fwhm * 3, peak: first.peakTime, medianCadence: lc.medianCadence)
        let model = lc.time.map { _ in 1.0 }
        let cutout = InjectionProducts.Cutout(band: "TESS", injection: first.id, lightcurve: lc, windows: [window], signal: signals[0], model: model.map { $0 + 0.5 })
        #expect(cutout.indices.allSatisfy { window.contains(lc.time[$0]) || signals[0][$0] != 0 })
        #expect(cutout.indices.count < lc.count / 4, "a cut-out, not the light curve")
        try withTemporaryFolderSync { folder in
            let url = folder.appendingPathComponent("1-injections.fits")
            try InjectionProducts.write([cutout], source: CatalogEntry(id: "t", ra: 0, dec: 0), sourceID: 1, runID: "r", to: url)
            let read = try InjectionProducts.read(url)
            #expect(read.count == 1 && read[0].indices == cutout.indices && read[0].injection == first.id)
            let (drawn, drawnModel) = read[0].applied(to: lc, model: model)
            // Only the far tail below 10⁻⁴ of the peak is left out.
            let floor = 1e-4 * (signals[0].max() ?? 0)
            for i in lc.time.indices {
                let expected = lc.flux[i] + signals[0][i]
                #expect(abs(drawn.flux[i] - expected) <= floor + 1e-6 * max(1, abs(expected)), "point \(i)")
                #expect(drawnModel[i] == (cutout.indices.contains(i) ? 1.5 : 1.0))
            }
        }
    }
}

