/// SplitMix64: a small, fast, seeded random-number generator, so that a failing run can be replayed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator.
    /// - Parameters:
    ///   - seed: The run's seed (`--seed`).
    ///   - stream: A name that gives each user of the seed its own sequence (for example a service name).
    public init(seed: UInt64, stream: String = "") {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in stream.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        state = seed ^ h
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniformly distributed number in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }
}
