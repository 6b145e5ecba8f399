import Foundation

/// What one pass over a column learnt, in bounded memory: counts by kind, a capped table of distinct
/// values, lengths, list separators, date patterns that read its text dates, and how it behaves on
/// rows that repeat a key. `inspect` shows it; `init` decides from it.
public struct ColumnProfile: Sendable {
    /// The most distinct values counted per column; beyond it new values are only counted as "more".
    public static let distinctCap = 1_000
    /// Longest text kept as a distinct value (longer ones are cut, which only merges near-equal long texts).
    static let distinctValueLength = 120

    /// The column.
    public var column: Column
    /// Rows with a value in this column.
    public internal(set) var filled = 0
    /// Values by kind: `integer`, `number`, `date`, `boolean`, `url`, `text`, `error`.
    public internal(set) var kinds: [String: Int] = [:]
    /// Distinct values (cut to 120 characters) and their counts, at most ``distinctCap`` of them.
    public internal(set) var distinct: [String: Int] = [:]
    /// Whether more distinct values exist than ``distinct`` holds.
    public internal(set) var distinctOverflow = false
    /// The longest value, in code points.
    public internal(set) var maxLength = 0
    /// The sum of value lengths, in code points.
    public internal(set) var totalLength = 0
    /// Values holding a line break.
    public internal(set) var multiline = 0
    /// Values that look like HTML (tags or entities).
    public internal(set) var html = 0
    /// Whole numbers from 1900 to 2100 (years).
    public internal(set) var years = 0
    /// Values whose every part is a URL when split on the separator, by separator (`|`, `;`, `, `,
    /// `,`, ` `), counted only when there are two parts or more.
    public internal(set) var urlLists: [String: Int] = [:]
    /// The most parts seen in one value, by separator.
    public internal(set) var maxParts: [String: Int] = [:]
    /// Text values that some known date pattern reads (ISO 8601 text excluded).
    public internal(set) var textDates = 0
    /// How many of those each candidate pattern reads.
    public internal(set) var datePatterns: [String: Int] = [:]
    /// Values that are UUIDs.
    public internal(set) var uuids = 0
    /// First few values, for people.
    public internal(set) var examples: [String] = []

    /// Date patterns tried on text that is not ISO 8601, in order of preference when several read all.
    public static let dateCandidates = [
        "dd/MM/yyyy", "MM/dd/yyyy", "dd.MM.yyyy", "dd-MM-yyyy", "MM-dd-yyyy", "yyyy/MM/dd", "yyyy.MM.dd",
        "dd/MM/yy", "MM/dd/yy", "dd.MM.yy", "dd/MM/yyyy HH:mm", "MM/dd/yyyy HH:mm", "dd.MM.yyyy HH:mm",
        "dd/MM/yyyy HH:mm:ss", "MM/dd/yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyyMMdd",
    ]
    static let parsedCandidates: [(String, DatePattern)] = dateCandidates.compactMap { p in
        DatePattern(p).map { (p, $0) }
    }
    static let separators = ["|", ";", ", ", ",", " "]

    /// Creates an empty profile.
    public init(column: Column) { self.column = column }

