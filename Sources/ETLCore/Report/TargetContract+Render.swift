public import OrderedJSON

/// How `catalog-etl targets` and `report.html` show a contract: the same rows in text, JSON and HTML.
extension TargetContract {
    /// One row per field: name, type, required, max length, values, list or object, source.
    public var fieldRows: [[String]] {
        fields.map { f in
            [
                f.name, f.type.rawValue, f.required ? "yes" : "", f.maxLength.map(String.init) ?? "",
                f.enumValues.joined(separator: ", ") + (f.pattern.map { "pattern \($0)" } ?? ""),
                f.type.isList ? "list" : (f.type.isObject ? "object" : ""),
                f.source + (f.note.map { " (\($0))" } ?? ""),
            ]
        }
    }

    /// One row per value the target's connector assumes (its definition's settings and pacing):
    /// name, value, source.
    public var settingRows: [[String]] {
        guard let definition = TargetRegistry.definition(service) else { return [] }
        var rows = definition.settings.map { [$0.name, $0.value, $0.source] }
        let pacing = definition.pacing
        rows.append(["requests in flight", String(pacing.concurrency), pacing.source])
        if let read = pacing.readRate {
            rows.append([
                "reads", "\(PipelineDraft.rateText(read)), \(pacing.readConcurrency) in flight", pacing.source,
            ])
        }
        return rows
    }

    /// The column titles of ``fieldRows``.
    public static let fieldColumns = ["field", "type", "required", "max length", "values", "shape", "source"]

    /// The contract as aligned text for a terminal.
    public func renderText() -> String {
        var out = "\(service.rawValue) (rule set \(qualifiedName)): \(summary)\n"
        out += "key: \(keyField) · columns no field maps: "
        switch extraColumns {
        case .into(let f): out += "into \(f)\n"
        case .keep: out += "kept as top-level fields\n"
        case .drop: out += "dropped (the service has nowhere to put them)\n"
        }
        out += "\n" + Self.align([Self.fieldColumns] + fieldRows, underlineFirst: true)
        out +=
            "\n"
            + Self.align(
                [["limit", "value", "source"]] + limits.map { [$0.name, $0.value, $0.source] }, underlineFirst: true)
        let settings = settingRows
        if !settings.isEmpty {
            out += "\n" + Self.align([["setting", "value", "source"]] + settings, underlineFirst: true)
        }
        return out
    }

    /// The contract as JSON: service, rule set, key, extra columns, fields and limits with their sources.
    public var json: JSONValue {
        .object([
            JSONField("service", .string(service.rawValue)),
            JSONField("rule_set", .string(qualifiedName)),
            JSONField("summary", .string(summary)),
            JSONField("key", .string(keyField)),
            JSONField("unmapped", .string(extraColumns.unmappedSetting)),
            JSONField(
                "fields",
                .array(
                    fields.map { f in
                        var o: [JSONField] = [
                            JSONField("name", .string(f.name)), JSONField("type", .string(f.type.rawValue)),
                            JSONField("required", .bool(f.required)),
                            JSONField("max_length", f.maxLength.map { .number(String($0)) } ?? .null),
                            JSONField("enum", f.enumValues.isEmpty ? .null : .array(f.enumValues.map { .string($0) })),
                            JSONField("list", .bool(f.type.isList)), JSONField("object", .bool(f.type.isObject)),
                        ]
                        if let p = f.pattern { o.append(JSONField("pattern", .string(p))) }
                        o.append(JSONField("source", .string(f.source)))
                        if let n = f.note { o.append(JSONField("note", .string(n))) }
                        return .object(o)
                    })),
            JSONField(
                "limits",
                .array(
                    limits.map {
                        .object([
                            JSONField("name", .string($0.name)), JSONField("value", .string($0.value)),
                            JSONField("source", .string($0.source)),
                        ])
                    })),
            JSONField(
                "settings",
                .array(
                    settingRows.map {
                        .object([
                            JSONField("name", .string($0[0])), JSONField("value", .string($0[1])),
                            JSONField("source", .string($0[2])),
                        ])
                    })),
        ])
    }

    /// The contract as an HTML section (the report's "target contract").
    public func renderHTML() -> String {
        func table(_ head: [String], _ rows: [[String]]) -> String {
            var s =
                "<table><thead><tr>" + head.map { "<th>\(HTMLReport.escape($0))</th>" }.joined()
                + "</tr></thead><tbody>"
            for r in rows { s += "<tr>" + r.map { "<td class=\"v\">\(HTMLReport.escape($0))</td>" }.joined() + "</tr>" }
            return s + "</tbody></table>"
        }
        var s = "<h2 id=\"target-contract\">Target contract: \(HTMLReport.escape(qualifiedName))</h2>"
        s +=
            "<p class=\"muted\">\(HTMLReport.escape(summary)). Key: \(HTMLReport.escape(keyField)); columns no field maps: \(HTMLReport.escape(extraColumns.unmappedSetting)). The same table as <code>catalog-etl targets \(service.rawValue)</code>.</p>"
        s += table(Self.fieldColumns, fieldRows)
        s += "<h3>Limits</h3>" + table(["limit", "value", "source"], limits.map { [$0.name, $0.value, $0.source] })
        s += "<h3>Settings</h3>" + table(["setting", "value", "source"], settingRows)
        return s
    }

    /// Rows as columns padded to their widest cell (the last column is not padded).
    static func align(_ rows: [[String]], underlineFirst: Bool) -> String {
        let n = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: n)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for (k, r) in rows.enumerated() {
            var line = ""
            for (i, c) in r.enumerated() {
                line += i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 2)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if k == 0 && underlineFirst {
                out +=
                    widths.enumerated().map { i, w in String(repeating: "-", count: i == n - 1 ? min(w, 40) : w) }
                    .joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}
