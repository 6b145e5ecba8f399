/// Checks a record's key (the ledger's and the service's name for the product) before it goes
/// anywhere: a control character (C0, DEL, C1; NUL above all, which C libraries read as the end of
/// the text) or white space at either end would make two different keys look alike, or one key
/// look like another, in the ledger, on the service or in a report.
enum KeyCheck {
    /// What is wrong with `key`, as a sentence, or nil when it is fine.
    static func problem(in key: String) -> String? {
        var copy = key
        let suspicious = copy.withUTF8 { buf -> Bool in
            guard let first = buf.first, let last = buf.last else { return false }
            if first <= 0x20 || last <= 0x20 { return true }
            for b in buf where b < 0x20 || b >= 0x7F { return true }
            return false
        }
        guard suspicious else { return nil }
        let scalars = Array(key.unicodeScalars)
        for (i, s) in scalars.enumerated() where isControl(s) {
            return
                "the key \"\(visible(key))\" holds the control character \(name(s)) at character \(i + 1); keys go to the ledger and the service as they are, so remove it in the source file"
        }
        if let f = scalars.first, f.properties.isWhitespace {
            return
                "the key \"\(visible(key))\" starts with white space (\(name(f))); remove it in the source file, or map the key with trim"
        }
        if let l = scalars.last, l.properties.isWhitespace {
            return
                "the key \"\(visible(key))\" ends with white space (\(name(l))); remove it in the source file, or map the key with trim"
        }
        return nil
    }

    /// C0 controls, DEL and C1 controls.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (s.value >= 0x7F && s.value <= 0x9F)
    }

    /// `U+0000 (NUL)`-style name of a scalar.
    static func name(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch s.value {
        case 0: return code + " (NUL)"
        case 0x09: return code + " (tab)"
        case 0x0A: return code + " (line feed)"
        case 0x0D: return code + " (carriage return)"
        case 0x20: return code + " (space)"
        case 0xA0: return code + " (no-break space)"
        default: return code
        }
    }

    /// The key with control characters written as `\u{…}`, cut to 60 characters, for messages.
    static func visible(_ key: String) -> String {
        var out = ""
        for s in key.unicodeScalars.prefix(60) {
            if isControl(s) {
                out += "\\u{" + String(s.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return key.unicodeScalars.count > 60 ? out + "…" : out
    }
}
