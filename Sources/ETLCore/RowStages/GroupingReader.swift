import Foundation
import OrderedJSON

/// The `group` stage: rows with equal `by` values become one record, in the order the groups are
/// first seen; the rows need not be adjacent.
///
/// The first pass reads every row and files it, encoded, in a bucket: the bucket that was being
/// filled when its group was first seen, so the buckets hold the groups in first-seen order. The
/// buckets stay in memory until together they pass ``memoryLimit``, then go to files in the run
/// folder. The second pass takes one bucket at a time and builds its groups. Memory is one bucket,
/// the buffers, and a 64-bit hash per group (two groups whose keys share a hash are still told
/// apart: within a bucket, rows are grouped by their keys themselves).
///
/// In a record: each `collect` column is a list of its non-empty values in row order, duplicates
/// removed (its cell holds the first); `variants` adds a column holding one object per row that
/// has any of its fields; every other column takes the first non-empty value, and a row that
/// disagrees is a warning naming both rows (except in the variants' columns, whose values the
/// variant objects keep). A row whose `by` columns are all empty is a record of
/// its own with an error.
final class GroupingReader: RecordReader {
    let base: any RecordReader
    let stage: GroupStage
    let counts: RowStageCounts
    /// Bytes of rows of new groups a bucket takes before groups seen later start the next one (the
    /// later rows of its groups join it too, so a bucket ends up this times the rows per group).
    let bucketLimit: Int
    private let spill: GroupSpill
    private var lookup = ColumnLookup()
    private var layouts: [[Column]] = []
    private var layoutIDs: [[Column]: Int] = [:]
    private var read = false
    private var nextBucket = 0
    private var pending: [Record] = []
    private var pendingIndex = 0
    private var columnsSeen: [Column] = []

