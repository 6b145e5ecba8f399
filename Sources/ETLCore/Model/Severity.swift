/// A severity of a validation issue.
public enum Severity: String, Sendable, Hashable, CaseIterable {
    /// The row is quarantined.
    case error
    /// Reported; the row goes on.
    case warning
}
