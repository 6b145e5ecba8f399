import Foundation
import HTTPTypes
import Hummingbird

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

/// What a service's stand-in says about it (asked through the registry).
extension SandboxService {
    /// The registered stand-in's service of that name, or nil.
    public init?(rawValue: String) {
        guard SandboxStandIns.all.contains(where: { $0.service.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// Every registered service, in the order the CLI lists them.
    public static var allCases: [SandboxService] { SandboxStandIns.all.map { $0.service } }

    /// Orders services as the CLI prints them (registry order; unregistered names last, by name).
    public static func < (lhs: SandboxService, rhs: SandboxService) -> Bool {
        let order = allCases
        let (l, r) = (order.firstIndex(of: lhs) ?? order.count, order.firstIndex(of: rhs) ?? order.count)
        return l != r ? l < r : lhs.rawValue < rhs.rawValue
    }

    /// The path, below ``prefix``, of the service's API root as clients configure it.
    public var apiRoot: String { SandboxStandIns.of(self).apiRoot }

    /// The fixed credentials this stand-in accepts, as one line of text.
    public var credentialsDescription: String { SandboxStandIns.of(self).credentialsDescription }
}

extension SandboxSettings {
    /// Every setting `--setting` accepts: each stand-in's, in registry order, then `holdSeconds`.
    static var all: [SandboxSetting] { SandboxStandIns.all.flatMap { $0.settings } + [hold] }
}
