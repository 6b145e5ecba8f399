/// What a field's values did, for the mapping section of the report.
public struct FieldCounts: Sendable, Equatable {
    /// The target field.
    public var field: String
    /// Records where it came out empty (null).
    public var empty = 0
    /// Records where the default filled it.
    public var defaulted = 0
    /// Records where it came from the source.
    public var mapped = 0
    /// Records where it was cut to its length.
    public var truncated = 0
    /// Records where it fell back (an unmapped value kept or dropped, a lookup miss, an unreadable
    /// value, a coalesce past the first column).
    public var fellBack = 0

    /// Creates zero counts for a field.
    public init(field: String) { self.field = field }
}
