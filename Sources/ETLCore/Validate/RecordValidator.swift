import Foundation

/// Checks normalised records against a target's documented limits and the user's rules.
///
/// Lengths count Unicode code points, as the FastAPI / Pydantic services count them (an emoji flag
/// is two). URLs must be absolute http(s). Keys listed as unique must be unique within the catalog:
/// the first row with a key wins and later ones are errors naming it.
public final class RecordValidator {
    struct Check {
        var field: String
        var check: FieldCheck
        var severity: Severity
        var source: String
    }

    private let checks: [Check]
    /// The field keys of the latest record layout and, per check, where its field is (nil: absent).
    private var layoutKeys: [String] = []
    private var layoutPositions: [Int?] = []
    private var uniqueFields: [String] = []
    private var seen: [String: UniqueIndex] = [:]
    private var regexes: [String: NSRegularExpression] = [:]

    /// Creates a validator for a validate stage (nil: only the key's uniqueness is checked).
    public init(stage: ValidateStage?, keyField: String?) {
        var checks: [Check] = []
        for name in stage?.ruleSets ?? [] {
            guard let set = TargetRuleSet.all[name.qualified] else { continue }
            for r in set.rules {
                checks.append(Check(field: r.field, check: r.check, severity: .error, source: r.source))
            }
        }
        for r in stage?.rules ?? [] {
            if case .unique = r.check {
                uniqueFields.append(r.field)
                continue
            }
            checks.append(Check(field: r.field, check: r.check, severity: r.severity, source: "pipeline rule"))
        }
        uniqueFields += stage?.unique ?? []
        if uniqueFields.isEmpty, let keyField { uniqueFields = [keyField] }
        var seenNames = Set<String>()
        uniqueFields = uniqueFields.filter { seenNames.insert($0).inserted }
        self.checks = checks
        for c in checks {
            if case .pattern(let p) = c.check, regexes[p] == nil {
                regexes[p] = try? NSRegularExpression(pattern: "^(?:\(p))$")
            }
        }
    }

    /// Validates one record, appending issues.
    /// - Parameters:
    ///   - record: the normalised record.
    ///   - issues: receives problems; fields that already have an issue from normalisation are not checked again.
    public func validate(_ record: NormalisedRecord, issues: inout [RecordIssue]) {
        // A field the normaliser already flagged (unparseable, unmapped) is not judged again.
        let typed = issues.isEmpty ? [] : Set(issues.map(\.field))
        let positions = positions(in: record)
        for n in checks.indices where typed.isEmpty || !typed.contains(checks[n].field) {
            let position = positions[n]
            let value = position.map { record.fields[$0].value } ?? .null
            if let message = Self.failure(of: checks[n].check, field: checks[n].field, value: value, regexes: regexes) {
                let c = checks[n]
                issues.append(
                    RecordIssue(
                        source: record.source, column: position.flatMap { record.fieldColumns[$0] }, field: c.field,
                        value: value.plainText,
                        rule: c.check.ruleName, severity: c.severity, message: message))
            }
        }
        for f in uniqueFields {
            guard let i = record.index(of: f) else { continue }
            let v = record.fields[i].value
            if v.isEmpty { continue }
            let text = v.plainText
            if let first = seen[f, default: UniqueIndex()].firstRow(of: text, row: record.source.row) {
                issues.append(
                    RecordIssue(
                        source: record.source, column: record.origin(of: f), field: f, value: text, rule: "unique",
                        severity: .error,
                        message:
                            "\(f) \"\(text)\" is already used by row \(first); keys must be unique within the catalog"))
            }
        }
    }

    /// Where each check's field is in `record`. Records of one pipeline share their layout (the
    /// normaliser's fields in order, sometimes one more for unmapped columns), so the positions are
    /// worked out once per layout: a record's keys are compared with the cached ones (the same
    /// `String`s, so each comparison is a pointer check), instead of searching every field a rule
    /// set names, present or not, on every row.
    private func positions(in record: NormalisedRecord) -> [Int?] {
        var same = record.fields.count == layoutKeys.count
        if same {
            for i in 0..<layoutKeys.count where record.fields[i].key != layoutKeys[i] {
                same = false
                break
            }
        }
        if !same {
            layoutKeys = record.fields.map(\.key)
            layoutPositions = checks.map { c in record.index(of: c.field) }
        }
        return layoutPositions
    }

