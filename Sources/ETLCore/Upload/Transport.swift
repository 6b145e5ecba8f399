import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request as a client builds it (the session adds auth and sends it).
public struct HTTPRequestSpec: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    public var method: String
    /// The full URL.
    public var url: String
    /// Headers, in order.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A JSON request.
    public static func json(_ method: String, _ url: String, _ value: JSONValue) -> HTTPRequestSpec {
        var out: [UInt8] = []
        value.append(to: &out)
        return HTTPRequestSpec(method: method, url: url, headers: [("Content-Type", "application/json")], body: out)
    }
}

/// An HTTP response: status, headers and a bounded body.
public struct HTTPResult: Sendable {
    /// The status code.
    public var status: Int
    /// Headers (names as sent).
    public var headers: [(String, String)]
    /// The body (at most ``HTTPTransport/maxBodyBytes``).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as JSON, or nil when it is not JSON.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    /// The body as text, shortened for a message.
    public var excerpt: String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// Why a request did not get a response.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    /// Whether the request certainly never reached the service (connection refused, connect timeout).
    public var notSent: Bool
    /// What happened.
    public var description: String
    /// Whether the whole-request deadline (``HTTPTransport/timeoutSeconds``) ran out.
    public var timedOut = false
    /// Whether the request was cut because the run was asked to stop and its grace period ended.
    public var cut = false
}

/// Real HTTP over AsyncHTTPClient: HTTP/1.1, no redirects, bounded bodies, and a total deadline per
/// request that covers connecting, the answer's head and reading its whole body.
public final class HTTPTransport: Sendable {
    /// The largest response body read (export files included).
    public static let maxBodyBytes = 256 << 20
    /// The default whole-request deadline in seconds (`upload.timeout`).
    public static let defaultTimeoutSeconds = 60.0
    private let client: HTTPClient
    /// The whole-request deadline in seconds.
    public let timeoutSeconds: Double

    /// Creates a transport.
    /// - Parameters:
    ///   - timeoutSeconds: The whole-request deadline: from sending to the last byte of the answer.
    ///   - connections: The most connections per host.
    public init(timeoutSeconds: Double = HTTPTransport.defaultTimeoutSeconds, connections: Int = 8) {
        let seconds = max(0.001, timeoutSeconds)
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        let millis = Int64(min(seconds, 86_400) * 1000)
        config.timeout = .init(connect: .milliseconds(min(5000, millis)), read: .milliseconds(millis))
        config.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.timeoutSeconds = seconds
    }

    private enum Outcome: Sendable {
        case answered(HTTPResult)
        case expired
        case cut
    }

    /// Sends one request and reads the whole (bounded) response within ``timeoutSeconds``.
    /// - Parameter stop: The run's stop flag: a request still running when its grace period ends is cut.
    /// - Throws: ``TransportFailure`` when no complete response came; `CancellationError` when the task
    ///   was cancelled.
    public func execute(_ spec: HTTPRequestSpec, stop: RunStop? = nil) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        if !spec.body.isEmpty || spec.method == "POST" || spec.method == "PUT" {
            request.body = .bytes(ByteBuffer(bytes: spec.body))
        }
        let seconds = timeoutSeconds
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        let limit = timeoutText
        let client = self.client
        let prepared = request
        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    let response = try await client.execute(
                        prepared, deadline: .now() + .milliseconds(Int64(min(seconds, 86_400) * 1000)))
                    let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
                    return .answered(
                        HTTPResult(
                            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                            body: Array(buffer.readableBytesView)))
                }
                // The watchdog: the deadline covers the body too (a server may send one byte at a time).
                group.addTask {
                    while true {
                        if stop?.isHard == true { return .cut }
                        let now = ContinuousClock.now
                        if now >= deadline { return .expired }
                        try await Task.sleep(
                            until: min(deadline, now.advanced(by: .milliseconds(100))), clock: .continuous)
                    }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .expired
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let e as HTTPClientError {
            if Task.isCancelled { throw CancellationError() }
            let notSent = e == .connectTimeout || e == .getConnectionFromPoolTimeout
            let text: String
            var timedOut = false
            switch e {
            case .readTimeout, .deadlineExceeded:
                text = "no complete answer within \(limit)"
                timedOut = true
            case .remoteConnectionClosed: text = "the connection was closed before an answer"
            case .connectTimeout: text = "connecting timed out"
            case .cancelled: throw CancellationError()
            default: text = e.description
            }
            throw TransportFailure(notSent: notSent, description: text, timedOut: timedOut)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            let text = String(describing: error)
            let refused = text.localizedCaseInsensitiveContains("refused") || text.contains("NIOConnectionError")
            let reset = text.localizedCaseInsensitiveContains("reset")
            throw TransportFailure(
                notSent: refused && !reset,
                description: refused ? "connection refused" : reset ? "connection reset" : "network error")
        }
        switch outcome {
        case .answered(let result): return result
        case .expired:
            throw TransportFailure(notSent: false, description: "no complete answer within \(limit)", timedOut: true)
        case .cut:
            throw TransportFailure(
                notSent: false,
                description:
                    "cut after the \(Int(RunStop.graceSeconds)) s the run gives requests in flight when it is stopped",
                cut: true)
        }
    }

    /// `the 60 s timeout (upload.timeout)`.
    var timeoutText: String { "the \(WaitText.seconds(timeoutSeconds)) timeout (upload.timeout)" }

    /// Closes the connections.
    public func shutdown() async {
        try? await client.shutdown()
    }
}

