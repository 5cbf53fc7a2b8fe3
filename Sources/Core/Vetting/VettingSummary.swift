import Foundation

/// What blind vetting measured, once unblinded: how often people accepted simulated candidates
/// (vetting efficiency), which real candidates they accepted, how far vetters agree, and the flare
/// rate corrected for both the search's and the vetters' efficiency.
///
/// **Consensus.** A card is accepted when more of the vetters who judged it said "flare" than "not
/// a flare"; "unsure" abstains, and a tie (or only "unsure") is not accepted. The same rule applies
/// to simulated and real cards, so the vetting efficiency measured on the simulated ones is the one
/// that applies to the real ones.
///
/// **Correction.** In each bin of equivalent duration, each accepted real candidate (binned by
/// measured ED) counts 1 / (search efficiency of its band × vetting efficiency): the search
/// efficiency is recovered / injected over every injection of the run in that band, the vetting
/// efficiency accepted / shown simulated cards (all bands: a vetting sample is small), both binned
/// by injected ED. Divided by the observed time, a flare rate per day. Measured
/// and injected ED agree to a few per cent on average (``FlareSearch``), so binning one by the
/// other is the usual approximation (e.g. Ilin et al. 2021); bins where either efficiency is zero or
/// unmeasured give no corrected value rather than an infinite one.
public struct VettingSummary: Sendable {
    /// One card as the summary needs it.
    public struct Card: Sendable {
        public var cardID: String
        public var detection: DetectionRecord
        /// The injection a simulated card recovered; nil for a real card.
        public var injection: InjectionRecord?

        public init(cardID: String, detection: DetectionRecord, injection: InjectionRecord?) {
            self.cardID = cardID
            self.detection = detection
            self.injection = injection
        }
        public var simulated: Bool { detection.simulated }
    }

    /// A fraction k/n with its 68 % Wilson interval.
    public struct Fraction: Sendable, Equatable {
        public var k: Int
        public var n: Int
        public var value: Double? { n > 0 ? Double(k) / Double(n) : nil }
        /// The 68 % (1σ) Wilson score interval; nil when n = 0.
        public var interval: ClosedRange<Double>? {
            guard n > 0 else { return nil }
            let z = 1.0, nn = Double(n), p = Double(k) / nn
            let centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
            let half = z / (1 + z * z / nn) * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot()
            return max(0, centre - half)...min(1, centre + half)
        }
    }

    /// One bin of a vetting-efficiency table.
    public struct Bin: Sendable {
        public var range: Range<Double>
        /// Recovered over injected (every injection of the run in this bin), all bands and per band.
        public var search: Fraction
        public var searchByBand: [String: Fraction]
        /// Accepted by consensus over shown (simulated cards in this bin).
        public var vetting: Fraction
        /// Per vetter: accepted over judged (simulated cards in this bin), "unsure" counted as not accepted.
        public var byVetter: [String: Fraction]
        /// Real cards in this bin (by measured value) accepted by consensus, and shown.
        public var realAccepted: Int
        public var realShown: Int
        /// Σ 1 / (search efficiency of the candidate's band × vetting) over the accepted real candidates;
        /// nil when the vetting efficiency, or the search efficiency of a band with accepted candidates,
        /// is zero or unmeasured.
        public var corrected: Double?
        /// corrected per day of observation.
        public var ratePerDay: Double?
        /// The corrected count split by the band the candidates were found in: every band with accepted
        /// candidates and a measured search efficiency (also when another band leaves `corrected` nil).
        public var correctedByBand: [String: Double]
    }

    /// The corrected count of one band over the ED bins that have one, and the band's own observed time.
    public struct BandRate: Sendable, Equatable {
        public var corrected: Double
        public var observedDays: Double
        public var ratePerDay: Double? { observedDays > 0 ? corrected / observedDays : nil }
    }

    /// Agreement of two vetters on the cards both judged.
    public struct Agreement: Sendable {
        public var vetters: (String, String)
        public var common: Int
        public var agreeing: Int
        /// Cohen's κ over the three verdicts; nil when undefined (fewer than two cards or one category only).
        public var kappa: Double?
    }

