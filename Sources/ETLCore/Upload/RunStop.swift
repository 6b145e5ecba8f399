import Foundation

/// A request to stop a run (SIGINT, SIGTERM): once set, no new request leaves; the requests in flight
/// get ``graceSeconds`` to finish and be recorded, then they are cut.
///
/// The executable sets it from its signal handlers; the session checks it before every request and
/// while it waits, the transport cuts requests still running at the end of the grace period, and the
/// upload runner stops taking new work.
public final class RunStop: @unchecked Sendable {
    private let lock = NSLock()
    private var signalNumber: Int32?
    private var hardAt: ContinuousClock.Instant?

    /// How long requests in flight may take after a stop request.
    public static let graceSeconds = 10.0

    /// Creates a flag that is not set.
    public init() {}

    /// Asks the run to stop because of `signal` (the first request counts; later ones change nothing).
    public func request(signal: Int32, graceSeconds: Double = RunStop.graceSeconds) {
        lock.withLock {
            guard signalNumber == nil else { return }
            signalNumber = signal
            hardAt = ContinuousClock.now.advanced(by: .seconds(graceSeconds))
        }
    }

    /// Whether a stop was asked for.
    public var isRequested: Bool { lock.withLock { signalNumber != nil } }

    /// The signal that asked for the stop.
    public var signal: Int32? { lock.withLock { signalNumber } }

    /// Whether the grace period of the requests in flight is over.
    public var isHard: Bool {
        lock.withLock { hardAt.map { ContinuousClock.now >= $0 } ?? false }
    }

    /// Throws ``RunInterrupted`` when a stop was asked for.
    public func check() throws {
        if let signal { throw RunInterrupted(signal: signal) }
    }

    /// The exit code of a run stopped by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM).
    public static func exitCode(signal: Int32) -> Int32 { 128 + signal }

    /// The usual name of a signal (`SIGINT`).
    public static func name(signal: Int32) -> String {
        switch signal {
        case 2: return "SIGINT"
        case 15: return "SIGTERM"
        case 1: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }

    /// Sleeps `seconds`, waking early when `stop` is asked for.
    /// - Throws: ``RunInterrupted`` when the stop was asked for; `CancellationError` when the task is cancelled.
    public static func sleep(_ seconds: Double, stop: RunStop?) async throws {
        try await sleepUntil(ContinuousClock.now.advanced(by: .seconds(max(0, seconds))), stop: stop)
    }

    /// Sleeps until `until`, waking early when `stop` is asked for.
    /// - Throws: ``RunInterrupted`` when the stop was asked for; `CancellationError` when the task is cancelled.
    public static func sleepUntil(_ until: ContinuousClock.Instant, stop: RunStop?) async throws {
        while true {
            try stop?.check()
            let now = ContinuousClock.now
            guard now < until else { return }
            let slice = stop == nil ? until : min(until, now.advanced(by: .milliseconds(200)))
            try await Task.sleep(until: slice, clock: .continuous)
        }
    }
}

/// The run was asked to stop (SIGINT, SIGTERM) and this request or wait did not start.
public struct RunInterrupted: Error, Sendable, CustomStringConvertible {
    /// The signal that asked for the stop.
    public var signal: Int32
    /// Whether a request was on its way when the stop came (cut at the end of the grace period, or
    /// failed after the stop): the service may have acted on it. False when no request left.
    public var requestInFlight: Bool

    /// Creates the error.
    public init(signal: Int32, requestInFlight: Bool = false) {
        self.signal = signal
        self.requestInFlight = requestInFlight
    }

    /// The message.
    public var description: String { "interrupted by \(RunStop.name(signal: signal))" }
}