    static func codePoints(_ s: String) -> Int { s.unicodeScalars.count }

    /// The keys seen so far for one unique field, kept as 128-bit digests and the row that used
    /// each first: 24 bytes a key instead of the key's `String` (a 1,000,000-row catalog took
    /// 220 MiB as a `[String: Int]`). Two keys share a digest with a probability of about
    /// n² / 2¹²⁹ (1e-27 for a million keys), far below any disk or memory error rate.
    struct UniqueIndex {
        private struct Digest: Hashable {
            var a: UInt64
            var b: UInt64
        }
        private var rows: [Digest: Int32] = [:]

        /// A second, independent 64-bit hash of the key's UTF-8 (word-wise multiply–xorshift, as in
        /// SplitMix64), so the digest is 128 bits for the price of one SipHash.
        static func mix(_ key: String) -> UInt64 {
            var k = key
            return k.withUTF8 { buf -> UInt64 in
                var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(buf.count)
                guard let base = buf.baseAddress else { return h }
                let raw = UnsafeRawPointer(base)
                var i = 0
                while i + 8 <= buf.count {
                    h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                    h ^= h >> 31
                    i += 8
                }
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while i < buf.count {
                    tail |= UInt64(base[i]) << shift
                    shift += 8
                    i += 1
                }
                h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
                h ^= h >> 29
                h = h &* 0xBF58_476D_1CE4_E5B9
                return h ^ (h >> 32)
            }
        }

        /// The row that first used `key`, or nil (and `row` is remembered as its first use).
        mutating func firstRow(of key: String, row: Int) -> Int? {
            var h1 = Hasher()
            h1.combine(key)
            let d = Digest(a: UInt64(bitPattern: Int64(h1.finalize())), b: Self.mix(key))
            if let first = rows[d] { return Int(first) }
            rows[d] = Int32(clamping: row)
            return nil
        }
    }

    /// Whether `s` has more than `n` code points, without counting when the UTF-8 length settles it.
    @inline(__always) static func longer(_ s: String, than n: Int) -> Bool {
        s.utf8.count > n && codePoints(s) > n
    }

    private static let httpsPrefix: [UInt8] = Array("https://".utf8)

