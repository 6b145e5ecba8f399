import Foundation
import OrderedJSON

/// The transform chain of one field: a cell (or a collected list) through html, trim, collapse, NFC,
/// extract, replace, map, lookup, case, default, split, type and truncate, with the fallbacks noted;
/// and the number and date reading it uses.
extension RecordNormaliser {
    /// Converts a collected column's list: whole (a list, each item converted), one item (`item:`),
    /// or joined (`join:`). The variants' objects go as they are.
    func convertList(
        _ list: [JSONValue], spec sp: UnsafeMutablePointer<FieldSpec>, index fi: Int, record: Record, column: Column?,
        issues: inout [RecordIssue]
    ) -> JSONValue {
        if list.contains(where: { if case .object = $0 { return true } else { return false } }) {
            if let n = sp.pointee.item, sp.pointee.split == nil { return n <= list.count ? list[n - 1] : .null }
            return .array(list)
        }
        let items = list.map(\.plainText)
        func scalar(_ text: String) -> JSONValue {
            withUnsafePointer(to: CellValue.text(text)) {
                convert($0, spec: sp, index: fi, record: record, column: column, issues: &issues)
            }
        }
        if let n = sp.pointee.item, sp.pointee.split == nil { return scalar(n <= items.count ? items[n - 1] : "") }
        if let j = sp.pointee.join, sp.pointee.split == nil { return scalar(items.joined(separator: j)) }
        var copy = sp.pointee
        if copy.type == .list { copy.type = .string }
        copy.defaultValue = nil
        var out: [JSONValue] = []
        withUnsafeMutablePointer(to: &copy) { itemSpec in
            for item in items {
                let v = withUnsafePointer(to: CellValue.text(item)) {
                    convert($0, spec: itemSpec, index: fi, record: record, column: column, issues: &issues)
                }
                switch v {
                case .null: continue
                case .array(let inner): out += inner
                default: out.append(v)
                }
            }
        }
        if out.isEmpty, let d = sp.pointee.defaultValue {
            note(sp.pointee.name, "default_used", d)
            return .array([.string(d)])
        }
        return .array(out)
    }

    func note(_ field: String, _ kind: String, _ value: String) {
        switch kind {
        case "default_used": flags.pointee |= 1
        case "truncated": flags.pointee |= 2
        default: flags.pointee |= 4
        }
        let v = value.count > 200 ? String(value.prefix(200)) : value
        fallbacks[Fallback(field: field, kind: kind, value: v), default: 0] += 1
    }

