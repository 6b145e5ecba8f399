import Foundation
import Hummingbird
import OrderedJSON

/// Per-service request statistics and the service's seeded fault draws, shared by its middleware
/// (``RequestCountMiddleware``, ``FaultMiddleware``, ``RateLimitMiddleware``) and store.
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
    /// The service's fault draws (its share of the `--faults` spec, seeded per service).
    let faults: FaultDraws
    let holdSeconds: Double
    private let stats = Locked(Stats())
    let shutdown: Locked<Bool>

    init(
        standIn: any SandboxStandIn.Type, knobs: FaultSpec.Knobs, seed: UInt64, holdSeconds: Double,
        shutdown: Locked<Bool>
    ) {
        self.standIn = standIn
        self.service = standIn.service
        self.faults = FaultDraws(knobs: knobs, seed: seed, service: standIn.service)
        self.holdSeconds = holdSeconds
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
}

/// Counts each request of a service under "METHOD /path/template" (and the 1-second peak) in its
/// stats. Added first on each stand-in's route group, before ``FaultMiddleware``, so a request a
/// fault answers is counted too.
struct RequestCountMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    /// The service's statistics.
    let runtime: ServiceRuntime

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = context.endpointPath ?? request.uri.path
        runtime.recordRequest("\(request.method.rawValue) \(path)")
        return try await next(request, context)
    }
}