    /// Creates the stage over `base`.
    init(
        _ base: any RecordReader, stage: GroupStage, counts: RowStageCounts, spillDirectory: String,
        memoryLimit: Int = 32 << 20, bucketLimit: Int = 1 << 20
    ) {
        self.base = base
        self.stage = stage
        self.counts = counts
        self.bucketLimit = bucketLimit
        spill = GroupSpill(directory: spillDirectory, memoryLimit: memoryLimit)
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var warnings: WarningLog { base.warnings }
    var columns: [Column] {
        let c = base.columns
        guard let v = stage.variants, !c.contains(where: { $0.header == v.into }) else { return c }
        return c + [Column(header: v.into, letter: nil)]
    }

    func next() throws -> Record? {
        if !read { try readAll() }
        while pendingIndex >= pending.count {
            guard nextBucket < spill.bucketCount else { return nil }
            try build(bucket: nextBucket)
            nextBucket += 1
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    /// The group key of a row (the `by` values, trimmed), or nil when they are all empty.
    private func key(of r: Record) -> String? {
        var parts: [String] = []
        var any = false
        for name in stage.by {
            var v = ""
            if let i = lookup.index(of: name, in: r.columns), i < r.values.count {
                v = TextCleaning.trim(r.values[i].canonicalText)
            }
            if !v.isEmpty { any = true }
            parts.append(v)
        }
        return any ? parts.joined(separator: "\u{1F}") : nil
    }

    /// FNV-1a over the key's bytes.
    private static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    private func readAll() throws {
        read = true
        var bucketOf: [UInt64: Int32] = [:]
        var current = spill.addBucket()
        var currentBytes = 0
        var ordinal = 0
        var row: [UInt8] = []
        while let r = try base.next() {
            ordinal += 1
            let k = key(of: r)
            let bucket: Int
            if let k, let b = bucketOf[Self.hash(k)] {
                bucket = Int(b)
            } else {
                if currentBytes > bucketLimit {
                    current = spill.addBucket()
                    currentBytes = 0
                }
                if let k { bucketOf[Self.hash(k)] = Int32(current) }
                bucket = current
            }
            row.removeAll(keepingCapacity: true)
            // An empty key is a group of its own: "\0" and the ordinal cannot equal a real key.
            SpillCoding.put(k ?? "\u{0}\(ordinal)", &row)
            SpillCoding.put(layoutID(r.columns), &row)
            SpillCoding.put(r.source.row, &row)
            SpillCoding.put(r.source.record ?? -1, &row)
            SpillCoding.put(r.values.count, &row)
            for v in r.values { SpillCoding.put(v, &row) }
            if bucket == current { currentBytes += row.count }
            try spill.append(row, to: bucket)
        }
        counts.spilledBytes = spill.spilledBytes
    }

    private func layoutID(_ columns: [Column]) -> Int {
        if let last = layouts.last, last == columns { return layouts.count - 1 }
        if let id = layoutIDs[columns] { return id }
        layouts.append(columns)
        layoutIDs[columns] = layouts.count - 1
        return layouts.count - 1
    }

    /// Decodes a bucket and builds its groups, in first-seen order.
    private func build(bucket: Int) throws {
        let bytes = try spill.take(bucket)
        counts.spilledBytes = max(counts.spilledBytes, spill.spilledBytes)
        var cursor = SpillCoding.Cursor(bytes: bytes)
        var order: [String] = []
        var members: [String: [Record]] = [:]
        let file = base.file
        let sheet = base.sheet
        while !cursor.atEnd {
            let k = cursor.string()
            let layout = layouts[cursor.int()]
            let rowNumber = cursor.int()
            let recordNumber = cursor.int()
            let n = cursor.int()
            var values: [CellValue] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(cursor.cell()) }
            let r = Record(
                source: RowSource(
                    file: file, sheet: sheet, row: rowNumber, record: recordNumber < 0 ? nil : recordNumber),
                columns: layout, values: values)
            if members[k] == nil {
                order.append(k)
                members[k] = [r]
            } else {
                members[k]?.append(r)
            }
        }
        pending = order.map { k in makeRecord(members[k] ?? [], emptyKey: k.hasPrefix("\u{0}")) }
        pendingIndex = 0
    }

    /// One record from a group's rows.
    func makeRecord(_ rows: [Record], emptyKey: Bool) -> Record {
        guard let first = rows.first else {
            return Record(source: RowSource(file: base.file, row: 0), columns: [], values: [])
        }
        var issues: [RecordIssue] = []
        if emptyKey {
            issues.append(
                RecordIssue(
                    source: first.source,
                    column: stage.by.first.flatMap { n in first.columns.first { $0.header == n } },
                    field: stage.by.joined(separator: ", "), value: "", rule: "group", severity: .error,
                    message:
                        "row \(first.source.row) has no value in \(stage.by.map { "\"\($0)\"" }.joined(separator: ", ")), so it belongs to no group; fill it in or remove the row"
                ))
        }
        // The layout: the first row's columns, then any others the group's rows have.
        var columns = first.columns
        if rows.count > 1 {
            var known = Set(columns.map(\.header))
            for r in rows.dropFirst() where r.columns != first.columns {
                for c in r.columns where !known.contains(c.header) {
                    known.insert(c.header)
                    columns.append(c)
                }
            }
        }
        let collected = Set(stage.collect.compactMap { lookup.index(of: $0, in: columns) })
        // A variant column's values are all kept, one per variant object: no conflict to warn about.
        let perVariant = Set((stage.variants?.fields ?? []).compactMap { lookup.index(of: $0.column, in: columns) })
        var values = [CellValue](repeating: .empty, count: columns.count)
        var lists: [Int: [JSONValue]] = [:]
        var chosenRow = [Int](repeating: 0, count: columns.count)
        var conflicted = Set<Int>()
        for (ri, r) in rows.enumerated() {
            let same =
                r.columns == columns
                || (r.columns.count <= columns.count && r.columns == Array(columns.prefix(r.columns.count)))
            for (ci, v) in r.values.enumerated() {
                guard ci < r.columns.count else { continue }
                let target = same ? ci : (columns.firstIndex { $0.header == r.columns[ci].header } ?? ci)
                let text = TextCleaning.trim(v.canonicalText)
                if text.isEmpty { continue }
                if collected.contains(target) {
                    var list = lists[target] ?? []
                    if !list.contains(.string(text)) { list.append(.string(text)) }
                    lists[target] = list
                    if values[target].isEmpty { values[target] = v }
                } else if values[target].isEmpty {
                    values[target] = v
                    chosenRow[target] = ri
                } else if !perVariant.contains(target), !conflicted.contains(target),
                    TextCleaning.trim(values[target].canonicalText) != text
                {
                    conflicted.insert(target)
                    let kept = rows[chosenRow[target]]
                    issues.append(
                        RecordIssue(
                            source: r.source, column: columns[target], field: columns[target].header,
                            value: String(text.prefix(200)), rule: "group_conflict", severity: .warning,
                            message:
                                "\(columns[target].header): row \(r.source.row) has \"\(text.prefix(60))\" but row \(kept.source.row) of the same group has \"\(TextCleaning.trim(values[target].canonicalText).prefix(60))\"; the record keeps row \(kept.source.row)'s (collect the column to keep both)"
                        ))
                }
            }
        }
        for i in collected where lists[i] == nil { lists[i] = [] }
        if let v = stage.variants {
            var objects: [JSONValue] = []
            var fieldIndex: [(String, [Int?])] = []
            for (key, column) in v.fields {
                fieldIndex.append((key, rows.map { r in lookup.index(of: column, in: r.columns) }))
            }
            for (ri, r) in rows.enumerated() {
                var object: [JSONField] = []
                for (key, idx) in fieldIndex {
                    guard let i = idx[ri], i < r.values.count else { continue }
                    let text = TextCleaning.trim(r.values[i].canonicalText)
                    if !text.isEmpty { object.append(JSONField(key, .string(text))) }
                }
                if !object.isEmpty { objects.append(.object(object)) }
            }
            let vi: Int
            if let existing = columns.firstIndex(where: { $0.header == v.into }) {
                vi = existing
            } else {
                columns.append(Column(header: v.into, letter: nil))
                values.append(.empty)
                vi = columns.count - 1
            }
            lists[vi] = objects
        }
        if columnsSeen != columns { columnsSeen = columns }
        return Record(
            source: first.source, columns: columnsSeen, values: values,
            group: RecordGroup(rows: rows, lists: lists, issues: issues))
    }
}
