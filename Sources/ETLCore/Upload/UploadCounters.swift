public import Foundation

/// Counters of one run's requests, shared by the session and the runner.
public final class UploadCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var _requests = 0
    private var _retries = 0
    private var _rateLimited = 0

    /// Creates zeroed counters.
    public init() {}

    /// Requests sent.
    public var requests: Int { lock.withLock { _requests } }
    /// Requests sent again after a failure.
    public var retries: Int { lock.withLock { _retries } }
    /// 429 answers.
    public var rateLimited: Int { lock.withLock { _rateLimited } }

    func add(requests: Int = 0, retries: Int = 0, rateLimited: Int = 0) {
        lock.withLock {
            _requests += requests
            _retries += retries
            _rateLimited += rateLimited
        }
    }

    /// Counts one retry decided by the runner.
    public func addRetry() { add(retries: 1) }
}
