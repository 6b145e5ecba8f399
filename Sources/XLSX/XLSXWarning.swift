/// A problem the reader recovered from, as Excel does: a damaged package it could still open, a cell it
/// read as empty. The workbook and each sheet reader collect them; the caller decides how to show them.
public struct XLSXWarning: Sendable, Hashable, CustomStringConvertible {
    /// The part concerned (`_rels/.rels`, `xl/worksheets/sheet1.xml`).
    public var part: String
    /// The 1-based row, for a cell's warning.
    public var row: Int?
    /// The 0-based column, for a cell's warning.
    public var column: Int?
    /// What was found and what the reader did about it.
    public var message: String

    /// Creates a warning.
    public init(part: String, row: Int? = nil, column: Int? = nil, message: String) {
        self.part = part
        self.row = row
        self.column = column
        self.message = message
    }

    /// `part:row:column: message` (row and column letters when known).
    public var description: String {
        var s = part
        if let row { s += ":\(row)" }
        if let column { s += ":" + CellText.letters(column) }
        return s + ": " + message
    }
}
