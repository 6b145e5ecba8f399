public import OrderedJSON

/// A column of a source file: its header as the user wrote it and, for spreadsheets and CSV, its letter.
public struct Column: Sendable, Hashable {
    /// The header text (after any deterministic rename of duplicates); the letter when there is no header row.
    public var header: String
    /// The column letter as a spreadsheet shows it (`A`, `B`, … `AA`); nil for JSON keys.
    public var letter: String?

    /// Creates a column.
    public init(header: String, letter: String?) {
        self.header = header
        self.letter = letter
    }
}

/// Where a record came from: file, sheet, and the row number the user sees.
public struct RowSource: Sendable, Hashable {
    /// The file path as the user gave it.
    public var file: String
    /// The sheet name (XLSX only).
    public var sheet: String?
    /// The row number as a spreadsheet or editor shows it (1-based, counting the header row);
    /// for JSON arrays the line on which the record starts.
    public var row: Int
    /// The 1-based record number (JSON Lines and JSON arrays), when it differs from the row.
    public var record: Int?
    /// Every source row of a record the group stage made of several (empty for one row).
    public var groupRows: [Int] = []

    /// `2` for one row, `2;4;5` for a record made of several.
    public var rowsText: String {
        groupRows.count > 1 ? groupRows.map(String.init).joined(separator: ";") : String(row)
    }

    /// Creates a row source.
    public init(file: String, sheet: String? = nil, row: Int, record: Int? = nil) {
        self.file = file
        self.sheet = sheet
        self.row = row
        self.record = record
    }

    /// `file[sheet]:row` for messages.
    public var description: String {
        var s = file
        if let sheet { s += "[\(sheet)]" }
        return s + ":\(row)"
    }
}

/// One row of a source file with its provenance.
///
/// `columns` and `values` are parallel arrays in column order. For CSV and XLSX every record of a
/// file shares one `columns` array (copy-on-write, so no per-row cost); a JSON record has its own.
public struct Record: Sendable {
    /// Where the row came from.
    public var source: RowSource
    /// The columns, parallel to `values`.
    public var columns: [Column]
    /// The cell values, parallel to `columns`.
    public var values: [CellValue]
    /// What the group and explode stages add: every source row, list values, issues (nil for a plain row).
    public var group: RecordGroup?

    /// Creates a record.
    public init(source: RowSource, columns: [Column], values: [CellValue], group: RecordGroup? = nil) {
        self.source = source
        self.columns = columns
        self.values = values
        self.group = group
    }

    /// The source rows the record was made from (one for a plain row).
    public var sourceRows: [RowSource] { group?.rows.map(\.source) ?? [source] }

    /// The value under a header (exact match), or nil when the record has no such column.
    public func value(forHeader header: String) -> CellValue? {
        guard let i = columns.firstIndex(where: { $0.header == header }) else { return nil }
        return values[i]
    }
}

/// Spreadsheet column letters (`0 → A`, `25 → Z`, `26 → AA`).
public enum ColumnName {
    /// The letter for a 0-based column index.
    public static func letter(_ index: Int) -> String {
        var n = index + 1
        var chars: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            chars.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(chars.reversed())
    }

    /// The 0-based index of a column letter (`A → 0`), or nil when it is not one.
    public static func index(_ letters: some StringProtocol) -> Int? {
        var n = 0
        var any = false
        for u in letters.utf8 {
            guard (65...90).contains(u) else { return nil }
            n = n * 26 + Int(u - 64)
            any = true
            if n > 16_384 { return nil }
        }
        return any ? n - 1 : nil
    }
}

/// What the group and explode stages add to a record: its source rows, the lists of collected
/// columns, and the issues found while grouping.
public final class RecordGroup: Sendable {
    /// Every source row, in row order (the quarantine file gets each of them).
    public let rows: [Record]
    /// Column index → list value (collected columns, the variants list's objects as JSON).
    public let lists: [Int: [JSONValue]]
    /// Problems found while grouping (conflicting values: warnings; an empty `by` value: an error).
    public let issues: [RecordIssue]
    /// For a record exploded from one row: the item's 1-based position (0 otherwise).
    public let part: Int

    /// Creates the group part of a record.
    public init(rows: [Record], lists: [Int: [JSONValue]], issues: [RecordIssue], part: Int = 0) {
        self.rows = rows
        self.lists = lists
        self.issues = issues
        self.part = part
    }
}
