import Foundation
import HTTPTypes
import Hummingbird

/// The Wickson stand-in as the registry sees it.
enum WicksonStandIn: SandboxStandIn {
    static let service = SandboxService.wickson
    static let apiRoot = "/v1"
    static var credentialsDescription: String { "X-Api-Key: \(SandboxCredentials.wicksonKey)" }

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
