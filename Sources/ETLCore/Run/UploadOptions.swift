import Foundation

/// How the upload stage runs and reports.
public struct UploadOptions: Sendable {
    /// Ignore the ledger: ask the service about every key instead of trusting earlier runs.
    public var fullRefresh = false
    /// Called after every request batch with the counts so far (progress bars, plain lines, JSON logs).
    public var progress: (@Sendable (UploadProgress) -> Void)?
    /// Called with each notable event (a retry, an item's final failure), already redacted, naming
    /// the keys, the attempt and the wait.
    public var event: (@Sendable (UploadEvent) -> Void)?
    /// Starts the stand-ins for `endpoint: sandbox` (the executable passes the built-in sandbox; without
    /// one such a stage cannot connect).
    public var standIns: (any StandInLauncher)?
    /// The run's stop flag (set by SIGINT/SIGTERM): no new request after it, and the run ends `interrupted`.
    public var stop: RunStop?
    /// Called with what must always be seen (a wait longer than 10 s: the service, the wait, the
    /// reason), already redacted.
    public var notice: (@Sendable (String) -> Void)?
    /// The run's redactor, shared with its log so a log line never shows a credential or a token the
    /// session learns; nil makes one for the connection.
    public var redactor: Redactor?
    /// Open this ledger instead of the pipeline's (`check --connect` uses a scratch one when the
    /// pipeline has none yet, so that checking creates nothing under the output folder).
    public var ledgerPath: String?

    /// Creates the default options.
    public init() {}
}
