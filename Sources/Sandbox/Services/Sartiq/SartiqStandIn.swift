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
