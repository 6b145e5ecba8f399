import Foundation

/// A set of record ordinals as a bit per record (the dry run's quarantined records: 125 KiB for a
/// million rows).
struct OrdinalSet: Sendable {
    private var words: [UInt64] = []

    /// Adds `n` (≥ 0).
    mutating func insert(_ n: Int) {
        let w = n >> 6
        if w >= words.count { words.append(contentsOf: repeatElement(0, count: w - words.count + 1)) }
        words[w] |= 1 << UInt64(n & 63)
    }

    /// Whether `n` is in the set.
    func contains(_ n: Int) -> Bool {
        let w = n >> 6
        return w < words.count && words[w] & (1 << UInt64(n & 63)) != 0
    }
}
