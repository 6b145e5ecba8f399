import Foundation
import OrderedJSON

/// Applies a normalise stage to records: column mapping, cleaning transforms, value maps, types.
///
/// Transforms run in a fixed order: source (column, template, constant, `coalesce` or `when`) →
/// `html: text` → trim → collapse white space → NFC → extract → replace → map → lookup → case →
/// default → split (→ item or join) → type (`as:`) → truncate. A collected column of a group (a
/// list) gives a list, one item of it (`item:`) or its items joined (`join:`); each item goes
/// through the same transforms.
public final class RecordNormaliser {
    let stage: NormaliseStage
    let keyColumn: String?
    let keyField: String?
    private var cachedColumns: [Column] = []
    private var resolved: [Int?] = []
    private var templateIndices: [[String: Int]] = []
    private var usedColumns: Set<Int> = []
    /// The columns no field reads, in order (what `unmapped` keeps), for the current column layout.
    private var unusedIndices: [Int] = []
    /// For the current column layout, the source column of each field spec (nil for constants,
    /// templates and absent columns), and the same with a nil for an appended unmapped object.
    private var layoutFieldColumns: [Column?] = []
    private var layoutFieldColumnsAndObject: [Column?] = [nil]
    /// Where the read stage's key column is in the current column layout (exact header first, then folded).
    private var keyIndex: Int?
    /// Which field spec (if any) is named like `unmapped: into:` names its object.
    private let unmappedFieldIndex: Int?
    /// The field specs, addressed in place so `convert` borrows each one instead of copying its
    /// dozen members for every field of every row.
    private let specs: UnsafeMutableBufferPointer<FieldSpec>
    private var regexes: [String: NSRegularExpression] = [:]
    private var lookups: [String: [String: String]] = [:]
    private var lookupsFolded: [String: [String: String]] = [:]
    private var mapsExact: [[String: String]] = []
    private var mapsFolded: [[String: String]] = []
    /// Fallback counts (field, kind, value) → n.
    public private(set) var fallbacks: [Fallback: Int] = [:]
    /// Per field (in spec order): how many records had it empty, defaulted, mapped, truncated or fell back.
    public var fieldCounts: [FieldCounts] {
        stage.fields.enumerated().map { fi, f in
            var c = FieldCounts(field: f.name)
            let base = counters + fi * 5
            c.empty = base[0]
            c.defaulted = base[1]
            c.mapped = base[2]
            c.truncated = base[3]
            c.fellBack = base[4]
            return c
        }
    }
    /// Five counters per field (empty, defaulted, mapped, truncated, fell back) and, after them, what
    /// the field being converted did (bits: 1 defaulted, 2 truncated, 4 fell back). Raw memory, so
    /// the per-field updates of the row loop carry no exclusivity checks.
    private let counters: UnsafeMutablePointer<Int>
    private var flags: UnsafeMutablePointer<Int> { counters + stage.fields.count * 5 }
    /// Per field: whether it needs the slow source step (`coalesce`, `when`).
    private var computedSource: [Bool] = []
    /// The current layout's header → index maps (exact, then folded).
    private var exactIndex: [String: Int] = [:]
    private var foldedIndex: [String: Int] = [:]
    /// The currency an `as: price` value named, for its `currency:` field.
    private var pendingCurrency: String?
    /// Per field with a date format that has a day/month swap: what the values did.
    private var dateStats: [Int: DateStats] = [:]
    private var swapPatterns: [Int: (primary: DatePattern, swapped: DatePattern)] = [:]

