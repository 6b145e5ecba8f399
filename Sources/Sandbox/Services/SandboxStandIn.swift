import Foundation
import HTTPTypes
import Hummingbird

/// One service's stand-in: its routes and store (in `Services/<Service>/`), its API root, the
/// credentials it accepts and the shape of its error answers.
///
/// ``SandboxServer`` serves every stand-in of ``SandboxStandIns/all`` that the configuration selects.
protocol SandboxStandIn: SendableMetatype {
    /// The service this stands in for.
    static var service: SandboxService { get }
    /// The path, below the service's prefix, of its API root as clients configure it.
    static var apiRoot: String { get }
    /// The fixed credentials it accepts, as one line of text.
    static var credentialsDescription: String { get }
    /// The limits and delays `--setting` may change, in the order `--setting bad=1` lists them
    /// (their typed accessors are ``SandboxSettings`` extensions in the stand-in's folder).
    static var settings: [SandboxSetting] { get }
    /// An error answer in the service's own shape.
    /// - Parameters:
    ///   - status: The status (429 or a 5xx when faults are injected).
    ///   - message: The message.
    ///   - headers: Extra headers, e.g. `Retry-After`.
    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response
    /// Opens the store (replaying its state) and registers the routes.
    /// - Returns: The store, for `/_sandbox/stats`.
    /// - Throws: ``SandboxSpecError`` when the state cannot be read.
    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore
}

extension SandboxStandIn {
    /// None.
    static var settings: [SandboxSetting] { [] }
}

/// The registry of stand-ins: adding a service is a folder under `Services/` (its stand-in, which
/// names its ``SandboxService`` and declares its settings and credentials) and one line in ``builtIn``.
enum SandboxStandIns {
    /// The built-in stand-ins, in the order the CLI lists services.
    static let builtIn: [any SandboxStandIn.Type] = [
        PixyleStandIn.self,
        SartiqStandIn.self,
        MixpeekStandIn.self,
        WicksonStandIn.self,
        ScenarioStandIn.self,
    ]

    /// Every stand-in: the built-in ones, then those added for the current task (see ``with(_:_:)``).
    static var all: [any SandboxStandIn.Type] { builtIn + added }

    /// The stand-in of a service.
    static func of(_ service: SandboxService) -> any SandboxStandIn.Type {
        guard let standIn = all.first(where: { $0.service == service }) else {
            preconditionFailure("no stand-in for \(service.rawValue) registered")
        }
        return standIn
    }

    /// Runs `body` with `standIns` registered after the built-in ones, for this task and the tasks it
    /// starts only (a test's own stand-in is seen by nothing else running at the same time). A
    /// server started inside keeps serving them after `body` returns.
    static func with<T>(_ standIns: [any SandboxStandIn.Type], _ body: () async throws -> T) async rethrows -> T {
        precondition(
            standIns.allSatisfy { s in !builtIn.contains { $0.service == s.service } },
            "a stand-in of that name is built in")
        return try await $added.withValue(added + standIns, operation: body)
    }

    @TaskLocal private static var added: [any SandboxStandIn.Type] = []
}
