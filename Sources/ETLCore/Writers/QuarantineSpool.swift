import Foundation
import OrderedJSON
import XLSX

/// Spools quarantined rows to disk, then writes `quarantine.csv` and `quarantine.xlsx` with the
/// input's own headers (in the input's order, then any others seen), then `_errors` (every error of the
/// row) and the row's provenance `_file`, `_sheet`, `_row`.
///
/// - In the CSV a value is the canonical cell text; one a spreadsheet would run as a formula (or one
///   that starts with `'`) gets a leading `'` (``FormulaGuard/reversiblyEscaped(_:)``), which reading
///   the file back undoes (``QuarantineFileReader``), so it feeds back as it is.
/// - In the XLSX (sheet ``sheetName``) numbers, dates and booleans keep their types and text is an
///   inline string, which a spreadsheet never runs as a formula; each cell an issue points at is
///   highlighted and carries the issue as a cell comment. Read back, it gives the same values as the
///   rows it came from.
///
/// The spool is JSON Lines, one object per row:
/// `{"cells": [[header, text, kind], …], "errors": …, "notes": {header: text}, "file", "sheet", "row"}`,
/// where kind is `t` text, `n` number, `d` date, `b` boolean or `e` empty.
final class QuarantineSpool {
    /// The spool's file name in the run folder.
    static let fileName = ".quarantine.spool.jsonl"
    /// The sheet of `quarantine.xlsx` (a run given that workbook with `--input` reads this sheet).
    static let sheetName = "Quarantine"
    /// The columns after the input's: the errors, then where the row came from.
    static let addedColumns = ["_errors", "_file", "_sheet", "_row"]

    let path: String
    let sink: OutputSink
    var count = 0
    var order: [String] = []
    var seen = Set<String>()

    init(directory: String, name: String = QuarantineSpool.fileName) throws {
        path = (directory as NSString).appendingPathComponent(name)
        sink = try OutputSink(path: path, background: true)
    }

    /// Takes over the headers another spool has seen (their order decides the CSV's columns).
    func inheritHeaders(from other: QuarantineSpool) {
        order = other.order
        seen = other.seen
    }

    /// Adds a line another spool wrote (without its line end), as it is.
    func addLine(_ line: UnsafeBufferPointer<UInt8>) throws {
        sink.buffer.append(contentsOf: line)
        sink.buffer.append(UInt8(ascii: "\n"))
        try sink.flushIfNeeded()
        count += 1
    }

    /// The notes of a spooled line (header → text), for a later pass that quarantines the row again.
    static func notes(ofLine line: UnsafeBufferPointer<UInt8>) -> [String: String] {
        guard let v = try? JSONValue.parse(line), case .object(let fields)? = v["notes"] else { return [:] }
        var out: [String: String] = [:]
        for f in fields { out[f.key] = f.value.textValue }
        return out
    }

    /// Spools a quarantined record: each of its source rows as the input has them (every row of a
    /// group), once even when several records exploded from one row are quarantined one after the other.
    /// - Parameters:
    ///   - record: The row as read. A row read from a quarantine file keeps the `_file`, `_sheet` and
    ///     `_row` it carries (where the product first came from), so the loop gives the same file back.
    ///   - errors: Every error of the row, for `_errors`.
    ///   - notes: The issues of single cells, by header, for the workbook's comments.
    func add(_ record: Record, errors: String, notes: [String: String] = [:]) throws {
        guard let g = record.group else { return try addRow(record, errors: errors, notes: notes) }
        let rows = g.rows.isEmpty ? [record] : g.rows
        for row in rows where !lastRows.contains(row.source) { try addRow(row, errors: errors, notes: notes) }
        lastRows = rows.map(\.source)
    }

    /// The source rows of the record added last (the parts of an exploded row share them).
    private var lastRows: [RowSource] = []

