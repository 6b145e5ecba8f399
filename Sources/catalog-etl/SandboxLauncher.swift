import ETLCore
import Sandbox

/// The built-in sandbox as ETLCore's ``StandInLauncher``: one in-process server per connection,
/// serving the one service on a free loopback port.
struct SandboxLauncher: StandInLauncher {
    /// Settings every started server begins with (port, services and state folder are set per start).
    var configuration = SandboxConfiguration(port: 0, services: [])

    /// The sandbox's `--setting` names.
    static var settingNames: [String] { SandboxSettings.names }

    /// The names `upload.sandbox.settings` may use: the sandbox's `--setting` names.
    var settingNames: [String] { Self.settingNames }

    func start(service: String, stateDirectory: String) async throws -> any StandIn {
        try await start(service: service, stateDirectory: stateDirectory, settings: [:])
    }

    /// Starts the sandbox with `settings` (the pipeline's `upload.sandbox.settings`) applied to the
    /// defaults, as `catalog-etl sandbox --setting NAME=VALUE` applies them.
    func start(service: String, stateDirectory: String, settings: [String: String]) async throws -> any StandIn {
        guard let s = SandboxService(rawValue: service) else { throw UnknownService(name: service) }
        var config = configuration
        if !settings.isEmpty {
            config.settings = try SandboxSettings.parse(
                settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        }
        config.port = 0
        config.services = [s]
        if config.stateDirectory == nil { config.stateDirectory = stateDirectory }
        let server = try await SandboxServer.start(config)
        return RunningSandbox(server: server, service: s)
    }

    /// A service the sandbox has no stand-in for.
    struct UnknownService: Error, CustomStringConvertible {
        var name: String
        var description: String { "the sandbox has no stand-in for \(name)" }
    }
}

/// A started ``SandboxServer`` as ETLCore's ``StandIn``.
struct RunningSandbox: StandIn {
    let server: SandboxServer
    let service: SandboxService

    var origin: String { server.baseURL(for: service) }
    var rootURL: String { server.rootURL }
    var stateDirectory: String { server.configuration.stateDirectory ?? "" }
    func stop() async { await server.stop() }
}
