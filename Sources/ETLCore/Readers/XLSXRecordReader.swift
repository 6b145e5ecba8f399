import XLSX

/// Streams the records of one sheet of an XLSX workbook (the ``XLSX`` module does the zip, XML and cell work).
///
/// Picks the sheet (``ReadOptions/sheet``: by name, by 1-based index, else the first visible sheet), reads
/// the header row (``ReadOptions/headerRow``; rows above it are skipped; 0 means no header and column
/// letters as names), then yields one record per non-empty row with values aligned to the header's
/// columns. Numbers in a date or time format become dates in the workbook's 1900 or 1904 system.
/// All records share one `columns` array.
///
/// Errors: an ``XLSX/XLSXError`` becomes a ``ReadError`` with the same file, part (`xl/worksheets/sheet1.xml`)
/// and line (`unsafe` for limits and refused constructs, `wrongFormat` for `.xls` / encrypted / non-workbook
/// files, `malformed` for corrupt archives, missing parts and bad XML, `unreadable` for I/O); row-level
/// errors (headers, ragged rows) name the sheet in `part`, the row in `line` and the column letter.
public final class XLSXRecordReader: RecordReader {
    /// The workbook file as the user named it.
    public let file: String
    /// The name of the sheet being read.
    public var sheet: String? { sheetName }
    /// The header's columns (column letters when there is no header row; grows with padded ragged rows).
    public private(set) var columns: [Column]
    /// Header renames, padded columns and what the workbook reader recovered from (a missing
    /// `_rels/.rels`, shared-string cells with an empty `<v>`) so far.
    public private(set) var warnings = WarningLog()

    private let sheetName: String
    private let rows: XLSXSheetReader
    private let dateSystem: LocalDateTime.DateSystem
    private let headerRow: Int
    private let raggedRows: RaggedRowPolicy
    /// For each sheet column (0-based), its position in `columns`, or -1 (only used past the header).
    private var positions: [Int]
    private var pending: XLSXRow?
    /// How many of the sheet reader's warnings are in ``warnings`` already.
    private var sheetWarningsTaken = 0

    /// Opens the workbook, picks the sheet and reads the header row.
    /// - Parameters:
    ///   - path: the `.xlsx` file.
    ///   - options: sheet, header row, header and ragged-row policies, limits.
    /// - Throws: ``ReadError``.
    public init(path: String, options: ReadOptions) throws {
        file = path
        let workbook = try Self.mapped(path) { try XLSXWorkbook(path: path, limits: Self.limits(options.limits)) }
        let chosen = try Self.select(options.sheet, in: workbook, file: path)
        sheetName = chosen.name
        dateSystem = workbook.date1904 ? .system1904 : .system1900
        headerRow = max(0, options.headerRow)
        raggedRows = options.raggedRows
        rows = try Self.mapped(path) { try workbook.rows(of: chosen) }
        columns = []
        positions = []
        for w in workbook.warnings { warnings.add(ReadWarning(file: path, part: w.part, message: w.message)) }
        if headerRow > 0 {
            var header: XLSXRow?
            while let r = try Self.mapped(path, { try rows.nextRow() }) {
                if r.number < headerRow { continue }
                if r.number == headerRow { header = r } else { pending = r }
                break
            }
            if let header {
                var texts: [String] = []
                for cell in header.cells {
                    if cell.column >= texts.count {
                        texts.append(contentsOf: repeatElement("", count: cell.column + 1 - texts.count))
                    }
                    texts[cell.column] = convert(cell.value).canonicalText
                }
                columns = try HeaderBuilder.columns(
                    from: texts, policy: options.duplicateHeaders, file: path, part: sheetName, row: headerRow,
                    warnings: &warnings)
            }
            if columns.isEmpty, let first = pending {
                throw ReadError(
                    .usage, file: path, part: sheetName, line: headerRow,
                    message:
                        "header row \(headerRow) is empty and the first row with data is row \(first.number); set the header row to \(first.number) (--header-row \(first.number)), or 0 for no header"
                )
            }
            positions = Array(columns.indices)
        }
        takeSheetWarnings()
    }

    /// Moves the sheet reader's new warnings into ``warnings``, under the sheet's name, row and column.
    @inline(__always) private func takeSheetWarnings() {
        guard rows.warnings.count > sheetWarningsTaken else { return }
        for w in rows.warnings[sheetWarningsTaken...] {
            warnings.add(
                ReadWarning(
                    file: file, part: w.row == nil ? w.part : sheetName, line: w.row,
                    column: w.column.map(ColumnName.letter), message: w.message))
        }
        sheetWarningsTaken = rows.warnings.count
    }

