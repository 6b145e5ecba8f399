#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turning a field's bytes into a `String`: validated UTF-8 on the fast path, Windows-1252 when asked
/// or as the fallback for bytes that are not UTF-8.
enum TextDecoding {
    /// Windows-1252 bytes 0x80–0x9F as Unicode scalars (the WHATWG table; the five bytes the code page
    /// leaves undefined map to the C1 controls of the same value, as browsers do).
    static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// The bytes as a `String` if they are valid UTF-8, else nil.
    ///
    /// `String(decoding:as:)` (specialised, SIMD-validated) does the work; it repairs rather than
    /// fails, so a repair is detected afterwards: a different length, or (for a 3-byte invalid run
    /// replaced by the 3-byte U+FFFD) a 0xEF byte in the result, which then gets an exact check.
    @inline(__always)
    static func utf8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let s = String(decoding: bytes, as: UTF8.self)
        let n = bytes.count
        if s.utf8.count != n { return nil }
        let suspicious =
            s.utf8.withContiguousStorageIfAvailable { b -> Bool in
                guard let base = b.baseAddress, n > 0 else { return false }
                return memchr(base, 0xEF, n) != nil
            } ?? true
        if suspicious && firstInvalidUTF8(bytes) != nil { return nil }
        return s
    }

    /// The bytes read as Windows-1252.
    static func windows1252(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var ascii = true
        for b in bytes where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        appendWindows1252(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the bytes, read as Windows-1252, as UTF-8.
    static func appendWindows1252(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for b in bytes {
            if b < 0x80 {
                out.append(b)
            } else {
                appendUTF8(b < 0xA0 ? cp1252High[Int(b - 0x80)] : UInt32(b), to: &out)
            }
        }
    }

    /// Appends one scalar as UTF-8.
    @inline(__always)
    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        if s < 0x80 {
            out.append(UInt8(s))
        } else if s < 0x800 {
            out.append(UInt8(0xC0 | (s >> 6)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        } else if s < 0x10000 {
            out.append(UInt8(0xE0 | (s >> 12)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (s >> 18)))
            out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (s & 0x3F)))
        }
    }

    /// Whether every byte is ASCII (16 at a time).
    @inline(__always)
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        firstNonASCII(bytes) == bytes.count
    }

    /// The offset of the first byte of 0x80 or above, or the count when there is none.
    @inline(__always)
    static func firstNonASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return ByteScan.firstNonASCII(base, from: 0, to: bytes.count)
    }

    /// Whether the bytes are valid UTF-8 (an ASCII fast path, then the exact check from the first
    /// byte that is not ASCII).
    @inline(__always)
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = firstNonASCII(bytes)
        if start == bytes.count { return true }
        return firstInvalidUTF8(UnsafeBufferPointer(rebasing: bytes[start...])) == nil
    }

    /// The offset of the first byte that does not begin a valid UTF-8 sequence, or nil when all are valid.
    static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let len: Int
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: len = 2
            case 0xE0:
                len = 3
                lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: len = 3
            case 0xED:
                len = 3
                hi = 0x9F
            case 0xF0:
                len = 4
                lo = 0x90
            case 0xF1...0xF3: len = 4
            case 0xF4:
                len = 4
                hi = 0x8F
            default: return i
            }
            guard i + len <= n else { return i }
            let b1 = bytes[i + 1]
            guard b1 >= lo && b1 <= hi else { return i }
            for k in 2..<len where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += len
        }
        return nil
    }

    /// Counts the characters (UTF-8 scalar starts; other bytes count one each) in a byte range, for
    /// column numbers in messages.
    static func characterCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for b in bytes where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// A byte for messages: `0xE9`.
    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return "0x" + String(decoding: [digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
    }
}
