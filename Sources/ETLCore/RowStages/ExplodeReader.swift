/// The `explode` stage: one record per item of a column, each keeping the row it came from.
///
/// - A text column is split on the separator (`S|M|L` → three records with `S`, `M` and `L`).
/// - A collected column of the group stage gives one record per item.
/// - The group's `variants` column gives one record per variant row, in which the variant's
///   source columns hold that row's values (and the record's source is that row).
///
/// A value with one item (or none) passes as it is.
final class ExplodeReader: RecordReader {
    let base: any RecordReader
    let stage: ExplodeStage
    let variants: VariantsSpec?
    private var lookup = ColumnLookup()
    private var pending: [Record] = []
    private var pendingIndex = 0

    init(_ base: any RecordReader, stage: ExplodeStage, group: GroupStage?) {
        self.base = base
        self.stage = stage
        variants = group?.variants.flatMap { $0.into == stage.column ? $0 : nil }
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var columns: [Column] { base.columns }
    var warnings: WarningLog { base.warnings }

    func next() throws -> Record? {
        if pendingIndex < pending.count {
            defer { pendingIndex += 1 }
            return pending[pendingIndex]
        }
        guard let r = try base.next() else { return nil }
        pending = explode(r)
        pendingIndex = 1
        return pending.first
    }

    func explode(_ r: Record) -> [Record] {
        guard let i = lookup.index(of: stage.column, in: r.columns) else { return [r] }
        if let v = variants, let g = r.group { return explodeVariants(r, group: g, spec: v) }
        var items: [String] = []
        if let list = r.group?.lists[i] {
            items = list.map(\.plainText)
        } else if i < r.values.count {
            TextCleaning.forEachPart(of: r.values[i].canonicalText, on: stage.separator) { items.append($0) }
        }
        guard items.count > 1 else {
            var one = r
            if items.count == 1, i < one.values.count { one.values[i] = .text(items[0]) }
            return [one]
        }
        var lists = r.group?.lists ?? [:]
        lists[i] = nil
        return items.enumerated().map { n, item in
            var copy = r
            copy.values[i] = .text(item)
            copy.group = RecordGroup(
                rows: r.group?.rows ?? [r], lists: lists, issues: n == 0 ? r.group?.issues ?? [] : [], part: n + 1)
            return copy
        }
    }

    /// One record per variant row: the variant's columns take that row's values.
    private func explodeVariants(_ r: Record, group g: RecordGroup, spec: VariantsSpec) -> [Record] {
        var targets: [Int] = []
        for (_, column) in spec.fields {
            if let i = lookup.index(of: column, in: r.columns) { targets.append(i) }
        }
        var out: [Record] = []
        var lists = g.lists
        for t in targets { lists[t] = nil }
        if let vi = lookup.index(of: spec.into, in: r.columns) { lists[vi] = nil }
        for row in g.rows {
            var values = r.values
            var any = false
            for t in targets {
                let header = r.columns[t].header
                let v = row.columns.firstIndex { $0.header == header }.map { row.values[$0] } ?? .empty
                if !TextCleaning.trim(v.canonicalText).isEmpty { any = true }
                values[t] = v
            }
            guard any else { continue }
            let rows = row.source == r.source ? [row] : [g.rows[0], row]
            out.append(
                Record(
                    source: row.source, columns: r.columns, values: values,
                    group: RecordGroup(
                        rows: rows, lists: lists, issues: out.isEmpty ? g.issues : [], part: out.count + 1)))
        }
        return out.isEmpty ? [r] : out
    }
}
