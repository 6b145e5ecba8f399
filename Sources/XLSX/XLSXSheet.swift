/// A sheet as `xl/workbook.xml` lists it.
public struct XLSXSheet: Sendable, Hashable {
    /// Whether the sheet shows in the spreadsheet's tab bar.
    public enum Visibility: String, Sendable, Hashable {
        /// Shown.
        case visible
        /// Hidden (the user can unhide it).
        case hidden
        /// Very hidden (only a macro can unhide it).
        case veryHidden
    }

    /// What the sheet's relationship points at.
    public enum Kind: String, Sendable, Hashable {
        /// A worksheet: cells.
        case worksheet
        /// A chart sheet: no cells.
        case chartsheet
        /// A dialog or macro sheet, or a relationship of an unknown type.
        case other
    }

    /// The sheet's name as the tab shows it.
    public var name: String
    /// The 1-based position in the workbook (hidden sheets count).
    public var index: Int
    /// Visible, hidden or very hidden.
    public var visibility: Visibility
    /// What kind of sheet it is.
    public var kind: Kind
    /// The archive entry holding the sheet (`xl/worksheets/sheet1.xml`); nil when its relationship is missing.
    public var part: String?

    /// Whether the sheet is hidden or very hidden.
    public var isHidden: Bool { visibility != .visible }

    /// Creates a sheet description.
    public init(name: String, index: Int, visibility: Visibility, kind: Kind, part: String?) {
        self.name = name
        self.index = index
        self.visibility = visibility
        self.kind = kind
        self.part = part
    }
}
