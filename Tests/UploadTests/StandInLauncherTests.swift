import ETLCore
import ETLTestSupport
import Foundation
import Sandbox
import Testing

/// The tests' own ``StandInLauncher``: an in-process sandbox per connection, with the settings a test
/// chooses (ETLCore does not know the sandbox; the executable and the tests each pass one in).
struct TestStandIns: StandInLauncher {
    /// The settings every started sandbox gets.
    var settings = SandboxSettings()

    func start(service: String, stateDirectory: String) async throws -> any StandIn {
        guard let s = SandboxService(rawValue: service) else { throw CocoaError(.featureUnsupported) }
        let server = try await TestSandbox.start(
            SandboxConfiguration(port: 0, services: [s], stateDirectory: stateDirectory, settings: settings))
        return TestStandIn(server: server, service: s)
    }
}

/// A sandbox a ``TestStandIns`` started.
struct TestStandIn: StandIn {
    let server: TestSandbox
    let service: SandboxService

    var origin: String { server.baseURL(for: service) }
    var rootURL: String { server.rootURL }
    var stateDirectory: String { server.configuration?.stateDirectory ?? "" }
    func stop() async { await server.shutdown() }
}

@Suite("stand-in launcher")
struct StandInLauncherTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func pipeline(_ name: String) throws -> Pipeline {
        try PipelineLoader.load(path: root.appendingPathComponent("pipelines/ss26-\(name).yaml").path, environment: [:])
    }

    @Test(arguments: ["sartiq", "wickson"])
    func endpointSandboxStartsTheLauncherTheCallerPassed(_ name: String) async throws {
        let out = TemporaryFolder.make("standin")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var upload = UploadOptions()
        upload.standIns = TestStandIns()
        let report = try await PipelineRunner.checkConnection(try Self.pipeline(name), outputRoot: out, upload: upload)
        #expect(report.sandbox)
        #expect(report.text.contains("the built-in sandbox"), "\(report.text)")
        #expect(report.text.contains("credentials accepted"), "\(report.text)")
    }

    @Test func withoutALauncherEndpointSandboxIsARemoteFailure() async throws {
        let out = TemporaryFolder.make("standin")
        defer { try? FileManager.default.removeItem(atPath: out) }
        await #expect(throws: RemoteFailure.self) {
            _ = try await PipelineRunner.checkConnection(
                try Self.pipeline("sartiq"), outputRoot: out, upload: UploadOptions())
        }
    }
}
