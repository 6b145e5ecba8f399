/// The time a ``Pacer`` reads and waits on: the continuous clock by default; tests pass a clock of
/// their own (a test clock that moves only when a wait asks it to) so pacing checks neither sleep
/// for real nor depend on the machine's load.
public struct PacingClock: Sendable {
    /// The current instant.
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Waits until an instant, waking early when the run's stop is asked for (then throws, as
    /// ``RunStop/sleepUntil(_:stop:)`` does).
    public var sleepUntil: @Sendable (ContinuousClock.Instant, RunStop?) async throws -> Void

    /// A clock with the given reading and wait.
    public init(
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        sleepUntil: @escaping @Sendable (ContinuousClock.Instant, RunStop?) async throws -> Void
    ) {
        self.now = now
        self.sleepUntil = sleepUntil
    }

    /// The real time: `ContinuousClock.now` and ``RunStop/sleepUntil(_:stop:)``.
    public static let continuous = PacingClock(
        now: { ContinuousClock.now }, sleepUntil: { try await RunStop.sleepUntil($0, stop: $1) })
}
