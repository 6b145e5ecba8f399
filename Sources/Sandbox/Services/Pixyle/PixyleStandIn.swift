import Foundation
import HTTPTypes
import Hummingbird

/// The Pixyle stand-in as the registry sees it.
enum PixyleStandIn: SandboxStandIn {
    static let service = SandboxService.pixyle
    static let apiRoot = "/main/v1"
    static var credentialsDescription: String {
        "POST /pixyle/auth/v1/token {\"email\":\"\(SandboxCredentials.email)\",\"password\":\"\(SandboxCredentials.password)\"}"
    }

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.pixyleError(status, message, headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try PixyleStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        PixyleRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}
