/// Finding bytes eight at a time in a `UInt64` (SWAR), for the readers' and writers' hot loops.
///
/// Swift's `SIMD16` comparisons compile to a lane-by-lane loop on some targets (seen here on
/// x86_64 Linux: `any(v .< c)` built its mask one byte at a time on the stack), so the scans use
/// the classic bit tricks instead: `hasZero` is exact about whether any byte is zero, and
/// `hasLess(x, n)` about whether any byte is below `n` (for `n` ≤ 128).
enum ByteScan {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// A word with `b` in every byte.
    @inline(__always) static func splat(_ b: UInt8) -> UInt64 { ones &* UInt64(b) }

    /// Whether any byte of `x` is zero.
    @inline(__always) static func hasZero(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }

    /// Whether any byte of `x` is below `n` (`n` ≤ 128).
    @inline(__always) static func hasLess(_ x: UInt64, _ n: UInt8) -> Bool {
        (x &- ones &* UInt64(n)) & ~x & highs != 0
    }

    /// Eight bytes at `offset`, unaligned.
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// The first index in `from..<end` whose byte is one of `a`, `b`, `c` or `d`, or `end`.
    @inline(__always)
    static func first(
        _ p: UnsafePointer<UInt8>, from: Int, to end: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8
    ) -> Int {
        var i = from
        let raw = UnsafeRawPointer(p)
        let sa = splat(a)
        let sb = splat(b)
        let sc = splat(c)
        let sd = splat(d)
        while i + 8 <= end {
            let x = load(raw, i)
            if hasZero(x ^ sa) || hasZero(x ^ sb) || hasZero(x ^ sc) || hasZero(x ^ sd) { break }
            i += 8
        }
        while i < end {
            let v = p[i]
            if v == a || v == b || v == c || v == d { return i }
            i += 1
        }
        return end
    }

    /// The first index in `from..<end` whose byte is 0x80 or above, or `end`.
    @inline(__always)
    static func firstNonASCII(_ p: UnsafePointer<UInt8>, from: Int, to end: Int) -> Int {
        var i = from
        let raw = UnsafeRawPointer(p)
        while i + 16 <= end {
            if (load(raw, i) | load(raw, i + 8)) & highs != 0 { break }
            i += 16
        }
        while i < end && p[i] < 0x80 { i += 1 }
        return i
    }
}