/// Why a request finally failed.
public enum RemoteError: Error, Sendable, CustomStringConvertible {
    /// A create may or may not have happened (no answer, reset, 5xx): ask the service before retrying.
    case ambiguous(String, retryAfter: Double?)
    /// This request failed for good after its attempts; the items it carried fail, the run goes on.
    case failed(String)
    /// The run cannot go on: credentials refused, service unreachable. Exit 4.
    case fatal(String)

    /// The message.
    public var description: String {
        switch self {
        case .ambiguous(let m, _), .failed(let m), .fatal(let m): return m
        }
    }
}

/// Retries: attempts, capped exponential backoff with full jitter, and `Retry-After`.
public struct RetryPolicy: Sendable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// The first backoff ceiling in seconds.
    public var base: Double
    /// The largest backoff in seconds.
    public var cap: Double

    /// The largest wait a `Retry-After` is read as (about 31 years): bigger numbers and far dates are
    /// clamped to it, so every later computation stays finite.
    public static let retryAfterCeiling = 1e9

    /// Creates a policy.
    public init(maxAttempts: Int = 6, base: Double = 0.5, cap: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): uniform in [0, min(cap, base·2^(attempt-1))].
    public func backoff(attempt: Int) -> Double {
        let ceiling = min(cap, base * pow(2, Double(min(60, max(0, attempt - 1)))))
        return Double.random(in: 0...max(0, ceiling))
    }

    /// Reads a `Retry-After` value: delta-seconds (digits only) or an HTTP date; nil when absent or
    /// unreadable. The result is at most ``retryAfterCeiling``; a date in the past gives 0.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.utf8.count <= 64 else {
            return nil
        }
        if value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only: a huge number saturates instead of overflowing.
            return min(Double(value) ?? retryAfterCeiling, retryAfterCeiling)
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let date = f.date(from: value) {
                let seconds = date.timeIntervalSince(now)
                guard seconds.isFinite else { return nil }
                return min(retryAfterCeiling, max(0, seconds))
            }
        }
        return nil
    }

    /// Reads a rate-limit reset header that holds the unix time, in seconds, the window resets at
    /// (Wickson's `X-RateLimit-Reset`) as the wait from `now`; nil when absent or not digits. The
    /// result is at most ``retryAfterCeiling``; a time in the past gives 0.
    public static func rateLimitReset(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.utf8.count <= 64,
            value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let seconds = (Double(value) ?? retryAfterCeiling) - now.timeIntervalSince1970
        guard seconds.isFinite else { return nil }
        return min(retryAfterCeiling, max(0, seconds))
    }
}

