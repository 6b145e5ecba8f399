import Foundation
import OrderedJSON

/// Writes `reconciliation.csv` and `reconciliation.json` a line at a time, as a streamed
/// reconciliation decides them, and keeps only the counts and the first lines that are not matched
/// (the HTML report's table). The JSON file's lines are spooled beside it until the counts that come
/// before them are known.
final class ReconciliationWriter {
    /// How many lines that are not matched the returned ``Reconciliation`` keeps.
    let shownLimit: Int
    private let csvSink: OutputSink
    private let csv: CSVWriter
    private let jsonPath: String
    private let linesPath: String
    private let lines: OutputSink
    private var count = 0
    private var counts: [ReconClass: Int] = [:]
    private var shown: [ReconLine] = []

    /// Opens both files (the JSON one's lines in a part file next to it).
    /// - Throws: ``WriteError``.
    init(csvPath: String, jsonPath: String, shownLimit: Int = 2000) throws {
        self.shownLimit = shownLimit
        self.jsonPath = jsonPath
        linesPath = jsonPath + ".lines.part"
        csvSink = try OutputSink(path: csvPath)
        csv = CSVWriter(sink: csvSink)
        csv.escapeFormulas = true
        try csv.writeRow(ReconciliationReport.header)
        lines = try OutputSink(path: linesPath)
    }

    /// Writes one line to both files.
    /// - Throws: ``WriteError``.
    func add(_ line: ReconLine) throws {
        try csv.writeRow(ReconciliationReport.cells(line))
        if count > 0 { lines.write(",\n") }
        ReconciliationReport.jsonLine(line).append(to: &lines.buffer)
        try lines.flushIfNeeded()
        count += 1
        counts[line.kind, default: 0] += 1
        if line.kind != .matched && shown.count < shownLimit { shown.append(line) }
    }

    /// Closes both files: `reconciliation.json` is the counts, the count checks, then the lines.
    /// - Returns: the reconciliation, with the first lines that are not matched and the JSON file
    ///   that holds them all (``Reconciliation/linesFile``).
    /// - Throws: ``WriteError``, ``ReadError``.
    func finish(countChecks: [(name: String, reported: Int, expected: Int)]) throws -> Reconciliation {
        try csvSink.close()
        try lines.close()
        var r = Reconciliation(lines: shown, counts: counts, countChecks: countChecks)
        r.linesFile = jsonPath
        let js = try OutputSink(path: jsonPath)
        ReconciliationReport.writeHeader(r, to: js)
        let part = try LineFile(path: linesPath)
        var first = true
        while let line = try part.next() {
            if !first { js.buffer.append(UInt8(ascii: "\n")) }
            first = false
            js.buffer.append(contentsOf: line)
            try js.flushIfNeeded()
        }
        js.write(count > 0 ? "\n]}\n" : "]}\n")
        try js.close()
        try? FileManager.default.removeItem(atPath: linesPath)
        return r
    }
}
