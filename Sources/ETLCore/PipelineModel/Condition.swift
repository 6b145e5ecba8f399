/// A test on a source column, as `when.if` and `filter.where` write it.
public struct Condition: Sendable {
    /// What the column's value is compared with.
    public enum Test: Sendable {
        /// Equal (trimmed, case-insensitive).
        case equals(String)
        /// The regular expression finds a match.
        case matches(String)
        /// One of the values (trimmed, case-insensitive).
        case isIn([String])
        /// Empty (true) or not empty (false).
        case empty(Bool)
    }
    /// The source column.
    public var column: String
    /// The test.
    public var test: Test
    /// Negated (`not: true`).
    public var negated = false

    /// Creates a condition.
    public init(column: String, test: Test, negated: Bool = false) {
        self.column = column
        self.test = test
        self.negated = negated
    }
}

/// One `when:` rule: when the condition holds, the field takes `then` (a value or a `{Column}` template).
public struct WhenRule: Sendable {
    /// The condition.
    public var condition: Condition
    /// The value or template.
    public var then: String
}

/// A source column the pipeline file names, and where.
public struct ColumnReference: Sendable, Hashable {
    /// The names: the column, then its synonyms (the reference is met when any is in the file).
    public var names: [String]
    /// What names it (`normalise.fields.name.from`, `group.by`).
    public var role: String
    /// The line in the pipeline file.
    public var line: Int
    /// The column in the pipeline file.
    public var column: Int
}
