/// The values of a date field whose format has a day/month swap (`MM/dd/yyyy` ↔ `dd/MM/yyyy`).
struct DateStats {
    /// Values read through the explicit formats.
    var total = 0
    /// Values the first swappable format reads.
    var readByPrimary = 0
    /// Values its swap reads.
    var readBySwap = 0
    /// The first value the formats did not read.
    var firstUnread: String?
}

/// A `date_format` that reads some values of a column while its day/month swap reads all of them.
public struct DateSwapProblem: Sendable, Equatable {
    /// The field.
    public var field: String
    /// The format the pipeline gives.
    public var given: String
    /// The swap, which reads every value.
    public var likely: String
    /// Values the given formats read, and all values.
    public var read: Int
    /// All values.
    public var total: Int
    /// A value the given format does not read.
    public var example: String?
}
