import Foundation
import Hummingbird

/// One service's seeded fault draws: for each request, a latency and a fault (or none) from the
/// service's knobs of the `--faults` spec, drawn from a generator seeded with the sandbox's seed and
/// the stream `faults:<service>`. Tests seed faults at exact positions, so the draws' order (the
/// latency first when the range is not one value, then the fault, then a 5xx's code) must not change.
final class FaultDraws: Sendable {
    /// A drawn fault.
    enum Fault {
        case none, timeout, reset, tooManyRequests, serverError(HTTPResponse.Status)
    }

    /// The service's share of the fault spec.
    let knobs: FaultSpec.Knobs
    private let random: Locked<SeededGenerator>

    init(knobs: FaultSpec.Knobs, seed: UInt64, service: SandboxService) {
        self.knobs = knobs
        self.random = Locked(SeededGenerator(seed: seed, stream: "faults:" + service.rawValue))
    }

    /// Draws this request's fault and latency from the seeded generator.
    func draw() -> (Fault, Int) {
        if knobs.isEmpty { return (.none, 0) }
        return random.withLock { g in
            let latency =
                knobs.latencyMilliseconds.lowerBound == knobs.latencyMilliseconds.upperBound
                ? knobs.latencyMilliseconds.lowerBound
                : knobs.latencyMilliseconds.lowerBound
                    + Int(g.next() % UInt64(knobs.latencyMilliseconds.count))
            let u = g.unit()
            var edge = knobs.timeout
            if u < edge { return (.timeout, latency) }
            edge += knobs.reset
            if u < edge { return (.reset, latency) }
            edge += knobs.tooManyRequests
            if u < edge { return (.tooManyRequests, latency) }
            edge += knobs.serverError
            if u < edge {
                let codes: [HTTPResponse.Status] = [.internalServerError, .badGateway, .serviceUnavailable]
                return (.serverError(codes[Int(g.next() % 3)]), latency)
            }
            return (.none, latency)
        }
    }
}

/// Injects a service's faults (`--faults`): draws each request's latency and fault from the
/// service's ``FaultDraws`` and answers with an injected 429 (counted as `rate_limited_injected`),
/// a 5xx that echoes the request's headers, a held-then-closed connection (timeout) or a body cut
/// halfway (reset); a request without a fault goes on. Shared by every stand-in: add it on the
/// service's route group right after ``RequestCountMiddleware``, before ``AuthMiddleware`` and
/// ``RateLimitMiddleware``.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    /// The service's statistics, fault draws and hold time.
    let runtime: ServiceRuntime

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        let (fault, latency) = runtime.faults.draw()
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        switch fault {
        case .none:
            return try await next(request, context)
        case .tooManyRequests:
            runtime.recordInjectedRateLimit()
            return FaultResponses.tooManyRequests(runtime.standIn)
        case .serverError(let status):
            // A careless server echoes what it got, headers included: clients must never log such a body as is.
            let echoed = request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "; ")
            return FaultResponses.serverError(runtime.standIn, status, echo: echoed)
        case .timeout:
            let deadline = Timestamp.monotonic() + runtime.holdSeconds
            while Timestamp.monotonic() < deadline && !runtime.shutdown.withLock({ $0 }) {
                try await Task.sleep(
                    for: .milliseconds(min(100, max(1, Int((deadline - Timestamp.monotonic()) * 1000)))))
            }
            context.closeConnection()
            throw FaultClosedConnection()
        case .reset:
            let response = try await next(request, context)
            let box = Locked<[UInt8]>([])
            try await response.body.write(CollectingWriter(box: box))
            let full = box.withLock { $0 }
            let partial = Array(full.prefix(full.count / 2))
            var headers = response.headers
            headers[.contentLength] = String(max(full.count, 1))
            let ctx = context
            return Response(
                status: response.status, headers: headers,
                body: ResponseBody(contentLength: max(full.count, 1)) { writer in
                    if !partial.isEmpty { try await writer.write(ByteBuffer(bytes: partial)) }
                    ctx.closeConnection()
                    throw FaultClosedConnection()
                })
        }
    }
}

/// Thrown after a fault closed the connection on purpose.
struct FaultClosedConnection: Error {}

/// Collects a response body's bytes (for a reset fault's partial body).
struct CollectingWriter: ResponseBodyWriter {
    let box: Locked<[UInt8]>
    mutating func write(_ buffer: ByteBuffer) async throws { box.withLock { $0 += buffer.readableBytesView } }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// The bodies of injected 429s and 5xxs, in each service's own error shape.
enum FaultResponses {
    static func tooManyRequests(_ standIn: any SandboxStandIn.Type) -> Response {
        standIn.errorResponse(
            .tooManyRequests, "Rate limit exceeded (injected by the sandbox)", headers: [.retryAfter: "1"])
    }

    static func serverError(_ standIn: any SandboxStandIn.Type, _ status: HTTPResponse.Status, echo: String = "")
        -> Response
    {
        var message = "\(status.code) \(status.reasonPhrase) (injected by the sandbox)"
        if !echo.isEmpty { message += "; request headers were: " + echo }
        return standIn.errorResponse(status, message, headers: [:])
    }
}