    /// Adds one source row as the input has it.
    private func addRow(_ record: Record, errors: String, notes: [String: String]) throws {
        var cells: [JSONValue] = []
        cells.reserveCapacity(record.columns.count)
        var file: JSONValue = .string(record.source.file)
        var sheet: JSONValue = record.source.sheet.map { .string($0) } ?? .null
        var row: JSONValue = .int(record.source.row)
        if let i = record.columns.firstIndex(where: { $0.header == "_file" }), i < record.values.count,
            !record.values[i].canonicalText.isEmpty
        {
            file = .string(record.values[i].canonicalText)
            let s = record.value(forHeader: "_sheet")?.canonicalText ?? ""
            sheet = s.isEmpty ? .null : .string(s)
            let r = record.value(forHeader: "_row")?.canonicalText ?? ""
            row = Int(r).map { .int($0) } ?? .string(r)
        }
        for (c, v) in zip(record.columns, record.values) where !Self.addedColumns.contains(c.header) {
            if !seen.contains(c.header) {
                seen.insert(c.header)
                order.append(c.header)
            }
            var entry: [JSONValue] = [.string(c.header), .string(v.canonicalText), .string(Self.kind(v))]
            if case .date(let d) = v {
                entry.append(.number(CellValue.canonicalNumber(d.excelSerial(system: .system1900))))
            }
            cells.append(.array(entry))
        }
        let line = JSONValue.obj([
            ("cells", .array(cells)), ("errors", .string(errors)),
            ("notes", .obj(notes.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })),
            ("file", file), ("sheet", sheet), ("row", row),
        ])
        line.append(to: &sink.buffer)
        sink.buffer.append(UInt8(ascii: "\n"))
        try sink.flushIfNeeded()
        count += 1
    }

    /// The kind of a value in the spool.
    static func kind(_ v: CellValue) -> String {
        switch v {
        case .empty: return "e"
        case .number, .decimal: return "n"
        case .date: return "d"
        case .bool: return "b"
        case .text, .error: return "t"
        }
    }

    /// A spooled value as a workbook cell: numbers whose text a double keeps exactly, dates Excel can
    /// hold, booleans; everything else text.
    static func cell(_ text: String, kind: String, serial: Double? = nil) -> XLSXWriter.Cell {
        switch kind {
        case "e": return .empty
        case "n":
            if let d = Double(text), d.isFinite, CellValue.canonicalNumber(d) == text { return .number(d) }
        case "b":
            if text == "TRUE" || text == "FALSE" { return .bool(text == "TRUE") }
        case "d":
            // Serial 61 is 1900-03-01: before it Excel's serials count a day that never was.
            if let serial, serial >= 61, serial < 2_958_466 { return .dateSerial(serial) }
        default: break
        }
        return text.isEmpty ? .empty : .text(text)
    }

    func finish(initialColumns: [Column], csv csvPath: String, xlsx xlsxPath: String) throws {
        try sink.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var headers = initialColumns.map(\.header).filter { !Self.addedColumns.contains($0) }
        let known = Set(headers)
        headers += order.filter { !known.contains($0) }
        let dataColumns = headers.count
        headers += Self.addedColumns
        let out = try OutputSink(path: csvPath, background: true)
        let csv = CSVWriter(sink: out)
        try csv.writeRow(headers.map(FormulaGuard.reversiblyEscaped))
        let book: XLSXWriter
        do {
            book = try XLSXWriter(path: xlsxPath, overlongText: .truncate)
            try book.startSheet(
                name: Self.sheetName, columnWidths: headers.map { $0 == "_errors" ? 80 : 18 }, freezeHeaderRow: true,
                autoFilter: true)
            try book.writeRow(headers.map { .text($0) }, style: .header)
        } catch {
            throw WriteError(path: xlsxPath, message: "cannot write the workbook (\(error))")
        }
        if count > 0 {
            var column: [String: Int] = [:]
            for (i, h) in headers.enumerated() { column[h] = i }
            let lines = try LineFile(path: path)
            while let bytes = try lines.next() {
                guard !bytes.isEmpty else { continue }
                let line: JSONValue
                do { line = try JSONValue.parse(bytes) } catch {
                    throw ReadError(.malformed, file: path, message: "damaged quarantine spool line: \(error)")
                }
                var texts = [String](repeating: "", count: headers.count)
                var cells = [XLSXWriter.Cell](repeating: .empty, count: headers.count)
                for cell in line["cells"]?.arrayValue ?? [] {
                    guard let parts = cell.arrayValue, parts.count >= 3, let h = parts[0].textValue,
                        let i = column[h], i < dataColumns
                    else { continue }
                    let text = parts[1].textValue ?? ""
                    texts[i] = text
                    cells[i] = Self.cell(
                        text, kind: parts[2].textValue ?? "t",
                        serial: parts.count > 3 ? Double(parts[3].plainText) : nil)
                }
                let added = [
                    line["errors"]?.textValue ?? "", line["file"]?.textValue ?? "",
                    line["sheet"]?.textValue ?? "", line["row"].map { $0.plainText } ?? "",
                ]
                for (k, text) in added.enumerated() {
                    texts[dataColumns + k] = text
                    // `_row` is a number, like the row numbers a spreadsheet shows.
                    if k == 3, let row = Int(text) {
                        cells[dataColumns + k] = .number(Double(row))
                    } else {
                        cells[dataColumns + k] = Self.cell(text, kind: "t")
                    }
                }
                var notes: [Int: String] = [:]
                if case .object(let fields)? = line["notes"] {
                    for f in fields {
                        if let i = column[f.key], i < dataColumns, let text = f.value.textValue { notes[i] = text }
                    }
                }
                try csv.writeRow(texts.map(FormulaGuard.reversiblyEscaped))
                do { try book.writeRow(cells, notes: notes) } catch {
                    throw WriteError(path: xlsxPath, message: "cannot write the workbook (\(error))")
                }
            }
        }
        try out.close()
        do { try book.finish() } catch {
            throw WriteError(path: xlsxPath, message: "cannot finish the workbook (\(error))")
        }
    }
}
