import Foundation

/// What `catalog-etl inspect` shows: sheets, the header, a guessed type per column, the first rows.
public struct Inspection: Sendable {
    /// The workbook's sheets (empty for CSV / JSON).
    public var sheets: [SheetInfo]
    /// The sheet read.
    public var sheet: String?
    /// The columns.
    public var columns: [Column]
    /// A guessed type per column (`text`, `integer`, `number`, `date`, `boolean`, `url`, `empty`, two kinds as `date/text`, else `mixed`).
    public var types: [String]
    /// The first rows.
    public var rows: [Record]
    /// Warnings the reader recovered from.
    public var warnings: WarningLog
    /// The records in the whole file (the reading goes on past the rows shown).
    public var rowCount = 0
    /// Per column, from the whole file: guessed type, empties, distinct and top values.
    public var profiles: [ColumnProfile] = []

    /// Reads `path` to the end: keeps the first `rowLimit` records, guesses the table's column types
    /// from the first 200 and profiles every column over the whole file.
    ///
    /// The text cells of CSV and JSON files are guessed by their text (``kind(of:readsText:)``):
    /// `42` is an integer, `-19.99` a number, `2026-03-01` a date. A workbook's text cells stay
    /// text, since the spreadsheet keeps numbers and dates as such.
    /// - Throws: ``ReadError``.
    public init(path: String, options: ReadOptions, rowLimit: Int) throws {
        sheets = try Readers.sheets(of: path, options: options)
        let readsText = try Readers.format(of: path, options: options) != .xlsx
        let reader = try Readers.open(path, options: options)
        sheet = reader.sheet
        var rows: [Record] = []
        var kinds: [String: Set<String>] = [:]
        var order: [Column] = reader.columns
        var seen = Set(order.map(\.header))
        var scanned = 0
        // Every record feeds the column profiles (bounded memory); the first 200 also the quick
        // type guess of the table, and the first `rowLimit` are shown.
        var profileIndex: [String: Int] = [:]
        var profiles: [ColumnProfile] = []
        while let r = try reader.next() {
            scanned += 1
            if rows.count < rowLimit { rows.append(r) }
            for (c, v) in zip(r.columns, r.values) {
                if !seen.contains(c.header) {
                    seen.insert(c.header)
                    order.append(c)
                }
                if scanned <= max(rowLimit, 200) {
                    let k = Self.kind(of: v, readsText: readsText)
                    if k != "empty" { kinds[c.header, default: []].insert(k) }
                }
                var i = profileIndex[c.header] ?? -1
                if i < 0 {
                    i = profiles.count
                    profiles.append(ColumnProfile(column: c))
                    profileIndex[c.header] = i
                }
                profiles[i].add(v, readsText: readsText)
            }
        }
        rowCount = scanned
        self.profiles = order.map { c in profileIndex[c.header].map { profiles[$0] } ?? ColumnProfile(column: c) }
        columns = order
        types = order.map { c in
            guard let set = kinds[c.header], !set.isEmpty else { return "empty" }
            if set.count == 1, let only = set.first { return only }
            if set == ["integer", "number"] { return "number" }
            if set.count == 2 { return set.sorted().joined(separator: "/") }
            return "mixed"
        }
        self.rows = rows
        warnings = reader.warnings
    }

    /// The guessed kind of one cell: `empty`, `boolean`, `date`, `error`, `integer`, `number`, `url` or
    /// `text`. With `readsText` (CSV and JSON text) a text that is a plain decimal number is an
    /// `integer` or a `number` (an optional `-`, digits without thousands separators and without a
    /// leading zero, an optional fraction: `2026`, `-3`, `19.99`, `0.5`; not `007`, `1,234`, `1e5`),
    /// and an ISO 8601 date (`2026-03-01`, `2026-03-01T09:30:00`) a `date`.
    static func kind(of v: CellValue, readsText: Bool = false) -> String {
        switch v {
        case .empty: return "empty"
        case .bool: return "boolean"
        case .date: return "date"
        case .error: return "error"
        case .number(let d): return d == d.rounded() ? "integer" : "number"
        case .decimal(let s): return s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "number" : "integer"
        case .text(let s):
            if s.isEmpty { return "empty" }
            if s.hasPrefix("http://") || s.hasPrefix("https://") { return "url" }
            if readsText {
                if let number = numberKind(s) { return number }
                if isISODate(s) { return "date" }
            }
            return "text"
        }
    }

