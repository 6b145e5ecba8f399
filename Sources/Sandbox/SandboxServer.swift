import Foundation
import Hummingbird
internal import Logging
internal import NIOCore
import OrderedJSON

/// The sandbox: the stand-ins `SandboxStandIns` lists, on one loopback port, each under its own
/// path (`/<service>`), plus `GET /_sandbox/stats`.
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
        for standIn in SandboxStandIns.all where configuration.services.contains(standIn.service) {
            let runtime = ServiceRuntime(
                standIn: standIn, knobs: configuration.faults[standIn.service], seed: configuration.seed,
                holdSeconds: configuration.settings.holdSeconds, shutdown: shutdown)
            let store = try standIn.register(on: router, configuration: configuration, runtime: runtime)
            stores.append((standIn.service, store, runtime))
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
                members.append((service.rawValue, .obj(entry)))
            }
            return Reply.json(.ok, .obj(members))
        }
        // A stand-in for the catalog's image CDN: any path answers a small PNG, except under /missing/ (404).
        router.get("_sandbox/images/**") { request, _ -> Response in
            if request.uri.path.contains("/missing/") {
                return Response(status: .notFound, body: ResponseBody(byteBuffer: ByteBuffer(string: "not found")))
            }
            return Response(
                status: .ok, headers: [.contentType: "image/png"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: SandboxImages.png)))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "catalog-etl.sandbox")
        // Shutdown of a server cancelled mid-request logs harmless errors; only critical ones are worth showing.
        logger.logLevel = .critical
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

/// The sandbox's image CDN stand-in (`GET /_sandbox/images/<host>/<path>`).
public enum SandboxImages {
    /// A valid 1×1 PNG.
    public static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
        0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
        0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
        0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    /// Where the sandbox at `root` serves the image of `url` (`https://cdn.x/a/b.jpg` →
    /// `<root>/_sandbox/images/cdn.x/a/b.jpg`), or nil when `url` is not an http(s) URL.
    public static func mirror(_ url: String, root: String) -> String? {
        for scheme in ["https://", "http://"] where url.lowercased().hasPrefix(scheme) {
            return root + "/_sandbox/images/" + url.dropFirst(scheme.count)
        }
        return nil
    }
}
