/// A cell's value as the sheet stores it.
public enum XLSXValue: Sendable, Hashable {
    /// A cell with no value (never produced for missing cells: they are simply absent).
    case empty
    /// Text: a shared string, an inline string or a formula's string result, `_xHHHH_` escapes decoded.
    case text(String)
    /// A number whose style is not a date format.
    case number(Double)
    /// A boolean (`t="b"`).
    case bool(Bool)
    /// An error literal such as `#N/A` (`t="e"`).
    case error(String)
    /// A number whose style is a date or time format: a serial day number in the workbook's date system.
    case dateSerial(Double)
}

/// One cell of a row: its 0-based column and value.
public struct XLSXCell: Sendable, Hashable {
    /// The 0-based column (`A` = 0).
    public var column: Int
    /// The value (a formula cell holds its cached result).
    public var value: XLSXValue
    /// While a row travels from the parsing thread: the shared string the value still has to be
    /// looked up as (-1 once it has been, and always for cells that rows hand out).
    var sharedIndex: Int32 = -1

    /// Creates a cell.
    public init(column: Int, value: XLSXValue) {
        self.column = column
        self.value = value
    }

    init(column: Int, sharedIndex: Int) {
        self.column = column
        self.value = .empty
        self.sharedIndex = Int32(sharedIndex)
    }
}

/// A row of a sheet: its number as the sheet shows it and its cells in file order (sparse: missing cells are absent).
public struct XLSXRow: Sendable, Hashable {
    /// The 1-based row number (from `r`, or one past the previous row when `r` is missing).
    public var number: Int
    /// The cells that have a value, in the order the sheet lists them.
    public var cells: [XLSXCell]

    /// Creates a row.
    public init(number: Int, cells: [XLSXCell]) {
        self.number = number
        self.cells = cells
    }
}
