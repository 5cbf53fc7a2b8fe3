import Foundation
import Testing

@testable import Core

@Suite("VettingSummary")
struct VettingSummaryTests {
    func detection(_ id: Int64, simulated: Bool, ed: Double, amplitude: Double = 0.05, injection: Int64? = nil) -> DetectionRecord {
        DetectionRecord(
            id: id, sourceId: 1, band: "TESS", timeSystem: "BTJD", start: 0, stop: 0.01, peakTime: 0.005, amplitude: amplitude, ed: ed,
            edErr: 1, significance: 10, nPoints: 4, firstIndex: 0, lastIndex: 3, firstDatasetId: nil, firstRow: 0, peakDatasetId: nil,
            peakRow: 0, lastDatasetId: nil, lastRow: 0, simulated: simulated, injectionId: injection)
    }

    func injection(_ id: Int64, ed: Double, recovered: Bool, amplitude: Double = 0.05) -> InjectionRecord {
        InjectionRecord(
            id: id, sourceId: 1, number: Int(id), band: "TESS", time: 0, recovered: recovered,
            parameters: ["amplitude": amplitude, "fwhm": 0.01, "ed": ed])
    }

    func verdict(_ card: String, _ vetter: String, _ v: VerdictRecord.Verdict) -> VerdictRecord {
        VerdictRecord(pageId: "p", cardId: card, detectionId: 0, vetter: vetter, verdict: v, comment: "", time: "")
    }

    @Test func consensusEfficienciesAndCorrectionFollowTheirDefinitions() {
        // ED decade 10–100 s: 4 injected, 2 recovered (search 0.5); both shown, one accepted (vetting 0.5).
        let injections = [
            injection(1, ed: 20, recovered: true), injection(2, ed: 30, recovered: true),
            injection(3, ed: 40, recovered: false), injection(4, ed: 50, recovered: false),
        ]
        let cards: [VettingSummary.Card] = [
            .init(cardID: "s1", detection: detection(11, simulated: true, ed: 19, injection: 1), injection: injections[0]),
            .init(cardID: "s2", detection: detection(12, simulated: true, ed: 31, injection: 2), injection: injections[1]),
            .init(cardID: "r1", detection: detection(21, simulated: false, ed: 25), injection: nil),
            .init(cardID: "r2", detection: detection(22, simulated: false, ed: 60), injection: nil),
            .init(cardID: "r3", detection: detection(23, simulated: false, ed: 70), injection: nil),
        ]
        let verdicts = [
            // s1: 2 flare vs 0 → accepted; s2: 1–1 tie → not accepted.
            verdict("s1", "A", .flare), verdict("s1", "B", .flare),
            verdict("s2", "A", .flare), verdict("s2", "B", .notFlare),
            // r1: flare + unsure → accepted (unsure abstains); r2: only unsure → not; r3 accepted.
            verdict("r1", "A", .flare), verdict("r1", "B", .unsure),
            verdict("r2", "A", .unsure),
            verdict("r3", "A", .flare), verdict("r3", "B", .flare),
        ]
        let s = VettingSummary(cards: cards, verdicts: verdicts, injections: injections, observedDays: 10)
        #expect(s.vetters == ["A", "B"])
        #expect(s.accepted == ["s1": true, "s2": false, "r1": true, "r2": false, "r3": true])
        #expect(s.simulatedAccepted == .init(k: 1, n: 2))
        #expect(s.realAccepted == .init(k: 2, n: 3))
        #expect(s.simulatedAcceptedByVetter["A"] == .init(k: 2, n: 2))
        #expect(s.simulatedAcceptedByVetter["B"] == .init(k: 1, n: 2))
        #expect(s.byED.count == 1)
        let bin = s.byED[0]
        #expect(bin.range == 10..<100)
        #expect(bin.search == .init(k: 2, n: 4) && bin.vetting == .init(k: 1, n: 2))
        #expect(bin.realAccepted == 2 && bin.realShown == 3)
        #expect(bin.corrected == 8)   // 2 / (0.5 × 0.5)
        #expect(bin.ratePerDay == 0.8)
        #expect(s.correctedTotal == 8 && s.correctedRatePerDay == 0.8)
        // A second band with half the search efficiency: its accepted candidates count twice as much.
        let zInjections = [injection(5, ed: 20, recovered: true), injection(6, ed: 30, recovered: false), injection(7, ed: 40, recovered: false), injection(8, ed: 50, recovered: false)].map {
            var i = $0
            i.band = "ZTF r"
            return i
        }
        var zCard = detection(24, simulated: false, ed: 30)
        zCard.band = "ZTF r"
        let mixed = VettingSummary(
            cards: cards + [.init(cardID: "z1", detection: zCard, injection: nil)], verdicts: verdicts + [verdict("z1", "A", .flare)],
            injections: injections + zInjections, observedDays: 10, observedDaysByBand: ["TESS": 4, "ZTF r": 6])
        #expect(mixed.byED[0].searchByBand["ZTF r"] == .init(k: 1, n: 4))
        #expect(mixed.byED[0].corrected == 16)   // (2 / 0.5 + 1 / 0.25) / 0.5
        #expect(mixed.correctedByBand["TESS"] == .init(corrected: 8, observedDays: 4))
        #expect(mixed.correctedByBand["ZTF r"]?.ratePerDay == 8.0 / 6)
        // A and B both judged s1, s2, r1, r3: agree on s1 and r3.
        #expect(s.agreements.count == 1 && s.agreements[0].common == 4 && s.agreements[0].agreeing == 2)
    }

    @Test func kappaIsOneForPerfectAgreementAndZeroAtChance() {
        let perfect: [(VerdictRecord.Verdict, VerdictRecord.Verdict)] = [(.flare, .flare), (.notFlare, .notFlare), (.flare, .flare)]
        #expect(VettingSummary.kappa(perfect) == 1)
        // Independent raters: each says flare half the time, pairs in all four combinations equally.
        let chance: [(VerdictRecord.Verdict, VerdictRecord.Verdict)] = [(.flare, .flare), (.flare, .notFlare), (.notFlare, .flare), (.notFlare, .notFlare)]
        #expect(VettingSummary.kappa(chance) == 0)
        #expect(VettingSummary.kappa([(.flare, .flare)]) == nil)
    }

    @Test func wilsonIntervalContainsTheFractionAndNarrowsWithMoreTrials() throws {
        let small = try #require(VettingSummary.Fraction(k: 3, n: 4).interval)
        let large = try #require(VettingSummary.Fraction(k: 300, n: 400).interval)
        #expect(small.contains(0.75) && large.contains(0.75))
        #expect(large.upperBound - large.lowerBound < small.upperBound - small.lowerBound)
        #expect(VettingSummary.Fraction(k: 0, n: 0).interval == nil)
        #expect(try #require(VettingSummary.Fraction(k: 0, n: 5).interval).lowerBound == 0)
    }
}
