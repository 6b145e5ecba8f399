#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// Writes an XLSX workbook row by row, with memory that stays flat however many rows are written.
///
/// Each sheet's XML is generated in a small buffer and deflated straight into the file (our own
/// ``ZipWriter``, zlib underneath); text is written as inline strings (`t="inlineStr"`), so there is
/// no shared-strings table to hold either. One sheet is open at a time: ``startSheet(name:columnWidths:freezeHeaderRow:autoFilter:)``
/// ends the previous one. ``finish()`` writes the workbook parts and moves the file into place; a
/// writer dropped without `finish()` removes its partial file.
///
/// ```swift
/// let writer = try XLSXWriter(path: "report.xlsx")
/// try writer.startSheet(name: "Summary", columnWidths: [24, 12], freezeHeaderRow: true)
/// try writer.writeRow([.text("Class"), .text("Rows")], style: .header)
/// try writer.writeRow([.text("matched"), .number(318)])
/// try writer.finish()
/// ```
///
/// Text is escaped for XML; characters XML 1.0 cannot carry (C0 controls other than tab, line feed
/// and carriage return; U+FFFE, U+FFFF) are written as OOXML `_xHHHH_` escapes, and a literal
/// `_xHHHH_` in the text has its underscore escaped as `_x005F_`, so every reader that decodes the
/// escapes (Excel, LibreOffice, ours) gets the exact text back. Text is never a formula: a value
/// starting with `=`, `+`, `-`, `@`, tab or carriage return is stored as text and gets a quote-prefix
/// style, so Excel also keeps it as text when the cell is edited.
///
/// Not `Sendable`: a writer owns an open file and is used from one task at a time.
public final class XLSXWriter {
    /// One cell value.
    public enum Cell: Sendable, Equatable {
        /// No cell (nothing is written; the row stays sparse).
        case empty
        /// Text, stored as an inline string.
        case text(String)
        /// A number (must be finite).
        case number(Double)
        /// A boolean (`TRUE` / `FALSE`).
        case bool(Bool)
        /// A calendar date and time (1900 date system), shown as `yyyy-mm-dd` when the time is zero,
        /// else as `yyyy-mm-dd hh:mm:ss`.
        case date(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0)
        /// A date given as an Excel serial number (1900 date system; days since 1899-12-30 for dates from
        /// 1900-03-01), with the date or date-time format chosen by whether it has a fractional part.
        case dateSerial(Double)
    }

    /// How a row looks.
    public enum RowStyle: Sendable, Equatable {
        /// Normal cells.
        case plain
        /// Bold cells, for a header row.
        case header
    }

    /// What to do with text longer than Excel's cell limit (``maxCellCharacters``).
    public enum OverlongText: Sendable, Equatable {
        /// Throw ``XLSXWriteError`` with code `textTooLong` (nothing is silently lost).
        case fail
        /// Cut the text to the limit (never inside a character) so that Excel opens the file.
        case truncate
    }

    /// A point in time stamped on the workbook (document properties and zip entries), in UTC.
    public struct Timestamp: Sendable, Equatable {
        /// The year, 1980 … 2107 (the zip format's range).
        public var year: Int
        /// The month, 1 … 12.
        public var month: Int
        /// The day of the month, 1 … 31.
        public var day: Int
        /// The hour, 0 … 23.
        public var hour: Int
        /// The minute, 0 … 59.
        public var minute: Int
        /// The second, 0 … 59.
        public var second: Int

        /// Creates a timestamp.
        /// - Parameters:
        ///   - year: the year.
        ///   - month: the month, 1 … 12.
        ///   - day: the day of the month.
        ///   - hour: the hour, 0 … 23.
        ///   - minute: the minute.
        ///   - second: the second.
        public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
            self.year = year
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
            self.second = second
        }

