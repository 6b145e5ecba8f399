import ETLTestSupport
public import Foundation
public import Sandbox

/// A sandbox for tests, started one of two ways and stopped the same way whichever it was:
///
/// - ``start(_:)``: an in-process ``SandboxServer`` on a free loopback port (client and stand-in
///   tests, which want the sandbox's settings as values);
/// - ``launch(_:faults:plant:seed:settings:)``: `catalog-etl sandbox` as its own process on a free
///   port, read from the line it prints, as a user starts it beside a run (end-to-end runs: its own
///   threads, so nothing in the test process can starve it).
public final class TestSandbox: @unchecked Sendable {
    /// The loopback port it listens on.
    public let port: Int
    private let server: SandboxServer?
    private let process: Process?

    private init(port: Int, server: SandboxServer?, process: Process?) {
        self.port = port
        self.server = server
        self.process = process
    }

    /// `http://127.0.0.1:<port>`, where `/_sandbox/stats` is.
    public var rootURL: String { server?.rootURL ?? "http://127.0.0.1:\(port)" }

    /// Where a client of `service` sends its requests.
    public func baseURL(for service: SandboxService) -> String { rootURL + service.prefix }

    /// The in-process sandbox's configuration; nil for a process.
    public var configuration: SandboxConfiguration? { server?.configuration }

    /// Starts an in-process sandbox with `configuration` (its port is chosen by the system).
    public static func start(_ configuration: SandboxConfiguration) async throws -> TestSandbox {
        var configuration = configuration
        configuration.port = 0
        let server = try await SandboxServer.start(configuration)
        return TestSandbox(port: server.port, server: server, process: nil)
    }

    /// Starts `catalog-etl sandbox` serving `service` as its own process, with the `--faults`,
    /// `--plant`, `--seed` and `--setting` options given, and waits (up to 30 s) for the port it prints.
    public static func launch(
        _ service: SandboxService, faults: String? = nil, plant: String? = nil, seed: Int = 1, settings: [String] = []
    ) throws -> TestSandbox {
        var args = ["sandbox", "--port", "0", "--services", service.rawValue, "--seed", String(seed)]
        if let faults { args += ["--faults", faults] }
        if let plant { args += ["--plant", plant] }
        for setting in settings { args += ["--setting", setting] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryRunner.path)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        var port = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let digits = text[range].split(separator: ":").last.map(String.init) ?? ""
                port = Int(digits) ?? 0
                break
            }
        }
        guard port > 0 else {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            throw SandboxSpecError("the sandbox did not start: \(text)")
        }
        return TestSandbox(port: port, server: nil, process: process)
    }

    /// Stops the sandbox and waits until it has: the in-process server stops, the process is
    /// terminated and reaped.
    public func shutdown() async {
        if let server { await server.stop() }
        stopProcess()
    }

    /// Stops the sandbox without suspending (for a `defer`): the process is terminated and reaped;
    /// an in-process server is asked to stop in the background.
    public func stop() {
        if let server { Task { await server.stop() } }
        stopProcess()
    }

    private func stopProcess() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
