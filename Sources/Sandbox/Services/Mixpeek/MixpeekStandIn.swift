import Foundation
import HTTPTypes
import Hummingbird

/// The Mixpeek stand-in as the registry sees it.
enum MixpeekStandIn: SandboxStandIn {
    static let service = SandboxService.mixpeek
    static let apiRoot = "/v1"
    static var credentialsDescription: String {
        "Authorization: Bearer \(SandboxCredentials.mixpeekKey), any X-Namespace"
    }

    static let requestsPerSecond = SandboxSetting("mixpeekRequestsPerSecond", default: 10)
    static let batchStepSeconds = SandboxSetting("mixpeekBatchStepSeconds", default: 0.2)
    static let maxListLimit = SandboxSetting("mixpeekMaxListLimit", default: 100)
    static let settings: [SandboxSetting] = [
        requestsPerSecond,
        batchStepSeconds,
        maxListLimit,
    ]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.mixpeekError(
            status, message, type: status == .tooManyRequests ? "TooManyRequestsError" : "InternalServerError",
            headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try MixpeekStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        MixpeekRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}

extension SandboxService {
    /// Mixpeek buckets, batches and collections, under `/mixpeek`.
    public static let mixpeek = SandboxService(name: "mixpeek")
}

extension SandboxCredentials {
    /// Mixpeek API key (`Authorization: Bearer sk_sandbox`).
    public static let mixpeekKey = "sk_sandbox"
    /// Whether a Mixpeek key is accepted: `sk_sandbox` itself or any `sk_sandbox_…` (so a test can run
    /// with a unique canary key and then look for it in every output).
    public static func acceptsMixpeekKey(_ key: String) -> Bool {
        key == mixpeekKey || key.hasPrefix(mixpeekKey + "_")
    }
}

/// The Mixpeek stand-in's limits and delays (`--setting NAME=VALUE`).
extension SandboxSettings {
    /// Mixpeek: requests per second per key before 429 (Free tier rps; found, conflicting docs).
    public var mixpeekRequestsPerSecond: Int {
        get { self[MixpeekStandIn.requestsPerSecond] }
        set { self[MixpeekStandIn.requestsPerSecond] = newValue }
    }

    /// Mixpeek: seconds per batch status step PENDING → IN_PROGRESS → COMPLETED after submit (unknown: our choice).
    public var mixpeekBatchStepSeconds: Double {
        get { self[MixpeekStandIn.batchStepSeconds] }
        set { self[MixpeekStandIn.batchStepSeconds] = newValue }
    }

    /// Mixpeek: largest `limit` on list endpoints (`POST /collections/list`, buckets list; documents list: 1000, documented) (unknown: our choice).
    public var mixpeekMaxListLimit: Int {
        get { self[MixpeekStandIn.maxListLimit] }
        set { self[MixpeekStandIn.maxListLimit] = newValue }
    }
}
