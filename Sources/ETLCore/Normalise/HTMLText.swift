import Foundation

/// Turns HTML into plain text (`html: text`): tags are removed, every named and numeric character
/// reference is decoded, block elements and `<br>` become line breaks, `<li>` items start a line
/// with "- ", `<script>`/`<style>` contents and comments are dropped, and runs of white space
/// collapse (to one space within a line, one line break between lines).
public enum HTMLText {
    /// Entity name → its text, read once from ``HTMLEntityTable``.
    static let entities: [String: String] = {
        var d: [String: String] = [:]
        d.reserveCapacity(2200)
        for pair in HTMLEntityTable.packed.split(separator: ";") {
            let p = pair.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let eq = p.firstIndex(of: "=") else { continue }
            var text = String.UnicodeScalarView()
            for hex in p[p.index(after: eq)...].split(separator: ".") {
                if let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) { text.append(u) }
            }
            d[String(p[..<eq])] = String(text)
        }
        return d
    }()

    /// Elements that end a line.
    static let blockElements: Set<String> = [
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article",
        "header", "footer", "blockquote", "pre", "hr", "dl", "dt", "dd", "figure", "figcaption", "nav", "aside",
        "address", "main", "tbody", "thead", "tfoot",
    ]

    /// Whether `s` may hold markup or a character reference (else it is returned as it is).
    @inline(__always) static func mayHoldHTML(_ s: String) -> Bool {
        s.utf8.contains(UInt8(ascii: "<")) || s.utf8.contains(UInt8(ascii: "&"))
    }

    /// The plain text of an HTML fragment.
    /// - Parameter html: the fragment.
    /// - Returns: the text, with line breaks where blocks end.
    public static func plainText(_ html: String) -> String {
        guard mayHoldHTML(html) else { return collapse(html) }
        var out = ""
        let chars = Array(html.unicodeScalars)
        var i = 0
        var skipUntil: String? = nil
        while i < chars.count {
            let c = chars[i]
            if c == "<" {
                // A comment, a tag, or a lone "<".
                if i + 3 < chars.count, chars[i + 1] == "!", chars[i + 2] == "-", chars[i + 3] == "-" {
                    var j = i + 4
                    while j + 2 < chars.count, !(chars[j] == "-" && chars[j + 1] == "-" && chars[j + 2] == ">") {
                        j += 1
                    }
                    i = min(chars.count, j + 3)
                    continue
                }
                var j = i + 1
                var quote: Unicode.Scalar? = nil
                while j < chars.count {
                    let d = chars[j]
                    if let q = quote {
                        if d == q { quote = nil }
                    } else if d == "\"" || d == "'" {
                        quote = d
                    } else if d == ">" {
                        break
                    }
                    j += 1
                }
                let inner = String(String.UnicodeScalarView(chars[(i + 1)..<min(j, chars.count)]))
                let looksLikeTag = inner.first.map { $0.isLetter || $0 == "/" || $0 == "!" || $0 == "?" } ?? false
                guard j < chars.count, looksLikeTag else {
                    if skipUntil == nil { out.unicodeScalars.append(c) }
                    i += 1
                    continue
                }
                let closing = inner.hasPrefix("/")
                let name = String(
                    inner.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }
                ).lowercased()
                if let until = skipUntil {
                    if closing && name == until { skipUntil = nil }
                } else if !closing && (name == "script" || name == "style") && !inner.hasSuffix("/") {
                    skipUntil = name
                } else if blockElements.contains(name) {
                    out += "\n"
                    if name == "li" && !closing { out += "- " }
                } else if name == "td" || name == "th" {
                    out += " "
                }
                i = j + 1
                continue
            }
            if skipUntil != nil {
                i += 1
                continue
            }
            if c == "&", let (text, length) = reference(chars, at: i) {
                out += text
                i += length
                continue
            }
            out.unicodeScalars.append(c)
            i += 1
        }
        return collapse(out)
    }

    /// The character reference at `i` (`&amp;`, `&#233;`, `&#xE9;`) and its length, when there is one.
    static func reference(_ chars: [Unicode.Scalar], at i: Int) -> (String, Int)? {
        var j = i + 1
        guard j < chars.count else { return nil }
        if chars[j] == "#" {
            j += 1
            let hex = j < chars.count && (chars[j] == "x" || chars[j] == "X")
            if hex { j += 1 }
            let start = j
            while j < chars.count, j - start < 8,
                hex ? chars[j].properties.isASCIIHexDigit : ("0"..."9").contains(chars[j])
            {
                j += 1
            }
            guard j > start else { return nil }
            let digits = String(String.UnicodeScalarView(chars[start..<j]))
            guard var v = UInt32(digits, radix: hex ? 16 : 10) else { return nil }
            if v == 0 || v > 0x10FFFF || (0xD800...0xDFFF).contains(v) { v = 0xFFFD }
            // Windows-1252's C1 range, as browsers read it (&#150; is an en dash).
            let c1: [UInt32: UInt32] = [
                0x80: 0x20AC, 0x85: 0x2026, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x96: 0x2013,
                0x97: 0x2014, 0x99: 0x2122,
            ]
            v = c1[v] ?? v
            let end = j < chars.count && chars[j] == ";" ? j + 1 : j
            return (Unicode.Scalar(v).map { String($0) } ?? "\u{FFFD}", end - i)
        }
        let start = j
        while j < chars.count, j - start < 40, chars[j].properties.isAlphabetic || ("0"..."9").contains(chars[j]) {
            j += 1
        }
        guard j < chars.count, chars[j] == ";", j > start else { return nil }
        let name = String(String.UnicodeScalarView(chars[start..<j]))
        guard let text = entities[name] else { return nil }
        return (text, j + 1 - i)
    }

    /// Collapses white space: a no-break space counts as a space; spaces and tabs become one space,
    /// lines are trimmed, and empty lines are dropped.
    static func collapse(_ s: String) -> String {
        var lines: [String] = []
        for line in s.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            var cleaned = ""
            var pendingSpace = false
            for u in line.unicodeScalars {
                if u.properties.isWhitespace {
                    pendingSpace = true
                    continue
                }
                if pendingSpace && !cleaned.isEmpty { cleaned += " " }
                pendingSpace = false
                cleaned.unicodeScalars.append(u)
            }
            if !cleaned.isEmpty { lines.append(cleaned) }
        }
        return lines.joined(separator: "\n")
    }
}
