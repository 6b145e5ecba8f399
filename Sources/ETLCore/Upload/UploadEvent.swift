/// Something notable in an upload — a retry, an item's final failure, a create whose answer was lost —
/// with what `--verbose` and the JSON log name: the keys concerned, the attempt and the wait.
public struct UploadEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// A request is sent again after a failure or a 429.
        case retry
        /// A create may or may not have been acted on; the service is asked before sending again.
        case ambiguous
        /// An item failed for this run (refused by the service, or given up after its attempts).
        case itemFailed = "item_failed"
        /// A changed item was not sent: the service cannot update what it holds.
        case notUpdatable = "not_updatable"
    }

    /// What happened.
    public var kind: Kind
    /// The human text, already redacted.
    public var message: String
    /// The keys (SKUs) of the records concerned; empty when the request carried none (a login).
    public var keys: [String]
    /// The attempt that failed (1 for the first), when the event is about a request.
    public var attempt: Int?
    /// The most attempts the request gets.
    public var maxAttempts: Int?
    /// Seconds waited before the next attempt, when one follows.
    public var waitSeconds: Double?
    /// Where the record came from (`file row N`), for an item's failure.
    public var source: String?

    /// Creates an event.
    public init(
        kind: Kind, message: String, keys: [String] = [], attempt: Int? = nil, maxAttempts: Int? = nil,
        waitSeconds: Double? = nil, source: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.keys = keys
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.waitSeconds = waitSeconds
        self.source = source
    }

    /// The keys of the records the current task sends (set by the upload runner around each request
    /// batch), so a retry deep in the session can name them.
    @TaskLocal public static var currentKeys: [String] = []

    /// One line for a terminal: `retry MA26-DR001-OLV (attempt 2 of 6, waiting 1.5 s): …`.
    public var text: String {
        var head = kind.rawValue.split(separator: "_").joined(separator: " ")
        if !keys.isEmpty {
            head += " " + keys.prefix(3).joined(separator: ", ") + (keys.count > 3 ? " and \(keys.count - 3) more" : "")
        }
        var details: [String] = []
        if let attempt { details.append("attempt \(attempt)" + (maxAttempts.map { " of \($0)" } ?? "")) }
        if let waitSeconds { details.append("waiting \(WaitText.seconds(waitSeconds))") }
        if let source { details.append(source) }
        if !details.isEmpty { head += " (" + details.joined(separator: ", ") + ")" }
        return head + ": " + message
    }
}
