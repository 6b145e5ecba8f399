import Foundation
import HTTPTypes
import Hummingbird

/// The registry of stand-ins: adding a service is a folder under `Services/` and one line here
/// (and its case in ``SandboxService``).
enum SandboxStandIns {
    /// Every stand-in, in the order the CLI lists services.
    static let all: [any SandboxStandIn.Type] = [
        PixyleStandIn.self,
        SartiqStandIn.self,
        MixpeekStandIn.self,
        WicksonStandIn.self,
        ScenarioStandIn.self,
    ]

    /// The stand-in of a service.
    static func of(_ service: SandboxService) -> any SandboxStandIn.Type {
        all.first { $0.service == service }!
    }
}

/// What a service's stand-in says about it (asked through the registry).
extension SandboxService {
    /// The path, below ``prefix``, of the service's API root as clients configure it.
    public var apiRoot: String { SandboxStandIns.of(self).apiRoot }

    /// The fixed credentials this stand-in accepts, as one line of text.
    public var credentialsDescription: String { SandboxStandIns.of(self).credentialsDescription }
}