    public var vetters: [String]
    public var cardCount: Int
    public var simulatedCount: Int
    public var verdictCount: Int
    /// Consensus acceptance of each judged card (by card id); cards nobody judged are absent.
    public var accepted: [String: Bool]
    /// Per vetter: accepted / judged among simulated cards, and among real cards.
    public var simulatedAcceptedByVetter: [String: Fraction]
    public var realAcceptedByVetter: [String: Fraction]
    /// Consensus acceptance of simulated cards (the overall vetting efficiency) and of real ones.
    public var simulatedAccepted: Fraction
    public var realAccepted: Fraction
    /// By equivalent duration (seconds) and by peak amplitude (relative), decade bins.
    public var byED: [Bin]
    public var byAmplitude: [Bin]
    public var agreements: [Agreement]
    public var observedDays: Double
    public var observedDaysByBand: [String: Double]
    /// Sum of the corrected counts of every ED bin that has one, and that per day.
    public var correctedTotal: Double?
    public var correctedRatePerDay: Double?
    /// Per band: the corrected count over the ED bins that have one, over that band's observed time.
    public var correctedByBand: [String: BandRate]

    /// - Parameters:
    ///   - observedDays: the run's observed time (days), for the overall rate.
    ///   - observedDaysByBand: each band's observed time, for the per-band rates (a flare rate mixes
    ///     bands of very different sensitivity; the per-band ones are what to compare with other work).
    public init(
        cards: [Card], verdicts: [VerdictRecord], injections: [InjectionRecord], observedDays: Double,
        observedDaysByBand: [String: Double] = [:]
    ) {
        let byCard = Dictionary(grouping: verdicts, by: \.cardId)
        let vetters = Array(Set(verdicts.map(\.vetter))).sorted()
        self.vetters = vetters
        cardCount = cards.count
        simulatedCount = cards.filter(\.simulated).count
        verdictCount = verdicts.count
        self.observedDays = observedDays
        self.observedDaysByBand = observedDaysByBand
        let observedDays = observedDays
        var accepted: [String: Bool] = [:]
        for card in cards {
            guard let given = byCard[card.cardID], !given.isEmpty else { continue }
            let yes = given.filter { $0.verdict == .flare }.count
            let no = given.filter { $0.verdict == .notFlare }.count
            accepted[card.cardID] = yes > no
        }
        self.accepted = accepted
        let simulated = cards.filter(\.simulated)
        let real = cards.filter { !$0.simulated }
        func consensus(_ cards: [Card]) -> Fraction {
            let judged = cards.compactMap { accepted[$0.cardID] }
            return Fraction(k: judged.filter { $0 }.count, n: judged.count)
        }
        func vetterFraction(_ cards: [Card], _ vetter: String) -> Fraction {
            let ids = Set(cards.map(\.cardID))
            let mine = verdicts.filter { $0.vetter == vetter && ids.contains($0.cardId) }
            return Fraction(k: mine.filter { $0.verdict == .flare }.count, n: mine.count)
        }
        simulatedAccepted = consensus(simulated)
        realAccepted = consensus(real)
        simulatedAcceptedByVetter = Dictionary(uniqueKeysWithValues: vetters.map { ($0, vetterFraction(simulated, $0)) })
        realAcceptedByVetter = Dictionary(uniqueKeysWithValues: vetters.map { ($0, vetterFraction(real, $0)) })

        func bins(
            injected: (InjectionRecord) -> Double, measured: (DetectionRecord) -> Double
        ) -> [Bin] {
            let values = injections.map(injected).filter { $0 > 0 && $0.isFinite }
            guard let lo = values.min(), let hi = values.max() else { return [] }
            let first = Int(log10(lo).rounded(.down)), last = Int(log10(hi).rounded(.down))
            return (first...last).map { e in
                let range = pow(10, Double(e))..<pow(10, Double(e + 1))
                let inBin = injections.filter { range.contains(injected($0)) }
                let shown = simulated.filter { $0.injection.map { range.contains(injected($0)) } ?? false }
                let realHere = real.filter { range.contains(measured($0.detection)) }
                let search = Fraction(k: inBin.filter(\.recovered).count, n: inBin.count)
                let searchByBand = Dictionary(grouping: inBin, by: \.band).mapValues { Fraction(k: $0.filter(\.recovered).count, n: $0.count) }
                let vetting = consensus(shown)
                let acceptedReal = realHere.filter { accepted[$0.cardID] == true }
                // Each accepted candidate counts 1 / (search efficiency of its band) / (vetting efficiency).
                var corrected: Double?
                var correctedByBand: [String: Double] = [:]
                if let v = vetting.value, v > 0 {
                    var complete = true
                    for (band, group) in Dictionary(grouping: acceptedReal, by: \.detection.band) {
                        guard let s = searchByBand[band]?.value, s > 0 else {
                            complete = false
                            continue
                        }
                        correctedByBand[band] = Double(group.count) / s / v
                    }
                    if complete { corrected = correctedByBand.values.reduce(0, +) }
                }
                let realAccepted = acceptedReal.count
                return Bin(
                    range: range, search: search, searchByBand: searchByBand, vetting: vetting,
                    byVetter: Dictionary(uniqueKeysWithValues: vetters.map { ($0, vetterFraction(shown, $0)) }),
                    realAccepted: realAccepted, realShown: realHere.count, corrected: corrected,
                    ratePerDay: observedDays > 0 ? corrected.map { $0 / observedDays } : nil, correctedByBand: correctedByBand)
            }
        }
        // Blind vetting is of flare candidates (FlareSimulator's injections).
        let byED = bins(injected: { $0.parameters[Injection.FlareParameter.equivalentDuration] ?? .nan }, measured: \.ed)
        self.byED = byED
        byAmplitude = bins(injected: { $0.parameters[Injection.FlareParameter.amplitude] ?? .nan }, measured: \.amplitude)
        let correctedBins = byED.compactMap(\.corrected)
        let correctedTotal = correctedBins.isEmpty ? nil : correctedBins.reduce(0, +)
        self.correctedTotal = correctedTotal
        correctedRatePerDay = observedDays > 0 ? correctedTotal.map { $0 / observedDays } : nil
        var byBand: [String: BandRate] = [:]
        for bin in byED {
            for (band, value) in bin.correctedByBand {
                byBand[band, default: BandRate(corrected: 0, observedDays: observedDaysByBand[band] ?? 0)].corrected += value
            }
        }
        correctedByBand = byBand

        var agreements: [Agreement] = []
        let verdictOf = Dictionary(uniqueKeysWithValues: verdicts.map { ("\($0.vetter)\u{0}\($0.cardId)", $0.verdict) })
        for (i, a) in vetters.enumerated() {
            for b in vetters[(i + 1)...] {
                let pairs = cards.compactMap { c -> (VerdictRecord.Verdict, VerdictRecord.Verdict)? in
                    guard let x = verdictOf["\(a)\u{0}\(c.cardID)"], let y = verdictOf["\(b)\u{0}\(c.cardID)"] else { return nil }
                    return (x, y)
                }
                agreements.append(
                    Agreement(vetters: (a, b), common: pairs.count, agreeing: pairs.filter { $0.0 == $0.1 }.count, kappa: Self.kappa(pairs)))
            }
        }
        self.agreements = agreements
    }

    /// Cohen's κ = (p_o − p_e) / (1 − p_e) over the three verdicts.
    static func kappa(_ pairs: [(VerdictRecord.Verdict, VerdictRecord.Verdict)]) -> Double? {
        guard pairs.count >= 2 else { return nil }
        let n = Double(pairs.count)
        let observed = Double(pairs.filter { $0.0 == $0.1 }.count) / n
        var expected = 0.0
        for v in VerdictRecord.Verdict.allCases {
            expected += Double(pairs.filter { $0.0 == v }.count) / n * Double(pairs.filter { $0.1 == v }.count) / n
        }
        guard expected < 1 else { return nil }
        return (observed - expected) / (1 - expected)
    }
}
