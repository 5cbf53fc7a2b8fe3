import Foundation
import Testing
import Plot

@Suite("decimated")
struct DecimatedTests {
    @Test func keepsGlobalExtremesOfALongSeriesWithASpike() {
        let n = 100_000
        let x = (0..<n).map { Double($0) * 0.01 }
        var y = x.map { sin($0) + 0.1 * sin($0 * 37.3) }
        y[31_337] = 25   // spike
        y[77_777] = -12  // dip
        let columns = 800
        let result = decimated(x: x, y: y, columns: columns)
        #expect(result.x.count == result.y.count)
        #expect(result.x.count <= 2 * columns + 2)
        #expect(result.y.max() == 25)
        #expect(result.y.min() == -12)
        #expect(result.x.first == x.first)
        #expect(result.x.last == x.last)
        #expect(zip(result.x, result.x.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func returnsShortSeriesUnchanged() {
        let x = [1.0, 2, 3, 4]
        let y = [4.0, 3, 2, 1]
        let result = decimated(x: x, y: y, columns: 10)
        #expect(result.x == x)
        #expect(result.y == y)
    }

    @Test func keepsGapsAsNaN() {
        let n = 10_000
        let x = (0..<n).map(Double.init)
        let y = x.map { (4000..<4100).contains(Int($0)) ? Double.nan : $0 }
        let result = decimated(x: x, y: y, columns: 100)
        #expect(result.y.contains { $0.isNaN })
        #expect(result.y.filter(\.isFinite).max() == Double(n - 1))
    }

    @Test func toleratesMismatchedLengthsAndNonFiniteX() {
        let x = (0..<1000).map { $0 == 500 ? Double.nan : Double($0) }
        let y = (0..<1200).map { Double($0 % 7) }
        let result = decimated(x: x, y: y, columns: 0)
        #expect(result.x.count == result.y.count)
        #expect(result.x.count <= 4)
        #expect(result.x.allSatisfy { $0.isFinite })
    }
}
