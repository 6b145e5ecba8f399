import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

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
