public import Foundation

/// Paces requests: evenly spaced starts at the current rate (so no one-second window holds more than
/// the limit), at most `concurrency` in flight, a shared pause after a 429, and adaptive pacing: a
/// 429 halves the rate (down to a floor), and each streak of answers without one raises it again by a
/// step, up to the configured rate, so a configured rate above the service's real limit settles near it.
public actor Pacer {
    private let configuredRate: Double
    private let margin: Double
    private let floorRate: Double
    private var rate: Double
    private var ceiling: Double?
    private var epoch = 0
    private var streak = 0
    /// The most requests in flight.
    public nonisolated let concurrencyLimit: Int
    private var nextStart: ContinuousClock.Instant
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var pauseUntil: ContinuousClock.Instant?
    private var pauseReason = ""
    private var announcedUntil: ContinuousClock.Instant
    private var announcedRate = 0.0
    private let serviceName: String
    private let stop: RunStop?
    private let notice: (@Sendable (String) -> Void)?
    private let clock: PacingClock

    /// Waits longer than this many seconds are announced through `notice`.
    public static let noticeSeconds = 10.0
    /// What a 429 multiplies the rate by.
    public static let decrease = 0.5

    /// Creates a pacer.
    /// - Parameters:
    ///   - ratePerSecond: Requests per second (e.g. 1000/3600 for 1,000 an hour); 0 for no spacing.
    ///   - concurrency: The most requests in flight.
    ///   - margin: How much slower than the limit to go (default 2%): request arrival jitters by
    ///     milliseconds, and a sliding-window limiter counts arrivals, not our start times.
    ///   - serviceName: The service, for the wait notices.
    ///   - stop: The run's stop flag: a waiting request wakes when it is set.
    ///   - notice: Told about every wait longer than ``noticeSeconds`` (service, wait, reason).
    ///   - clock: The time the pacer reads and waits on (the real one unless a test passes its own).
    public init(
        ratePerSecond: Double, concurrency: Int, margin: Double = 0.02, serviceName: String = "service",
        stop: RunStop? = nil, notice: (@Sendable (String) -> Void)? = nil, clock: PacingClock = .continuous
    ) {
        configuredRate = max(0, ratePerSecond)
        rate = configuredRate
        floorRate = min(configuredRate, max(configuredRate * 0.1, 0.1))
        self.margin = max(0, margin)
        concurrencyLimit = max(1, concurrency)
        self.clock = clock
        nextStart = clock.now()
        announcedUntil = nextStart
        self.serviceName = serviceName
        self.stop = stop
        self.notice = notice
    }

    /// The requests per second the pacer allows now.
    public var currentRate: Double { rate }

    private var interval: Double { rate > 0 ? (1 + margin) / rate : 0 }

    /// Waits for a free slot and the next start time; pair with ``release()``. Returns early when the
    /// run is asked to stop (the caller checks).
    /// - Returns: The pacing epoch the request starts in, for ``rateLimited(epoch:)``.
    @discardableResult
    public func acquire() async -> Int {
        if inFlight >= concurrencyLimit {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            inFlight += 1
        }
        let now = clock.now()
        let start = max(now, nextStart)
        nextStart = start.advanced(by: .seconds(interval))
        let wait = Self.seconds(start - now)
        if wait > Self.noticeSeconds { announce(wait: wait, start: start) }
        if start > now { try? await clock.sleepUntil(start, stop) }
        return epoch
    }

    /// Frees the slot taken by ``acquire()``.
    public func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Holds every later start for `seconds` (the service said `Retry-After`, or a 429 came without one).
    public func pause(seconds: Double, reason: String) {
        let until = clock.now().advanced(by: .seconds(min(seconds, RetryPolicy.retryAfterCeiling)))
        if until > nextStart {
            nextStart = until
            pauseUntil = until
            pauseReason = reason
        }
    }

    /// A request started in `epoch` was answered 429: the rate halves (once per epoch: the other
    /// requests already in flight at the old rate do not halve it again), down to the floor.
    public func rateLimited(epoch requestEpoch: Int) {
        guard configuredRate > 0, requestEpoch == epoch else { return }
        ceiling = rate
        rate = max(floorRate, rate * Self.decrease)
        epoch += 1
        streak = 0
    }

    /// A request was answered without a 429: after a streak of about a second's worth of them, the
    /// rate goes up by 5% of the configured rate (a quarter of that close to where the last 429 came).
    public func succeeded() {
        guard configuredRate > 0, rate < configuredRate else { return }
        streak += 1
        guard streak >= max(4, Int(rate.rounded(.up))) else { return }
        streak = 0
        var step = max(configuredRate * 0.05, 0.005)
        if let ceiling, rate + step > 0.85 * ceiling { step *= 0.25 }
        rate = min(configuredRate, rate + step)
    }

    private func announce(wait: Double, start: ContinuousClock.Instant) {
        if let pauseUntil, start <= pauseUntil.advanced(by: .seconds(1)) {
            // Said once per pause.
            guard pauseUntil > announcedUntil else { return }
            announcedUntil = pauseUntil
            notice?("\(serviceName): waiting \(WaitText.seconds(wait)) before the next request: \(pauseReason)")
        } else {
            // Spacing at a low rate: said once per rate.
            guard rate != announcedRate else { return }
            announcedRate = rate
            let why =
                rate < configuredRate
                ? "the rate is lowered after 429 answers" : "the configured rate (upload.rate)"
            notice?(
                "\(serviceName): waiting \(WaitText.seconds(wait)) between requests: pacing at \(String(format: "%.3g", rate * 60)) per minute, \(why)"
            )
        }
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
