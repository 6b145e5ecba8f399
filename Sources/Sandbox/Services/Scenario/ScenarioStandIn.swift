import Foundation
import HTTPTypes
import Hummingbird

/// The Scenario stand-in as the registry sees it.
enum ScenarioStandIn: SandboxStandIn {
    static let service = SandboxService.scenario
    static let apiRoot = "/v1"
    static var credentialsDescription: String {
        "HTTP Basic \(SandboxCredentials.scenarioKey):\(SandboxCredentials.scenarioSecret)"
    }

    static let requestsPerSecond = SandboxSetting("scenarioRequestsPerSecond", default: 10)
    static let maxImageBytes = SandboxSetting("scenarioMaxImageBytes", default: 6 * 1024 * 1024)
    static let settings: [SandboxSetting] = [
        requestsPerSecond,
        maxImageBytes,
    ]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.scenarioError(status, message, headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try ScenarioStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        ScenarioRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}

extension SandboxService {
    /// Scenario assets and collections, under `/scenario`.
    public static let scenario = SandboxService(name: "scenario")
}

extension SandboxCredentials {
    /// Scenario Basic-auth key.
    public static let scenarioKey = "sandbox"
    /// Scenario Basic-auth secret.
    public static let scenarioSecret = "sandbox"
}

/// The Scenario stand-in's limits and delays (`--setting NAME=VALUE`).
extension SandboxSettings {
    /// Scenario: requests per second per key before 429 (unknown: our choice).
    public var scenarioRequestsPerSecond: Int {
        get { self[ScenarioStandIn.requestsPerSecond] }
        set { self[ScenarioStandIn.requestsPerSecond] = newValue }
    }

    /// Scenario: largest decoded image accepted by `POST /assets`: 6 MB (found: docs.scenario.com uploading assets).
    public var scenarioMaxImageBytes: Int {
        get { self[ScenarioStandIn.maxImageBytes] }
        set { self[ScenarioStandIn.maxImageBytes] = newValue }
    }
}
