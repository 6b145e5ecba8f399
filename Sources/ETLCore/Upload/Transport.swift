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
}

/// Real HTTP over AsyncHTTPClient: HTTP/1.1, no redirects, bounded bodies, per-request timeout.
public final class HTTPTransport: Sendable {
    /// The largest response body read (export files included).
    public static let maxBodyBytes = 256 << 20
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// Creates a transport.
    /// - Parameters:
    ///   - timeoutSeconds: The whole-request deadline.
    ///   - connections: The most connections per host.
    public init(timeoutSeconds: Double = 30, connections: Int = 8) {
        var config = HTTPClient.Configuration()
        config.redirectConfiguration = .disallow
        config.timeout = .init(connect: .seconds(5), read: .milliseconds(Int64(timeoutSeconds * 1000)))
        config.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        timeout = .milliseconds(Int64(timeoutSeconds * 1000))
    }

    /// Sends one request and reads the whole (bounded) response.
    /// - Throws: ``TransportFailure`` when no response came.
    public func execute(_ spec: HTTPRequestSpec) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        if !spec.body.isEmpty || spec.method == "POST" || spec.method == "PUT" {
            request.body = .bytes(ByteBuffer(bytes: spec.body))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            return HTTPResult(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch let e as HTTPClientError {
            let notSent = e == .connectTimeout || e == .getConnectionFromPoolTimeout
            let text: String
            switch e {
            case .readTimeout, .deadlineExceeded: text = "no answer within the timeout"
            case .remoteConnectionClosed: text = "the connection was closed before an answer"
            case .connectTimeout: text = "connecting timed out"
            default: text = e.description
            }
            throw TransportFailure(notSent: notSent, description: text)
        } catch {
            let text = String(describing: error)
            let refused = text.localizedCaseInsensitiveContains("refused") || text.contains("NIOConnectionError")
            let reset = text.localizedCaseInsensitiveContains("reset")
            throw TransportFailure(
                notSent: refused && !reset,
                description: refused ? "connection refused" : reset ? "connection reset" : "network error")
        }
    }

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

    /// Creates a policy.
    public init(maxAttempts: Int = 6, base: Double = 0.5, cap: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): uniform in [0, min(cap, base·2^(attempt-1))].
    public func backoff(attempt: Int) -> Double {
        let ceiling = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        return Double.random(in: 0...ceiling)
    }

    /// Reads a `Retry-After` value: delta-seconds or an HTTP date; nil when absent or unreadable.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return min(seconds, 3600) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let date = f.date(from: value) { return min(3600, max(0, date.timeIntervalSince(now))) }
        }
        return nil
    }
}

