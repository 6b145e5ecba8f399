/// How reconcile compares one field.
public enum Comparison: Sendable, Equatable {
    /// Equal text.
    case exact
    /// Equal ignoring case.
    case caseInsensitive
    /// Numbers equal within a tolerance.
    case numeric(tolerance: Double)
}

/// `reconcile:` — which fields to compare and when to fail.
public struct ReconcileStage: Sendable {
    /// Fields and how to compare them.
    public var compare: [(field: String, how: Comparison)]
    /// Class → the most rows allowed in it before the command exits 1.
    public var failOn: [String: Int]
}
