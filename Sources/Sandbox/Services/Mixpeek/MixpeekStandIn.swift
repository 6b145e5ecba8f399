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
