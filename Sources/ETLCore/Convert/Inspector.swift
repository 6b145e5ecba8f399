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

    /// Reads the first `rowLimit` records of `path` and guesses column types from them.
    /// - Throws: ``ReadError``.
    public init(path: String, options: ReadOptions, rowLimit: Int) throws {
        sheets = try Readers.sheets(of: path, options: options)
        let reader = try Readers.open(path, options: options)
        sheet = reader.sheet
        var rows: [Record] = []
        var kinds: [String: Set<String>] = [:]
        var order: [Column] = reader.columns
        var seen = Set(order.map(\.header))
        var scanned = 0
        while scanned < max(rowLimit, 200), let r = try reader.next() {
            scanned += 1
            if rows.count < rowLimit { rows.append(r) }
            for (c, v) in zip(r.columns, r.values) {
                if !seen.contains(c.header) {
                    seen.insert(c.header)
                    order.append(c)
                }
                let k = Self.kind(of: v)
                if k != "empty" { kinds[c.header, default: []].insert(k) }
            }
        }
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

    static func kind(of v: CellValue) -> String {
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
            return "text"
        }
    }

    /// The inspection as text: sheets, then an aligned table of header, types and rows.
    /// - Parameter width: the widest a column may print before it is cut with `…`.
    public func render(width: Int = 24) -> String {
        var out = ""
        if !sheets.isEmpty {
            out += "sheets:\n"
            for s in sheets {
                out += "  \(s.name)\(s.hidden ? " (hidden)" : "")\(s.dimension.map { "  \($0)" } ?? "")"
                out += s.name == sheet ? "  ← read\n" : "\n"
            }
        }
        out += "columns: \(columns.count)   rows shown: \(rows.count)\n"
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
        for (n, row) in cells.enumerated() {
            out += row.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }.joined(
                separator: "  ")
            out += "\n"
            if n == 1 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }
}