    /// The next non-empty row as a record, or nil at the end of the sheet.
    /// - Throws: ``ReadError``.
    public func next() throws -> Record? {
        while true {
            let row: XLSXRow
            if let p = pending {
                pending = nil
                row = p
            } else {
                guard let r = try Self.mapped(file, { try rows.nextRow() }) else {
                    takeSheetWarnings()
                    return nil
                }
                row = r
                takeSheetWarnings()
            }
            var values = [CellValue](repeating: .empty, count: columns.count)
            var any = false
            var known = positions
            for cell in row.cells {
                let v = convert(cell.value)
                if v.isEmpty { continue }
                any = true
                let c = cell.column
                if c < known.count && known[c] >= 0 {
                    values[known[c]] = v
                } else if headerRow == 0 {
                    while columns.count <= c {
                        let l = ColumnName.letter(columns.count)
                        columns.append(Column(header: l, letter: l))
                        positions.append(positions.count)
                        values.append(.empty)
                    }
                    known = positions
                    values[c] = v
                } else {
                    let letter = ColumnName.letter(c)
                    let last = columns.last?.letter ?? "A"
                    guard raggedRows == .pad else {
                        throw ReadError(
                            .raggedRow, file: file, part: sheetName, line: row.number, column: letter,
                            message:
                                "row \(row.number) has a value in column \(letter), beyond the header's last column \(last); add a header for it, or set ragged_rows: pad to keep it as column \"\(letter)\""
                        )
                    }
                    var name = letter
                    var k = 2
                    while columns.contains(where: { $0.header == name }) {
                        name = "\(letter)_\(k)"
                        k += 1
                    }
                    if positions.count <= c {
                        positions.append(contentsOf: repeatElement(-1, count: c + 1 - positions.count))
                    }
                    positions[c] = columns.count
                    known = positions
                    columns.append(Column(header: name, letter: letter))
                    values.append(v)
                    warnings.add(
                        ReadWarning(
                            file: file, part: sheetName, line: row.number, column: letter,
                            message:
                                "row \(row.number) has a value in column \(letter), beyond the header's last column \(last); added a column named \"\(name)\""
                        ))
                }
            }
            if !any { continue }
            return Record(
                source: RowSource(file: file, sheet: sheetName, row: row.number), columns: columns, values: values)
        }
    }

    /// The workbook's sheets with their visibility and declared dimension.
    /// - Throws: ``ReadError``.
    public static func sheets(path: String, options: ReadOptions) throws -> [SheetInfo] {
        try mapped(path) {
            let workbook = try XLSXWorkbook(path: path, limits: limits(options.limits))
            return try workbook.sheets.map {
                SheetInfo(name: $0.name, hidden: $0.isHidden, dimension: try workbook.dimension(of: $0))
            }
        }
    }

    // MARK: - Helpers

    @inline(__always) private func convert(_ v: XLSXValue) -> CellValue {
        switch v {
        case .empty: return .empty
        case .text(let s): return .text(s)
        case .number(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .error(let e): return .error(e)
        case .dateSerial(let d):
            // A serial beyond 9999-12-31 (possible in the 1904 system) is no date Excel can show.
            guard let date = LocalDateTime(excelSerial: d, system: dateSystem), date.year <= 9999 else {
                return .number(d)
            }
            return .date(date)
        }
    }

    private static func select(_ selector: SheetSelector?, in workbook: XLSXWorkbook, file: String) throws -> XLSXSheet
    {
        let list = workbook.sheets.map { "\"\($0.name)\"\($0.isHidden ? " (hidden)" : "")" }.joined(separator: ", ")
        let chosen: XLSXSheet
        switch selector {
        case .name(let name):
            guard let s = workbook.sheet(named: name) else {
                throw ReadError(
                    .notFound, file: file,
                    message:
                        "sheet \"\(name)\" does not exist; the workbook has \(list.isEmpty ? "no sheets" : "sheets \(list)"), so pass one of those with --sheet"
                )
            }
            chosen = s
        case .index(let i):
            guard i >= 1 && i <= workbook.sheets.count else {
                throw ReadError(
                    .notFound, file: file,
                    message:
                        "sheet index \(i) is out of range; the workbook has \(workbook.sheets.count) sheet\(workbook.sheets.count == 1 ? "" : "s") (\(list)), so pass 1 to \(workbook.sheets.count)"
                )
            }
            chosen = workbook.sheets[i - 1]
        case nil:
            let worksheets = workbook.sheets.filter { $0.kind == .worksheet }
            guard let s = worksheets.first(where: { !$0.isHidden }) ?? worksheets.first else {
                throw ReadError(
                    .notFound, file: file, message: "the workbook has no worksheet; add a sheet with the data")
            }
            chosen = s
        }
        if chosen.kind != .worksheet {
            throw ReadError(
                .usage, file: file, part: chosen.name,
                message:
                    "sheet \"\(chosen.name)\" is a \(chosen.kind == .chartsheet ? "chart" : "dialog or macro") sheet, which has no cells; pick a worksheet: \(list)"
            )
        }
        return chosen
    }

    private static func limits(_ l: ReadLimits) -> XLSXLimits {
        XLSXLimits(
            maxInflatedBytesPerEntry: l.maxInflatedBytesPerEntry, maxInflatedBytesTotal: l.maxInflatedBytesTotal,
            maxCompressionRatio: l.maxCompressionRatio, maxCellBytes: l.maxCellBytes,
            maxSharedStringsExpansion: l.maxSharedStringsExpansion, maxEntries: l.maxEntries)
    }

    /// Runs `body`, turning an ``XLSXError`` into the ``ReadError`` with the same file, part and line.
    @inline(__always) private static func mapped<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as XLSXError {
            throw readError(e)
        }
    }

    /// The ``ReadError`` for an ``XLSXError``: the code decides the exit code, the part stays in `part`.
    static func readError(_ e: XLSXError) -> ReadError {
        let code: ReadError.Code
        switch e.code {
        case .unreadable: code = .unreadable
        case .notZip, .encryptedWorkbook, .legacyWorkbook, .notWorkbook: code = .wrongFormat
        case .corruptArchive, .unsupportedArchive, .missingPart, .malformedXML, .invalidValue: code = .malformed
        case .limitExceeded, .refused: code = .unsafe
        }
        return ReadError(code, file: e.file, part: e.part, line: e.line, message: e.message)
    }
}
