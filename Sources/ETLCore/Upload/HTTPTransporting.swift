/// What a ``ServiceSession`` sends its requests through: ``HTTPTransport`` (real HTTP) in every run;
/// tests may pass a stub that answers from a script.
public protocol HTTPTransporting: Sendable {
    /// The whole-request deadline in seconds (quoted in the session's messages).
    var timeoutSeconds: Double { get }

    /// Sends one request and returns its whole (bounded) response.
    /// - Parameter stop: The run's stop flag.
    /// - Throws: ``TransportFailure`` when no complete response came; `CancellationError` when the task
    ///   was cancelled.
    func execute(_ spec: HTTPRequestSpec, stop: RunStop?) async throws -> HTTPResult

    /// Closes the transport's connections.
    func shutdown() async
}

extension HTTPTransport: HTTPTransporting {}