        /// The current time in UTC.
        public static var now: Timestamp {
            var t = time(nil)
            var parts = tm()
            gmtime_r(&t, &parts)
            return Timestamp(
                year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec))
        }

        var w3cdtf: String {
            func pad(_ v: Int, _ width: Int = 2) -> String {
                let s = String(v)
                return String(repeating: "0", count: max(0, width - s.count)) + s
            }
            return "\(pad(year, 4))-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):\(pad(second))Z"
        }
    }

    /// Excel's limit on the characters (UTF-16 code units) in one cell: 32,767.
    public static let maxCellCharacters = 32_767
    /// Excel's row limit per sheet: 1,048,576.
    public static let maxRows = 1_048_576
    /// Excel's column limit per sheet: 16,384 (`XFD`).
    public static let maxColumns = 16_384
    /// Excel's limit on a sheet name's length: 31 characters.
    public static let maxSheetNameLength = 31

    /// The destination path.
    public let path: String
    /// Names of the sheets started so far, in order.
    public private(set) var sheetNames: [String] = []
    /// Rows written to the current sheet (the last row number used).
    public private(set) var rowsWritten = 0

    private struct SheetState {
        var name: String
        var autoFilter: Bool
        var maxColumn = 0
        /// The cell notes of the sheet: cell reference, 0-based row and column, text.
        var notes: [(ref: String, row: Int, column: Int, text: String)] = []
    }

    private enum Style {
        static let plain = 0
        static let bold = 1
        static let date = 2
        static let dateTime = 3
        static let quoted = 4
        static let boldQuoted = 5
        static let flagged = 6
        static let flaggedDate = 7
        static let flaggedDateTime = 8
        static let flaggedQuoted = 9

        /// The highlighted form of a style.
        static func flagging(_ style: Int) -> Int {
            switch style {
            case date: return flaggedDate
            case dateTime: return flaggedDateTime
            case quoted, boldQuoted: return flaggedQuoted
            default: return flagged
            }
        }
    }

    /// The 1-based numbers of the sheets that carry notes (each has a comments part and a VML drawing).
    private var sheetsWithNotes: [Int] = []

    /// Sheet XML collected before it is deflated into the file.
    static let flushThreshold = 64 * 1024

    private let zip: ZipWriter
    private let creator: String
    private let modified: Timestamp
    private let overlongText: OverlongText
    private var sheet: SheetState?
    private var filterRanges: [Int: String] = [:]
    private var xml: [UInt8] = []
    private var columnNames: [[UInt8]] = []
    private var finished = false
    /// The largest the pending sheet XML buffer ever grew (bytes); tests use it to prove streaming.
    private(set) var peakBufferedBytes = 0

    /// Creates the workbook file (written under a temporary name until ``finish()``).
    /// - Parameters:
    ///   - path: where the `.xlsx` goes; an existing file is replaced when `finish()` succeeds.
    ///   - creator: the document's author property.
    ///   - modified: the time stamped on the document and its zip entries (default: now); fix it for
    ///     byte-for-byte reproducible files.
    ///   - overlongText: what to do with text longer than ``maxCellCharacters``.
    /// - Throws: ``XLSXWriteError`` (`ioFailure`) when the file cannot be created.
    public convenience init(
        path: String, creator: String = "catalog-etl", modified: Timestamp? = nil, overlongText: OverlongText = .fail
    ) throws {
        try self.init(
            path: path, creator: creator, modified: modified, overlongText: overlongText,
            zip64Threshold: 0xFFFF_FFFF)
    }

    /// zlib's fastest level: the workbooks catalog-etl writes (quarantines, reports) are made on
    /// every run and read once, so writing them fast matters more than a smaller file.
    static let compressionLevel: Int32 = 1

    /// Creates the workbook with a lowered ZIP64 threshold (tests exercise the ZIP64 path with it).
    init(
        path: String, creator: String, modified: Timestamp?, overlongText: OverlongText, zip64Threshold: UInt64
    ) throws {
        let stamp = modified ?? .now
        self.path = path
        self.creator = creator
        self.modified = stamp
        self.overlongText = overlongText
        zip = try ZipWriter(
            path: path,
            timestamp: .init(
                year: stamp.year, month: stamp.month, day: stamp.day, hour: stamp.hour, minute: stamp.minute,
                second: stamp.second),
            compressionLevel: XLSXWriter.compressionLevel, zip64Threshold: zip64Threshold)
        xml.reserveCapacity(XLSXWriter.flushThreshold + 4096)
    }

    deinit {
        if !finished { zip.abandon() }
    }

    // MARK: - Public API

    /// Ends the current sheet (if any) and starts a new one.
    /// - Parameters:
    ///   - name: the sheet name: 1 … 31 characters, none of `[ ] : * ? / \`, not starting or ending with
    ///     `'`, unique in the workbook (ignoring case), not `History`.
    ///   - columnWidths: widths of the first columns in Excel's character units (0 keeps the default).
    ///   - freezeHeaderRow: keep row 1 visible while scrolling.
    ///   - autoFilter: put filter buttons on row 1 over every written column.
    /// - Throws: ``XLSXWriteError`` (`invalidSheetName`, `duplicateSheetName`, `closed`, `ioFailure`).
    public func startSheet(
        name: String, columnWidths: [Double] = [], freezeHeaderRow: Bool = false, autoFilter: Bool = false
    ) throws {
        try checkOpen()
        try validateSheetName(name)
        try endSheet()
        sheetNames.append(name)
        sheet = SheetState(name: name, autoFilter: autoFilter)
        rowsWritten = 0
        try zip.beginEntry("xl/worksheets/sheet\(sheetNames.count).xml")
        append(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
                + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        append("<sheetViews><sheetView workbookViewId=\"0\"")
        if sheetNames.count == 1 { append(" tabSelected=\"1\"") }
        if freezeHeaderRow {
            append(
                "><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
                    + "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>")
        } else {
            append("/></sheetViews>")
        }
        append("<sheetFormatPr defaultRowHeight=\"15\"/>")
        let widths = columnWidths.enumerated().filter { $0.element > 0 && $0.element.isFinite }
        if !widths.isEmpty {
            append("<cols>")
            for (i, w) in widths.prefix(XLSXWriter.maxColumns) {
                let width = min(w, 255)
                append("<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(width)\" customWidth=\"1\"/>")
            }
            append("</cols>")
        }
        append("<sheetData>")
    }

    /// Appends a row to the current sheet (row numbers follow on from 1).
    /// - Parameters:
    ///   - cells: the row's cells from column A; ``Cell/empty`` leaves a cell out.
    ///   - style: ``RowStyle/header`` makes the cells bold.
    ///   - notes: 0-based column → text: the cell is highlighted (a light red fill, its number or date
    ///     format kept) and carries the text as a cell comment (a note, in Excel's and LibreOffice's
    ///     words); an empty cell with a note is written as a blank highlighted cell.
    /// - Throws: ``XLSXWriteError`` (`noSheetStarted`, `tooManyRows`, `tooManyColumns`, `textTooLong`,
    ///   `invalidNumber`, `invalidDate`, `ioFailure`). After a throw the row is not written and the
    ///   writer stays usable.
    public func writeRow(_ cells: [Cell], style: RowStyle = .plain, notes: [Int: String] = [:]) throws {
        try checkOpen()
        guard var state = sheet else {
            throw XLSXWriteError(
                code: .noSheetStarted, location: path,
                detail: "a row was written before any sheet was started; call startSheet(name:) first")
        }
        let rowNumber = rowsWritten + 1
        let location = "\(path)[sheet \"\(state.name)\"] row \(rowNumber)"
        guard rowNumber <= XLSXWriter.maxRows else {
            throw XLSXWriteError(
                code: .tooManyRows, location: location,
                detail: "a sheet holds at most \(XLSXWriter.maxRows) rows; start another sheet")
        }
        guard cells.count <= XLSXWriter.maxColumns else {
            throw XLSXWriteError(
                code: .tooManyColumns, location: location,
                detail: "the row has \(cells.count) cells; a sheet holds at most \(XLSXWriter.maxColumns) columns")
        }
        let mark = xml.count
        do {
            append("<row r=\"")
            appendDecimal(rowNumber)
            append("\">")
            let bold = style == .header
            var lastColumn = 0
            for (index, cell) in cells.enumerated() {
                if try appendCell(
                    cell, column: index, row: rowNumber, bold: bold, flagged: notes[index] != nil, location: location)
                {
                    lastColumn = index + 1
                }
            }
            append("</row>")
            state.maxColumn = max(state.maxColumn, lastColumn)
            for (column, text) in notes.sorted(by: { $0.key < $1.key }) where column < cells.count {
                state.notes.append((columnString(column) + String(rowNumber), rowNumber - 1, column, text))
            }
        } catch {
            xml.removeSubrange(mark...)
            throw error
        }
        sheet = state
        rowsWritten = rowNumber
        peakBufferedBytes = max(peakBufferedBytes, xml.count)
        if xml.count >= XLSXWriter.flushThreshold { try flushXML() }
    }

    /// Ends the last sheet, writes the workbook parts and moves the file into place.
    /// - Throws: ``XLSXWriteError`` (`noSheets` when no sheet was started, `closed`, `ioFailure`).
    public func finish() throws {
        try checkOpen()
        guard !sheetNames.isEmpty else {
            throw XLSXWriteError(
                code: .noSheets, location: path,
                detail: "the workbook has no sheet; call startSheet(name:) before finish()")
        }
        try endSheet()
        try zip.addEntry("[Content_Types].xml", contents: contentTypesXML())
        try zip.addEntry("_rels/.rels", contents: rootRelationshipsXML())
        try zip.addEntry("docProps/app.xml", contents: appXML())
        try zip.addEntry("docProps/core.xml", contents: coreXML())
        try zip.addEntry("xl/workbook.xml", contents: workbookXML())
        try zip.addEntry("xl/_rels/workbook.xml.rels", contents: workbookRelationshipsXML())
        try zip.addEntry("xl/styles.xml", contents: XLSXWriter.stylesXML)
        try zip.finish()
        finished = true
    }

    // MARK: - Sheets

    private func validateSheetName(_ name: String) throws {
        let location = "\(path)[sheet \"\(name)\"]"
        func invalid(_ what: String) -> XLSXWriteError {
            XLSXWriteError(code: .invalidSheetName, location: location, detail: what)
        }
        if name.isEmpty { throw invalid("the sheet name is empty; give it 1 to 31 characters") }
        if name.utf16.count > XLSXWriter.maxSheetNameLength {
            throw invalid(
                "the sheet name has \(name.utf16.count) characters; Excel allows at most \(XLSXWriter.maxSheetNameLength)"
            )
        }
        if let bad = name.first(where: { "[]:*?/\\".contains($0) }) {
            throw invalid("the sheet name contains \"\(bad)\"; Excel forbids [ ] : * ? / \\ in sheet names")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
            throw invalid("the sheet name contains a control character; use printable characters only")
        }
        if name.hasPrefix("'") || name.hasSuffix("'") {
            throw invalid("the sheet name starts or ends with \"'\"; Excel forbids that")
        }
        if name.lowercased() == "history" {
            throw invalid("\"History\" is reserved by Excel; choose another sheet name")
        }
        if let other = sheetNames.first(where: { $0.lowercased() == name.lowercased() }) {
            throw XLSXWriteError(
                code: .duplicateSheetName, location: location,
                detail: "the workbook already has a sheet \"\(other)\"; sheet names must be unique ignoring case")
        }
    }

    private func endSheet() throws {
        guard let state = sheet else { return }
        append("</sheetData>")
        if state.autoFilter, rowsWritten > 0, state.maxColumn > 0 {
            let ref = "A1:\(columnString(state.maxColumn - 1))\(rowsWritten)"
            append("<autoFilter ref=\"\(ref)\"/>")
            let last = String(decoding: columnName(state.maxColumn - 1), as: UTF8.self)
            filterRanges[sheetNames.count - 1] =
                "'\(state.name.replacingAll("'", with: "''"))'!$A$1:$\(last)$\(rowsWritten)"
        }
        if !state.notes.isEmpty { append("<legacyDrawing r:id=\"rId2\"/>") }
        append("</worksheet>")
        try flushXML()
        try zip.endEntry()
        sheet = nil
        if !state.notes.isEmpty {
            let n = sheetNames.count
            sheetsWithNotes.append(n)
            try zip.addEntry("xl/comments\(n).xml", contents: commentsXML(state.notes))
            try zip.addEntry("xl/drawings/vmlDrawing\(n).vml", contents: vmlXML(state.notes, sheet: n))
            try zip.addEntry(
                "xl/worksheets/_rels/sheet\(n).xml.rels",
                contents: XLSXWriter.xmlHeader
                    + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                    + "<Relationship Id=\"rId1\" "
                    + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments\" "
                    + "Target=\"../comments\(n).xml\"/>"
                    + "<Relationship Id=\"rId2\" "
                    + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing\" "
                    + "Target=\"../drawings/vmlDrawing\(n).vml\"/></Relationships>")
        }
    }

    /// The comments part of a sheet's notes (one author: the workbook's creator).
    private func commentsXML(_ notes: [(ref: String, row: Int, column: Int, text: String)]) -> String {
        var out =
            XLSXWriter.xmlHeader
            + "<comments xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
            + "<authors><author>\(XLSXWriter.attribute(creator))</author></authors><commentList>"
        for note in notes {
            out +=
                "<comment ref=\"\(note.ref)\" authorId=\"0\"><text><t xml:space=\"preserve\">"
                + XLSXWriter.attribute(XLSXWriter.xmlSafe(note.text)) + "</t></text></comment>"
        }
        return out + "</commentList></comments>"
    }

    /// The legacy VML drawing Excel needs to show the notes (hidden until the cell is pointed at).
    private func vmlXML(_ notes: [(ref: String, row: Int, column: Int, text: String)], sheet: Int) -> String {
        var out =
            "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" "
            + "xmlns:x=\"urn:schemas-microsoft-com:office:excel\">"
            + "<o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"\(sheet)\"/></o:shapelayout>"
            + "<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" "
            + "path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/>"
            + "<v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>"
        for (i, note) in notes.enumerated() {
            out +=
                "<v:shape id=\"_x0000_s\(sheet * 1024 + i + 1)\" type=\"#_x0000_t202\" "
                + "style=\"position:absolute;margin-left:60pt;margin-top:2pt;width:180pt;height:60pt;z-index:\(i + 1);"
                + "visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/>"
                + "<v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/>"
                + "<v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox>"
                + "<x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/>"
                + "<x:Anchor>\(note.column + 1), 15, \(note.row), 10, \(note.column + 4), 15, \(note.row + 4), 4</x:Anchor>"
                + "<x:AutoFill>False</x:AutoFill><x:Row>\(note.row)</x:Row><x:Column>\(note.column)</x:Column>"
                + "</x:ClientData></v:shape>"
        }
        return out + "</xml>"
    }

    /// Text without the characters XML 1.0 cannot carry (a note is read, not fed back: they are dropped).
    private static func xmlSafe(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    $0.value >= 0x20 ? $0.value != 0xFFFE && $0.value != 0xFFFF : $0 == "\t" || $0 == "\n"
                }))
    }

    private func flushXML() throws {
        guard !xml.isEmpty else { return }
        try xml.withUnsafeBytes { try zip.write($0) }
        xml.removeAll(keepingCapacity: true)
    }

    private func checkOpen() throws {
        guard !finished else {
            throw XLSXWriteError(
                code: .closed, location: path, detail: "the workbook is already finished; start a new writer")
        }
    }

    // MARK: - Cells

    /// Appends one cell; returns false when nothing was written (an empty cell).
    private func appendCell(_ cell: Cell, column: Int, row: Int, bold: Bool, flagged: Bool, location: String) throws
        -> Bool
    {
        func style(_ s: Int) -> Int { flagged ? Style.flagging(s) : s }
        switch cell {
        case .empty:
            guard flagged else { return false }
            appendCellStart(column: column, row: row, style: Style.flagged, type: nil)
            append("</c>")
        case .text(let text):
            var value = text
            // A string has no more UTF-16 units than UTF-8 bytes, and its UTF-8 count is free.
            if value.utf8.count > XLSXWriter.maxCellCharacters && value.utf16.count > XLSXWriter.maxCellCharacters {
                switch overlongText {
                case .fail:
                    throw XLSXWriteError(
                        code: .textTooLong, location: "\(location) column \(columnString(column))",
                        detail: "the text has \(value.utf16.count) characters; Excel allows at most "
                            + "\(XLSXWriter.maxCellCharacters) per cell (shorten it or use overlongText: .truncate)")
                case .truncate:
                    value = XLSXWriter.truncated(value)
                }
            }
            let quoted = value.utf8.first.map { [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains($0) } ?? false
            let styleID = quoted ? (bold ? Style.boldQuoted : Style.quoted) : (bold ? Style.bold : Style.plain)
            appendCellStart(column: column, row: row, style: style(styleID), type: "inlineStr")
            let preserve = XLSXWriter.hasSpaceAtAnEnd(value)
            append(preserve ? "<is><t xml:space=\"preserve\">" : "<is><t>")
            appendEscaped(value)
            append("</t></is></c>")
        case .number(let number):
            guard number.isFinite else {
                throw XLSXWriteError(
                    code: .invalidNumber, location: "\(location) column \(columnString(column))",
                    detail: "the number \"\(number)\" cannot be stored in a spreadsheet; write it as text")
            }
            appendCellStart(column: column, row: row, style: style(bold ? Style.bold : Style.plain), type: nil)
            append("<v>")
            append(XLSXWriter.numberText(number))
            append("</v></c>")
        case .bool(let value):
            appendCellStart(column: column, row: row, style: style(bold ? Style.bold : Style.plain), type: "b")
            append(value ? "<v>1</v></c>" : "<v>0</v></c>")
        case .date(let year, let month, let day, let hour, let minute, let second):
            guard
                let serial = XLSXWriter.excelSerial(
                    year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            else {
                throw XLSXWriteError(
                    code: .invalidDate, location: "\(location) column \(columnString(column))",
                    detail: "\"\(year)-\(month)-\(day) \(hour):\(minute):\(second)\" is not a date Excel can "
                        + "store; expected a real date between 1900-01-01 and 9999-12-31")
            }
            let hasTime = hour != 0 || minute != 0 || second != 0
            appendCellStart(
                column: column, row: row, style: style(hasTime ? Style.dateTime : Style.date), type: nil)
            append("<v>")
            append(XLSXWriter.numberText(serial))
            append("</v></c>")
        case .dateSerial(let serial):
            guard serial.isFinite, serial >= 0, serial < 2_958_466 else {
                throw XLSXWriteError(
                    code: .invalidDate, location: "\(location) column \(columnString(column))",
                    detail: "\"\(serial)\" is not an Excel date serial; expected 0 ..< 2958466 (9999-12-31)")
            }
            let hasTime = serial != serial.rounded(.down)
            appendCellStart(
                column: column, row: row, style: style(hasTime ? Style.dateTime : Style.date), type: nil)
            append("<v>")
            append(XLSXWriter.numberText(serial))
            append("</v></c>")
        }
        return true
    }

    private func appendCellStart(column: Int, row: Int, style: Int, type: String?) {
        append("<c r=\"")
        xml.append(contentsOf: columnName(column))
        appendDecimal(row)
        xml.append(0x22)  // "
        if style != 0 {
            append(" s=\"")
            appendDecimal(style)
            xml.append(0x22)
        }
        if let type {
            append(" t=\"")
            append(type)
            xml.append(0x22)
        }
        xml.append(0x3E)  // >
    }

    /// Appends XML-escaped cell text, with OOXML `_xHHHH_` escapes for what XML 1.0 cannot carry.
    private func appendEscaped(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in
            let n = bytes.count
            var i = 0
            var runStart = 0
            func flushRun(_ end: Int) {
                if end > runStart { xml.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<end])) }
            }
            while i < n {
                let b = bytes[i]
                var replacement: StaticString? = nil
                var hexEscape: UInt32? = nil
                var width = 1
                switch b {
                case 0x26: replacement = "&amp;"
                case 0x3C: replacement = "&lt;"
                case 0x3E: replacement = "&gt;"
                case 0x0D: replacement = "&#13;"
                case 0x09, 0x0A: break
                case 0x00..<0x20: hexEscape = UInt32(b)
                case 0x5F:  // "_": escape it when it starts a literal "_xHHHH_"
                    if XLSXWriter.isOOXMLEscape(bytes, at: i) { replacement = "_x005F_" }
                case 0xEF:  // U+FFFE / U+FFFF are not XML characters
                    if i + 2 < n, bytes[i + 1] == 0xBF, bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF {
                        hexEscape = bytes[i + 2] == 0xBE ? 0xFFFE : 0xFFFF
                        width = 3
                    }
                default: break
                }
                if replacement == nil && hexEscape == nil {
                    i += 1
                    continue
                }
                flushRun(i)
                if let replacement {
                    replacement.withUTF8Buffer { xml.append(contentsOf: $0) }
                } else if let hexEscape {
                    append("_x")
                    appendHex4(hexEscape)
                    xml.append(0x5F)
                }
                i += width
                runStart = i
            }
            flushRun(n)
        }
    }

    /// Whether an `_` at `i` starts something a reader could decode as an OOXML escape: `_x` followed by
    /// one to four hex digits and `_`. The standard form has exactly four digits, but LibreOffice also
    /// decodes shorter ones (`_x12_`), so those get their underscore escaped too; Excel reads the
    /// escaped form back exactly.
    private static func isOOXMLEscape(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i + 3 < bytes.count, bytes[i + 1] == 0x78 || bytes[i + 1] == 0x58 else { return false }
        var k = i + 2
        while k < bytes.count, k - (i + 2) < 4 {
            let c = bytes[k]
            let hex = (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
            if !hex { break }
            k += 1
        }
        return k > i + 2 && k < bytes.count && bytes[k] == 0x5F
    }

    private static func isSpace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// Whether text starts or ends with white space (which `xml:space="preserve"` must keep);
    /// ASCII ends are judged from their bytes, without Unicode property lookups.
    private static func hasSpaceAtAnEnd(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last else { return false }
        if first < 0x80 && last < 0x80 {
            return first == 0x20 || (first >= 0x09 && first <= 0x0D) || last == 0x20 || (last >= 0x09 && last <= 0x0D)
        }
        let scalars = text.unicodeScalars
        return (scalars.first.map(isSpace) ?? false) || (scalars.last.map(isSpace) ?? false)
    }

    /// Cuts text to at most ``maxCellCharacters`` UTF-16 code units, never inside a character (a flag or
    /// an emoji sequence stays whole or goes whole).
    static func truncated(_ text: String) -> String {
        var units = 0
        var end = text.startIndex
        for index in text.indices {
            let w = text[index].utf16.count
            if units + w > maxCellCharacters { break }
            units += w
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// The number as XML text: integral values below 10^15 without a decimal point, others in Swift's
    /// shortest round-tripping form (`19.99`, `1e-05`), which is a valid `xsd:double`.
    static func numberText(_ d: Double) -> String {
        if d == d.rounded(.towardZero), abs(d) < 1e15 { return String(Int64(d)) }
        return d.description
    }

    /// The Excel serial (1900 date system) of a date and time, or nil when it is not a valid date
    /// between 1900-01-01 and 9999-12-31. Dates before 1900-03-01 follow Excel's numbering, which counts
    /// the non-existent 1900-02-29.
    static func excelSerial(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Double? {
        guard (1900...9999).contains(year), (1...12).contains(month), (0...23).contains(hour),
            (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[month - 1]).contains(day) else { return nil }
        var days = daysFromCivil(year, month, day) - daysFromCivil(1899, 12, 30)
        if days < 61 { days -= 1 }
        return Double(days) + Double(hour * 3600 + minute * 60 + second) / 86_400
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    // MARK: - Low-level appends

    private func append(_ s: String) {
        xml.append(contentsOf: s.utf8)
    }

    private func appendDecimal(_ value: Int) {
        var v = value
        if v == 0 {
            xml.append(0x30)
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 && count < 12 {
                buf[count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { xml.append(buf[k]) }
        }
    }

    private func appendHex4(_ value: UInt32) {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for shift in stride(from: 12, through: 0, by: -4) {
            xml.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    private func columnName(_ index: Int) -> [UInt8] {
        while columnNames.count <= index {
            var n = columnNames.count + 1
            var letters: [UInt8] = []
            while n > 0 {
                let r = (n - 1) % 26
                letters.insert(UInt8(0x41 + r), at: 0)
                n = (n - 1) / 26
            }
            columnNames.append(letters)
        }
        return columnNames[index]
    }

    private func columnString(_ index: Int) -> String {
        String(decoding: columnName(index), as: UTF8.self)
    }

    // MARK: - Workbook parts

    private static func attribute(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    private static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    private func contentTypesXML() -> String {
        var s =
            XLSXWriter.xmlHeader
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        for i in sheetNames.indices {
            s +=
                "<Override PartName=\"/xl/worksheets/sheet\(i + 1).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        if !sheetsWithNotes.isEmpty {
            s += "<Default Extension=\"vml\" ContentType=\"application/vnd.openxmlformats-officedocument.vmlDrawing\"/>"
        }
        for n in sheetsWithNotes {
            s +=
                "<Override PartName=\"/xl/comments\(n).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml\"/>"
        }
        s +=
            "<Override PartName=\"/xl/styles.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
            + "<Override PartName=\"/docProps/core.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
            + "<Override PartName=\"/docProps/app.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
            + "</Types>"
        return s
    }

    private func rootRelationshipsXML() -> String {
        XLSXWriter.xmlHeader
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + "<Relationship Id=\"rId1\" "
            + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
            + "Target=\"xl/workbook.xml\"/>"
            + "<Relationship Id=\"rId2\" "
            + "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" "
            + "Target=\"docProps/core.xml\"/>"
            + "<Relationship Id=\"rId3\" "
            + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" "
            + "Target=\"docProps/app.xml\"/>"
            + "</Relationships>"
    }

    private func appXML() -> String {
        var s =
            XLSXWriter.xmlHeader
            + "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" "
            + "xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
            + "<Application>catalog-etl</Application>"
            + "<HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr>"
            + "</vt:variant><vt:variant><vt:i4>\(sheetNames.count)</vt:i4></vt:variant></vt:vector></HeadingPairs>"
            + "<TitlesOfParts><vt:vector size=\"\(sheetNames.count)\" baseType=\"lpstr\">"
        for name in sheetNames { s += "<vt:lpstr>\(XLSXWriter.attribute(name))</vt:lpstr>" }
        s += "</vt:vector></TitlesOfParts></Properties>"
        return s
    }

    private func coreXML() -> String {
        let when = modified.w3cdtf
        return XLSXWriter.xmlHeader
            + "<cp:coreProperties "
            + "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
            + "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
            + "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" "
            + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
            + "<dc:creator>\(XLSXWriter.attribute(creator))</dc:creator>"
            + "<dcterms:created xsi:type=\"dcterms:W3CDTF\">\(when)</dcterms:created>"
            + "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">\(when)</dcterms:modified>"
            + "</cp:coreProperties>"
    }

    private func workbookXML() -> String {
        var s =
            XLSXWriter.xmlHeader
            + "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
            + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
            + "<workbookPr/><bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>"
        for (i, name) in sheetNames.enumerated() {
            s += "<sheet name=\"\(XLSXWriter.attribute(name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
        }
        s += "</sheets>"
        if !filterRanges.isEmpty {
            s += "<definedNames>"
            for (i, range) in filterRanges.sorted(by: { $0.key < $1.key }) {
                s +=
                    "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(i)\" hidden=\"1\">"
                    + "\(XLSXWriter.attribute(range))</definedName>"
            }
            s += "</definedNames>"
        }
        s += "</workbook>"
        return s
    }

    private func workbookRelationshipsXML() -> String {
        var s =
            XLSXWriter.xmlHeader
            + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for i in sheetNames.indices {
            s +=
                "<Relationship Id=\"rId\(i + 1)\" "
                + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
                + "Target=\"worksheets/sheet\(i + 1).xml\"/>"
        }
        s +=
            "<Relationship Id=\"rId\(sheetNames.count + 1)\" "
            + "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" "
            + "Target=\"styles.xml\"/></Relationships>"
        return s
    }

    /// Fonts: 0 regular, 1 bold, 2 dark red. Fills: 2 light red (a flagged cell, Excel's "Bad"
    /// colours). Cell formats (`s`): 0 plain, 1 bold, 2 date `yyyy-mm-dd`, 3 date-time
    /// `yyyy-mm-dd hh:mm:ss`, 4 quote-prefixed text, 5 bold quote-prefixed text; 6–9 flagged plain,
    /// date, date-time and quote-prefixed text.
    private static let stylesXML =
        xmlHeader
        + "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        + "<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"
        + "<numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>"
        + "<fonts count=\"3\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
        + "<font><color rgb=\"FF9C0006\"/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
        + "<fills count=\"3\"><fill><patternFill patternType=\"none\"/></fill>"
        + "<fill><patternFill patternType=\"gray125\"/></fill>"
        + "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFFFC7CE\"/><bgColor indexed=\"64\"/></patternFill></fill>"
        + "</fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"10\">"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
        + "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"165\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" quotePrefix=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" quotePrefix=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\"/>"
        + "<xf numFmtId=\"164\" fontId=\"2\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" "
        + "applyFont=\"1\" applyFill=\"1\"/>"
        + "<xf numFmtId=\"165\" fontId=\"2\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" "
        + "applyFont=\"1\" applyFill=\"1\"/>"
        + "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" "
        + "quotePrefix=\"1\"/>"
        + "</cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" "
        + "defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>"
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}

/// An error while writing an XLSX file (``XLSXWriter``, and the zip layer under it).
///
/// The message reads `<where>: <what went wrong>; <how to fix>`, where `<where>` is the file and, when
/// it applies, the sheet, row and column.
public struct XLSXWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, such as `invalidSheetName`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The file could not be created, written, closed or moved into place.
        public static let ioFailure = Code("ioFailure")
        /// zlib failed to compress (out of memory, or a bug).
        public static let compressionFailed = Code("compressionFailed")
        /// The writer was used after ``XLSXWriter/finish()``.
        public static let closed = Code("closed")
        /// Two zip entries with the same name.
        public static let duplicateEntry = Code("duplicateEntry")
        /// A sheet name Excel would reject (empty, over 31 characters, `[ ] : * ? / \`, …).
        public static let invalidSheetName = Code("invalidSheetName")
        /// A sheet name used twice (ignoring case).
        public static let duplicateSheetName = Code("duplicateSheetName")
        /// A row was written before any sheet was started.
        public static let noSheetStarted = Code("noSheetStarted")
        /// ``XLSXWriter/finish()`` was called on a workbook without sheets.
        public static let noSheets = Code("noSheets")
        /// Text over ``XLSXWriter/maxCellCharacters`` with ``XLSXWriter/OverlongText/fail``.
        public static let textTooLong = Code("textTooLong")
        /// A NaN or infinite number.
        public static let invalidNumber = Code("invalidNumber")
        /// A date that does not exist or that Excel cannot store.
        public static let invalidDate = Code("invalidDate")
        /// More than ``XLSXWriter/maxRows`` rows in a sheet.
        public static let tooManyRows = Code("tooManyRows")
        /// More than ``XLSXWriter/maxColumns`` cells in a row.
        public static let tooManyColumns = Code("tooManyColumns")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public var code: Code
    /// Where: the file, and the sheet, row and column when they apply.
    public var location: String
    /// What went wrong and how to fix it.
    public var detail: String
    /// The operating system's `errno` for `ioFailure`, else nil.
    public var systemErrorNumber: Int32?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - location: the file (and sheet, row, column).
    ///   - detail: what went wrong; how to fix it.
    ///   - systemErrorNumber: the `errno` behind an I/O failure.
    public init(code: Code, location: String, detail: String, systemErrorNumber: Int32? = nil) {
        self.code = code
        self.location = location
        self.detail = detail
        self.systemErrorNumber = systemErrorNumber
    }

    /// `<where>: <what>; <how to fix>`.
    public var description: String { "\(location): \(detail)" }

    static func io(path: String, operation: String, errno code: Int32) -> XLSXWriteError {
        let reason = String(cString: strerror(code))
        return XLSXWriteError(
            code: .ioFailure, location: path,
            detail: "\(operation) (\(reason)); check that the folder exists, is writable and has space left",
            systemErrorNumber: code)
    }
}
