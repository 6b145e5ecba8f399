import Foundation
import OrderedJSON
import XLSX

/// Writes `report.xlsx` with sheets Summary, Reconciliation, Issues and Quarantine, using our own
/// XLSX writer. Issues and quarantined rows are streamed back from the run's CSV files, so memory
/// stays flat. Text that looks like a formula is stored as text with a quote prefix (the writer's
/// guard against spreadsheet formula injection).
public enum WorkbookReport {
    /// Writes the workbook.
    /// - Parameters:
    ///   - path: the `report.xlsx` path.
    ///   - summary: the run's summary (its JSON object is flattened into the Summary sheet).
    ///   - reconciliation: the reconciliation, when the run had one.
    ///   - issuesCSV: the run's `issues.csv`.
    ///   - quarantineCSV: the run's `quarantine.csv`.
    /// - Throws: ``WriteError`` or ``ReadError``.
    public static func write(
        path: String, summary: RunSummary, reconciliation: Reconciliation?, issuesCSV: String, quarantineCSV: String
    ) throws {
        do {
            let book = try XLSXWriter(path: path, overlongText: .truncate)
            try book.startSheet(name: "Summary", columnWidths: [34, 60], freezeHeaderRow: true)
            try book.writeRow([.text("item"), .text("value")], style: .header)
            for (k, v) in flatten(summary.json, prefix: "") {
                try book.writeRow([.text(k), cell(v)])
            }
            try book.startSheet(
                name: "Reconciliation", columnWidths: [12, 20, 30, 12, 8, 38, 60, 40], freezeHeaderRow: true,
                autoFilter: true)
            try book.writeRow(ReconciliationReport.header.map { .text($0) }, style: .header)
            func add(_ l: ReconLine) throws {
                var cells = ReconciliationReport.cells(l).map { $0.isEmpty ? XLSXWriter.Cell.empty : .text($0) }
                if let row = l.source?.row { cells[4] = .number(Double(row)) }
                try book.writeRow(cells)
            }
            if let file = reconciliation?.linesFile {
                try ReconciliationReport.forEachLine(inJSON: file, add)
            } else {
                for l in reconciliation?.lines ?? [] { try add(l) }
            }
            try copyCSV(issuesCSV, into: book, sheet: "Issues", numericColumns: ["row"])
            try copyCSV(quarantineCSV, into: book, sheet: "Quarantine", numericColumns: [])
            try book.finish()
        } catch let e as ReadError {
            throw e
        } catch let e as WriteError {
            throw e
        } catch {
            throw WriteError(path: path, message: "cannot write the workbook (\(error))")
        }
    }

    static func cell(_ v: JSONValue) -> XLSXWriter.Cell {
        switch v {
        case .number(let n): return Double(n).map { .number($0) } ?? .text(n)
        case .bool(let b): return .bool(b)
        case .null: return .empty
        default: return .text(v.plainText)
        }
    }

    static func flatten(_ v: JSONValue, prefix: String) -> [(String, JSONValue)] {
        switch v {
        case .object(let fields):
            return fields.flatMap { flatten($0.value, prefix: prefix.isEmpty ? $0.key : prefix + "." + $0.key) }
        case .array(let items)
        where items.contains(where: { if case .object = $0 { return true } else { return false } }):
            return items.enumerated().flatMap { flatten($0.element, prefix: prefix + "[\($0.offset + 1)]") }
        default:
            return [(prefix, v)]
        }
    }

    static func copyCSV(_ csvPath: String, into book: XLSXWriter, sheet: String, numericColumns: Set<String>) throws {
        var o = ReadOptions()
        o.format = .csv
        o.delimiter = UInt8(ascii: ",")
        o.encoding = .utf8
        o.duplicateHeaders = .rename
        let reader = try Readers.open(csvPath, options: o)
        let headers = reader.columns.map(\.header)
        try book.startSheet(
            name: sheet, columnWidths: headers.map { $0 == "message" || $0 == "_errors" ? 70 : 16 },
            freezeHeaderRow: true,
            autoFilter: true)
        try book.writeRow(headers.map { .text($0) }, style: .header)
        let numeric = Set(headers.enumerated().filter { numericColumns.contains($0.element) }.map(\.offset))
        while let r = try reader.next() {
            try book.writeRow(
                r.values.enumerated().map { i, v in
                    let t = v.canonicalText
                    if t.isEmpty { return .empty }
                    if numeric.contains(i), let n = Double(t) { return .number(n) }
                    // Reports escape formula-like text with a leading quote in CSV; the workbook shows the value itself.
                    return .text(
                        t.hasPrefix("'") && FormulaGuard.isRisky(String(t.dropFirst())) ? String(t.dropFirst()) : t)
                })
        }
    }
}
