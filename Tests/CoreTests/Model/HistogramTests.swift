import Testing

@testable import Core

@Suite("Histogram")
struct HistogramTests {
    func make() -> Histogram {
        Histogram(
            name: "points", quantity: "points",
            axes: [HistogramAxis("band", categories: ["TESS", "ZTF g"]), HistogramAxis("snr", edges: [0, 5, 10, 100])])
    }

    @Test func countsLandInTheRightBinsAndOutsideValuesAreKept() {
        var h = make()
        h.count(source: "a")
        h.add(["TESS", 7])
        h.add(["TESS", 100])  // the last edge belongs to the last bin
        h.add(["ZTF g", 0], weight: 3)
        h.add(["ZTF r", 7])  // unknown category
        h.add(["TESS", .value(.nan)])
        #expect(h.count(at: [0, 1]) == 1)
        #expect(h.count(at: [0, 2]) == 1)
        #expect(h.count(at: [1, 0]) == 3)
        #expect(h.outside == 2)
        #expect(h.total == 5)
        #expect(h.projection(onto: 0) == [2, 3])
        #expect(h.projection(onto: 1) == [3, 1, 1])
    }

    @Test func additionIsExactAndOrderIndependent() throws {
        var parts: [Histogram] = []
        var whole = make()
        for k in 0..<7 {
            var h = make()
            h.count(source: "s\(k)")
            whole.count(source: "s\(k)")
            for j in 0..<(k * 13 + 1) {
                let c: [HistogramCoordinate] = [j % 2 == 0 ? "TESS" : "ZTF g", .value(Double(j % 120))]
                h.add(c, weight: Int64(j))
                whole.add(c, weight: Int64(j))
            }
            parts.append(h)
        }
        var forward = parts[0]
        for p in parts.dropFirst() { forward = try forward + p }
        var backward = parts[parts.count - 1]
        for p in parts.dropLast().reversed() { backward = try backward + p }
        #expect(forward == whole)
        #expect(backward == whole)
    }

    @Test func addingDifferentAxesIsAnError() {
        let a = make()
        let b = Histogram(name: "points", quantity: "points", axes: [HistogramAxis("band", categories: ["TESS"])])
        #expect(throws: HistogramError.incompatible("points", "points")) { try a + b }
    }

    @Test func aSourceCannotBeCountedTwice() {
        var a = make()
        a.count(source: "star-1")
        var b = make()
        b.count(source: "star-1")
        #expect(throws: HistogramError.sourceCountedTwice(histogram: "points", sources: ["star-1"])) { try a + b }
    }
}