    /// Adds one cell.
    /// - Parameters:
    ///   - value: the cell.
    ///   - readsText: whether text holds numbers and dates (CSV, JSON) rather than a spreadsheet's typed cells.
    public mutating func add(_ value: CellValue, readsText: Bool) {
        if value.isEmpty { return }
        filled += 1
        let text = value.canonicalText
        var kind = Inspection.kind(of: value, readsText: readsText)
        let length = text.unicodeScalars.count
        maxLength = max(maxLength, length)
        totalLength += length
        if examples.count < 3 { examples.append(String(text.prefix(60))) }
        // Distinct values, capped.
        let key = length > Self.distinctValueLength ? String(text.prefix(Self.distinctValueLength)) : text
        if let n = distinct[key] {
            distinct[key] = n + 1
        } else if distinct.count < Self.distinctCap {
            distinct[key] = 1
        } else {
            distinctOverflow = true
        }
        if kind == "integer", let n = Int(text), (1900...2100).contains(n), text.count == 4 { years += 1 }
        if case .text(let s) = value {
            if s.contains("\n") { multiline += 1 }
            if Self.looksLikeHTML(s) { html += 1 }
            if kind == "text" || kind == "url", s.contains("http") {
                for sep in Self.separators where s.contains(sep) {
                    var parts = 0
                    var allURLs = true
                    for p in s.split(separator: Substring(sep), omittingEmptySubsequences: true) {
                        let t = p.trimmingCharacters(in: .whitespaces)
                        if t.isEmpty { continue }
                        parts += 1
                        if !(t.hasPrefix("http://") || t.hasPrefix("https://")) { allURLs = false }
                    }
                    if parts >= 2 && allURLs {
                        urlLists[sep, default: 0] += 1
                        maxParts[sep] = max(maxParts[sep] ?? 0, parts)
                        kind = "url"
                        break
                    }
                }
            }
            if kind == "text", length <= 30, s.first?.isNumber == true {
                var any = false
                for (name, p) in Self.parsedCandidates where p.parse(s) != nil {
                    datePatterns[name, default: 0] += 1
                    any = true
                }
                if any {
                    textDates += 1
                    kind = "date"
                }
            }
            if length == 36, Self.isUUID(s) { uuids += 1 }
            if kind == "text", ["true", "false", "yes", "no"].contains(s.lowercased()) { kind = "boolean" }
        }
        kinds[kind, default: 0] += 1
    }

    /// Whether `s` holds an HTML tag or entity (`<p>`, `<br/>`, `</li>`, `&amp;`, `&nbsp;`).
    static func looksLikeHTML(_ s: String) -> Bool {
        guard s.contains("<") || s.contains("&") else { return false }
        for t in [
            "<p", "<br", "</", "<ul", "<li", "<div", "<span", "<strong", "<b>", "<i>", "&amp;", "&nbsp;", "&lt;",
            "&quot;", "&#",
        ]
        where s.range(of: t, options: .caseInsensitive) != nil {
            return true
        }
        return false
    }

    static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                if c != 0x2D { return false }
            } else if !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) {
                return false
            }
        }
        return true
    }

    // MARK: what the counts say

    /// Share of filled values of a kind.
    public func share(_ kind: String) -> Double { filled == 0 ? 0 : Double(kinds[kind] ?? 0) / Double(filled) }

    /// The mean length of a filled value.
    public var meanLength: Double { filled == 0 ? 0 : Double(totalLength) / Double(filled) }

    /// The number of distinct values (a lower bound when ``distinctOverflow``).
    public var distinctCount: Int { distinct.count }

    /// The most frequent values, most frequent first (ties in text order).
    public func topValues(_ n: Int) -> [(value: String, count: Int)] {
        distinct.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map {
            (value: $0.key, count: $0.value)
        }
    }

    /// The separator between the URLs of list values, if any value holds several.
    public var urlSeparator: String? {
        urlLists.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
    }

    /// The date patterns that read every text date of the column, in ``dateCandidates`` order.
    public var datePatternsReadingAll: [String] {
        Self.dateCandidates.filter { textDates > 0 && datePatterns[$0] == textDates }
    }

    /// The guessed type: `empty`, `integer`, `number`, `date`, `boolean`, `url`, `text` (or `mixed`
    /// when no kind holds 95% of the values).
    public var guessedType: String {
        guard filled > 0 else { return "empty" }
        let total = Double(filled)
        let n = Double(kinds["number"] ?? 0)
        let i = Double(kinds["integer"] ?? 0)
        if i / total >= 0.95 { return "integer" }
        if (i + n) / total >= 0.95 { return "number" }
        for k in ["date", "boolean", "url", "text"] where Double(kinds[k] ?? 0) / total >= 0.95 { return k }
        if Double((kinds["date"] ?? 0) + (kinds["text"] ?? 0)) / total >= 0.95, (kinds["date"] ?? 0) > 0 {
            return "date/text"
        }
        return "mixed"
    }

    /// The date format text values need, when the column holds dates: the one pattern that reads them
    /// all, `ambiguous` is true when a day-first and a month-first pattern both do.
    public var dateFormat: (format: String, ambiguous: Bool)? {
        let all = datePatternsReadingAll
        guard let first = all.first else { return nil }
        let dayFirst = all.contains { $0.hasPrefix("dd") }
        let monthFirst = all.contains { $0.hasPrefix("MM") }
        return (first, dayFirst && monthFirst)
    }
}
