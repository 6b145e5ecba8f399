/// SAX events of a worksheet part → finished rows in a small queue.
///
/// Works on the bytes libxml2 hands over: names are compared byte by byte, numbers parsed from bytes,
/// shared strings looked up by index; a `String` is made only for a final text value. An inline
/// string's `<t>` follows Excel's whitespace rule (``TextElement``). A shared-string cell whose `<v>` is
/// empty is read as an empty cell with a warning, as Excel opens it.
final class SheetHandler: SAXHandler {
    /// Rows finished since the queue was last drained (rows with no cell are not queued).
    var queue: [XLSXRow] = []
    /// Warnings since the queue was last drained (at most ``maxWarnings`` per sheet, then one summary).
    var warnings: [XLSXWarning] = []
    /// The most warnings one sheet reports one by one.
    static let maxWarnings = 100
    /// The sheet's `<dimension ref>`, once seen.
    var dimension: String?

    private let dateStyles: [Bool]
    private let maxCellBytes: Int

    private enum Kind {
        case number, shared, inline, formulaString, bool, error, isoDate
    }

    private var inSheetData = false
    private var rowNumber = 0
    private let cells = CellAccumulator()
    private var inCell = false
    private var column = -1
    private var kind = Kind.number
    private var style = 0
    private var hasValue = false
    private var collecting = false
    private var inInline = false
    private var phonetic = 0
    private var text = TextElement()
    private var warned = 0
    private var unreported = 0
    private let part: String
    private let buffer = ScratchBuffer()

    /// The shared-strings table is not needed here: cells carry its indices, which the reader checks
    /// and looks up (so the sheet can be parsed while the table is still loading).
    init(dateStyles: [Bool], limits: XLSXLimits, part: String) {
        self.dateStyles = dateStyles
        self.maxCellBytes = limits.maxCellBytes
        self.part = part
    }

