@testable import Core
import Foundation
@testable import Plot
import Testing

@testable import Report

/// The light-curve figure of a source (a run's source page, `report lightcurve --plot`).
@Suite("Source figure")
struct SourceFigureTests {
    /// A band of 10-minute points over each of `sectors` (start, length in days).
    static func band(_ name: String, sectors: [(Double, Double)], cadence: Double = 10.0 / 1440) throws -> BandLightcurve {
        let time = sectors.flatMap { start, length in stride(from: start, to: start + length, by: cadence).map { $0 } }
        let lc = try Lightcurve(
            time: time, flux: time.map { 1 + 0.01 * sin($0) }, fluxError: time.map { _ in 0.001 }, band: name, timeSystem: .btjd,
            fluxUnit: .relative)
        return BandLightcurve(
            lightcurve: lc, observatory: "o", rawRows: lc.count, flaggedRows: 0, invalidRows: 0, exposureSeconds: cadence * 86_400,
            datasetIndices: [0])
    }

    static func limits(of marks: [Mark]) -> (spans: [ClosedRange<Double>], lines: [ClosedRange<Double>]) {
        var spans: [ClosedRange<Double>] = [], lines: [ClosedRange<Double>] = []
        for mark in marks {
            switch mark {
            case let .span(from, to, _, _): spans.append(from...to)
            case let .line(x, _, _, _, _, _): lines.append(x.min()!...x.max()!)
            default: break
            }
        }
        return (spans, lines)
    }

    /// Two TESS sectors two years apart are two panels, each showing its own sector with its own
    /// detections and model; a sparse ZTF band with seasons a hundred days apart stays one panel.
    @Test func sectorsYearsApartGetAPanelEachAndSparseDataOne() throws {
        let tess = try Self.band("TESS", sectors: [(1325, 27), (2036, 27)])
        // Three seasons of a hundred epochs, a year apart.
        let ztfTime: [Double] = (0..<300).map { (k: Int) -> Double in 58_000 + 365 * Double(k / 100) + 1.3 * Double(k % 100) }
        let ztf = BandLightcurve(
            lightcurve: try Lightcurve(
                time: ztfTime, flux: ztfTime.map { _ in 1 }, fluxError: ztfTime.map { _ in 0.01 }, band: "ZTF g", timeSystem: .mjd,
                fluxUnit: .relative),
            observatory: "ZTF", rawRows: 300, flaggedRows: 0, invalidRows: 0, exposureSeconds: 30, datasetIndices: [1])
        #expect(ReportFigures.stretches(of: ztf.lightcurve) == [0..<300])
        let model = tess.lightcurve.flux
        let figure = ReportFigures.source(
            [tess, ztf], detections: [ReportFigures.Span(band: "TESS", start: 2040, stop: 2040.02)], sourceName: "star",
            models: ["TESS": model])
        #expect(figure.rows == 3)
        let n = tess.lightcurve.count
        #expect(figure.panels.map { $0.title } == [
            "TESS (o): 1325.0–1352.0, \(n / 2) of \(n) points", "TESS (o): 2036.0–2063.0, \(n / 2) of \(n) points", "ZTF g (ZTF): 300 points",
        ])
        let first = try #require(figure.panels[0].xLimits), second = try #require(figure.panels[1].xLimits)
        #expect(first.lowerBound > 1324 && first.upperBound < 1353)
        #expect(second.lowerBound > 2035 && second.upperBound < 2064)
        #expect(figure.panels[2].xLimits == nil)
        // Both sectors on the band's one flux scale.
        #expect(figure.panels[0].yLimits != nil && figure.panels[0].yLimits == figure.panels[1].yLimits)
        let (spans0, lines0) = Self.limits(of: figure.panels[0].marks)
        let (spans1, lines1) = Self.limits(of: figure.panels[1].marks)
        #expect(spans0.isEmpty && spans1.count == 1)
        // The model is drawn in each sector's panel and only there.
        #expect(!lines0.isEmpty && lines0.allSatisfy { first.contains($0.lowerBound) && first.contains($0.upperBound) })
        #expect(!lines1.isEmpty && lines1.allSatisfy { second.contains($0.lowerBound) && second.contains($0.upperBound) })
        // One sector, or consecutive sectors (a downlink gap of a day), stay one panel titled as before.
        let consecutive = try Self.band("TESS", sectors: [(1325, 13), (1339, 13), (1353, 27)])
        let one = ReportFigures.source([consecutive], detections: [], sourceName: "star")
        #expect(one.panels.map(\.title) == ["TESS (o): \(consecutive.lightcurve.count) points"])
        #expect(one.panels[0].xLimits == nil)
        #expect(try one.svgString().contains("<svg"))
        #expect(try figure.svgString().contains("<svg"))
    }

    /// Eight sectors far apart: at most six panels, the five longest breaks starting them.
    @Test func manyStretchesAreCappedAtTheLongestBreaks() throws {
        let starts: [Double] = [0, 100, 150, 400, 430, 800, 1200, 1215]
        let band = try Self.band("TESS", sectors: starts.map { ($0, 5) }, cadence: 0.02)
        let stretches = ReportFigures.stretches(of: band.lightcurve)
        #expect(stretches.count == ReportFigures.maximumStretches)
        // Breaks of 95, 45, 245, 25, 365, 395 and 10 days: the five longest start the stretches after the first.
        #expect(stretches.map { band.lightcurve.time[$0.lowerBound] } == [0, 100, 150, 400, 800, 1200])
        #expect(stretches.first?.lowerBound == 0 && stretches.last?.upperBound == band.lightcurve.count)
    }
}