    /// Creates a normaliser.
    /// - Parameters:
    ///   - stage: the normalise stage (nil: every column kept as a text field named by its header).
    ///   - keyColumn: the read stage's key column.
    ///   - keyField: the target's key field, used when there is no key column.
    /// - Throws: ``ReadError`` when a lookup table cannot be read.
    public init(stage: NormaliseStage?, keyColumn: String?, keyField: String?) throws {
        self.stage = stage ?? NormaliseStage(fields: [], unmapped: .keep)
        self.keyColumn = keyColumn
        self.keyField = keyField
        if case .into(let name) = self.stage.unmapped {
            unmappedFieldIndex = self.stage.fields.firstIndex { $0.name == name }
        } else {
            unmappedFieldIndex = nil
        }
        specs = .allocate(capacity: self.stage.fields.count)
        _ = specs.initialize(from: self.stage.fields)
        counters = .allocate(capacity: self.stage.fields.count * 5 + 1)
        counters.initialize(repeating: 0, count: self.stage.fields.count * 5 + 1)
        computedSource = self.stage.fields.map { !$0.coalesce.isEmpty || !$0.when.isEmpty }
        for (fi, f) in self.stage.fields.enumerated() {
            if let primary = f.dateFormats.lazy.compactMap({ DatePattern($0) }).first(where: { $0.swapped != nil }),
                let swapped = primary.swapped
            {
                swapPatterns[fi] = (primary, swapped)
            }
            for rule in f.when {
                if case .matches(let p) = rule.condition.test, regexes[p] == nil {
                    regexes[p] = try? NSRegularExpression(pattern: p)
                }
            }
            var exact: [String: String] = [:]
            var folded: [String: String] = [:]
            for (k, v) in f.map ?? [] {
                if exact[k] == nil { exact[k] = v }
                let fk = k.lowercased()
                if folded[fk] == nil { folded[fk] = v }
            }
            mapsExact.append(exact)
            mapsFolded.append(folded)
            for p in [f.extract].compactMap({ $0 }) + f.replacements.map(\.pattern) where regexes[p] == nil {
                regexes[p] = try? NSRegularExpression(pattern: p)
            }
            if let l = f.lookup, lookups[l.file + "\u{0}" + l.keyColumn + "\u{0}" + l.valueColumn] == nil {
                let id = l.file + "\u{0}" + l.keyColumn + "\u{0}" + l.valueColumn
                let table = try Self.loadLookup(l)
                lookups[id] = table
                var folded: [String: String] = [:]
                for (k, v) in table where folded[k.lowercased()] == nil { folded[k.lowercased()] = v }
                lookupsFolded[id] = folded
            }
        }
    }

    deinit {
        specs.deinitialize()
        specs.deallocate()
        counters.deallocate()
    }

    static func loadLookup(_ l: LookupSpec) throws -> [String: String] {
        let reader = try Readers.open(l.file)
        var table: [String: String] = [:]
        var sawColumns = false
        while let r = try reader.next() {
            guard let k = r.value(forHeader: l.keyColumn), let v = r.value(forHeader: l.valueColumn) else {
                throw ReadError(
                    .usage, file: l.file, line: r.source.row,
                    message:
                        "the lookup table has no column \"\(sawColumns ? "" : l.keyColumn)\" or \"\(l.valueColumn)\"; its columns are \(r.columns.map(\.header).joined(separator: ", "))"
                )
            }
            sawColumns = true
            let key = k.canonicalText.trimmingCharacters(in: .whitespaces)
            if table[key] == nil { table[key] = v.canonicalText.trimmingCharacters(in: .whitespaces) }
        }
        return table
    }

