import Foundation
import HTTPTypes
import Hummingbird

/// The Wickson stand-in as the registry sees it.
enum WicksonStandIn: SandboxStandIn {
    static let service = SandboxService.wickson
    static let apiRoot = "/v1"
    static var credentialsDescription: String { "X-Api-Key: \(SandboxCredentials.wicksonKey)" }

    static let requestsPerHour = SandboxSetting("wicksonRequestsPerHour", default: 1000)
    static let maxFileBytes = SandboxSetting("wicksonMaxFileBytes", default: 100 * 1024 * 1024)
    static let settings: [SandboxSetting] = [
        requestsPerHour,
        maxFileBytes,
    ]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.wicksonError(
            status, message, code: status == .tooManyRequests ? "RATE_LIMIT_EXCEEDED" : "PROCESSING_ERROR",
            headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try WicksonStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        WicksonRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}

extension SandboxService {
    /// Wickson media API, under `/wickson`.
    public static let wickson = SandboxService(name: "wickson")
}

extension SandboxCredentials {
    /// Wickson API key (`X-Api-Key: wk_sandbox`).
    public static let wicksonKey = "wk_sandbox"
}

/// The Wickson stand-in's limits and delays (`--setting NAME=VALUE`).
extension SandboxSettings {
    /// Wickson: requests per rolling hour per key (found: 1000, docs.wickson.ai rate limits).
    public var wicksonRequestsPerHour: Int {
        get { self[WicksonStandIn.requestsPerHour] }
        set { self[WicksonStandIn.requestsPerHour] = newValue }
    }

    /// Wickson: largest uploaded file in bytes: 100 MB (unknown: our choice).
    public var wicksonMaxFileBytes: Int {
        get { self[WicksonStandIn.maxFileBytes] }
        set { self[WicksonStandIn.maxFileBytes] = newValue }
    }
}
