import Foundation
public import OrderedJSON

/// What the upload did, for `summary.json`'s `upload` object.
public struct UploadReport: Sendable {
    /// Items sent this run (creates and updates attempted).
    public var sent = 0
    /// Items created.
    public var created = 0
    /// Items updated.
    public var updated = 0
    /// Items skipped because the ledger shows them done with the same content.
    public var unchanged = 0
    /// Items the service already held with the same content, recorded done without sending (the
    /// ledger did not know them: see ``Adoption``).
    public var adopted = 0
    /// Items that failed for good (the service refused them, or retries ran out).
    public var failed = 0
    /// Of those, the ones the service itself refused (its validation).
    public var rejected = 0
    /// Items that changed but the service cannot update (Pixyle).
    public var notUpdatable = 0
    /// Requests repeated.
    public var retries = 0
    /// 429 answers.
    public var rateLimited = 0
    /// Requests sent.
    public var requests = 0
    /// Seconds the upload took.
    public var seconds = 0.0
    /// The first failures (key, message), for the report.
    public var failures: [(key: String, message: String)] = []
    /// Whether the run was asked to stop (SIGINT, SIGTERM) before every item was decided.
    public var interrupted = false

    /// The `upload` object of `summary.json`.
    public var json: JSONValue {
        .obj([
            ("sent", .int(sent)), ("created", .int(created)), ("updated", .int(updated)),
            ("unchanged", .int(unchanged)), ("adopted", .int(adopted)), ("not_updatable", .int(notUpdatable)),
            ("failed", .int(failed)), ("retries", .int(retries)), ("rate_limited", .int(rateLimited)),
        ])
    }
}