    /// The header-matching key: lower case with white space and `_` removed.
    static func fold(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) && $0 != "_" })
    }

    private func resolve(_ columns: [Column]) {
        cachedColumns = columns
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        for (i, c) in columns.enumerated() {
            if exact[c.header] == nil { exact[c.header] = i }
            let f = Self.fold(c.header)
            if folded[f] == nil { folded[f] = i }
        }
        func find(_ names: [String]) -> Int? {
            for n in names { if let i = exact[n] { return i } }
            for n in names { if let i = folded[Self.fold(n)] { return i } }
            return nil
        }
        usedColumns = []
        exactIndex = exact
        foldedIndex = folded
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

    /// Normalises one record.
    /// - Parameters:
    ///   - record: the source record.
    ///   - issues: receives problems (unmapped values with `on_unmapped: error`, unparseable types).
    /// - Returns: the normalised record.
    public func normalise(_ record: Record, issues: inout [RecordIssue]) -> NormalisedRecord {
        if record.columns != cachedColumns { resolve(record.columns) }
        var fields: [JSONField] = []
        fields.reserveCapacity(stage.fields.count + 1)
        // The same for every record of a layout: shared, not rebuilt (a retain instead of an array).
        var fieldColumns = layoutFieldColumns
        guard let first = specs.baseAddress else { return finish(record, &fields, &fieldColumns) }
        let lists = record.group?.lists
        var currencies: [(String, String?)] = []
        record.values.withUnsafeBufferPointer { values in
            for fi in 0..<specs.count {
                // Through the pointer's `pointee` (an addressor) each member is read in place; the
                // buffer's subscript copied the whole spec, a dozen retains, for every field of every row.
                // The cell is likewise passed in place, not copied out of the record.
                let spec = first + fi
                let value: JSONValue
                flags.pointee = 0
                if spec.pointee.currencyField != nil { pendingCurrency = nil }
                if computedSource[fi] {
                    let (text, column) = computedText(fi, spec: spec, record: record)
                    value = withUnsafePointer(to: CellValue.text(text)) {
                        convert($0, spec: spec, index: fi, record: record, column: column, issues: &issues)
                    }
                } else if let lists, let i = resolved[fi], let list = lists[i], spec.pointee.constant == nil,
                    spec.pointee.template == nil
                {
                    value = convertList(
                        list, spec: spec, index: fi, record: record, column: record.columns[i], issues: &issues)
                } else if let i = resolved[fi], i < values.count, spec.pointee.constant == nil,
                    spec.pointee.template == nil,
                    let cell = values.baseAddress.map({ $0 + i })
                {
                    value = convert(
                        cell, spec: spec, index: fi, record: record, column: record.columns[i], issues: &issues)
                } else {
                    var cell = CellValue.empty
                    if let c = spec.pointee.constant {
                        cell = .text(c)
                    } else if let t = spec.pointee.template {
                        cell = .text(render(t, indices: templateIndices[fi], record: record))
                    }
                    value = withUnsafePointer(to: cell) {
                        convert($0, spec: spec, index: fi, record: record, column: nil, issues: &issues)
                    }
                }
                fields.append(JSONField(spec.pointee.name, value))
                count(fi, value)
                if let c = spec.pointee.currencyField { currencies.append((c, pendingCurrency)) }
            }
        }
        for (name, currency) in currencies {
            if let i = fields.firstIndex(where: { $0.key == name }) {
                if fields[i].value.isEmpty, let currency { fields[i].value = .string(currency) }
            } else {
                fields.append(JSONField(name, currency.map { .string($0) } ?? .null))
                fieldColumns.append(nil)
            }
        }
        return finish(record, &fields, &fieldColumns)
    }

    /// Adds a field's outcome to its counts.
    @inline(__always) private func count(_ fi: Int, _ value: JSONValue) {
        let base = counters + fi * 5
        let f = flags.pointee
        if f & 2 != 0 { base[3] += 1 }
        if f & 4 != 0 { base[4] += 1 }
        if value.isEmpty {
            base[0] += 1
        } else if f & 1 != 0 {
            base[1] += 1
        } else {
            base[2] += 1
        }
    }

    /// The index of a column in the current layout (exact header, then folded).
    private func columnIndex(_ name: String) -> Int? {
        exactIndex[name] ?? foldedIndex[Self.fold(name)]
    }

    /// A column's trimmed text in `record` ("" when the column is absent).
    private func text(of name: String, in record: Record) -> String {
        guard let i = columnIndex(name), i < record.values.count else { return "" }
        return Self.trim(record.values[i].canonicalText)
    }

    /// Whether a `when` condition holds for `record`.
    func holds(_ c: Condition, in record: Record) -> Bool {
        Condition.test(c, value: text(of: c.column, in: record)) { self.regexes[$0] }
    }

    /// The source text of a field with `when` or `coalesce`, and the column it came from.
    private func computedText(_ fi: Int, spec sp: UnsafeMutablePointer<FieldSpec>, record: Record) -> (String, Column?)
    {
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
            if !Self.trim(t).isEmpty {
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
    private func renderNamed(_ template: String, record: Record) -> String {
        var indices: [String: Int] = [:]
        for name in Self.placeholders(template) { if let i = columnIndex(name) { indices[name] = i } }
        if indices.isEmpty && Self.placeholders(template).isEmpty { return template }
        return render(template, indices: indices, record: record)
    }

    /// Converts a collected column's list: whole (a list, each item converted), one item (`item:`),
    /// or joined (`join:`). The variants' objects go as they are.
    private func convertList(
        _ list: [JSONValue], spec sp: UnsafeMutablePointer<FieldSpec>, index fi: Int, record: Record, column: Column?,
        issues: inout [RecordIssue]
    ) -> JSONValue {
        if list.contains(where: { if case .object = $0 { return true } else { return false } }) {
            if let n = sp.pointee.item, sp.pointee.split == nil { return n <= list.count ? list[n - 1] : .null }
            return .array(list)
        }
        let items = list.map(\.plainText)
        func scalar(_ text: String) -> JSONValue {
            withUnsafePointer(to: CellValue.text(text)) {
                convert($0, spec: sp, index: fi, record: record, column: column, issues: &issues)
            }
        }
        if let n = sp.pointee.item, sp.pointee.split == nil { return scalar(n <= items.count ? items[n - 1] : "") }
        if let j = sp.pointee.join, sp.pointee.split == nil { return scalar(items.joined(separator: j)) }
        var copy = sp.pointee
        if copy.type == .list { copy.type = .string }
        copy.defaultValue = nil
        var out: [JSONValue] = []
        withUnsafeMutablePointer(to: &copy) { itemSpec in
            for item in items {
                let v = withUnsafePointer(to: CellValue.text(item)) {
                    convert($0, spec: itemSpec, index: fi, record: record, column: column, issues: &issues)
                }
                switch v {
                case .null: continue
                case .array(let inner): out += inner
                default: out.append(v)
                }
            }
        }
        if out.isEmpty, let d = sp.pointee.defaultValue {
            note(sp.pointee.name, "default_used", d)
            return .array([.string(d)])
        }
        return .array(out)
    }

    /// The unmapped columns and the key, after the fields.
    private func finish(
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
            key = Self.trim(record.values[i].canonicalText)
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
    private func render(_ template: String, indices: [String: Int], record: Record) -> String {
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

    private func note(_ field: String, _ kind: String, _ value: String) {
        switch kind {
        case "default_used": flags.pointee |= 1
        case "truncated": flags.pointee |= 2
        default: flags.pointee |= 4
        }
        let v = value.count > 200 ? String(value.prefix(200)) : value
        fallbacks[Fallback(field: field, kind: kind, value: v), default: 0] += 1
    }

    private func convert(
        _ cellPointer: UnsafePointer<CellValue>, spec sp: UnsafeMutablePointer<FieldSpec>, index: Int, record: Record,
        column: Column?,
        issues: inout [RecordIssue]
    ) -> JSONValue {
        // Typed cells go straight to typed targets. (A switch over the cell alone: one over a
        // `(cell, type)` tuple copied the cell into the tuple.)
        let type = sp.pointee.type
        var s: String
        switch cellPointer.pointee {
        case .text(let t): s = t
        case .date(let d):
            if type == .datetime { return .string(d.iso8601DateTime) }
            if type == .date { return .string(LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601) }
            s = d.iso8601
        case .number(let n):
            if type == .datetime || type == .date, let d = LocalDateTime(excelSerial: n, system: .system1900), n > 59 {
                return .string(
                    type == .date ? LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601 : d.iso8601DateTime)
            }
            if type == .number { return .number(CellValue.canonicalNumber(n)) }
            if type == .integer && n == n.rounded() && abs(n) < 1e15 { return .number(String(Int64(n))) }
            s = CellValue.canonicalNumber(n)
        case .decimal(let t):
            if type == .number { return .number(t) }
            s = t
        case .bool(let b):
            if type == .boolean { return .bool(b) }
            s = b ? "TRUE" : "FALSE"
        case .empty: s = ""
        case .error(let e): s = e
        }
        if sp.pointee.htmlToText {
            // The HTML step leaves one space within a line and one break between lines.
            s = HTMLText.plainText(s)
            if sp.pointee.nfc && !Self.isASCII(s) { s = s.precomposedStringWithCanonicalMapping }
        } else if sp.pointee.collapseWhitespace || sp.pointee.nfc
            ? !Self.isCleanASCII(s, inner: sp.pointee.collapseWhitespace) : sp.pointee.trim
        {
            if sp.pointee.trim { s = Self.trim(s) }
            if sp.pointee.collapseWhitespace { s = Self.collapse(s) }
            if sp.pointee.nfc && !Self.isASCII(s) && !Self.isSurelyNFC(s) {
                s = s.precomposedStringWithCanonicalMapping
            }
        }
        if let p = sp.pointee.extract, let re = regexes[p], !s.isEmpty {
            let ns = s as NSString
            if let m = re.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) {
                let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
                s = ns.substring(with: r)
            } else {
                s = ""
            }
        }
        for (p, with) in sp.pointee.replacements {
            guard let re = regexes[p], !s.isEmpty else { continue }
            s = re.stringByReplacingMatches(
                in: s, range: NSRange(location: 0, length: (s as NSString).length), withTemplate: with)
        }
        if sp.pointee.map != nil, !s.isEmpty {
            if let v = mapsExact[index][s] ?? mapsFolded[index][s.lowercased()] {
                s = v
            } else {
                switch sp.pointee.onUnmapped {
                case .keep: note(sp.pointee.name, "unmapped_value", s)
                case .null:
                    note(sp.pointee.name, "unmapped_value", s)
                    s = ""
                case .error:
                    issues.append(
                        RecordIssue(
                            source: record.source, column: column, field: sp.pointee.name, value: s,
                            rule: "unmapped_value",
                            severity: .error,
                            message:
                                "\(sp.pointee.name): \"\(s)\" is not in the value map; add it to map: or set on_unmapped: keep"
                        ))
                }
            }
        }
        if let l = sp.pointee.lookup, !s.isEmpty {
            let id = l.file + "\u{0}" + l.keyColumn + "\u{0}" + l.valueColumn
            if let v = lookups[id]?[s] ?? lookupsFolded[id]?[s.lowercased()] {
                s = v
            } else {
                switch l.onMissing {
                case .keep: note(sp.pointee.name, "lookup_missing", s)
                case .null:
                    note(sp.pointee.name, "lookup_missing", s)
                    s = ""
                case .error:
                    issues.append(
                        RecordIssue(
                            source: record.source, column: column, field: sp.pointee.name, value: s,
                            rule: "lookup_missing",
                            severity: .error,
                            message:
                                "\(sp.pointee.name): \"\(s)\" is not in the lookup table \((l.file as NSString).lastPathComponent); add a row for it"
                        ))
                }
            }
        }
        if let c = sp.pointee.letterCase, !s.isEmpty {
            switch c {
            case .upper: if !s.utf8.allSatisfy({ $0 < 0x61 || ($0 > 0x7A && $0 < 0x80) }) { s = s.uppercased() }
            case .lower: if !s.utf8.allSatisfy({ $0 < 0x41 || ($0 > 0x5A && $0 < 0x80) }) { s = s.lowercased() }
            case .title: s = Self.titleCase(s)
            }
        }
        if s.isEmpty, let d = sp.pointee.defaultValue {
            s = d
            if sp.pointee.constant == nil && (sp.pointee.from.isEmpty == false || sp.pointee.template != nil) {
                note(sp.pointee.name, "default_used", d)
            }
        }
        if s.isEmpty { return sp.pointee.type == .list ? .array([]) : .null }
        if let sep = sp.pointee.split {
            if let n = sp.pointee.item {
                var parts: [String] = []
                Self.forEachPart(of: s, on: sep) { parts.append($0) }
                guard n <= parts.count else { return .null }
                s = parts[n - 1]
            } else if let j = sp.pointee.join {
                var parts: [String] = []
                Self.forEachPart(of: s, on: sep) { parts.append($0) }
                return .string(parts.joined(separator: j))
            } else {
                var items: [JSONValue] = []
                items.reserveCapacity(4)
                Self.forEachPart(of: s, on: sep) { items.append(.string($0)) }
                return .array(items)
            }
        }
        // Captures the name, not the spec: a local function that reads `spec` copied all of it
        // into its context on every call of `convert`.
        let name = sp.pointee.name
        func typeIssue(_ kind: String, _ expected: String) {
            note(name, kind, s)
            issues.append(
                RecordIssue(
                    source: record.source, column: column, field: name, value: s, rule: "type", severity: .error,
                    message: "\(name): cannot read \"\(s.count > 60 ? String(s.prefix(60)) + "…" : s)\" as \(expected)")
            )
        }
        switch sp.pointee.type {
        case .string:
            if case .length(let limit) = sp.pointee.truncate, s.unicodeScalars.count > limit {
                let cut = Self.truncated(s, to: limit)
                note(name, "truncated", s)
                issues.append(
                    RecordIssue(
                        source: record.source, column: column, field: name, value: s, rule: "truncate",
                        severity: .warning,
                        message:
                            "\(name): cut from \(s.unicodeScalars.count) to \(cut.unicodeScalars.count) characters (truncate: \(limit))"
                    ))
                return .string(cut)
            }
            return .string(s)
        case .price:
            if let p = PriceParser.parse(s, decimalComma: sp.pointee.decimalComma) {
                pendingCurrency = p.currency
                return .number(p.amount)
            }
            typeIssue("unparseable_price", "a price (such as €49.90 or 1.299,00 EUR)")
            return .string(s)
        case .list: return .array([.string(s)])
        case .integer:
            if let n = Self.parseNumber(s, decimalComma: sp.pointee.decimalComma), n == n.rounded(), abs(n) < 1e15 {
                return .number(String(Int64(n)))
            }
            typeIssue("unparseable_number", "a whole number")
            return .string(s)
        case .number:
            // A plain decimal (`262.49`, `-3`) is its own JSON text: no need to go through a Double.
            if Self.isPlainJSONNumber(s) { return .number(s) }
            if let n = Self.parseNumber(s, decimalComma: sp.pointee.decimalComma) {
                return .number(Self.numberText(s, n, decimalComma: sp.pointee.decimalComma))
            }
            typeIssue(
                "unparseable_number", "a number\(sp.pointee.decimalComma ? "" : " (set decimal_comma: true for 49,90)")"
            )
            return .string(s)
        case .boolean:
            switch s.lowercased() {
            case "true", "yes", "y", "1", "t", "ja", "oui": return .bool(true)
            case "false", "no", "n", "0", "f", "nein", "non": return .bool(false)
            default:
                typeIssue("unparseable_boolean", "true or false")
                return .string(s)
            }
        case .date, .datetime:
            var d: LocalDateTime? = DatePattern.parseISO(s)
            if d == nil {
                for f in sp.pointee.dateFormats { if let p = DatePattern(f), let v = p.parse(s) { d = v; break } }
                if let swap = swapPatterns[index] { noteDate(s, index: index, patterns: swap, read: d != nil) }
            }
            if d == nil {
                for p in DatePattern.monthNamePatterns { if let v = p.parse(s) { d = v; break } }
            }
            if d == nil, let n = Double(s), n > 59, n < 2_958_466 {
                d = LocalDateTime(excelSerial: n, system: .system1900)
            }
            if let d {
                return .string(
                    sp.pointee.type == .date
                        ? LocalDateTime(year: d.year, month: d.month, day: d.day).iso8601 : d.iso8601DateTime)
            }
            let hint =
                sp.pointee.dateFormats.isEmpty
                ? "; add date_format: dd/MM/yyyy (or the pattern your file uses)"
                : " with \(sp.pointee.dateFormats.joined(separator: ", ")) or ISO 8601"
            typeIssue("unparseable_date", "a date\(hint)")
            return .string(s)
        }
    }

    /// Parses a number, accepting a decimal comma when asked (`1.234,50` → 1234.5).
    public static func parseNumber(_ s: String, decimalComma: Bool) -> Double? {
        if let first = s.utf8.first, first >= 48 && first <= 57, !s.utf8.contains(0x20), !s.utf8.contains(0x2C),
            let v = Double(s), v.isFinite
        {
            return v
        }
        var t = s.replacingOccurrences(of: " ", with: "")
        if decimalComma && t.contains(",") {
            t = t.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        }
        guard let first = t.utf8.first,
            first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= 48 && first <= 57)
        else { return nil }
        guard let v = Double(t), v.isFinite else { return nil }
        return v
    }

    static func numberText(_ s: String, _ n: Double, decimalComma: Bool) -> String {
        let t = s.utf8.contains(0x20) ? s.replacingOccurrences(of: " ", with: "") : s
        if isPlainJSONNumber(t) { return t }
        return CellValue.canonicalNumber(n)
    }

    /// Whether `s` is `-?(0|[1-9][0-9]*)(\.[0-9]+)?` and under 300 digits: valid JSON number text
    /// for a finite double, so it is sent exactly as written. (`007`, `1.`, `.5` and `1,5` are
    /// not: they are sent as the parsed value's canonical text; `007` used to go out as invalid JSON.)
    static func isPlainJSONNumber(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { u in
            let n = u.count
            var i = 0
            if i < n && u[i] == 0x2D { i += 1 }
            let intStart = i
            while i < n && u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
            let intDigits = i - intStart
            guard intDigits > 0, intDigits == 1 || u[intStart] != 0x30 else { return false }
            var fracDigits = 0
            if i < n && u[i] == 0x2E {
                i += 1
                let fracStart = i
                while i < n && u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
                fracDigits = i - fracStart
                guard fracDigits > 0 else { return false }
            }
            return i == n && intDigits + fracDigits < 300
        }
    }

    /// Calls `body` with each part of `s` between separators, trimmed, skipping empty parts (what a
    /// list field keeps). ASCII white space is cut from the bytes before a part becomes a `String`.
    static func forEachPart(of s: String, on sep: String, _ body: (String) -> Void) {
        forEachSpan(of: s, on: sep) { part in
            var lo = 0
            var hi = part.count
            while lo < hi, part[lo] == 0x20 || (part[lo] >= 0x09 && part[lo] <= 0x0D) { lo += 1 }
            while hi > lo, part[hi - 1] == 0x20 || (part[hi - 1] >= 0x09 && part[hi - 1] <= 0x0D) { hi -= 1 }
            guard lo < hi else { return }
            var text = String(decoding: UnsafeBufferPointer(rebasing: part[lo..<hi]), as: UTF8.self)
            // A non-ASCII end may be Unicode white space (a no-break space, say).
            if part[lo] >= 0x80 || part[hi - 1] >= 0x80 {
                text = trim(text)
                if text.isEmpty { return }
            }
            body(text)
        }
    }

    /// Calls `body` with the UTF-8 of each part of `s` between occurrences of `sep`, empty ones
    /// included, comparing bytes (Foundation's `components(separatedBy:)` is slow).
    private static func forEachSpan(of s: String, on sep: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var s = s
        var sep = sep
        s.withUTF8 { buf in
            sep.withUTF8 { sepBytes in
                let n = buf.count
                let m = sepBytes.count
                guard m > 0, let first = sepBytes.first else { return body(buf) }
                guard let base = buf.baseAddress else { return body(buf) }
                var start = 0
                var i = 0
                while i + m <= n {
                    // memchr finds the separator's first byte (vectorised in the C library).
                    guard let hitPointer = memchr(base + i, Int32(first), n - m + 1 - i) else { break }
                    i = UnsafePointer<UInt8>(hitPointer.assumingMemoryBound(to: UInt8.self)) - base
                    var hit = true
                    for k in 1..<m where buf[i + k] != sepBytes[k] {
                        hit = false
                        break
                    }
                    if hit {
                        body(UnsafeBufferPointer(rebasing: buf[start..<i]))
                        i += m
                        start = i
                    } else {
                        i += 1
                    }
                }
                body(UnsafeBufferPointer(rebasing: buf[start..<n]))
            }
        }
    }

    /// Whether `s` is ASCII with no white space at either end and, when `inner` is set, none inside
    /// but single spaces: then trimming, collapsing (when `inner`) and NFC leave it as it is.
    ///
    /// Eight bytes at a time: words of prose hold a space every few bytes, so spaces are found as
    /// an exact zero-byte mask of `x ^ 0x20…` and two in a row as that mask ANDed with itself
    /// shifted by one byte (and across words by carrying whether the last byte was one).
    @inline(__always) static func isCleanASCII(_ s: String, inner: Bool) -> Bool {
        var copy = s
        return copy.withUTF8 { buf in
            let n = buf.count
            guard n > 0, let base = buf.baseAddress else { return true }
            if base[0] <= 0x20 || base[n - 1] <= 0x20 { return false }
            let raw = UnsafeRawPointer(base)
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            var i = 0
            var prevSpace = false
            if !inner {
                // A plain loop the compiler vectorises.
                var high: UInt8 = 0
                for b in buf { high |= b }
                return high < 0x80
            }
            while i + 8 <= n {
                let x = ByteScan.load(raw, i)
                if x & ByteScan.highs != 0 || ByteScan.hasLess(x, 0x20) { return false }
                let y = x ^ 0x2020_2020_2020_2020
                let spaces = ~(((y & low) &+ low) | y | low)
                if spaces & (spaces << 8) != 0 || (prevSpace && spaces & 0x80 != 0) { return false }
                prevSpace = spaces >> 63 != 0
                i += 8
            }
            while i < n {
                let b = base[i]
                if b >= 0x80 || b < 0x20 { return false }
                if b == 0x20 {
                    if prevSpace { return false }
                    prevSpace = true
                } else {
                    prevSpace = false
                }
                i += 1
            }
            return true
        }
    }

    /// A fast, conservative NFC check: true only when every scalar is below U+0300 (where no
    /// combining marks or canonical singletons live), a CJK ideograph, or in the emoji planes.
    static func isSurelyNFC(_ s: String) -> Bool {
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x300 || (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x1F000 && v <= 0x1FAFF) { continue }
            return false
        }
        return true
    }

    /// Whether every byte of `s` is ASCII (then NFC has nothing to do).
    @inline(__always) static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { buf in
            var acc: UInt8 = 0
            for b in buf { acc |= b }
            return acc < 0x80
        }
    }

    /// Whether a scalar is white space, with an ASCII fast path (Unicode property lookups are slow).
    @inline(__always) static func isSpace(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value == 0x20 || (u.value >= 0x09 && u.value <= 0x0D) }
        return u.properties.isWhitespace
    }

    static func trim(_ s: String) -> String {
        // ASCII ends that are not white space (nearly every value) settle it without decoding scalars.
        if let f = s.utf8.first, let l = s.utf8.last, f < 0x80, l < 0x80, f > 0x20, l > 0x20 { return s }
        guard let f = s.unicodeScalars.first, let l = s.unicodeScalars.last, isSpace(f) || isSpace(l) else { return s }
        let scalars = s.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { start = scalars.index(after: start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
        return String(scalars[start..<end])
    }

    static func collapse(_ s: String) -> String {
        var needs = false
        var ascii = true
        var copy = s
        copy.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            let n = buf.count
            let raw = UnsafeRawPointer(base)
            var i = 0
            var prevSpace = false
            while i < n {
                // Eight bytes with no byte at or below a space and none at or above 0x80 need no look.
                if i + 8 <= n {
                    let x = ByteScan.load(raw, i)
                    if !ByteScan.hasLess(x, 0x21) && x & ByteScan.highs == 0 {
                        prevSpace = false
                        i += 8
                        continue
                    }
                }
                let b = base[i]
                if b >= 0x80 {
                    ascii = false
                    return
                }
                let sp = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                if sp && (prevSpace || b != 0x20) {
                    needs = true
                    return
                }
                prevSpace = sp
                i += 1
            }
        }
        var prevSpace = false
        if !needs && !ascii {
            prevSpace = false
            for u in s.unicodeScalars {
                let sp = isSpace(u)
                if sp && (prevSpace || u != " ") {
                    needs = true
                    break
                }
                prevSpace = sp
            }
        }
        guard needs else { return s }
        var out = String.UnicodeScalarView()
        prevSpace = false
        for u in s.unicodeScalars {
            if isSpace(u) {
                if !prevSpace { out.append(" ") }
                prevSpace = true
            } else {
                out.append(u)
                prevSpace = false
            }
        }
        return String(out)
    }

    static func titleCase(_ s: String) -> String {
        var out = ""
        var startOfWord = true
        for ch in s {
            if ch.isLetter {
                out += startOfWord ? ch.uppercased() : ch.lowercased()
                startOfWord = false
            } else {
                out.append(ch)
                startOfWord = ch.isWhitespace || ch == "-" || ch == "/"
            }
        }
        return out
    }
}

