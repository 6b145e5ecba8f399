import OrderedJSON

/// Writes `reconciliation.csv` and `reconciliation.json`.
public enum ReconciliationReport {
    /// The CSV header.
    public static let header = ["class", "key", "file", "sheet", "row", "remote_id", "differences", "detail"]

    /// The text of a line's differences: `field: "sent" → "remote"; …`.
    public static func differencesText(_ d: [FieldDifference]) -> String {
        d.map { "\($0.field): \"\($0.sent)\" → \"\($0.remote)\"" }.joined(separator: "; ")
    }

    /// The CSV cells of a line (before formula escaping).
    public static func cells(_ l: ReconLine) -> [String] {
        [
            l.kind.rawValue, l.key ?? "", l.source?.file ?? "", l.source?.sheet ?? "",
            l.source?.rowsText ?? "",
            l.remoteID ?? "", differencesText(l.differences), l.detail,
        ]
    }

    /// Writes both files.
    /// - Throws: ``WriteError``.
    public static func write(_ r: Reconciliation, csvPath: String, jsonPath: String) throws {
        let sink = try OutputSink(path: csvPath)
        let csv = CSVWriter(sink: sink)
        csv.escapeFormulas = true
        try csv.writeRow(header)
        for l in r.lines { try csv.writeRow(cells(l)) }
        try sink.close()

        let js = try OutputSink(path: jsonPath)
        writeHeader(r, to: js)
        for (i, l) in r.lines.enumerated() {
            jsonLine(l).append(to: &js.buffer)
            js.write(i == r.lines.count - 1 ? "\n" : ",\n")
            try js.flushIfNeeded()
        }
        js.write("]}\n")
        try js.close()
    }

    /// `reconciliation.json` up to its lines: the counts and the count checks.
    static func writeHeader(_ r: Reconciliation, to js: OutputSink) {
        js.write("{\"counts\":")
        r.json.append(to: &js.buffer)
        js.write(",\"count_checks\":")
        JSONValue.array(
            r.countChecks.map {
                .obj([("name", .string($0.name)), ("reported", .int($0.reported)), ("expected", .int($0.expected))])
            }
        ).append(to: &js.buffer)
        js.write(",\"lines\":[\n")
    }

    /// A line of `reconciliation.json`.
    static func jsonLine(_ l: ReconLine) -> JSONValue {
        JSONValue.obj([
            ("class", .string(l.kind.rawValue)), ("key", l.key.map { .string($0) } ?? .null),
            ("file", l.source.map { .string($0.file) } ?? .null),
            ("sheet", l.source?.sheet.map { .string($0) } ?? .null),
            ("row", l.source.map { .int($0.row) } ?? .null),
            (
                "rows",
                l.source.map { s in .array((s.groupRows.isEmpty ? [s.row] : s.groupRows).map { .int($0) }) }
                    ?? .null
            ),
            ("remote_id", l.remoteID.map { .string($0) } ?? .null),
            (
                "differences",
                .array(
                    l.differences.map {
                        .obj([
                            ("field", .string($0.field)), ("sent", .string($0.sent)),
                            ("remote", .string($0.remote)),
                        ])
                    })
            ),
            ("detail", .string(l.detail)),
        ])
    }

    /// Calls `body` with every line of a `reconciliation.json`, in order.
    /// - Throws: ``ReadError``, what `body` throws.
    static func forEachLine(inJSON path: String, _ body: (ReconLine) throws -> Void) throws {
        let file = try LineFile(path: path)
        _ = try file.next()
        while let bytes = try file.next() {
            var text = bytes
            if text.last == UInt8(ascii: ",") { text = UnsafeBufferPointer(rebasing: text.dropLast()) }
            guard text.first == UInt8(ascii: "{") else { continue }
            let v: JSONValue
            do { v = try JSONValue.parse(text) } catch {
                throw ReadError(.malformed, file: path, message: "damaged line: \(error)")
            }
            var source: RowSource? = nil
            if let file = v["file"]?.textValue {
                var s = RowSource(file: file, sheet: v["sheet"]?.textValue, row: v["row"]?.integerValue ?? 0)
                let rows = v["rows"]?.arrayValue?.compactMap(\.integerValue) ?? []
                s.groupRows = rows.count > 1 ? rows : []
                source = s
            }
            let differences = (v["differences"]?.arrayValue ?? []).map {
                FieldDifference(
                    field: $0["field"]?.textValue ?? "", sent: $0["sent"]?.textValue ?? "",
                    remote: $0["remote"]?.textValue ?? "")
            }
            try body(
                ReconLine(
                    kind: ReconClass(rawValue: v["class"]?.textValue ?? "") ?? .unexpected,
                    key: v["key"]?.textValue, source: source, remoteID: v["remote_id"]?.textValue,
                    differences: differences, detail: v["detail"]?.textValue ?? ""))
        }
    }
}
