/// One problem with one value of one row: the data, never a thrown error.
public struct RecordIssue: Sendable, Hashable {
    /// Where the row came from.
    public var source: RowSource
    /// The source column (letter and header), when the field came from one.
    public var column: Column?
    /// The target field.
    public var field: String
    /// The offending value's text (cut to 200 characters in reports).
    public var value: String
    /// The rule that failed (`max_length`, `required`, `date_time`, `unique`, `unmapped_value`…).
    public var rule: String
    /// error or warning.
    public var severity: Severity
    /// A sentence saying what is wrong and how to fix it.
    public var message: String

    /// Creates an issue.
    public init(
        source: RowSource, column: Column?, field: String, value: String, rule: String, severity: Severity,
        message: String
    ) {
        self.source = source
        self.column = column
        self.field = field
        self.value = value
        self.rule = rule
        self.severity = severity
        self.message = message
    }
}

/// A value that fell back during normalisation (an unmapped value kept, an unparseable date, a default used).
public struct Fallback: Sendable, Hashable {
    /// The target field.
    public var field: String
    /// `unmapped_value`, `lookup_missing`, `default_used`, `unparseable_date`, `unparseable_number`, `unparseable_boolean`.
    public var kind: String
    /// The source value that fell back.
    public var value: String
}
