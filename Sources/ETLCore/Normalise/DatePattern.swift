/// An explicit date pattern such as `dd/MM/yyyy` or `yyyy-MM-dd HH:mm`.
///
/// Tokens: `yyyy`, `yy` (2000+), `MMMM` (an English month name, `March`), `MMM` (its first three
/// letters, `Mar`; the full name and `Sept` are read too), `MM`/`M`, `dd`/`d`, `HH`/`H`, `mm`, `ss`;
/// anything else is a literal separator. Month names are matched ignoring case.
public struct DatePattern: Sendable, Hashable {
    enum Token: Sendable, Hashable {
        case year4, year2, month, monthName, day, hour, minute, second
        case literal(Character)
    }

    let tokens: [Token]
    /// The pattern as written.
    public let text: String

    /// Parses a pattern; nil when it has no year, month and day.
    public init?(_ pattern: String) {
        var tokens: [Token] = []
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var n = 1
            while i + n < chars.count && chars[i + n] == c { n += 1 }
            switch (c, n) {
            case ("y", 4): tokens.append(.year4)
            case ("y", 2): tokens.append(.year2)
            case ("M", 1...2): tokens.append(.month)
            case ("M", 3...4): tokens.append(.monthName)
            case ("d", 1...2): tokens.append(.day)
            case ("H", 1...2): tokens.append(.hour)
            case ("m", 1...2): tokens.append(.minute)
            case ("s", 1...2): tokens.append(.second)
            default:
                if c.isLetter { return nil }
                for _ in 0..<n { tokens.append(.literal(c)) }
            }
            i += n
        }
        let hasY = tokens.contains(.year4) || tokens.contains(.year2)
        guard hasY, tokens.contains(.month) || tokens.contains(.monthName), tokens.contains(.day) else { return nil }
        self.tokens = tokens
        self.text = pattern
    }

    /// Parses `s` with this pattern; nil when it does not match or names an impossible date.
    public func parse(_ s: String) -> LocalDateTime? {
        let chars = Array(s)
        var i = 0
        var y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0
        func number(maxDigits: Int) -> Int? {
            var v = 0
            var n = 0
            while i < chars.count, n < maxDigits, let dv = chars[i].wholeNumberValue, chars[i].isASCII {
                v = v * 10 + dv
                i += 1
                n += 1
            }
            return n == 0 ? nil : v
        }
        for t in tokens {
            switch t {
            case .year4:
                guard let v = number(maxDigits: 4) else { return nil }
                y = v
            case .year2:
                guard let v = number(maxDigits: 2) else { return nil }
                y = 2000 + v
            case .month:
                guard let v = number(maxDigits: 2) else { return nil }
                mo = v
            case .monthName:
                var word = ""
                while i < chars.count, chars[i].isLetter {
                    word.append(chars[i])
                    i += 1
                }
                if i < chars.count, chars[i] == ".", word.count < 5 { i += 1 }
                guard let v = Self.month(named: word) else { return nil }
                mo = v
            case .day:
                guard let v = number(maxDigits: 2) else { return nil }
                d = v
            case .hour:
                guard let v = number(maxDigits: 2), v < 24 else { return nil }
                h = v
            case .minute:
                guard let v = number(maxDigits: 2), v < 60 else { return nil }
                mi = v
            case .second:
                guard let v = number(maxDigits: 2), v < 60 else { return nil }
                se = v
            case .literal(let c):
                guard i < chars.count, chars[i] == c else { return nil }
                i += 1
            }
        }
        guard i == chars.count, LocalDateTime.isValidDate(year: y, month: mo, day: d) else { return nil }
        return LocalDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: se)
    }

    /// The English month names.
    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]

    /// The month (1...12) an English name or its abbreviation names (`Mar`, `March`, `Sept`).
    static func month(named word: String) -> Int? {
        let w = word.lowercased()
        guard w.count >= 3 else { return nil }
        if w == "sept" { return 9 }
        for (i, name) in monthNames.enumerated() where name == w || (w.count == 3 && name.hasPrefix(w)) {
            return i + 1
        }
        return nil
    }

    /// Month-name dates read without a `date_format` (they cannot be read two ways):
    /// `15-Mar-2026`, `March 15, 2026`, `15 March 2026`, `Mar 15 2026`.
    static let monthNamePatterns: [DatePattern] = [
        "dd-MMM-yyyy", "MMMM d, yyyy", "d MMM yyyy", "MMM d yyyy", "d-MMM-yy", "MMMM d yyyy", "d. MMMM yyyy",
    ].compactMap { DatePattern($0) }

    /// The pattern with day and month numbers swapped (`dd/MM/yyyy` ↔ `MM/dd/yyyy`), when it has both.
    public var swapped: DatePattern? {
        guard tokens.contains(.day), tokens.contains(.month) else { return nil }
        var out = ""
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            var n = 1
            while i + n < chars.count && chars[i + n] == c { n += 1 }
            let swap: Character = c == "d" ? "M" : c == "M" && n <= 2 ? "d" : c
            out += String(repeating: swap, count: n)
            i += n
        }
        return DatePattern(out)
    }

    /// Parses ISO 8601 `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm[:ss[.fff]]` with an optional `Z` or offset
    /// (the offset is dropped: catalog dates are local).
    public static func parseISO(_ s: String) -> LocalDateTime? {
        // Dates are short: a small string's bytes are read on the stack, with no array to allocate.
        var copy = s
        return copy.withUTF8 { parseISO(utf8: $0) }
    }

    private static func parseISO(utf8 u: UnsafeBufferPointer<UInt8>) -> LocalDateTime? {
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= u.count else { return nil }
            var v = 0
            for k in a..<(a + n) {
                guard u[k] >= 48 && u[k] <= 57 else { return nil }
                v = v * 10 + Int(u[k] - 48)
            }
            return v
        }
        guard u.count >= 10, let y = num(0, 4), u[4] == 45, let m = num(5, 2), u[7] == 45, let d = num(8, 2),
            LocalDateTime.isValidDate(year: y, month: m, day: d)
        else { return nil }
        if u.count == 10 { return LocalDateTime(year: y, month: m, day: d) }
        guard u.count >= 16, u[10] == 84 || u[10] == 32, let h = num(11, 2), u[13] == 58, let mi = num(14, 2), h < 24,
            mi < 60
        else { return nil }
        var i = 16
        var se = 0
        var ms = 0
        if i < u.count && u[i] == 58 {
            guard let v = num(i + 1, 2), v < 60 else { return nil }
            se = v
            i += 3
            if i < u.count && u[i] == 46 {
                i += 1
                var digits = 0
                var frac = 0
                while i < u.count, u[i] >= 48 && u[i] <= 57 {
                    if digits < 3 { frac = frac * 10 + Int(u[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { frac *= 10 } }
                ms = frac
            }
        }
        if i < u.count {
            if u[i] == 90 && i + 1 == u.count {
                i += 1
            } else if u[i] == 43 || u[i] == 45 {
                guard let oh = num(i + 1, 2), oh < 24 else { return nil }
                if i + 3 == u.count {
                    i += 3
                } else if i + 6 == u.count, u[i + 3] == 58, num(i + 4, 2) != nil {
                    i += 6
                } else if i + 5 == u.count, num(i + 3, 2) != nil {
                    i += 5
                } else {
                    return nil
                }
            } else {
                return nil
            }
        }
        guard i == u.count else { return nil }
        return LocalDateTime(year: y, month: m, day: d, hour: h, minute: mi, second: se, millisecond: ms)
    }
}