    func convert(
        _ cellPointer: UnsafePointer<CellValue>, spec sp: UnsafeMutablePointer<FieldSpec>, index: Int, record: Record,
        column: Column?,
        issues: inout [RecordIssue]
    ) -> JSONValue {
        // Typed cells go straight to typed targets. (A switch over the cell alone: one over a
        // `(cell, type)` tuple copied the cell into the tuple.)
        let type = sp.pointee.type
        var s: String
        switch cellPointer.pointee {
        case .text(let t): s = t
        case .date(let d):
            if type == .datetime { return .string(d.iso8601DateTime) }
            if type == .date { return .string(LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601) }
            s = d.iso8601
        case .number(let n):
            if type == .datetime || type == .date, let d = LocalDateTime(excelSerial: n, system: .system1900), n > 59 {
                return .string(
                    type == .date ? LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601 : d.iso8601DateTime)
            }
            if type == .number { return .number(CellValue.canonicalNumber(n)) }
            if type == .integer && n == n.rounded() && abs(n) < 1e15 { return .number(String(Int64(n))) }
            s = CellValue.canonicalNumber(n)
        case .decimal(let t):
            if type == .number { return .number(t) }
            s = t
        case .bool(let b):
            if type == .boolean { return .bool(b) }
            s = b ? "TRUE" : "FALSE"
        case .empty: s = ""
        case .error(let e): s = e
        }
        if sp.pointee.htmlToText {
            // The HTML step leaves one space within a line and one break between lines.
            s = HTMLText.plainText(s)
            if sp.pointee.nfc && !TextCleaning.isASCII(s) { s = s.precomposedStringWithCanonicalMapping }
        } else if sp.pointee.collapseWhitespace || sp.pointee.nfc
            ? !TextCleaning.isCleanASCII(s, inner: sp.pointee.collapseWhitespace) : sp.pointee.trim
        {
            if sp.pointee.trim { s = TextCleaning.trim(s) }
            if sp.pointee.collapseWhitespace { s = TextCleaning.collapse(s) }
            if sp.pointee.nfc && !TextCleaning.isASCII(s) && !TextCleaning.isSurelyNFC(s) {
                s = s.precomposedStringWithCanonicalMapping
            }
        }
        if let p = sp.pointee.extract, let re = regexes[p], !s.isEmpty {
            let ns = s as NSString
            if let m = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) {
                let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
                s = ns.substring(with: r)
            } else {
                s = ""
            }
        }
        for (p, with) in sp.pointee.replacements {
            guard let re = regexes[p], !s.isEmpty else { continue }
            s = re.stringByReplacingMatches(
                in: s, range: NSRange(location: 0, length: (s as NSString).length), withTemplate: with)
        }
        if sp.pointee.map != nil, !s.isEmpty {
            if let v = mapsExact[index][s] ?? mapsFolded[index][s.lowercased()] {
                s = v
            } else {
                unknown(
                    &s, sp.pointee.onUnmapped, rule: "unmapped_value", field: sp.pointee.name, record: record,
                    column: column, issues: &issues,
                    advice: "is not in the value map; add it to map: or set on_unmapped: keep")
            }
        }
        if let l = sp.pointee.lookup, !s.isEmpty {
            let id = l.file + "\u{0}" + l.keyColumn + "\u{0}" + l.valueColumn
            if let v = lookups[id]?[s] ?? lookupsFolded[id]?[s.lowercased()] {
                s = v
            } else {
                unknown(
                    &s, l.onMissing, rule: "lookup_missing", field: sp.pointee.name, record: record, column: column,
                    issues: &issues,
                    advice: "is not in the lookup table \((l.file as NSString).lastPathComponent); add a row for it")
            }
        }
        if let c = sp.pointee.letterCase, !s.isEmpty {
            switch c {
            case .upper: if !s.utf8.allSatisfy({ $0 < 0x61 || ($0 > 0x7A && $0 < 0x80) }) { s = s.uppercased() }
            case .lower: if !s.utf8.allSatisfy({ $0 < 0x41 || ($0 > 0x5A && $0 < 0x80) }) { s = s.lowercased() }
            case .title: s = TextCleaning.titleCase(s)
            }
        }
        if s.isEmpty, let d = sp.pointee.defaultValue {
            s = d
            if sp.pointee.constant == nil && (sp.pointee.from.isEmpty == false || sp.pointee.template != nil) {
                note(sp.pointee.name, "default_used", d)
            }
        }
        if s.isEmpty { return sp.pointee.type == .list ? .array([]) : .null }
        if let sep = sp.pointee.split {
            if let n = sp.pointee.item {
                var parts: [String] = []
                TextCleaning.forEachPart(of: s, on: sep) { parts.append($0) }
                guard n <= parts.count else { return .null }
                s = parts[n - 1]
            } else if let j = sp.pointee.join {
                var parts: [String] = []
                TextCleaning.forEachPart(of: s, on: sep) { parts.append($0) }
                return .string(parts.joined(separator: j))
            } else {
                var items: [JSONValue] = []
                items.reserveCapacity(4)
                TextCleaning.forEachPart(of: s, on: sep) { items.append(.string($0)) }
                return .array(items)
            }
        }
        // Captures the name, not the spec: a local function that reads `spec` copied all of it
        // into its context on every call of `convert`.
        let name = sp.pointee.name
        func typeIssue(_ kind: String, _ expected: String) {
            note(name, kind, s)
            issues.append(
                RecordIssue(
                    source: record.source, column: column, field: name, value: s, rule: "type", severity: .error,
                    message: "\(name): cannot read \"\(s.count > 60 ? String(s.prefix(60)) + "…" : s)\" as \(expected)")
            )
        }
        switch sp.pointee.type {
        case .string:
            if case .length(let limit) = sp.pointee.truncate, s.unicodeScalars.count > limit {
                let cut = TextCleaning.truncated(s, to: limit)
                note(name, "truncated", s)
                issues.append(
                    RecordIssue(
                        source: record.source, column: column, field: name, value: s, rule: "truncate",
                        severity: .warning,
                        message:
                            "\(name): cut from \(s.unicodeScalars.count) to \(cut.unicodeScalars.count) characters (truncate: \(limit))"
                    ))
                return .string(cut)
            }
            return .string(s)
        case .price:
            if let p = PriceParser.parse(s, decimalComma: sp.pointee.decimalComma) {
                pendingCurrency = p.currency
                return .number(p.amount)
            }
            typeIssue("unparseable_price", "a price (such as €49.90 or 1.299,00 EUR)")
            return .string(s)
        case .list: return .array([.string(s)])
        case .integer:
            if let n = Self.parseNumber(s, decimalComma: sp.pointee.decimalComma), n == n.rounded(), abs(n) < 1e15 {
                return .number(String(Int64(n)))
            }
            typeIssue("unparseable_number", "a whole number")
            return .string(s)
        case .number:
            // A plain decimal (`262.49`, `-3`) is its own JSON text: no need to go through a Double.
            if Self.isPlainJSONNumber(s) { return .number(s) }
            if let n = Self.parseNumber(s, decimalComma: sp.pointee.decimalComma) {
                return .number(Self.numberText(s, n, decimalComma: sp.pointee.decimalComma))
            }
            typeIssue(
                "unparseable_number", "a number\(sp.pointee.decimalComma ? "" : " (set decimal_comma: true for 49,90)")"
            )
            return .string(s)
        case .boolean:
            switch s.lowercased() {
            case "true", "yes", "y", "1", "t", "ja", "oui": return .bool(true)
            case "false", "no", "n", "0", "f", "nein", "non": return .bool(false)
            default:
                typeIssue("unparseable_boolean", "true or false")
                return .string(s)
            }
        case .date, .datetime:
            var d: LocalDateTime? = DatePattern.parseISO(s)
            if d == nil {
                for f in sp.pointee.dateFormats { if let p = DatePattern(f), let v = p.parse(s) { d = v; break } }
                if let swap = swapPatterns[index] { noteDate(s, index: index, patterns: swap, read: d != nil) }
            }
            if d == nil {
                for p in DatePattern.monthNamePatterns { if let v = p.parse(s) { d = v; break } }
            }
            if d == nil, let n = Double(s), n > 59, n < 2_958_466 {
                d = LocalDateTime(excelSerial: n, system: .system1900)
            }
            if let d {
                return .string(
                    sp.pointee.type == .date
                        ? LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601 : d.iso8601DateTime)
            }
            let hint =
                sp.pointee.dateFormats.isEmpty
                ? "; add date_format: dd/MM/yyyy (or the pattern your file uses)"
                : " with \(sp.pointee.dateFormats.joined(separator: ", ")) or ISO 8601"
            typeIssue("unparseable_date", "a date\(hint)")
            return .string(s)
        }
    }

    /// Parses a number, accepting a decimal comma when asked (`1.234,50` → 1234.5).
    public static func parseNumber(_ s: String, decimalComma: Bool) -> Double? {
        if let first = s.utf8.first, first >= 48 && first <= 57, !s.utf8.contains(0x20), !s.utf8.contains(0x2C),
            let v = Double(s), v.isFinite
        {
            return v
        }
        var t = s.replacingOccurrences(of: " ", with: "")
        if decimalComma && t.contains(",") {
            t = t.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        }
        guard let first = t.utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= 48 && first <= 57)
        else { return nil }
        guard let v = Double(t), v.isFinite else { return nil }
        return v
    }

    static func numberText(_ s: String, _ n: Double, decimalComma: Bool) -> String {
        let t = s.utf8.contains(0x20) ? s.replacingOccurrences(of: " ", with: "") : s
        if isPlainJSONNumber(t) { return t }
        return CellValue.canonicalNumber(n)
    }

    /// Whether `s` is `-?(0|[1-9][0-9]*)(\.[0-9]+)?` and under 300 digits: valid JSON number text
    /// for a finite double, so it is sent exactly as written. (`007`, `1.`, `.5` and `1,5` are
    /// not: they are sent as the parsed value's canonical text; `007` used to go out as invalid JSON.)
    static func isPlainJSONNumber(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { u in
            let n = u.count
            var i = 0
            if i < n && u[i] == 0x2D { i += 1 }
            let intStart = i
            while i < n && u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
            let intDigits = i - intStart
            guard intDigits > 0, intDigits == 1 || u[intStart] != 0x30 else { return false }
            var fracDigits = 0
            if i < n && u[i] == 0x2E {
                i += 1
                let fracStart = i
                while i < n && u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
                fracDigits = i - fracStart
                guard fracDigits > 0 else { return false }
            }
            return i == n && intDigits + fracDigits < 300
        }
    }

    /// Notes one date value of a field whose format has a swap.
    func noteDate(_ s: String, index: Int, patterns: (primary: DatePattern, swapped: DatePattern), read: Bool) {
        var st = dateStats[index] ?? DateStats()
        st.total += 1
        if patterns.primary.parse(s) != nil { st.readByPrimary += 1 }
        if patterns.swapped.parse(s) != nil { st.readBySwap += 1 }
        if !read, st.firstUnread == nil { st.firstUnread = s }
        dateStats[index] = st
    }

    /// The date fields whose given format reads some values while its day/month swap reads them all:
    /// the given format would send some of them with the wrong month.
    public var dateSwapProblems: [DateSwapProblem] {
        dateStats.keys.sorted().compactMap { fi in
            guard let st = dateStats[fi], let p = swapPatterns[fi] else { return nil }
            guard st.readBySwap == st.total, st.readByPrimary < st.total, st.readByPrimary > 0 else { return nil }
            return DateSwapProblem(
                field: stage.fields[fi].name, given: p.primary.text, likely: p.swapped.text, read: st.readByPrimary,
                total: st.total, example: st.firstUnread)
        }
    }

    /// A value a value map or lookup table does not know, as the field's policy says: kept or
    /// emptied (either way noted as a fallback), or an error issue.
    private func unknown(
        _ s: inout String, _ policy: UnmappedPolicy, rule: String, field: String, record: Record, column: Column?,
        issues: inout [RecordIssue], advice: @autoclosure () -> String
    ) {
        switch policy {
        case .keep: note(field, rule, s)
        case .null:
            note(field, rule, s)
            s = ""
        case .error:
            issues.append(
                RecordIssue(
                    source: record.source, column: column, field: field, value: s, rule: rule, severity: .error,
                    message: "\(field): \"\(s)\" \(advice())"))
        }
    }
}
