import Foundation
import OrderedJSON

/// Applies a normalise stage to records: column mapping, cleaning transforms, value maps, types.
///
/// Transforms run in a fixed order: source (column, template, constant, `coalesce` or `when`) →
/// `html: text` → trim → collapse white space → NFC → extract → replace → map → lookup → case →
/// default → split (→ item or join) → type (`as:`) → truncate. A collected column of a group (a
/// list) gives a list, one item of it (`item:`) or its items joined (`join:`); each item goes
/// through the same transforms.
///
/// Three concepts, three files: this one holds the state and the per-record loop;
/// `RecordNormaliser+Layout.swift` resolves which column each field reads, once per column layout;
/// `RecordNormaliser+Transforms.swift` is the transform chain of one value; the text utilities it
/// shares with the row stages are ``TextCleaning``.
public final class RecordNormaliser {
    let stage: NormaliseStage
    let keyColumn: String?
    let keyField: String?
    var cachedColumns: [Column] = []
    var resolved: [Int?] = []
    var templateIndices: [[String: Int]] = []
    var usedColumns: Set<Int> = []
    /// The columns no field reads, in order (what `unmapped` keeps), for the current column layout.
    var unusedIndices: [Int] = []
    /// For the current column layout, the source column of each field spec (nil for constants,
    /// templates and absent columns), and the same with a nil for an appended unmapped object.
    var layoutFieldColumns: [Column?] = []
    var layoutFieldColumnsAndObject: [Column?] = [nil]
    /// Where the read stage's key column is in the current column layout (exact header first, then folded).
    var keyIndex: Int?
    /// Which field spec (if any) is named like `unmapped: into:` names its object.
    let unmappedFieldIndex: Int?
    /// The field specs, addressed in place so `convert` borrows each one instead of copying its
    /// dozen members for every field of every row.
    let specs: UnsafeMutableBufferPointer<FieldSpec>
    var regexes: [String: NSRegularExpression] = [:]
    var lookups: [String: [String: String]] = [:]
    var lookupsFolded: [String: [String: String]] = [:]
    var mapsExact: [[String: String]] = []
    var mapsFolded: [[String: String]] = []
    /// Fallback counts (field, kind, value) → n.
    public internal(set) var fallbacks: [Fallback: Int] = [:]
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
    let counters: UnsafeMutablePointer<Int>
    var flags: UnsafeMutablePointer<Int> { counters + stage.fields.count * 5 }
    /// Per field: whether it needs the slow source step (`coalesce`, `when`).
    var computedSource: [Bool] = []
    /// Where the current layout's columns are, by name (exact, then folded).
    var columnIndexes = ColumnIndex()
    /// The currency an `as: price` value named, for its `currency:` field.
    var pendingCurrency: String?
    /// Per field with a date format that has a day/month swap: what the values did.
    var dateStats: [Int: DateStats] = [:]
    var swapPatterns: [Int: (primary: DatePattern, swapped: DatePattern)] = [:]

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
}

extension RecordNormaliser {
    /// The field spec of a field (for locating messages).
    public func spec(named field: String) -> FieldSpec? { stage.fields.first { $0.name == field } }
}