    override func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        switch name[0] {
        case 0x63:  // c
            if name[1] == 0 { startCell(attributes) }
        case 0x76:  // v
            if name[1] == 0 && inCell {
                buffer.removeAll()
                collecting = true
                hasValue = true
            }
        case 0x72:  // row, r, rPh
            if nameIs(name, "row") {
                startRow(attributes)
            } else if nameIs(name, "rPh") {
                phonetic += 1
            }
        case 0x74:  // t
            if name[1] == 0 && inInline && phonetic == 0 {
                collecting = true
                text.begin(attributes, at: buffer.count)
            }
        case 0x69:  // is
            if nameIs(name, "is") && inCell {
                buffer.removeAll()
                inInline = true
                hasValue = true
                kind = .inline  // an inline string is text whatever `t` says
            }
        case 0x73:  // sheetData
            if nameIs(name, "sheetData") { inSheetData = true }
        case 0x64:  // dimension
            if nameIs(name, "dimension") {
                for i in 0..<attributes.count {
                    if let n = attributes.name(i), attributes.prefix(i) == nil, nameIs(n, "ref") {
                        dimension = attributes.string(i)
                    }
                }
            }
        default: break
        }
    }

    override func endElement(_ name: UnsafePointer<UInt8>) {
        switch name[0] {
        case 0x63:  // c
            if name[1] == 0 && inCell { endCell() }
        case 0x76:  // v
            if name[1] == 0 { collecting = false }
        case 0x74:  // t
            if name[1] == 0 && inInline {
                collecting = false
                text.end(buffer)
            }
        case 0x72:
            if nameIs(name, "row") {
                endRow()
            } else if nameIs(name, "rPh") {
                phonetic = max(0, phonetic - 1)
            }
        case 0x69:
            if nameIs(name, "is") {
                inInline = false
                collecting = false
                text.end(buffer)
            }
        case 0x73:
            if nameIs(name, "sheetData") {
                inSheetData = false
                summariseWarnings()
            }
        default: break
        }
    }

    override func characters(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        guard collecting else { return }
        let (bytes, count) = text.admit(bytes, count)
        if count == 0 { return }
        if buffer.count + count > maxCellBytes {
            collecting = false
            fail(
                .limitExceeded,
                "cell \(CellText.letters(max(column, 0)))\(rowNumber) holds more than \(maxCellBytes) bytes of text, the per-cell limit; raise maxCellBytes if the file is legitimate"
            )
            return
        }
        buffer.append(bytes, count)
    }

    private func startRow(_ attributes: SAXAttributes) {
        var number = rowNumber + 1
        for i in 0..<attributes.count {
            guard let n = attributes.name(i), attributes.prefix(i) == nil, nameIs(n, "r") else { continue }
            guard let r = CellText.integer(attributes.value(i)), r >= 1 else {
                fail(.invalidValue, "row number \"\(attributes.string(i))\" is not a positive whole number")
                return
            }
            number = r
        }
        rowNumber = number
        column = -1
        cells.removeAll()
    }

    private func endRow() {
        guard cells.count > 0 else { return }
        queue.append(XLSXRow(number: rowNumber, cells: cells.take()))
    }

    private func startCell(_ attributes: SAXAttributes) {
        if !inSheetData { return }
        inCell = true
        hasValue = false
        collecting = false
        inInline = false
        phonetic = 0
        text.reset()
        kind = .number
        style = 0
        var col = column + 1
        for i in 0..<attributes.count {
            guard let n = attributes.name(i), attributes.prefix(i) == nil, n[1] == 0 else { continue }
            let v = attributes.value(i)
            switch n[0] {
            case 0x72:  // r
                guard let c = CellText.column(ofReference: v) else {
                    fail(
                        .invalidValue, "cell reference \"\(attributes.string(i))\" is not a cell reference like \"B7\"")
                    return
                }
                col = c
            case 0x74:  // t
                switch v.count {
                case 1:
                    switch v[0] {
                    case 0x73: kind = .shared
                    case 0x6E: kind = .number
                    case 0x62: kind = .bool
                    case 0x65: kind = .error
                    case 0x64: kind = .isoDate
                    default: kind = .number
                    }
                case 3: kind = .formulaString  // str
                case 9: kind = .inline  // inlineStr
                default: kind = .number
                }
            case 0x73:  // s
                style = CellText.integer(v) ?? 0
            default: break
            }
        }
        if col > 16_383 {
            fail(.invalidValue, "a cell lies beyond column XFD, the last column a sheet can have")
            return
        }
        column = col
    }

    private func endCell() {
        inCell = false
        collecting = false
        inInline = false
        guard hasValue else { return }
        let value: XLSXValue
        switch kind {
        case .number:
            if buffer.isEmpty { return }
            guard let d = CellText.double(buffer.bytes) else {
                fail(
                    .invalidValue,
                    "cell \(reference) holds \"\(preview)\", which is not a number; the sheet is corrupt")
                return
            }
            value = style < dateStyles.count && dateStyles[style] ? .dateSerial(d) : .number(d)
        case .shared:
            if buffer.isAllSpace() {
                // Excel and calamine open such a cell as empty; say so rather than refuse the workbook.
                warn("cell \(reference) is typed as a shared string but its <v> is empty; read as an empty cell")
                return
            }
            // XML Schema's unsignedInt allows whitespace around the digits.
            guard let i = CellText.integer(CellText.trimmed(buffer.bytes)), i >= 0, i <= Int(Int32.max) else {
                fail(
                    .invalidValue,
                    "cell \(reference) refers to shared string \"\(preview)\", which is not an index; the workbook is corrupt"
                )
                return
            }
            // The index travels, not the `String`: the reader looks it up on the consuming thread,
            // so the table's strings are retained and released by that thread alone (a retain here
            // and a release there made both cores fight over each string's reference count).
            if cells.count >= 16_384 {
                fail(.limitExceeded, "row \(rowNumber) lists more than 16,384 cells, more than a sheet has columns")
                return
            }
            cells.append(XLSXCell(column: column, sharedIndex: i))
            return
        case .inline, .formulaString, .isoDate:
            value = .text(CellText.string(buffer.bytes))
        case .bool:
            if buffer.isAllSpace() {
                warn("cell \(reference) is typed as a boolean but its <v> is empty; read as an empty cell")
                return
            }
            if buffer.equals("1") || buffer.equals("true") {
                value = .bool(true)
            } else if buffer.equals("0") || buffer.equals("false") {
                value = .bool(false)
            } else {
                fail(.invalidValue, "cell \(reference) holds \"\(preview)\", which is not a boolean (0 or 1)")
                return
            }
        case .error:
            value = .error(String(decoding: buffer.bytes, as: UTF8.self))
        }
        if cells.count >= 16_384 {
            fail(.limitExceeded, "row \(rowNumber) lists more than 16,384 cells, more than a sheet has columns")
            return
        }
        cells.append(XLSXCell(column: column, value: value))
    }

    /// Records a warning about the current cell (one by one up to ``maxWarnings``, then only counted).
    private func warn(_ message: String) {
        if warned < Self.maxWarnings {
            warned += 1
            warnings.append(XLSXWarning(part: part, row: rowNumber, column: max(column, 0), message: message))
        } else {
            unreported += 1
        }
    }

    /// At the end of the sheet's data: one warning for those beyond ``maxWarnings``.
    private func summariseWarnings() {
        guard unreported > 0 else { return }
        warnings.append(
            XLSXWarning(
                part: part,
                message:
                    "\(unreported) more cell\(unreported == 1 ? "" : "s") of this sheet had the same kinds of problems as the \(Self.maxWarnings) reported"
            ))
        unreported = 0
    }

    private var reference: String { CellText.letters(max(column, 0)) + String(rowNumber) }
    private var preview: String { String(decoding: buffer.bytes.prefix(40), as: UTF8.self) }
}
