import Foundation
import HTTPTypes
import Hummingbird

/// What a stand-in's credential check decided for one request.
enum AuthDecision: Sendable {
    /// Accepted; `key` names the client (its token or key) for the rate limit.
    case accepted(key: String)
    /// Refused with this answer, in the stand-in's own error shape.
    case denied(Response)
}

/// Checks each request's credentials with the stand-in's own check (bearer token, `X-Api-Key`,
/// HTTP Basic, login tokens with a TTL) and answers with the stand-in's refusal when it fails.
///
/// An accepted request goes on with the client's key in ``SandboxRequestContext/clientKey``, where
/// ``RateLimitMiddleware`` finds it. Add it on the route group that needs credentials (login
/// routes stay outside it).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    /// The stand-in's credential check.
    let check: @Sendable (Request) async -> AuthDecision

    /// Creates the middleware.
    /// - Parameter check: The stand-in's credential check.
    init(_ check: @escaping @Sendable (Request) async -> AuthDecision) {
        self.check = check
    }

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        switch await check(request) {
        case .denied(let response):
            return response
        case .accepted(let key):
            var context = context
            context.clientKey = key
            return try await next(request, context)
        }
    }
}

/// What a stand-in's own rate limit decided for one request.
enum RateLimitDecision: Sendable {
    /// Go on; `headers` are set on the answer (e.g. `X-RateLimit-*`).
    case admitted(headers: HTTPFields)
    /// Refused with this 429 answer (`Retry-After` and the stand-in's other headers included).
    case limited(Response)
}

/// Applies a stand-in's own rate limit to the client that ``AuthMiddleware`` accepted, counts each
/// refusal as `rate_limited_own` in the service's stats and answers with the stand-in's 429.
///
/// Add it after ``AuthMiddleware`` on the route group the limit covers.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    /// The service's statistics.
    let runtime: ServiceRuntime
    /// Whether the limit covers this request (by default every request of the group).
    let applies: @Sendable (Request, SandboxRequestContext) -> Bool
    /// The stand-in's limit: admits or refuses one request of the client with this key.
    let admit: @Sendable (String) async -> RateLimitDecision

    /// Creates the middleware.
    /// - Parameters:
    ///   - runtime: The service's statistics.
    ///   - applies: Whether the limit covers a request.
    ///   - admit: The stand-in's limit, given the client's key.
    init(
        runtime: ServiceRuntime,
        applies: @escaping @Sendable (Request, SandboxRequestContext) -> Bool = { _, _ in true },
        admit: @escaping @Sendable (String) async -> RateLimitDecision
    ) {
        self.runtime = runtime
        self.applies = applies
        self.admit = admit
    }

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let key = context.clientKey, applies(request, context) else { return try await next(request, context) }
        switch await admit(key) {
        case .limited(let response):
            runtime.recordOwnRateLimit()
            return response
        case .admitted(let headers):
            var response = try await next(request, context)
            for field in headers { response.headers[field.name] = field.value }
            return response
        }
    }
}
