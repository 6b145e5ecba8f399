public import ETLCore
public import Foundation

/// A transport for client and session tests that sends nothing: each request is recorded and
/// answered by the test's script (a fixed list of answers in order, or a function of the request),
/// at once. A script may throw (a ``TransportFailure``, say) to stand for a request that got no
/// complete answer.
public final class StubTransport: HTTPTransporting, @unchecked Sendable {
    private let lock = NSLock()
    private let answer: @Sendable (HTTPRequestSpec, Int) throws -> HTTPResult
    private var log: [HTTPRequestSpec] = []
    private var closed = false
    /// The whole-request deadline the session quotes in its messages.
    public let timeoutSeconds: Double

    /// A transport whose `script` answers each request, given the request and how many came before it.
    public init(
        timeoutSeconds: Double = 5, _ script: @escaping @Sendable (HTTPRequestSpec, Int) throws -> HTTPResult
    ) {
        self.timeoutSeconds = timeoutSeconds
        answer = script
    }

    /// A transport that gives `answers` in order, then the last one again for every later request.
    public convenience init(timeoutSeconds: Double = 5, answers: [HTTPResult]) {
        precondition(!answers.isEmpty, "a stub transport needs at least one answer")
        self.init(timeoutSeconds: timeoutSeconds) { _, n in answers[min(n, answers.count - 1)] }
    }

    /// A transport no request should reach (for a session whose test sends nothing): each request is
    /// recorded and fails with ``Unanswered``.
    public static func unreachable(timeoutSeconds: Double = 5) -> StubTransport {
        StubTransport(timeoutSeconds: timeoutSeconds) { spec, _ in
            throw Unanswered(description: "no answer scripted for \(spec.method) \(spec.url)")
        }
    }

    /// What a request the script does not answer fails with.
    public struct Unanswered: Error, Sendable, CustomStringConvertible {
        /// Which request it was.
        public var description: String
    }

    /// The requests sent so far, in order.
    public var requests: [HTTPRequestSpec] { lock.withLock { log } }

    /// Whether ``shutdown()`` was called.
    public var isShutDown: Bool { lock.withLock { closed } }

    /// Records the request and answers it from the script.
    public func execute(_ spec: HTTPRequestSpec, stop: RunStop?) async throws -> HTTPResult {
        try stop?.check()
        let n: Int = lock.withLock {
            log.append(spec)
            return log.count - 1
        }
        return try answer(spec, n)
    }

    /// Marks the transport shut down.
    public func shutdown() async { lock.withLock { closed = true } }
}

extension HTTPResult {
    /// A JSON answer with `text` as its body (and `Content-Type: application/json` before `headers`).
    public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> HTTPResult {
        HTTPResult(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }
}