    /// Whether `s` is an absolute http(s) URL with a host and no white space or control characters.
    public static func isHTTPURL(_ s: String) -> Bool {
        var copy = s
        let (ok, nonASCII) = copy.withUTF8 { buf -> (Bool, Bool) in
            let n = buf.count
            @inline(__always) func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
            // "http" then an optional "s", then "://".
            guard n > 7 else { return (false, false) }
            for k in 0..<4 where lower(buf[k]) != httpsPrefix[k] { return (false, false) }
            var prefix = 4
            if lower(buf[4]) == UInt8(ascii: "s") { prefix = 5 }
            guard prefix + 3 <= n, buf[prefix] == UInt8(ascii: ":"), buf[prefix + 1] == UInt8(ascii: "/"),
                buf[prefix + 2] == UInt8(ascii: "/")
            else { return (false, false) }
            prefix += 3
            var hostLength = 0
            var inHost = true
            var nonASCII = false
            for i in 0..<n {
                let b = buf[i]
                if b <= 0x20 || b == 0x7F { return (false, false) }
                if b >= 0x80 { nonASCII = true }
                guard i >= prefix, inHost else { continue }
                if b == UInt8(ascii: "/") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#") {
                    inHost = false
                } else {
                    if hostLength == 0 && (b == UInt8(ascii: ":") || b == UInt8(ascii: "@")) {
                        return (false, false)
                    }
                    hostLength += 1
                }
            }
            return (hostLength > 0, nonASCII)
        }
        guard ok else { return false }
        if nonASCII && s.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return false }
        return true
    }

    /// Whether `s` is a UUID in its 8-4-4-4-12 hex form.
    public static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != 45 { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) {
                return false
            }
        }
        return true
    }

    static func failure(of check: FieldCheck, field: String, value: JSONValue, regexes: [String: NSRegularExpression])
        -> String?
    {
        if case .required = check {
            return value.isEmpty
                ? "\(field) is required and is empty; fill it in the source file or map it from another column" : nil
        }
        if value.isEmpty { return nil }
        // Most checks pass: the plain text of a list or number is only built when a check reads it.
        var text: String {
            if case .string(let str) = value { return str }
            return value.plainText
        }
        var shown: String {
            let t = text
            return t.count > 60 ? String(t.prefix(60)) + "…" : t
        }
        switch check {
        case .required: return nil
        case .maxLength(let n):
            guard case .string(let s) = value, longer(s, than: n) else { return nil }
            return "\(field) has \(codePoints(s)) characters; the API allows at most \(n)"
        case .minLength(let n):
            guard case .string(let s) = value else { return nil }
            let c = codePoints(s)
            return c < n ? "\(field) has \(c) characters; it needs at least \(n)" : nil
        case .pattern(let p):
            guard let re = regexes[p] else { return nil }
            let t = text
            let ok = re.firstMatch(in: t, range: NSRange(location: 0, length: (t as NSString).length)) != nil
            return ok ? nil : "\(field) \"\(shown)\" does not match the pattern \(p)"
        case .oneOf(let options):
            return options.contains(text)
                ? nil
                : "\(field) \"\(shown)\" is not one of \(options.joined(separator: ", ")); add it to the value map"
        case .integer(let lo, let hi), .number(let lo, let hi):
            let isInt: Bool
            if case .integer = check { isInt = true } else { isInt = false }
            let t = text
            guard case .number = value, let n = Double(t) else {
                let parsed = Double(t.trimmingCharacters(in: .whitespaces))
                if let n = parsed, !isInt || n == n.rounded() { return range(n, lo, hi, field: field) }
                return
                    "\(field) \"\(shown)\" is not \(isInt ? "a whole number" : "a number"); map it with as: \(isInt ? "integer" : "number")"
            }
            if isInt && n != n.rounded() { return "\(field) \(t) is not a whole number" }
            return range(n, lo, hi, field: field)
        case .url:
            return isHTTPURL(text) ? nil : "\(field) \"\(shown)\" is not an absolute http(s) URL"
        case .urlList:
            func bad(_ t: String) -> String {
                "\(field) has \"\(t.count > 60 ? String(t.prefix(60)) + "…" : t)\", which is not an absolute http(s) URL"
            }
            guard case .array(let items) = value else {
                let t = text
                return isHTTPURL(t) ? nil : bad(t)
            }
            for item in items {
                let t = item.plainText
                if !isHTTPURL(t) { return bad(t) }
            }
            return nil
        case .uuid:
            return isUUID(text) ? nil : "\(field) \"\(shown)\" is not a UUID"
        case .dateTime:
            let t = text
            guard t.utf8.count > 10, DatePattern.parseISO(t) != nil else {
                return
                    "\(field) \"\(shown)\" is not an ISO 8601 date-time (2026-03-01T00:00:00); map it with as: datetime"
            }
            return nil
        case .boolean:
            if case .bool = value { return nil }
            return "\(field) \"\(shown)\" is not true or false; map it with as: boolean"
        case .object:
            if case .object = value { return nil }
            return "\(field) must be an object (key: value pairs)"
        case .maxItems(let n):
            if case .array(let a) = value, a.count > n {
                return "\(field) has \(a.count) items; at most \(n) are allowed"
            }
            return nil
        case .unique: return nil
        }
    }

    static func range(_ n: Double, _ lo: Double?, _ hi: Double?, field: String) -> String? {
        if let lo, n < lo {
            return "\(field) \(CellValue.canonicalNumber(n)) is below the minimum \(CellValue.canonicalNumber(lo))"
        }
        if let hi, n > hi {
            return "\(field) \(CellValue.canonicalNumber(n)) is above the maximum \(CellValue.canonicalNumber(hi))"
        }
        return nil
    }
}
