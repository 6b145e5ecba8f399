/// A stage between read and normalise.
public enum RowStage: Sendable {
    /// `filter:` drops rows on purpose.
    case filter(FilterStage)
    /// `group:` makes one record of the rows with equal `by` values.
    case group(GroupStage)
    /// `explode:` makes one record of each item of a column.
    case explode(ExplodeStage)
}

/// `filter:` — keeps the rows where every `where` condition holds; the others are counted as
/// `rows_filtered`, never quarantined.
public struct FilterStage: Sendable {
    /// The conditions, all of which must hold.
    public var conditions: [Condition]
}

/// `group:` — rows with equal `by` values become one record.
public struct GroupStage: Sendable {
    /// The columns whose values identify a group.
    public var by: [String]
    /// Columns that become lists of their non-empty values in row order, duplicates removed.
    public var collect: [String]
    /// `variants:` — a list of objects, one per row that has any of the fields.
    public var variants: VariantsSpec?
}

/// `group.variants:` — one object per row of a group, named `into`.
public struct VariantsSpec: Sendable {
    /// The name of the list (a column of the grouped record).
    public var into: String
    /// Object key → source column, in order.
    public var fields: [(key: String, column: String)]
}

/// `explode:` — one record per item of a column (`S|M|L` → three records), each keeping its row.
public struct ExplodeStage: Sendable {
    /// The column to explode (a text column split on `separator`, a collected column, or the group's variants).
    public var column: String
    /// The separator of a text column.
    public var separator: String
}
