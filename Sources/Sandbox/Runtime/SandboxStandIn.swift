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