/// Paces requests: evenly spaced starts at `rate` per second (so no one-second window ever holds more
/// than the limit), at most `concurrency` in flight, and a shared pause after a 429.
public actor Pacer {
    private let interval: Double
    /// The most requests in flight.
    public nonisolated let concurrencyLimit: Int
    private var nextStart: ContinuousClock.Instant
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a pacer.
    /// - Parameters:
    ///   - ratePerSecond: Requests per second (e.g. 1000/3600 for 1,000 an hour).
    ///   - concurrency: The most requests in flight.
    ///   - margin: How much slower than the limit to go (default 2%): request arrival jitters by
    ///     milliseconds, and a sliding-window limiter counts arrivals, not our start times.
    public init(ratePerSecond: Double, concurrency: Int, margin: Double = 0.02) {
        interval = ratePerSecond > 0 ? (1 + max(0, margin)) / ratePerSecond : 0
        concurrencyLimit = max(1, concurrency)
        nextStart = ContinuousClock.now
    }

    /// Waits for a free slot and the next start time; pair with ``release()``.
    public func acquire() async {
        if inFlight >= concurrencyLimit {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            inFlight += 1
        }
        let now = ContinuousClock.now
        let start = max(now, nextStart)
        nextStart = start.advanced(by: .seconds(interval))
        if start > now { try? await Task.sleep(until: start, clock: .continuous) }
    }

    /// Frees the slot taken by ``acquire()``.
    public func release() {
        if waiters.isEmpty {
            inFlight -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Holds every later start for `seconds` (the service said `Retry-After`).
    public func pause(seconds: Double) {
        let until = ContinuousClock.now.advanced(by: .seconds(seconds))
        if until > nextStart { nextStart = until }
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

/// Replaces secrets in text: every token, key and password the run knows becomes `***`.
public final class Redactor: @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String] = []

    /// Creates a redactor with no secrets.
    public init() {}

    /// Adds a secret (ignored when shorter than 4 characters, which would blank ordinary words).
    public func add(_ secret: String) {
        guard secret.count >= 4 else { return }
        lock.withLock {
            if !secrets.contains(secret) { secrets.append(secret) }
            secrets.sort { $0.count > $1.count }
        }
    }

    /// `text` with every secret replaced.
    public func redact(_ text: String) -> String {
        let list = lock.withLock { secrets }
        var out = text
        for s in list where out.contains(s) { out = out.replacingOccurrences(of: s, with: "***") }
        return out
    }
}

/// A client's connection to its service: base URL, auth, pacing, retries, redaction and counters.
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
    /// Secret scrubbing for every message.
    public let redactor: Redactor
    private let transport: HTTPTransport
    private let lock = NSLock()
    private var authHeaders: [(String, String)] = []
    private var authGeneration = 0
    private var relogin: (@Sendable () async throws -> Void)?
    /// How the run hears about a retry (for the progress line and the log).
    public var onRetry: (@Sendable (String) -> Void)?

    /// Creates a session.
    public init(
        origin: String, serviceName: String, transport: HTTPTransport, uploadPacer: Pacer, readPacer: Pacer,
        retry: RetryPolicy, counters: UploadCounters, redactor: Redactor
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
    }

    /// Sets the headers that authenticate every later request (their values become secrets).
    public func setAuth(_ headers: [(String, String)]) {
        for (_, v) in headers {
            redactor.add(v)
            if let space = v.firstIndex(of: " ") { redactor.add(String(v[v.index(after: space)...])) }
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

    /// Sends a request with pacing and retries.
    /// - Parameters:
    ///   - request: The request (without auth headers).
    ///   - idempotent: Whether sending it twice is harmless (reads, updates, logins). A create is not:
    ///     it is repeated here only when the service certainly did not act on it (429, refused
    ///     connection); otherwise ``RemoteError/ambiguous(_:retryAfter:)`` goes back to the runner.
    ///   - upload: Whether it counts against the upload rate (else the read rate).
    ///   - authenticated: Whether to add the auth headers.
    /// - Returns: The response, for any status the client must interpret (2xx, and 4xx other than 401/429).
    /// - Throws: ``RemoteError``.
    public func send(
        _ request: HTTPRequestSpec, idempotent: Bool, upload: Bool = false, authenticated: Bool = true
    ) async throws -> HTTPResult {
        let pacer = upload ? uploadPacer : readPacer
        var attempt = 0
        var relogged = false
        var lastError = ""
        var unreachable = true
        while attempt < retry.maxAttempts {
            attempt += 1
            var spec = request
            let (headers, generation) = lock.withLock { (authHeaders, authGeneration) }
            if authenticated { spec.headers += headers }
            await pacer.acquire()
            let outcome: Result<HTTPResult, TransportFailure>
            do {
                outcome = .success(try await transport.execute(spec))
            } catch let f as TransportFailure {
                outcome = .failure(f)
            } catch {
                outcome = .failure(TransportFailure(notSent: false, description: "network error"))
            }
            await pacer.release()
            counters.add(requests: 1)
            let what = "\(serviceName) \(request.method) \(pathOf(request.url))"
            switch outcome {
            case .failure(let f):
                lastError = "\(what): \(f.description)"
                if !f.notSent { unreachable = false }
                if !idempotent && !f.notSent {
                    throw RemoteError.ambiguous(redactor.redact(lastError), retryAfter: nil)
                }
                try await wait(retry.backoff(attempt: attempt), after: lastError, attempt: attempt)
                continue
            case .success(let response):
                unreachable = false
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
                    let after =
                        RetryPolicy.retryAfter(response.header("Retry-After")) ?? retry.backoff(attempt: attempt)
                    lastError = "\(what): 429 Too Many Requests"
                    await pacer.pause(seconds: after)
                    try await wait(after, after: lastError, attempt: attempt)
                    continue
                case 500...599:
                    let after = RetryPolicy.retryAfter(response.header("Retry-After"))
                    lastError = "\(what): \(response.status) \(response.excerpt)"
                    if !idempotent { throw RemoteError.ambiguous(redactor.redact(lastError), retryAfter: after) }
                    try await wait(after ?? retry.backoff(attempt: attempt), after: lastError, attempt: attempt)
                    continue
                default:
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

    private func wait(_ seconds: Double, after message: String, attempt: Int) async throws {
        guard attempt < retry.maxAttempts else { return }
        counters.add(retries: 1)
        onRetry?(redactor.redact(message))
        if seconds > 0 { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) }
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
