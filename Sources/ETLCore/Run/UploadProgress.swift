import Foundation

/// The counts of an upload as it goes.
public struct UploadProgress: Sendable {
    /// Stage name: `upload`, `export`.
    public var stage: String
    /// Items to consider.
    public var total: Int
    /// Items decided so far.
    public var processed: Int
    /// Created on the service.
    public var created: Int
    /// Changed on the service.
    public var updated: Int
    /// Unchanged since an earlier run (skipped).
    public var unchanged: Int
    /// Failed for good.
    public var failed: Int
    /// Requests repeated.
    public var retries: Int
    /// 429 answers.
    public var rateLimited: Int
    /// Seconds since the stage started.
    public var elapsed: Double
}
