/// Writing a JSON string literal (RFC 8259 escaping, non-ASCII kept as UTF-8) and finding the bytes
/// a JSON string must escape: the one escaping shared by ``JSONValue``'s writer, ETLCore's JSON Lines
/// writer and its JSON reader.
public enum JSONString {
    @usableFromInline static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal.
    @inlinable
    public static func append<Out: ByteAppender>(_ s: String, to out: inout Out) {
        var s = s
        s.withUTF8 { append(bytes: $0, to: &out) }
    }

    /// Appends valid UTF-8 bytes as a JSON string literal.
    ///
    /// Runs of bytes that need no escaping are found 8 at a time and copied in bulk.
    @inlinable
    public static func append<Out: ByteAppender>(bytes buf: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        out.append(0x22)
        guard let base = buf.baseAddress else {
            out.append(0x22)
            return
        }
        let n = buf.count
        var runStart = 0
        var i = 0
        while i < n {
            i = firstSpecial(base, from: i, to: n)
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
            guard i < n else { break }
            appendEscape(base[i], to: &out)
            i += 1
            runStart = i
        }
        out.append(0x22)
    }

    /// Appends the escape of one byte that ``firstSpecial(_:from:to:)`` stopped at.
    @usableFromInline
    static func appendEscape<Out: ByteAppender>(_ u: UInt8, to out: inout Out) {
        out.append(0x5C)
        switch u {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            for b in [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(u >> 4)], hex[Int(u & 15)]] { out.append(b) }
        }
    }

    /// The byte a one-character escape stands for (`n` → 0x0A; `"`, `\\` and `/` for themselves), or
    /// nil when `\` followed by `e` is not one (`u`, which takes four hex digits, or an unknown escape).
    @inlinable
    public static func unescapedByte(_ e: UInt8) -> UInt8? {
        switch e {
        case 0x22, 0x5C, 0x2F: return e
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        default: return nil
        }
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The first index in `from..<end` whose byte needs escaping in a JSON string (`"`, `\` or
    /// below 0x20), or `end`; eight bytes at a time in a `UInt64` (the bit tricks: a byte below
    /// `n` in `x` sets the high bit of `(x - n·ones) & ~x`).
    @inlinable @inline(__always)
    public static func firstSpecial(_ p: UnsafePointer<UInt8>, from: Int, to end: Int) -> Int {
        // Literals, not static lets: a caller in another module would reach a static through its
        // accessor on every call.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = from
        let raw = UnsafeRawPointer(p)
        let sq = ones &* 0x22
        let sb = ones &* 0x5C
        @inline(__always) func special(_ x: UInt64) -> UInt64 {
            ((x &- ones &* 0x20) | ((x ^ sq) &- ones) | ((x ^ sb) &- ones)) & ~x & highs
        }
        @inline(__always) func load(_ offset: Int) -> UInt64 {
            raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
        while i + 16 <= end {
            if special(load(i)) | special(load(i + 8)) != 0 { break }
            i += 16
        }
        while i + 8 <= end {
            if special(load(i)) != 0 { break }
            i += 8
        }
        while i < end {
            let v = p[i]
            if v < 0x20 || v == 0x22 || v == 0x5C { return i }
            i += 1
        }
        return end
    }
}
