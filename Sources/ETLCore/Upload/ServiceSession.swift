public import Foundation

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
    private let transport: any HTTPTransporting
    /// The time retry waits run on (the real one unless a test passes its own).
    private let clock: PacingClock
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
        origin: String, serviceName: String, transport: any HTTPTransporting, uploadPacer: Pacer, readPacer: Pacer,
        retry: RetryPolicy, counters: UploadCounters, redactor: Redactor, stop: RunStop? = nil,
        maxWaitSeconds: Double = ServiceSession.defaultMaxWaitSeconds, clock: PacingClock = .continuous
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
        self.clock = clock
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
        try await sleep(seconds)
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
        if wait > 0 { try await sleep(wait) }
    }

    /// Sleeps `seconds` on the session's clock, waking early when the run is asked to stop.
    private func sleep(_ seconds: Double) async throws {
        try await clock.sleepUntil(clock.now().advanced(by: .seconds(max(0, seconds))), stop)
    }

    private func pathOf(_ url: String) -> String {
        guard url.hasPrefix(origin) else { return url }
        let rest = String(url.dropFirst(origin.count))
        return rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? rest
    }

    /// Closes the transport's connections.
    public func shutdown() async { await transport.shutdown() }
}
