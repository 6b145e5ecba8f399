import Foundation

/// Replaces secrets in text: every token, key and password the run knows becomes `***`, in the forms a
/// service may echo them back in: raw, percent-encoded (`%XX` in either case, `+` for a space),
/// JSON-escaped (`\/`, `\uXXXX`, any mix of these per character) and base64 (the secret alone, or inside
/// a longer base64 text such as a Basic `Authorization` header, `base64(user:password)`; standard and URL
/// alphabets).
///
/// Texts from remote systems pass through ``redact(_:)-(String)`` before they are stored or printed;
/// the session redacts every error body and header as it arrives (``redact(_:)-([UInt8])``).
public final class Redactor: @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String] = []
    private var pattern: NSRegularExpression?

    /// The shortest secret taken: shorter ones would blank ordinary words.
    public static let minimumLength = 4

    /// The replacement of a secret.
    public static let mask = "***"

    /// Creates a redactor with no secrets.
    public init() {}

    /// Adds a secret (ignored when shorter than ``minimumLength`` characters).
    public func add(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        lock.withLock {
            guard !secrets.contains(secret) else { return }
            secrets.append(secret)
            secrets.sort { $0.count > $1.count }
            pattern = Self.compile(secrets)
        }
    }

    /// Whether any secret is known.
    public var isEmpty: Bool { lock.withLock { secrets.isEmpty } }

    /// `text` with every secret replaced, in each of the encodings the type lists.
    public func redact(_ text: String) -> String {
        let (list, regex) = lock.withLock { (secrets, pattern) }
        guard !list.isEmpty else { return text }
        var out = text
        for s in list where out.contains(s) { out = out.replacingOccurrences(of: s, with: Self.mask) }
        guard let regex else { return out }
        let range = NSRange(out.startIndex..<out.endIndex, in: out)
        return regex.stringByReplacingMatches(in: out, range: range, withTemplate: Self.mask)
    }

    /// The bytes of a response body with every secret replaced (as text: bytes that are not UTF-8 become
    /// U+FFFD, which is harmless in an error body).
    public func redact(_ bytes: [UInt8]) -> [UInt8] {
        guard !isEmpty, !bytes.isEmpty else { return bytes }
        return Array(redact(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    // MARK: - Patterns

    /// One regular expression for every secret and its base64 cores, longest first.
    static func compile(_ secrets: [String]) -> NSRegularExpression? {
        var alternatives: [String] = []
        for secret in secrets {
            alternatives.append(encodedPattern(secret))
            for core in base64Cores(Array(secret.utf8)) { alternatives.append(encodedPattern(core)) }
        }
        guard !alternatives.isEmpty else { return nil }
        return try? NSRegularExpression(pattern: alternatives.map { "(?:\($0))" }.joined(separator: "|"))
    }

    /// A pattern that matches `text` with each character raw, percent-encoded (its UTF-8 bytes, hex in
    /// either case), `+` for a space, or JSON-escaped (`\uXXXX` in either case, `\/`, `\"`, `\\`).
    static func encodedPattern(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            var forms = [NSRegularExpression.escapedPattern(for: String(scalar))]
            forms.append(String(scalar).utf8.map { "%" + hexPattern(Int($0), digits: 2) }.joined())
            if scalar.value <= 0xFFFF {
                forms.append(#"\\u"# + hexPattern(Int(scalar.value), digits: 4))
            } else {
                let v = Int(scalar.value) - 0x10000
                forms.append(
                    #"\\u"# + hexPattern(0xD800 + (v >> 10), digits: 4) + #"\\u"#
                        + hexPattern(0xDC00 + (v & 0x3FF), digits: 4))
            }
            switch scalar {
            case " ": forms.append(#"\+"#)
            case "/": forms.append(#"\\/"#)
            case "\"": forms.append(#"\\""#)
            case "\\": forms.append(#"\\\\"#)
            default: break
            }
            out += "(?:" + forms.joined(separator: "|") + ")"
        }
        return out
    }

    /// `value` as `digits` hex digits, each letter matching either case (`[aA]`).
    static func hexPattern(_ value: Int, digits: Int) -> String {
        var hex = String(value, radix: 16)
        while hex.count < digits { hex = "0" + hex }
        return hex.map { $0.isLetter ? "[\($0)\($0.uppercased())]" : String($0) }.joined()
    }

    /// The base64 characters that depend on `bytes` alone, for each of the three alignments `bytes` can
    /// have inside a longer text (so `base64(user:password)` holds one of the password's cores), in the
    /// standard and URL alphabets; cores shorter than four characters are left out.
    static func base64Cores(_ bytes: [UInt8]) -> [String] {
        var cores: [String] = []
        for offset in 0..<3 {
            let padded = [UInt8](repeating: 0, count: offset) + bytes + [0, 0, 0]
            let encoded = Array(Data(padded).base64EncodedString())
            // Character i covers bits [6i, 6i+6); it depends on `bytes` alone when that range lies
            // within [8·offset, 8·(offset + count)).
            let first = (8 * offset + 5) / 6
            let end = (8 * (offset + bytes.count)) / 6
            guard end - first >= 4, end <= encoded.count else { continue }
            let core = String(encoded[first..<end])
            for form in [core, core.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")]
            where !cores.contains(form) {
                cores.append(form)
            }
        }
        return cores
    }
}
