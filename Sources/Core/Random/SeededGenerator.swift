import Foundation

/// A seeded, reproducible random number generator (xoshiro256**, Blackman & Vigna 2018).
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, and `Hasher` is randomised per process,
/// so neither can make a run reproducible. Each source gets its own stream derived from the run seed
/// and the source identifier (``SeededGenerator/init(seed:stream:)``), so results do not depend on the
/// order in which parallel jobs finish or on how the catalog is sharded.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose state is expanded from `seed` with SplitMix64, as the xoshiro authors advise.
    public init(seed: UInt64) {
        var sm = seed
        s = (Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm), Self.splitMix(&sm))
    }

    /// An independent stream for `stream` (e.g. a source identifier and a purpose) under `seed`.
    public init(seed: UInt64, stream: String) {
        self.init(seed: seed ^ Self.fnv1a(stream))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Log-uniform in `range` (both bounds positive).
    public mutating func logUniform(_ range: ClosedRange<Double>) -> Double {
        exp(uniform(log(range.lowerBound)...log(range.upperBound)))
    }

    /// Standard normal deviate (Box–Muller; one of the pair is discarded for simplicity of state).
    public mutating func gaussian() -> Double {
        var u = uniform()
        while u <= .leastNormalMagnitude { u = uniform() }
        return sqrt(-2 * log(u)) * cos(2 * .pi * uniform())
    }

    /// Poisson deviate (Knuth's method for small means, normal approximation above 30).
    public mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + sqrt(mean) * gaussian()).rounded())) }
        let limit = exp(-mean)
        var k = 0
        var p = uniform()
        while p > limit {
            k += 1
            p *= uniform()
        }
        return k
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a, a stable (not per-process randomised) hash of text.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