    /// `integer` or `number` when `s` is a plain decimal number (see ``kind(of:readsText:)``), else nil.
    static func numberKind(_ s: String) -> String? {
        var u = s.utf8[...]
        if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
        let digits = u.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.count == 1 || digits.first != 0x30 else { return nil }
        u = u.dropFirst(digits.count)
        if u.isEmpty { return "integer" }
        guard u.first == UInt8(ascii: "."), u.count > 1, u.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return "number"
    }

    /// Whether `s` is an ISO 8601 calendar date, alone or with a time of day (`2026-03-01`,
    /// `2026-03-01T09:30`, `2026-03-01T09:30:00.5`).
    static func isISODate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var n = 0
            for i in range {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard b.count >= 10, digits(0..<4) != nil, b[4] == 0x2D, let month = digits(5..<7), b[7] == 0x2D,
            let day = digits(8..<10), (1...12).contains(month), (1...31).contains(day)
        else { return false }
        if b.count == 10 { return true }
        guard b.count >= 16, b[10] == UInt8(ascii: "T") || b[10] == 0x20, let hour = digits(11..<13), b[13] == 0x3A,
            let minute = digits(14..<16), hour < 24, minute < 60
        else { return false }
        if b.count == 16 { return true }
        guard b.count >= 19, b[16] == 0x3A, let second = digits(17..<19), second < 61 else { return false }
        if b.count == 19 { return true }
        return b[19] == 0x2E && b.count > 20 && digits(20..<b.count) != nil
    }

    /// The inspection as text: sheets, then an aligned table of header, types and rows.
    /// - Parameter width: the widest a column may print before it is cut with `…`.
    public func render(width: Int = 24, terminalWidth: Int? = nil) -> String {
        var out = ""
        if !sheets.isEmpty {
            out += "sheets:\n"
            for s in sheets {
                out += "  \(s.name)\(s.hidden ? " (hidden)" : "")\(s.dimension.map { "  \($0)" } ?? "")"
                out += s.name == sheet ? "  ← read\n" : "\n"
            }
        }
        out += "rows: \(rowCount)   columns: \(columns.count)   rows shown: \(rows.count)\n\n"
        out += renderProfiles(terminalWidth: terminalWidth) + "\n"
        var table: [[String]] = []
        let headerCells: [String] = columns.map { c in
            guard let l = c.letter, l != c.header else { return c.header }
            return l + " " + c.header
        }
        table.append(["row"] + headerCells)
        table.append(["type"] + types)
        for r in rows {
            var index: [String: Int] = [:]
            for (i, c) in r.columns.enumerated() { index[c.header] = i }
            table.append(
                [String(r.source.row)] + columns.map { c in index[c.header].map { r.values[$0].canonicalText } ?? "" })
        }
        let cut: (String) -> String = { s in
            let flat = s.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\r", with: "")
            return flat.count > width ? String(flat.prefix(width - 1)) + "…" : flat
        }
        let cells = table.map { $0.map(cut) }
        var widths = [Int](repeating: 0, count: cells.map(\.count).max() ?? 0)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        if let terminalWidth, widths.reduce(0, +) + 2 * max(0, widths.count - 1) > terminalWidth {
            // Too wide for the terminal: one block per row, a line per column.
            let names = cells[0].dropFirst()
            let nameWidth = names.map(\.count).max() ?? 0
            for (n, row) in cells.enumerated() where n != 0 {
                out += n == 1 ? "type\n" : "row \(row[0])\n"
                for (name, value) in zip(names, row.dropFirst()) {
                    out += "  " + name + String(repeating: " ", count: nameWidth - name.count) + "  " + value + "\n"
                }
            }
            return out
        }
        for (n, row) in cells.enumerated() {
            out += row.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }.joined(
                separator: "  ")
            out += "\n"
            if n == 1 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}
