import Foundation
import Hummingbird
internal import Logging
internal import NIOCore

/// The sandbox: local stand-ins of the five services on one loopback port, under `/pixyle`,
/// `/sartiq`, `/mixpeek`, `/wickson` and `/scenario`, plus `GET /_sandbox/stats`.
///
/// Start it in-process with ``start(_:)`` and stop it with ``stop()``; the CLI uses ``run(_:onStarted:)``,
/// which also stops on SIGINT and SIGTERM.
public final class SandboxServer: Sendable {
    /// The bound port.
    public let port: Int
    /// The configuration it was started with (with the bound port).
    public let configuration: SandboxConfiguration
    private let task: Task<Void, any Error>
    private let shutdown: Locked<Bool>

    private init(port: Int, configuration: SandboxConfiguration, task: Task<Void, any Error>, shutdown: Locked<Bool>) {
        self.port = port
        self.configuration = configuration
        self.task = task
        self.shutdown = shutdown
    }

    /// The root URL, e.g. `http://127.0.0.1:8089`.
    public var rootURL: String { "http://\(configuration.host):\(port)" }

    /// The base URL of a service as its clients configure it, e.g. `http://127.0.0.1:8089/pixyle`.
    /// - Parameter service: The service.
    /// - Returns: The URL without a trailing slash.
    public func baseURL(for service: SandboxService) -> String { rootURL + service.prefix }

    /// Starts a sandbox in this process and returns once it listens.
    /// - Parameter configuration: What to serve; port 0 picks a free port.
    /// - Returns: The running sandbox.
    /// - Throws: ``SandboxSpecError`` when the state folder cannot be used, or the bind error.
    public static func start(_ configuration: SandboxConfiguration) async throws -> SandboxServer {
        let shutdown = Locked(false)
        let (application, portStream, continuation) = try makeApplication(configuration, shutdown: shutdown)
        let task = Task {
            defer { continuation.finish() }
            try await application.runService(gracefulShutdownSignals: [])
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            throw SandboxSpecError("sandbox: the server stopped before it listened; see the log above")
        }
        var bound = configuration
        bound.port = port
        return SandboxServer(port: port, configuration: bound, task: task, shutdown: shutdown)
    }

    /// Stops the sandbox: held requests are released and the server shuts down.
    public func stop() async {
        shutdown.withLock { $0 = true }
        task.cancel()
        _ = try? await task.value
    }

    /// Runs a sandbox until SIGINT or SIGTERM (the CLI's `catalog-etl sandbox`).
    /// - Parameters:
    ///   - configuration: What to serve.
    ///   - onStarted: Called with the bound port once the server listens.
    /// - Throws: ``SandboxSpecError`` when the state folder cannot be used, or the bind error.
    public static func run(_ configuration: SandboxConfiguration, onStarted: @escaping @Sendable (Int) -> Void)
        async throws
    {
        let shutdown = Locked(false)
        let (application, portStream, continuation) = try makeApplication(configuration, shutdown: shutdown)
        defer { continuation.finish() }
        let watcher = Task {
            for await port in portStream { onStarted(port) }
        }
        defer { watcher.cancel() }
        try await application.runService()
    }

    static func makeApplication(_ configuration: SandboxConfiguration, shutdown: Locked<Bool>) throws -> (
        some ApplicationProtocol, AsyncStream<Int>, AsyncStream<Int>.Continuation
    ) {
        if let directory = configuration.stateDirectory {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SandboxSpecError(
                    "--state: cannot create the folder \"\(directory)\" (\(error.localizedDescription)); choose a writable folder"
                )
            }
        }
        let router = Router(context: SandboxRequestContext.self)
        var stores: [(SandboxService, any ServiceStore, ServiceRuntime)] = []
        let settings = configuration.settings
        for service in SandboxService.allCases where configuration.services.contains(service) {
            let runtime = ServiceRuntime(
                service: service, knobs: configuration.faults[service], seed: configuration.seed,
                holdSeconds: settings.holdSeconds, shutdown: shutdown)
            let file = StateFile(directory: configuration.stateDirectory, service: service)
            let plan = configuration.plant[service]
            let seed = configuration.seed
            switch service {
            case .pixyle:
                let store = try PixyleStore(settings: settings, plan: plan, seed: seed, file: file)
                PixyleRoutes.register(on: router, store: store, runtime: runtime, settings: settings)
                stores.append((service, store, runtime))
            case .sartiq:
                let store = try SartiqStore(settings: settings, plan: plan, seed: seed, file: file)
                SartiqRoutes.register(on: router, store: store, runtime: runtime, settings: settings)
                stores.append((service, store, runtime))
            case .mixpeek:
                let store = try MixpeekStore(settings: settings, plan: plan, seed: seed, file: file)
                MixpeekRoutes.register(on: router, store: store, runtime: runtime, settings: settings)
                stores.append((service, store, runtime))
            case .wickson:
                let store = try WicksonStore(settings: settings, plan: plan, seed: seed, file: file)
                WicksonRoutes.register(on: router, store: store, runtime: runtime, settings: settings)
                stores.append((service, store, runtime))
            case .scenario:
                let store = try ScenarioStore(settings: settings, plan: plan, seed: seed, file: file)
                ScenarioRoutes.register(on: router, store: store, runtime: runtime, settings: settings)
                stores.append((service, store, runtime))
            }
        }
        let registered = stores
        router.get("_sandbox/stats") { _, _ -> Response in
            var members: [(String, JSONValue)] = []
            for (service, store, runtime) in registered {
                var entry: [(String, JSONValue)] = [
                    ("items", .int(await store.itemCount())),
                    ("duplicate_keys", .int(await store.duplicateKeyCount())),
                ]
                entry += runtime.statsMembers()
                entry.append(("planted", await store.plantedReport()))
                members.append((service.rawValue, .object(entry)))
            }
            return Reply.json(.ok, .object(members))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "catalog-etl.sandbox")
        logger.logLevel = .error
        let application = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "catalog-etl-sandbox"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? configuration.port)
                continuation.finish()
            },
            logger: logger)
        return (application, stream, continuation)
    }
}
