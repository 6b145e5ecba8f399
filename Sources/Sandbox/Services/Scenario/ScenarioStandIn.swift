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
