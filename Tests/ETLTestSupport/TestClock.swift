public import Foundation

/// A clock for tests that moves only when told to or when something waits on it: a wait until an
/// instant returns at once with the clock set to that instant, and is recorded. Pacing and retry
/// checks run on it instead of sleeping for real, so they are fast and do not depend on the
/// machine's load. Its instants are `ContinuousClock` instants (it starts at the real now), so code
/// that takes a reading function and a wait function can use it as is.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: ContinuousClock.Instant
    private var waits: [Duration] = []

    /// A clock that starts at `start` (the real now by default).
    public init(start: ContinuousClock.Instant = .now) {
        current = start
    }

    /// The clock's current instant.
    public var now: ContinuousClock.Instant { lock.withLock { current } }

    /// Every wait so far, as the time it moved the clock on (zero for a wait until an instant already past).
    public var sleeps: [Duration] { lock.withLock { waits } }

    /// Moves the clock on by `duration`.
    public func advance(by duration: Duration) {
        lock.withLock { current = current.advanced(by: duration) }
    }

    /// Waits until `instant`: sets the clock to it (when it is later than now), records the wait and
    /// lets other tasks run once.
    public func sleep(until instant: ContinuousClock.Instant) async {
        lock.withLock {
            let step = instant > current ? instant - current : .zero
            waits.append(step)
            current = current.advanced(by: step)
        }
        await Task.yield()
    }

    /// Waits `duration` on the clock (see ``sleep(until:)``).
    public func sleep(for duration: Duration) async {
        await sleep(until: now.advanced(by: duration))
    }
}
