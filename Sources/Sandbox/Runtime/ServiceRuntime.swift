import Foundation
import Hummingbird
import OrderedJSON

/// Per-service request statistics and fault injection, shared by the service's middleware and store.
final class ServiceRuntime: Sendable {
    struct Stats {
        var requests: [String: Int] = [:]
        var rateLimitedOwn = 0
        var rateLimitedInjected = 0
        var recent: [Double] = []
        var recentStart = 0
        var maxIn1s = 0
    }

    let standIn: any SandboxStandIn.Type
    let service: SandboxService
    let knobs: FaultSpec.Knobs
    let holdSeconds: Double
    private let stats = Locked(Stats())
    private let random: Locked<SeededGenerator>
    let shutdown: Locked<Bool>

    init(
        standIn: any SandboxStandIn.Type, knobs: FaultSpec.Knobs, seed: UInt64, holdSeconds: Double,
        shutdown: Locked<Bool>
    ) {
        self.standIn = standIn
        self.service = standIn.service
        self.knobs = knobs
        self.holdSeconds = holdSeconds
        self.random = Locked(SeededGenerator(seed: seed, stream: "faults:" + service.rawValue))
        self.shutdown = shutdown
    }

    /// Counts one request under `key` ("METHOD /path/template") and updates the 1-second peak.
    func recordRequest(_ key: String) {
        let now = Timestamp.monotonic()
        stats.withLock { s in
            s.requests[key, default: 0] += 1
            s.recent.append(now)
            while s.recentStart < s.recent.count && s.recent[s.recentStart] <= now - 1.0 { s.recentStart += 1 }
            s.maxIn1s = max(s.maxIn1s, s.recent.count - s.recentStart)
            if s.recentStart > 4096 {
                s.recent.removeFirst(s.recentStart)
                s.recentStart = 0
            }
        }
    }

    /// Counts a 429 the service's own limits gave.
    func recordOwnRateLimit() { stats.withLock { $0.rateLimitedOwn += 1 } }

    /// Counts a 429 the fault injector gave.
    func recordInjectedRateLimit() { stats.withLock { $0.rateLimitedInjected += 1 } }

    /// The statistics as JSON members (without items, duplicate keys and planting).
    func statsMembers() -> [(String, JSONValue)] {
        stats.withLock { s in
            let requests = s.requests.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int($0.value)) }
            return [
                ("requests", .obj(requests)), ("rate_limited_own", .int(s.rateLimitedOwn)),
                ("rate_limited_injected", .int(s.rateLimitedInjected)), ("max_requests_in_1s", .int(s.maxIn1s)),
            ]
        }
    }

    enum Fault {
        case none, timeout, reset, tooManyRequests, serverError(HTTPResponse.Status)
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

/// Counts each request of a service and injects its faults.
struct ServiceMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let runtime: ServiceRuntime

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = context.endpointPath ?? request.uri.path
        runtime.recordRequest("\(request.method.rawValue) \(path)")
        let (fault, latency) = runtime.draw()
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
