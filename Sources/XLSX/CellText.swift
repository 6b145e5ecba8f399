#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Byte-level helpers for cell text, numbers and references, with no Foundation and no `String` until the
/// final value.
enum CellText {
    /// Makes the cell's String from its UTF-8 bytes, decoding OOXML `_xHHHH_` escapes (`_x000D_` is a
    /// carriage return, `_x005F_` an escaped underscore, surrogate pairs combined).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return "" }
        if bytes.count >= 7 && memchr(base, 0x5F, bytes.count) != nil {
            return decodeEscapes(bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Makes the cell's String from `bytes` (see ``string(_:)-(UnsafeBufferPointer<UInt8>)``).
    static func string(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        default: return nil
        }
    }

    /// The code unit of an `_xHHHH_` escape starting at `i`, or nil.
    private static func escape(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32? {
        guard i + 6 < b.count, b[i] == 0x5F, b[i + 1] == 0x78 || b[i + 1] == 0x58, b[i + 6] == 0x5F else { return nil }
        guard let a = hexValue(b[i + 2]), let c = hexValue(b[i + 3]), let d = hexValue(b[i + 4]),
            let e = hexValue(b[i + 5])
        else { return nil }
        return a << 12 | c << 8 | d << 4 | e
    }

    static func decodeEscapes(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        var any = false
        while i < b.count {
            if b[i] == 0x5F, let u = escape(b, at: i) {
                any = true
                var scalar: Unicode.Scalar?
                var width = 7
                if (0xD800...0xDBFF).contains(u), let low = escape(b, at: i + 7), (0xDC00...0xDFFF).contains(low) {
                    scalar = Unicode.Scalar(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                    width = 14
                } else {
                    scalar = Unicode.Scalar(u)
                }
                let s = scalar ?? "\u{FFFD}"
                out.append(contentsOf: String(s).utf8)
                i += width
            } else {
                out.append(b[i])
                i += 1
            }
        }
        if !any { return String(decoding: b, as: UTF8.self) }
        return String(decoding: out, as: UTF8.self)
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses an XML Schema double (`42`, `-1.5`, `1E-05`, `6.02e23`) from bytes.
    ///
    /// Exact for every input: short mantissas with small exponents take Clinger's fast path (one exact
    /// IEEE operation), anything else goes to the C library's correctly rounded `strtod`.
    /// - Returns: nil when the bytes are not a number.
    static func double(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
        var start = 0
        var end = raw.count
        while start < end && isSpace(raw[start]) { start += 1 }
        while end > start && isSpace(raw[end - 1]) { end -= 1 }
        guard start < end else { return nil }
        var i = start
        var negative = false
        if raw[i] == 0x2D || raw[i] == 0x2B {
            negative = raw[i] == 0x2D
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var fractionDigits = 0
        var sawDot = false
        while i < end {
            let c = raw[i]
            if c >= 0x30 && c <= 0x39 {
                digits += 1
                if mantissa != 0 || c != 0x30 { significant += 1 }
                if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(c - 0x30) }
                if sawDot { fractionDigits += 1 }
            } else if c == 0x2E && !sawDot {
                sawDot = true
            } else {
                break
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if i < end && (raw[i] == 0x65 || raw[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < end && (raw[i] == 0x2D || raw[i] == 0x2B) {
                expNegative = raw[i] == 0x2D
                i += 1
            }
            var expDigits = 0
            while i < end, raw[i] >= 0x30, raw[i] <= 0x39 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(raw[i] - 0x30) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            if expNegative { exponent = -exponent }
        }
        guard i == end else { return nil }
        if significant <= 19 && mantissa <= (1 << 53) {
            let e10 = exponent - fractionDigits
            if e10 >= -22 && e10 <= 22 {
                var v = Double(mantissa)
                v = e10 < 0 ? v / powersOfTen[-e10] : v * powersOfTen[e10]
                return negative ? -v : v
            }
        }
        return strtodFallback(UnsafeBufferPointer(rebasing: raw[start..<end]))
    }

    private static func strtodFallback(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buf -> Double? in
            guard let p = buf.baseAddress else { return nil }
            for i in 0..<bytes.count { p[i] = CChar(bitPattern: bytes[i]) }
            p[bytes.count] = 0
            var endPtr: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &endPtr)
            guard let endPtr, endPtr - p == bytes.count else { return nil }
            return v
        }
    }

    /// `raw` without leading and trailing XML whitespace.
    static func trimmed(_ raw: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = raw.count
        while start < end && isSpace(raw[start]) { start += 1 }
        while end > start && isSpace(raw[end - 1]) { end -= 1 }
        return UnsafeBufferPointer(rebasing: raw[start..<end])
    }

    /// Whether `c` is XML whitespace: space, tab, LF or CR.
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
    }

    /// Parses a non-negative decimal integer (a shared-string index, a style index, a row number).
    /// - Returns: nil when empty, not all digits, or above `limit`.
    @inline(__always) static func integer(_ raw: UnsafeBufferPointer<UInt8>, limit: Int = Int(Int32.max)) -> Int? {
        guard var p = raw.baseAddress, raw.count > 0, raw.count <= 18 else { return nil }
        let end = p + raw.count
        var n = 0
        repeat {
            let d = p.pointee &- 0x30
            guard d < 10 else { return nil }
            n = n &* 10 &+ Int(d)
            p += 1
        } while p < end
        return n <= limit ? n : nil
    }

    /// The 0-based column of a cell reference (`A1` → 0, `AB12` → 27, `$C$3` → 2).
    /// - Returns: nil when the reference has no letters, has letters past `XFD` (16,384 columns),
    ///   or is followed by something other than a row number.
    @inline(__always) static func column(ofReference raw: UnsafeBufferPointer<UInt8>) -> Int? {
        guard var p = raw.baseAddress, raw.count > 0 else { return nil }
        let end = p + raw.count
        if p.pointee == 0x24 { p += 1 }
        var n = 0
        let lettersStart = p
        while p < end {
            let c = (p.pointee | 0x20) &- 0x61  // a...z → 0...25 (either case)
            guard c < 26 else { break }
            n = n &* 26 &+ Int(c) &+ 1
            if n > 16_384 { return nil }
            p += 1
        }
        guard p > lettersStart else { return nil }
        if p < end && p.pointee == 0x24 { p += 1 }
        guard p < end else { return nil }
        repeat {
            guard p.pointee &- 0x30 < 10 else { return nil }
            p += 1
        } while p < end
        return n - 1
    }

    /// The column letters for a 0-based index (`0 → A`, `27 → AB`).
    static func letters(_ index: Int) -> String {
        var n = index + 1
        var chars: [UInt8] = []
        while n > 0 {
            chars.append(UInt8(65 + (n - 1) % 26))
            n = (n - 1) / 26
        }
        return String(decoding: chars.reversed(), as: UTF8.self)
    }
}
