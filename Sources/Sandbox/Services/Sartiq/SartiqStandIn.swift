import Foundation
import HTTPTypes
import Hummingbird

/// The Sartiq stand-in as the registry sees it.
enum SartiqStandIn: SandboxStandIn {
    static let service = SandboxService.sartiq
    static let apiRoot = "/api/v1"
    static var credentialsDescription: String {
        "POST /sartiq/api/v1/login/access-token username=\(SandboxCredentials.email) password=\(SandboxCredentials.password)"
    }

    static let tokenTTL = SandboxSetting("sartiqTokenTTL", default: 3600.0)
    static let requestsPerSecond = SandboxSetting("sartiqRequestsPerSecond", default: 20)
    static let maxListLimit = SandboxSetting("sartiqMaxListLimit", default: 1000)
    static let exportStepSeconds = SandboxSetting("sartiqExportStepSeconds", default: 0.2)
    static let settings: [SandboxSetting] = [
        tokenTTL,
        requestsPerSecond,
        maxListLimit,
        exportStepSeconds,
    ]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.detail(status, message, headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try SartiqStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        SartiqRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}

extension SandboxService {
    /// Sartiq Backend Server products API, under `/sartiq`.
    public static let sartiq = SandboxService(name: "sartiq")
}

/// The Sartiq stand-in's limits and delays (`--setting NAME=VALUE`).
extension SandboxSettings {
    /// Sartiq: access-token lifetime in seconds (found: 1 h, docs.sartiq.com authentication).
    public var sartiqTokenTTL: Double {
        get { self[SartiqStandIn.tokenTTL] }
        set { self[SartiqStandIn.tokenTTL] = newValue }
    }

    /// Sartiq: requests per second per token before 429 (unknown: our choice).
    public var sartiqRequestsPerSecond: Int {
        get { self[SartiqStandIn.requestsPerSecond] }
        set { self[SartiqStandIn.requestsPerSecond] = newValue }
    }

    /// Sartiq: largest `limit` accepted by `GET /products/`; above → 422 (unknown: our choice).
    public var sartiqMaxListLimit: Int {
        get { self[SartiqStandIn.maxListLimit] }
        set { self[SartiqStandIn.maxListLimit] = newValue }
    }

    /// Sartiq: seconds per export-task status step PENDING → PROCESSING → COMPLETED (unknown: our choice).
    public var sartiqExportStepSeconds: Double {
        get { self[SartiqStandIn.exportStepSeconds] }
        set { self[SartiqStandIn.exportStepSeconds] = newValue }
    }
}
