import Foundation
public import OrderedJSON

/// `inspect`'s look at the whole file: per column the guessed type, empties, distinct and top values.
extension Inspection {
    /// A column's guessed type as people read it: `date (dd/MM/yyyy)` when text dates need a format.
    static func typeLabel(_ p: ColumnProfile) -> String {
        let t = p.guessedType
        if t.hasPrefix("date"), let f = p.dateFormat {
            return "date (\(f.format)\(f.ambiguous ? " or month-first?" : ""))"
        }
        if t == "url", let sep = p.urlSeparator { return "url list (\"\(sep)\")" }
        return t
    }

    /// The share of rows without a value, as a percentage text.
    func emptyShare(_ p: ColumnProfile) -> String {
        guard rowCount > 0 else { return "" }
        let share = Double(rowCount - p.filled) / Double(rowCount) * 100
        return share == 0 ? "0%" : (share < 1 ? "<1%" : "\(Int(share.rounded()))%")
    }

    /// One line per column: name, type, empty share, distinct count and top values; one block per
    /// column when the line does not fit `terminalWidth`.
    public func renderProfiles(terminalWidth: Int? = nil) -> String {
        let head = ["column", "type", "empty", "distinct", "top values"]
        var rows: [[String]] = []
        for p in profiles {
            let name =
                p.column.letter.map { $0 == p.column.header ? $0 : "\($0) \(p.column.header)" } ?? p.column.header
            let top = p.topValues(3).map { v in
                let shown = v.value.count > 24 ? String(v.value.prefix(23)) + "…" : v.value
                return "\(shown.replacingOccurrences(of: "\n", with: "⏎")) (\(v.count))"
            }.joined(separator: ", ")
            rows.append([
                name, Self.typeLabel(p), emptyShare(p),
                p.distinctOverflow ? "\(p.distinctCount)+" : String(p.distinctCount), top,
            ])
        }
        var widths = head.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        let lineWidth = widths.reduce(0, +) + 2 * (widths.count - 1)
        var out = ""
        if let terminalWidth, lineWidth > terminalWidth {
            for r in rows {
                out += r[0] + "\n"
                for i in 1..<head.count where !r[i].isEmpty { out += "  \(head[i]): \(r[i])\n" }
            }
            return out
        }
        for (n, r) in ([head] + rows).enumerated() {
            var line = ""
            for (i, c) in r.enumerated() {
                line += i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 2)
            }
            out += line + "\n"
            if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    /// The inspection as JSON: file, sheets, row count and every column's profile.
    public var json: JSONValue {
        func num(_ n: Int) -> JSONValue { .number(String(n)) }
        return .object([
            JSONField("sheet", sheet.map { .string($0) } ?? .null),
            JSONField(
                "sheets",
                .array(
                    sheets.map {
                        .object([JSONField("name", .string($0.name)), JSONField("hidden", .bool($0.hidden))])
                    })),
            JSONField("rows", num(rowCount)),
            JSONField(
                "columns",
                .array(
                    profiles.map { p in
                        let empty = rowCount == 0 ? 0 : Double(rowCount - p.filled) / Double(rowCount)
                        return .object([
                            JSONField("header", .string(p.column.header)),
                            JSONField("letter", p.column.letter.map { .string($0) } ?? .null),
                            JSONField("type", .string(p.guessedType.hasPrefix("date") ? "date" : p.guessedType)),
                            JSONField("date_format", p.dateFormat.map { .string($0.format) } ?? .null),
                            JSONField("date_format_ambiguous", .bool(p.dateFormat?.ambiguous ?? false)),
                            JSONField("list_separator", p.urlSeparator.map { .string($0) } ?? .null),
                            JSONField("filled", num(p.filled)),
                            JSONField("empty_share", .number(String((empty * 10000).rounded() / 10000))),
                            JSONField("distinct", num(p.distinctCount)),
                            JSONField("distinct_capped", .bool(p.distinctOverflow)),
                            JSONField("max_length", num(p.maxLength)),
                            JSONField(
                                "top_values",
                                .array(
                                    p.topValues(5).map {
                                        .object([
                                            JSONField("value", .string($0.value)), JSONField("count", num($0.count)),
                                        ])
                                    })),
                        ])
                    })),
        ])
    }
}
