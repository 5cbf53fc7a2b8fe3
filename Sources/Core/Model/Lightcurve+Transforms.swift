import Foundation

extension Lightcurve {
    /// The points in time order. Duplicate timestamps (the same exposure delivered twice, e.g. by two
    /// archive responses) keep the point with the smaller flux error.
    public func sorted() -> Lightcurve {
        let order = time.indices.sorted { time[$0] < time[$1] || (time[$0] == time[$1] && $0 < $1) }
        var keep: [Int] = []
        keep.reserveCapacity(order.count)
        var duplicates = 0
        for i in order {
            if let last = keep.last, time[last] == time[i] {
                duplicates += 1
                if fluxError[i] < fluxError[last] { keep[keep.count - 1] = i }
                continue
            }
            keep.append(i)
        }
        var note = "sorted by time"
        if duplicates > 0 { note += ", \(duplicates) duplicate timestamps resolved (smallest error kept)" }
        return selecting(keep, note: note)
    }

    /// Points at `indices`, in that order.
    public func selecting(_ indices: [Int], note: String? = nil) -> Lightcurve {
        Lightcurve(
            unchecked: indices.map { time[$0] }, flux: indices.map { flux[$0] },
            fluxError: indices.map { fluxError[$0] }, origins: indices.map { origins[$0] },
            pointFlags: indices.map { pointFlags[$0] }, band: band,
            timeSystem: timeSystem, fluxUnit: fluxUnit, provenance: note.map { provenance + [$0] } ?? provenance)
    }

    /// Flux and error divided by the median flux: the quiescent level becomes 1.
    /// - Throws: ``LightcurveError/incompatible(_:)`` when the median is not positive.
    public func normalized() throws -> Lightcurve {
        let level = Statistics.median(flux.filter(\.isFinite))
        guard let level, level > 0 else {
            throw LightcurveError.incompatible("median flux \(String(describing: level)) cannot normalise band \(band)")
        }
        return Lightcurve(
            unchecked: time, flux: flux.map { $0 / level }, fluxError: fluxError.map { $0 / level }, origins: origins,
            pointFlags: pointFlags, band: band, timeSystem: timeSystem, fluxUnit: .relative,
            provenance: provenance + ["normalised by median flux \(level) \(fluxUnit.rawValue)"])
    }

    /// Concatenates two light curves of the same band, time system and unit, then sorts.
    public func combined(with other: Lightcurve) throws -> Lightcurve {
        guard band == other.band, timeSystem == other.timeSystem, fluxUnit == other.fluxUnit else {
            throw LightcurveError.incompatible(
                "\(band)/\(timeSystem)/\(fluxUnit.rawValue) vs \(other.band)/\(other.timeSystem)/\(other.fluxUnit.rawValue)")
        }
        return Lightcurve(
            unchecked: time + other.time, flux: flux + other.flux, fluxError: fluxError + other.fluxError,
            origins: origins + other.origins, pointFlags: pointFlags + other.pointFlags, band: band, timeSystem: timeSystem, fluxUnit: fluxUnit,
            provenance: provenance + ["combined with \(other.count) points"]
        ).sorted()
    }

    /// Index ranges of continuous stretches: a new segment starts where consecutive times differ by
    /// more than `maxGap` days. Assumes a sorted light curve.
    public func segments(maxGap: Double) -> [Range<Int>] {
        guard !time.isEmpty else { return [] }
        var result: [Range<Int>] = []
        var start = 0
        for i in 1..<time.count where time[i] - time[i - 1] > maxGap {
            result.append(start..<i)
            start = i
        }
        result.append(start..<time.count)
        return result
    }
}
