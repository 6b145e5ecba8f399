/// The keys that more than one record uses, per unique field, with every record that uses each.
///
/// Records are named by their ordinal (1-based position in reading order, empty rows skipped),
/// which identifies a record even where rows share a line (a JSON array on one line). The row the
/// user sees is noted for each as it becomes known: a repeat's row when it is found, the first
/// use's row when the run reads the file again to quarantine it. Memory grows only with the
/// repeated keys.
public final class DuplicateKeys {
    /// One repeated key of one field.
    public struct Group: Sendable {
        /// The unique field (or the read stage's key column).
        public var field: String
        /// The key, as the first repeat held it.
        public var value: String
        /// The records using it, in reading order.
        public var ordinals: [Int]
        /// Their rows, where known yet.
        public var rows: [Int?]
        /// The source column of the field, when it came from one.
        public var column: Column?
        /// Whether the group is of the records' own keys (not of a unique field).
        public var isRecordKey: Bool
    }

    private struct GroupKey: Hashable {
        var field: Int
        var a: UInt64
        var b: UInt32
    }

    /// The repeated keys, in the order their first repeat was met.
    public private(set) var groups: [Group] = []
    private var index: [GroupKey: Int] = [:]
    private var byOrdinal: [Int: [Int]] = [:]

    /// Creates an empty collection.
    public init() {}

    /// Whether no key repeats.
    public var isEmpty: Bool { groups.isEmpty }

    /// Notes that record `ordinal` (on `row`) uses the key whose first use was record `firstOrdinal`.
    func add(
        field: String, fieldIndex: Int, digest: (UInt64, UInt32), value: String, firstOrdinal: Int, ordinal: Int,
        row: Int, column: Column?, isRecordKey: Bool = false
    ) {
        let key = GroupKey(field: fieldIndex, a: digest.0, b: digest.1)
        let g: Int
        if let existing = index[key] {
            g = existing
            groups[g].ordinals.append(ordinal)
            groups[g].rows.append(row)
        } else {
            g = groups.count
            index[key] = g
            groups.append(
                Group(
                    field: field, value: value, ordinals: [firstOrdinal, ordinal], rows: [nil, row], column: column,
                    isRecordKey: isRecordKey))
            byOrdinal[firstOrdinal, default: []].append(g)
        }
        byOrdinal[ordinal, default: []].append(g)
    }

    /// The groups record `ordinal` belongs to (usually none). A group of record keys with the same
    /// records as a unique field's group says nothing more, and is left out.
    public func groups(of ordinal: Int) -> [Int] {
        guard let all = byOrdinal[ordinal] else { return [] }
        return all.filter { g in
            !groups[g].isRecordKey || !all.contains { $0 != g && groups[$0].ordinals == groups[g].ordinals }
        }
    }

    /// Notes the row of record `ordinal` in group `g`.
    public func noteRow(_ row: Int, ordinal: Int, group g: Int) {
        if let k = groups[g].ordinals.firstIndex(of: ordinal) { groups[g].rows[k] = row }
    }

    /// The most other rows a message lists.
    static let listedRows = 10

    /// The message for record `ordinal` of group `g`, naming the other rows that use the key
    /// (every row of the group before it must have its row noted).
    public func message(group g: Int, for ordinal: Int, file: String) -> String {
        let group = groups[g]
        var others: [String] = []
        var unknown = 0
        for (k, o) in group.ordinals.enumerated() where o != ordinal {
            if let r = group.rows[k] { others.append(String(r)) } else { unknown += 1 }
        }
        let total = others.count + unknown
        var list = others.prefix(Self.listedRows).joined(separator: ", ")
        if total > Self.listedRows { list += " and \(total - Self.listedRows) more" }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let shown = group.value.count > 60 ? String(group.value.prefix(60)) + "…" : group.value
        return
            "\(group.field) \"\(shown)\" is also used by row\(total == 1 ? "" : "s") \(list) of \(name); a key must be unique within the catalog, so none of its \(group.ordinals.count) rows is sent: keep one and fix the others"
    }

    /// A short description of the first repeated key (for `on_error: fail`).
    public func firstDescription(file: String) -> String {
        guard let g = groups.first else { return "" }
        let again = g.rows.dropFirst().first.flatMap { $0 }.map { " (again on row \($0))" } ?? ""
        return
            "\(file): \(g.field) \"\(g.value)\" is used by more than one row\(again); a key must be unique within the catalog"
    }
}
