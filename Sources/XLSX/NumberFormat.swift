/// Decides whether a number format shows a date or time.
public enum NumberFormat {
    /// Whether the built-in format `id` is a date or time format (ECMA-376 §18.8.30: 14–22 and 45–47).
    public static func isBuiltInDate(_ id: Int) -> Bool {
        (14...22).contains(id) || (45...47).contains(id)
    }

    /// Whether the format code shows a date or time: it has a `y m d h s` token or `AM/PM` / `A/P` outside
    /// quoted text, backslash escapes, `_x` / `*x` fill characters and `[…]` sections, where the elapsed-time
    /// sections `[h]`, `[mm]`, `[ss]` count as time.
    /// - Parameter code: the `formatCode` (`yyyy-mm-dd`, `[$-409]d-mmm-yy;@`, `0.00"d"`).
    public static func isDate(code: String) -> Bool {
        let b = Array(code.utf8)
        var i = 0
        while i < b.count {
            let c = b[i]
            switch c {
            case 0x22:  // "quoted text"
                i += 1
                while i < b.count && b[i] != 0x22 { i += 1 }
            case 0x5C, 0x5F, 0x2A:  // \x escaped, _x padding, *x fill: skip the next character
                i += 1
            case 0x5B:  // [ … ]: colour, condition, locale; [h] [hh] [m] [mm] [s] [ss] are elapsed time
                var j = i + 1
                while j < b.count && b[j] != 0x5D { j += 1 }
                let inner = b[(i + 1)..<min(j, b.count)].map { $0 | 0x20 }
                if !inner.isEmpty,
                    inner.allSatisfy({ $0 == 0x68 }) || inner.allSatisfy({ $0 == 0x6D })
                        || inner.allSatisfy({ $0 == 0x73 })
                {
                    return true
                }
                i = j
            default:
                switch c | 0x20 {
                case 0x79, 0x6D, 0x64, 0x68, 0x73:  // y m d h s
                    return true
                case 0x61:  // AM/PM or A/P
                    if Self.hasPrefix(b, at: i, "am/pm") || Self.hasPrefix(b, at: i, "a/p") { return true }
                default: break
                }
            }
            i += 1
        }
        return false
    }

    private static func hasPrefix(_ b: [UInt8], at i: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] | 0x20 != s.utf8Start[k] | 0x20 { return false }
        return true
    }
}
