import Foundation
import OrderedJSON

/// The column layout: which column each field reads (exact header, then folded), the columns no
/// field reads, templates and `when` conditions; resolved once per layout, not per record.
extension RecordNormaliser {
    func resolve(_ columns: [Column]) {
        cachedColumns = columns
        let layout = ColumnIndex(columns)
        func find(_ names: [String]) -> Int? { layout.first(of: names) }
        usedColumns = []
        columnIndexes = layout
        resolved = stage.fields.map { f in f.from.isEmpty ? nil : find(f.from) }
        for case let i? in resolved { usedColumns.insert(i) }
        for f in stage.fields {
            for c in f.coalesce { if let i = find([c]) { usedColumns.insert(i) } }
            for t in f.when.map(\.then) + [f.otherwise].compactMap({ $0 }) {
                for name in Self.placeholders(t) { if let i = find([name]) { usedColumns.insert(i) } }
            }
        }
        templateIndices = stage.fields.map { f in
            guard let t = f.template else { return [:] }
            var m: [String: Int] = [:]
            for name in Self.placeholders(t) { if let i = find([name]) { m[name] = i; usedColumns.insert(i) } }
            return m
        }
        keyIndex = keyColumn.flatMap { find([$0]) }
        if let keyIndex { usedColumns.insert(keyIndex) }
        // A quarantine file's own columns (errors and provenance) are never product data.
        for (i, c) in columns.enumerated() where QuarantineSpool.addedColumns.contains(c.header) {
            usedColumns.insert(i)
        }
        unusedIndices = columns.indices.filter { !usedColumns.contains($0) }
        layoutFieldColumns = stage.fields.indices.map { fi in
            guard let i = resolved[fi], stage.fields[fi].constant == nil, stage.fields[fi].template == nil else {
                return nil
            }
            return columns[i]
        }
        layoutFieldColumnsAndObject = layoutFieldColumns + [nil]
    }

    /// The columns no field reads (for `check`-style messages and tests).
    public func unusedColumns(of columns: [Column]) -> [Column] {
        if columns != cachedColumns { resolve(columns) }
        return columns.enumerated().filter { !usedColumns.contains($0.offset) }.map(\.element)
    }

    /// The names of the columns a field spec refers to that a file does not have.
    public func missingSources(in columns: [Column]) -> [(field: String, names: [String])] {
        if columns != cachedColumns { resolve(columns) }
        var out: [(String, [String])] = []
        for (i, f) in stage.fields.enumerated() where !f.from.isEmpty && resolved[i] == nil && f.defaultValue == nil {
            out.append((f.name, f.from))
        }
        return out
    }

    static func placeholders(_ template: String) -> [String] {
        var out: [String] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// The index of a column in the current layout (exact header, then folded).
    func columnIndex(_ name: String) -> Int? {
        columnIndexes.index(of: name)
    }

    /// A column's trimmed text in `record` ("" when the column is absent).
    func text(of name: String, in record: Record) -> String {
        guard let i = columnIndex(name), i < record.values.count else { return "" }
        return TextCleaning.trim(record.values[i].canonicalText)
    }

    /// Whether a `when` condition holds for `record`.
    func holds(_ c: Condition, in record: Record) -> Bool {
        Condition.test(c, value: text(of: c.column, in: record)) { self.regexes[$0] }
    }

    /// The source text of a field with `when` or `coalesce`, and the column it came from.
    func computedText(_ fi: Int, spec sp: UnsafeMutablePointer<FieldSpec>, record: Record) -> (String, Column?) {
        for rule in sp.pointee.when where holds(rule.condition, in: record) {
            return (renderNamed(rule.then, record: record), nil)
        }
        if let other = sp.pointee.otherwise, !sp.pointee.when.isEmpty {
            return (renderNamed(other, record: record), nil)
        }
        // The column (with its synonyms), then each coalesce column: the first that is not empty.
        let candidates: [[String]] =
            (sp.pointee.from.isEmpty ? [] : [sp.pointee.from]) + sp.pointee.coalesce.map { [$0] }
        for (n, names) in candidates.enumerated() {
            guard let i = names.lazy.compactMap({ self.columnIndex($0) }).first, i < record.values.count else {
                continue
            }
            let t = record.values[i].canonicalText
            if !TextCleaning.trim(t).isEmpty {
                if n > 0 { note(sp.pointee.name, "coalesce_used", record.columns[i].header) }
                return (t, record.columns[i])
            }
        }
        if sp.pointee.template != nil || sp.pointee.constant != nil {
            return (sp.pointee.constant ?? renderNamed(sp.pointee.template ?? "", record: record), nil)
        }
        return ("", nil)
    }

    /// Renders a `{Column}` template by name (for `when`): empty when any named column is empty.
    func renderNamed(_ template: String, record: Record) -> String {
        var indices: [String: Int] = [:]
        for name in Self.placeholders(template) { if let i = columnIndex(name) { indices[name] = i } }
        if indices.isEmpty && Self.placeholders(template).isEmpty { return template }
        return render(template, indices: indices, record: record)
    }

    /// The unmapped columns and the key, after the fields.
    func finish(
        _ record: Record, _ fields: inout [JSONField], _ fieldColumns: inout [Column?]
    ) -> NormalisedRecord {
        if stage.unmapped != .drop {
            var extra: [JSONField] = []
            let lists = record.group?.lists
            for i in unusedIndices where i < record.values.count {
                if let list = lists?[i] {
                    if !list.isEmpty { extra.append(JSONField(record.columns[i].header, .array(list))) }
                } else if !record.values[i].isEmpty {
                    extra.append(JSONField(record.columns[i].header, .string(record.values[i].canonicalText)))
                }
            }
            switch stage.unmapped {
            case .into(let name):
                // `fields` are the specs' fields in order, so where `name` is among them is fixed.
                if !extra.isEmpty {
                    if let idx = unmappedFieldIndex {
                        if case .object(let existing) = fields[idx].value {
                            fields[idx].value = .object(existing + extra)
                        }
                    } else {
                        fields.append(JSONField(name, .object(extra)))
                    }
                }
            case .keep:
                let taken = Set(fields.map(\.key))
                for e in extra where !taken.contains(e.key) { fields.append(e) }
            case .drop: break
            }
        }
        var key: String? = nil
        if let i = keyIndex, i < record.values.count {
            key = TextCleaning.trim(record.values[i].canonicalText)
        } else if let keyField, let v = fields.first(where: { $0.key == keyField })?.value {
            key = v.plainText
        }
        if key?.isEmpty == true { key = nil }
        if fields.count == fieldColumns.count + 1 && layoutFieldColumnsAndObject.count == fields.count {
            fieldColumns = layoutFieldColumnsAndObject
        }
        while fieldColumns.count < fields.count { fieldColumns.append(nil) }
        return NormalisedRecord(source: record.source, fields: fields, fieldColumns: fieldColumns, key: key)
    }

    /// Renders a template; empty when any of its columns is empty, so no separator is left over
    /// (`{Vendor} – {Title}` with no Title is empty, and `required` still sees it).
    func render(_ template: String, indices: [String: Int], record: Record) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard let i = indices[name], i < record.values.count else { return "" }
            let value = record.values[i].canonicalText.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { return "" }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }
}
