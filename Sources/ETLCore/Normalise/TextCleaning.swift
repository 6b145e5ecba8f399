import Foundation

/// Text utilities of the normalise stage, shared with the row stages and the pipeline checks:
/// header folding, trimming and collapsing white space, splitting list values, fast ASCII and NFC
/// checks, title case and truncation at a word boundary.
enum TextCleaning {
    /// The header-matching key: lower case with white space and `_` removed.
    static func fold(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) && $0 != "_" })
    }

    /// Calls `body` with each part of `s` between separators, trimmed, skipping empty parts (what a
    /// list field keeps). ASCII white space is cut from the bytes before a part becomes a `String`.
    static func forEachPart(of s: String, on sep: String, _ body: (String) -> Void) {
        forEachSpan(of: s, on: sep) { part in
            var lo = 0
            var hi = part.count
            while lo < hi, part[lo] == 0x20 || (part[lo] >= 0x09 && part[lo] <= 0x0D) { lo += 1 }
            while hi > lo, part[hi - 1] == 0x20 || (part[hi - 1] >= 0x09 && part[hi - 1] <= 0x0D) { hi -= 1 }
            guard lo < hi else { return }
            var text = String(decoding: UnsafeBufferPointer(rebasing: part[lo..<hi]), as: UTF8.self)
            // A non-ASCII end may be Unicode white space (a no-break space, say).
            if part[lo] >= 0x80 || part[hi - 1] >= 0x80 {
                text = trim(text)
                if text.isEmpty { return }
            }
            body(text)
        }
    }

    /// Calls `body` with the UTF-8 of each part of `s` between occurrences of `sep`, empty ones
    /// included, comparing bytes (Foundation's `components(separatedBy:)` is slow).
    private static func forEachSpan(of s: String, on sep: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var s = s
        var sep = sep
        s.withUTF8 { buf in
            sep.withUTF8 { sepBytes in
                let n = buf.count
                let m = sepBytes.count
                guard m > 0, let first = sepBytes.first else { return body(buf) }
                guard let base = buf.baseAddress else { return body(buf) }
                var start = 0
                var i = 0
                while i + m <= n {
                    // memchr finds the separator's first byte (vectorised in the C library).
                    guard let hitPointer = memchr(base + i, Int32(first), n - m + 1 - i) else { break }
                    i = UnsafePointer<UInt8>(hitPointer.assumingMemoryBound(to: UInt8.self)) - base
                    var hit = true
                    for k in 1..<m where buf[i + k] != sepBytes[k] {
                        hit = false
                        break
                    }
                    if hit {
                        body(UnsafeBufferPointer(rebasing: buf[start..<i]))
                        i += m
                        start = i
                    } else {
                        i += 1
                    }
                }
                body(UnsafeBufferPointer(rebasing: buf[start..<n]))
            }
        }
    }

    /// Whether `s` is ASCII with no white space at either end and, when `inner` is set, none inside
    /// but single spaces: then trimming, collapsing (when `inner`) and NFC leave it as it is.
    ///
    /// Eight bytes at a time: words of prose hold a space every few bytes, so spaces are found as
    /// an exact zero-byte mask of `x ^ 0x20…` and two in a row as that mask ANDed with itself
    /// shifted by one byte (and across words by carrying whether the last byte was one).
    @inline(__always) static func isCleanASCII(_ s: String, inner: Bool) -> Bool {
        var copy = s
        return copy.withUTF8 { buf in
            let n = buf.count
            guard n > 0, let base = buf.baseAddress else { return true }
            if base[0] <= 0x20 || base[n - 1] <= 0x20 { return false }
            let raw = UnsafeRawPointer(base)
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            var i = 0
            var prevSpace = false
            if !inner {
                // A plain loop the compiler vectorises.
                var high: UInt8 = 0
                for b in buf { high |= b }
                return high < 0x80
            }
            while i + 8 <= n {
                let x = ByteScan.load(raw, i)
                if x & ByteScan.highs != 0 || ByteScan.hasLess(x, 0x20) { return false }
                let y = x ^ 0x2020_2020_2020_2020
                let spaces = ~(((y & low) &+ low) | y | low)
                if spaces & (spaces << 8) != 0 || (prevSpace && spaces & 0x80 != 0) { return false }
                prevSpace = spaces >> 63 != 0
                i += 8
            }
            while i < n {
                let b = base[i]
                if b >= 0x80 || b < 0x20 { return false }
                if b == 0x20 {
                    if prevSpace { return false }
                    prevSpace = true
                } else {
                    prevSpace = false
                }
                i += 1
            }
            return true
        }
    }

    /// A fast, conservative NFC check: true only when every scalar is below U+0300 (where no
    /// combining marks or canonical singletons live), a CJK ideograph, or in the emoji planes.
    static func isSurelyNFC(_ s: String) -> Bool {
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x300 || (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x1F000 && v <= 0x1FAFF) { continue }
            return false
        }
        return true
    }

    /// Whether every byte of `s` is ASCII (then NFC has nothing to do).
    @inline(__always) static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { buf in
            var acc: UInt8 = 0
            for b in buf { acc |= b }
            return acc < 0x80
        }
    }

    /// Whether a scalar is white space, with an ASCII fast path (Unicode property lookups are slow).
    @inline(__always) static func isSpace(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value == 0x20 || (u.value >= 0x09 && u.value <= 0x0D) }
        return u.properties.isWhitespace
    }

    static func trim(_ s: String) -> String {
        // ASCII ends that are not white space (nearly every value) settle it without decoding scalars.
        if let f = s.utf8.first, let l = s.utf8.last, f < 0x80, l < 0x80, f > 0x20, l > 0x20 { return s }
        guard let f = s.unicodeScalars.first, let l = s.unicodeScalars.last, isSpace(f) || isSpace(l) else { return s }
        let scalars = s.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    static func collapse(_ s: String) -> String {
        var needs = false
        var ascii = true
        var copy = s
        copy.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            let n = buf.count
            let raw = UnsafeRawPointer(base)
            var i = 0
            var prevSpace = false
            while i < n {
                // Eight bytes with no byte at or below a space and none at or above 0x80 need no look.
                if i + 8 <= n {
                    let x = ByteScan.load(raw, i)
                    if !ByteScan.hasLess(x, 0x21) && x & ByteScan.highs == 0 {
                        prevSpace = false
                        i += 8
                        continue
                    }
                }
                let b = base[i]
                if b >= 0x80 {
                    ascii = false
                    return
                }
                let sp = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                if sp && (prevSpace || b != 0x20) {
                    needs = true
                    return
                }
                prevSpace = sp
                i += 1
            }
        }
        var prevSpace = false
        if !needs && !ascii {
            prevSpace = false
            for u in s.unicodeScalars {
                let sp = isSpace(u)
                if sp && (prevSpace || u != " ") {
                    needs = true
                    break
                }
                prevSpace = sp
            }
        }
        guard needs else { return s }
        var out = String.UnicodeScalarView()
        prevSpace = false
        for u in s.unicodeScalars {
            if isSpace(u) {
                if !prevSpace { out.append(" ") }
                prevSpace = true
            } else {
                out.append(u)
                prevSpace = false
            }
        }
        return String(out)
    }

    static func titleCase(_ s: String) -> String {
        var out = ""
        var startOfWord = true
        for ch in s {
            if ch.isLetter {
                out += startOfWord ? ch.uppercased() : ch.lowercased()
                startOfWord = false
            } else {
                out.append(ch)
                startOfWord = ch.isWhitespace || ch == "-" || ch == "/"
            }
        }
        return out
    }

    /// Cuts `s` to at most `limit` Unicode scalars, at the last white space when there is one in
    /// the last half, and without trailing white space or punctuation left dangling.
    static func truncated(_ s: String, to limit: Int) -> String {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count > limit else { return s }
        var end = limit
        if !scalars[limit].properties.isWhitespace {
            var k = limit
            while k > limit / 2, !scalars[k - 1].properties.isWhitespace { k -= 1 }
            if k > limit / 2 { end = k }
        }
        while end > 0, scalars[end - 1].properties.isWhitespace || ",;:-–".unicodeScalars.contains(scalars[end - 1]) {
            end -= 1
        }
        return String(String.UnicodeScalarView(scalars[0..<end]))
    }
}