extension RecordNormaliser {
    /// Cuts `s` to at most `limit` Unicode scalars, at the last white space when there is one in
    /// the last half, and without trailing white space or punctuation left dangling.
    static func truncated(_ s: String, to limit: Int) -> String {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count > limit else { return s }
        var end = limit
        if !scalars[limit].properties.isWhitespace {
            var k = limit
            while k > limit / 2, !scalars[k - 1].properties.isWhitespace { k -= 1 }
            if k > limit / 2 { end = k }
        }
        while end > 0, scalars[end - 1].properties.isWhitespace || ",;:-–".unicodeScalars.contains(scalars[end - 1]) {
            end -= 1
        }
        return String(String.UnicodeScalarView(scalars[0..<end]))
    }

    /// Notes one date value of a field whose format has a swap.
    func noteDate(_ s: String, index: Int, patterns: (primary: DatePattern, swapped: DatePattern), read: Bool) {
        var st = dateStats[index] ?? DateStats()
        st.total += 1
        if patterns.primary.parse(s) != nil { st.readByPrimary += 1 }
        if patterns.swapped.parse(s) != nil { st.readBySwap += 1 }
        if !read, st.firstUnread == nil { st.firstUnread = s }
        dateStats[index] = st
    }

    /// The date fields whose given format reads some values while its day/month swap reads them all:
    /// the given format would send some of them with the wrong month.
    public var dateSwapProblems: [DateSwapProblem] {
        dateStats.keys.sorted().compactMap { fi in
            guard let st = dateStats[fi], let p = swapPatterns[fi] else { return nil }
            guard st.readBySwap == st.total, st.readByPrimary < st.total, st.readByPrimary > 0 else { return nil }
            return DateSwapProblem(
                field: stage.fields[fi].name, given: p.primary.text, likely: p.swapped.text, read: st.readByPrimary,
                total: st.total, example: st.firstUnread)
        }
    }

    /// The field spec of a field (for locating messages).
    public func spec(named field: String) -> FieldSpec? { stage.fields.first { $0.name == field } }
}