/// How waits are written in messages.
enum WaitText {
    /// `45 s`, `12 min 30 s`, `3 h 5 min`, `11.6 days`.
    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "forever" }
        if s < 10 { return String(format: s == s.rounded() ? "%.0f s" : "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 {
            return whole % 3600 / 60 == 0 ? "\(whole / 3600) h" : "\(whole / 3600) h \(whole % 3600 / 60) min"
        }
        return String(format: "%.1f days", s / 86_400)
    }
}

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
    public init(
        ratePerSecond: Double, concurrency: Int, margin: Double = 0.02, serviceName: String = "service",
        stop: RunStop? = nil, notice: (@Sendable (String) -> Void)? = nil
    ) {
        configuredRate = max(0, ratePerSecond)
        rate = configuredRate
        floorRate = min(configuredRate, max(configuredRate * 0.1, 0.1))
        self.margin = max(0, margin)
        concurrencyLimit = max(1, concurrency)
        nextStart = ContinuousClock.now
        announcedUntil = ContinuousClock.now
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
        let now = ContinuousClock.now
        let start = max(now, nextStart)
        nextStart = start.advanced(by: .seconds(interval))
        let wait = Self.seconds(start - now)
        if wait > Self.noticeSeconds { announce(wait: wait, start: start) }
        if start > now { try? await RunStop.sleepUntil(start, stop: stop) }
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
        let until = ContinuousClock.now.advanced(by: .seconds(min(seconds, RetryPolicy.retryAfterCeiling)))
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

/// A client's connection to its service: base URL, auth, pacing, retries, deadlines, redaction and
/// counters.
public final class ServiceSession: @unchecked Sendable {
    /// The service's origin (scheme, host, port and any path prefix), without a trailing slash.
    public let origin: String
    /// The service's name for messages.
    public let serviceName: String
    /// The pacer of uploads (creates and updates).
    public let uploadPacer: Pacer
    /// The pacer of reads (listings, searches, exports).
    public let readPacer: Pacer
    /// Retries.
    public let retry: RetryPolicy
    /// Counters.
    public let counters: UploadCounters
    /// Secret scrubbing for every message and every error body.
    public let redactor: Redactor
    /// The run's stop flag (SIGINT, SIGTERM).
    public let stop: RunStop?
    /// The longest `Retry-After` waited (`upload.max_wait`); a longer one ends this service's part of the run.
    public let maxWaitSeconds: Double
    /// A header a 429 without `Retry-After` is read from: the unix time, in seconds, the rate-limit
    /// window resets at (Wickson's `X-RateLimit-Reset`); the same ``maxWaitSeconds`` rule applies. Nil
    /// (the default): only `Retry-After` is read.
    public var rateLimitResetHeader: String? {
        get { lock.withLock { resetHeader } }
        set { lock.withLock { resetHeader = newValue } }
    }
    private var resetHeader: String?
    private let transport: HTTPTransport
    private let lock = NSLock()
    private var authHeaders: [(String, String)] = []
    private var authGeneration = 0
    private var relogin: (@Sendable () async throws -> Void)?
    /// Requests in a row that met their deadline, uploads and reads apart (a read answered does not
    /// vouch for the uploads, and the other way round).
    private var timeoutsInARow: [Bool: Int] = [:]
    /// 5xx answers in a row, uploads and reads apart: a service that answers nothing else is given up
    /// instead of being retried item by item for hours.
    private var serverErrorsInARow: [Bool: Int] = [:]
    private var givenUp: String?
    /// How the run hears about a retry (for the progress line and the log): the keys the request
    /// carried, the attempt and the wait.
    public var onRetry: (@Sendable (UploadEvent) -> Void)?
    /// How the run hears about a wait longer than ``Pacer/noticeSeconds`` (always printed).
    public var onNotice: (@Sendable (String) -> Void)?

    /// The default `upload.max_wait`: 10 minutes.
    public static let defaultMaxWaitSeconds = 600.0
    /// Requests in a row (of one kind: uploads, or reads) that met their deadline before the service is
    /// given up (exit 4).
    public static let timeoutsBeforeGivingUp = 3
    /// 5xx answers in a row (of one kind: uploads, or reads) before the service is given up (exit 4);
    /// under a 30% rate of transient server errors ten in a row happen about once in 170,000 requests.
    public static let serverErrorsBeforeGivingUp = 10
    /// The most bytes of an error body kept (they are only read for a message).
    public static let maxErrorBodyBytes = 1 << 20

    /// Creates a session.
    public init(
        origin: String, serviceName: String, transport: HTTPTransport, uploadPacer: Pacer, readPacer: Pacer,
        retry: RetryPolicy, counters: UploadCounters, redactor: Redactor, stop: RunStop? = nil,
        maxWaitSeconds: Double = ServiceSession.defaultMaxWaitSeconds
    ) {
        var o = origin
        while o.hasSuffix("/") { o.removeLast() }
        self.origin = o
        self.serviceName = serviceName
        self.transport = transport
        self.uploadPacer = uploadPacer
        self.readPacer = readPacer
        self.retry = retry
        self.counters = counters
        self.redactor = redactor
        self.stop = stop
        self.maxWaitSeconds = maxWaitSeconds
    }

    /// Sets the headers that authenticate every later request (their values become secrets, and so
    /// does the credential after the scheme: the bearer token, the Basic pair).
    public func setAuth(_ headers: [(String, String)]) {
        for (_, v) in headers {
            redactor.add(v)
            if let space = v.firstIndex(of: " ") {
                let credential = String(v[v.index(after: space)...]).trimmingCharacters(in: .whitespaces)
                redactor.add(credential)
                if v.lowercased().hasPrefix("basic "), let data = Data(base64Encoded: credential),
                    let pair = String(data: data, encoding: .utf8)
                {
                    redactor.add(pair)
                    if let colon = pair.firstIndex(of: ":") { redactor.add(String(pair[pair.index(after: colon)...])) }
                }
            }
        }
        lock.withLock {
            authHeaders = headers
            authGeneration += 1
        }
    }

    /// Sets how to log in again when the service answers 401 to a token it issued.
    public func setRelogin(_ body: @escaping @Sendable () async throws -> Void) {
        lock.withLock { relogin = body }
    }

    /// The full URL of a service path (`/api/v1/products/`).
    public func url(_ path: String) -> String { origin + path }

    /// Sends a request with pacing, retries and the request deadline.
    /// - Parameters:
    ///   - request: The request (without auth headers).
    ///   - idempotent: Whether sending it twice is harmless (reads, updates, logins). A create is not:
    ///     it is repeated here only when the service certainly did not act on it (429, refused
    ///     connection); otherwise ``RemoteError/ambiguous(_:retryAfter:)`` goes back to the runner.
    ///   - upload: Whether it counts against the upload rate (else the read rate).
    ///   - authenticated: Whether to add the auth headers.
    /// - Returns: The response, for any status the client must interpret (2xx, and 4xx other than
    ///   401/429); the body and headers of any status other than 2xx are redacted.
    /// - Throws: ``RemoteError``; ``RunInterrupted`` once the run is asked to stop (no request leaves
    ///   after that); `CancellationError`.
    public func send(
        _ request: HTTPRequestSpec, idempotent: Bool, upload: Bool = false, authenticated: Bool = true
    ) async throws -> HTTPResult {
        let pacer = upload ? uploadPacer : readPacer
        var attempt = 0
        var relogged = false
        var lastError = ""
        var unreachable = true
        let what = "\(serviceName) \(request.method) \(pathOf(request.url))"
        while attempt < retry.maxAttempts {
            attempt += 1
            try Task.checkCancellation()
            try stop?.check()
            if let message = lock.withLock({ givenUp }) { throw RemoteError.fatal(message) }
            var spec = request
            let (headers, generation) = lock.withLock { (authHeaders, authGeneration) }
            if authenticated { spec.headers += headers }
            let epoch = await pacer.acquire()
            let outcome: Result<HTTPResult, TransportFailure>
            do {
                try Task.checkCancellation()
                try stop?.check()
                outcome = .success(try await transport.execute(spec, stop: stop))
            } catch let f as TransportFailure {
                outcome = .failure(f)
            } catch {
                await pacer.release()
                throw error
            }
            await pacer.release()
            counters.add(requests: 1)
            switch outcome {
            case .failure(let f):
                if let signal = stop?.signal { throw RunInterrupted(signal: signal, requestInFlight: true) }
                lastError = "\(what): \(f.description)"
                if !f.notSent { unreachable = false }
                if f.timedOut { try noteTimeout(lastError, upload: upload) }
                if !idempotent && !f.notSent {
                    throw RemoteError.ambiguous(redactor.redact(lastError), retryAfter: nil)
                }
                try await wait(retry.backoff(attempt: attempt), after: lastError, attempt: attempt)
                continue
            case .success(let answer):
                unreachable = false
                lock.withLock { timeoutsInARow[upload] = 0 }
                let response = (200..<300).contains(answer.status) ? answer : redacted(answer)
                switch response.status {
                case 401 where authenticated:
                    let again = lock.withLock { relogin }
                    if let again, !relogged {
                        relogged = true
                        attempt -= 1
                        let current = lock.withLock { authGeneration }
                        if current == generation { try await again() }
                        continue
                    }
                    throw RemoteError.fatal(
                        redactor.redact(
                            "\(what): \(serviceName) refused the credentials (401 \(response.excerpt)); check the token or password the pipeline reads from the environment"
                        ))
                case 429:
                    counters.add(rateLimited: 1)
                    await pacer.rateLimited(epoch: epoch)
                    let (quote, asked) = try rateLimitWait(response, what: what)
                    let after = asked ?? retry.backoff(attempt: attempt)
                    lastError = "\(what): 429 Too Many Requests" + quote
                    await pacer.pause(
                        seconds: after,
                        reason:
                            "\(serviceName) answered 429 Too Many Requests to \(request.method) \(pathOf(request.url))"
                            + quote)
                    if attempt < retry.maxAttempts {
                        counters.add(retries: 1)
                        onRetry?(
                            UploadEvent(
                                kind: .retry, message: redactor.redact(lastError), keys: UploadEvent.currentKeys,
                                attempt: attempt, maxAttempts: retry.maxAttempts, waitSeconds: after))
                    }
                    continue
                case 500...599:
                    let raw = response.header("Retry-After")
                    lastError = "\(what): \(response.status) \(response.excerpt)"
                    try noteServerError(lastError, upload: upload)
                    let after = try allowedWait(raw, status: response.status, what: what)
                    if !idempotent { throw RemoteError.ambiguous(redactor.redact(lastError), retryAfter: after) }
                    try await wait(after ?? retry.backoff(attempt: attempt), after: lastError, attempt: attempt)
                    continue
                default:
                    lock.withLock { serverErrorsInARow[upload] = 0 }
                    await pacer.succeeded()
                    return response
                }
            }
        }
        if unreachable {
            throw RemoteError.fatal(
                redactor.redact(
                    "cannot reach \(serviceName) at \(origin) (\(lastError)); check the endpoint and that the service is up"
                ))
        }
        throw RemoteError.failed(redactor.redact("\(lastError) (gave up after \(retry.maxAttempts) attempts)"))
    }

    /// Waits `seconds` before the runner asks the service again (after an ambiguous create), announcing
    /// a wait longer than ``Pacer/noticeSeconds``.
    /// - Throws: ``RunInterrupted`` when the run is asked to stop meanwhile.
    public func pauseBeforeAsking(_ seconds: Double, reason: String) async throws {
        if seconds > Pacer.noticeSeconds {
            onNotice?(
                redactor.redact("\(serviceName): waiting \(WaitText.seconds(seconds)) before asking again: \(reason)"))
        }
        try await RunStop.sleep(seconds, stop: stop)
    }

    /// A `Retry-After` the run may wait, or nil when absent or unreadable.
    /// - Throws: ``RemoteError/fatal(_:)`` when it is longer than ``maxWaitSeconds``: the service's
    ///   part of the run ends (exit 4), quoting the value as the service sent it.
    func allowedWait(_ raw: String?, status: Int, what: String) throws -> Double? {
        guard let raw, let after = RetryPolicy.retryAfter(raw) else { return nil }
        return try allowedWait(after, header: "Retry-After", raw: raw, status: status, what: what)
    }

    /// The wait a 429 asks for, with the header quoted as sent (` (Retry-After: 30)`): `Retry-After`
    /// when present, else the ``rateLimitResetHeader`` when set and present; nil seconds when neither
    /// is readable (the backoff applies).
    /// - Throws: ``RemoteError/fatal(_:)`` when the wait is longer than ``maxWaitSeconds``.
    func rateLimitWait(_ response: HTTPResult, what: String) throws -> (quote: String, seconds: Double?) {
        let raw = response.header("Retry-After")
        if raw == nil, let name = rateLimitResetHeader, let reset = response.header(name) {
            let quote = " (\(name): \(bounded(reset)))"
            guard let after = RetryPolicy.rateLimitReset(reset) else { return (quote, nil) }
            return (quote, try allowedWait(after, header: name, raw: reset, status: 429, what: what))
        }
        return (quoted(raw), try allowedWait(raw, status: 429, what: what))
    }

    /// `after` when it is at most ``maxWaitSeconds``.
    /// - Throws: ``RemoteError/fatal(_:)`` otherwise, quoting `header: raw`.
    private func allowedWait(_ after: Double, header: String, raw: String, status: Int, what: String) throws -> Double {
        guard after > maxWaitSeconds else { return after }
        let message =
            "\(what): \(serviceName) answered \(status) with \(header): \(bounded(raw)), a wait of \(WaitText.seconds(after)), longer than upload.max_wait (\(WaitText.seconds(maxWaitSeconds))); the upload to \(serviceName) stops here. Run the same command again later to go on (nothing is sent twice), or raise upload.max_wait"
        lock.withLock { if givenUp == nil { givenUp = message } }
        throw RemoteError.fatal(redactor.redact(message))
    }

    /// ` (Retry-After: 30)` with the value as sent (redacted, at most 100 characters), or empty.
    func quoted(_ raw: String?) -> String {
        raw.map { " (Retry-After: \(bounded($0)))" } ?? ""
    }

    /// A header value as the service sent it, redacted and at most 100 characters.
    func bounded(_ raw: String) -> String {
        redactor.redact(raw.count > 100 ? String(raw.prefix(100)) + "…" : raw)
    }

    /// Counts a request that met its deadline; too many in a row give the service up (exit 4).
    private func noteTimeout(_ lastError: String, upload: Bool) throws {
        let n = bump(\.timeoutsInARow, upload)
        guard n >= Self.timeoutsBeforeGivingUp else { return }
        try giveUp(
            "\(lastError); \(n) requests in a row to \(serviceName) got no complete answer within the \(WaitText.seconds(transport.timeoutSeconds)) timeout (upload.timeout), so the upload to \(serviceName) stops here. Check the service, or raise upload.timeout; the same command goes on later (nothing is sent twice)"
        )
    }

    /// Counts a 5xx answer; too many in a row give the service up (exit 4).
    private func noteServerError(_ lastError: String, upload: Bool) throws {
        let n = bump(\.serverErrorsInARow, upload)
        guard n >= Self.serverErrorsBeforeGivingUp else { return }
        try giveUp(
            "\(lastError); \(serviceName) answered \(n) \(upload ? "uploads" : "reads") in a row with a server error (5xx), so the upload to \(serviceName) stops here. Check the service's status; the same command goes on later (nothing is sent twice)"
        )
    }

    /// Adds one to a streak counter (uploads and reads apart) and returns it.
    private func bump(_ streak: ReferenceWritableKeyPath<ServiceSession, [Bool: Int]>, _ upload: Bool) -> Int {
        lock.withLock {
            self[keyPath: streak][upload, default: 0] += 1
            return self[keyPath: streak][upload, default: 0]
        }
    }

    /// Gives the service up: every later request of the run throws the same message.
    private func giveUp(_ text: String) throws -> Never {
        let message = redactor.redact(text)
        lock.withLock { if givenUp == nil { givenUp = message } }
        throw RemoteError.fatal(message)
    }

    /// `response` with its body (at most ``maxErrorBodyBytes``) and header values redacted.
    private func redacted(_ response: HTTPResult) -> HTTPResult {
        var out = response
        if out.body.count > Self.maxErrorBodyBytes { out.body = Array(out.body.prefix(Self.maxErrorBodyBytes)) }
        out.body = redactor.redact(out.body)
        out.headers = out.headers.map { ($0.0, redactor.redact($0.1)) }
        return out
    }

    private func wait(_ seconds: Double, after message: String, attempt: Int) async throws {
        guard attempt < retry.maxAttempts else { return }
        counters.add(retries: 1)
        let text = redactor.redact(message)
        let wait = min(seconds, maxWaitSeconds)
        onRetry?(
            UploadEvent(
                kind: .retry, message: text, keys: UploadEvent.currentKeys, attempt: attempt,
                maxAttempts: retry.maxAttempts, waitSeconds: wait))
        if wait > Pacer.noticeSeconds {
            onNotice?(
                "\(serviceName): waiting \(WaitText.seconds(wait)) before attempt \(attempt + 1) of \(retry.maxAttempts): \(text)"
            )
        }
        if wait > 0 { try await RunStop.sleep(wait, stop: stop) }
    }

    private func pathOf(_ url: String) -> String {
        guard url.hasPrefix(origin) else { return url }
        let rest = String(url.dropFirst(origin.count))
        return rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? rest
    }

    /// Closes the transport's connections.
    public func shutdown() async { await transport.shutdown() }
}

/// Helpers for building requests.
public enum FormEncoding {
    /// `application/x-www-form-urlencoded` text of `pairs`.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Percent-escapes a query or form component.
    public static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// A multipart/form-data body: returns the content type (with boundary) and the bytes.
    /// - Parameter parts: name, optional filename and content type, and the bytes of each part.
    public static func multipart(_ parts: [(name: String, filename: String?, contentType: String?, data: [UInt8])])
        -> (contentType: String, body: [UInt8])
    {
        let boundary = "catalog-etl-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let f = part.filename { head += "; filename=\"\(f.replacingOccurrences(of: "\"", with: "_"))\"" }
            head += "\r\n"
            if let t = part.contentType { head += "Content-Type: \(t)\r\n" }
            head += "\r\n"
            body += Array(head.utf8)
            body += part.data
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}
