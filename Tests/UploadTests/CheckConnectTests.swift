import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

/// `catalog-etl check FILE --connect` against the stand-ins: it logs in and reads, and says whether
/// the credentials, the endpoint and the collection are right, without writing anything.
@Suite("check --connect")
struct CheckConnectTests {
    /// Requests that only read or log in (Mixpeek searches its buckets and collections with POST).
    static func isRead(_ route: String) -> Bool {
        route.hasPrefix("GET ") || route.contains("login") || route.contains("token") || route.hasSuffix("/list")
    }

    @Test(arguments: ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"])
    func aFreshServiceIsReachedAndItsCollectionReportedMissingWithoutAnyWrite(_ name: String) async throws {
        let service = try #require(SandboxService(rawValue: name))
        let server = try TestSandbox.launch(service)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let r = try await BinaryRunner.runAsync(
            ["check", "pipelines/ss26-\(name).yaml", "--connect", "--output", out],
            environment: sandboxEnvironment(server, service))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("credentials accepted"), "\(r.stdout)")
        #expect(r.stdout.contains("does not exist yet"), "\(r.stdout)")
        let stats = try await sandboxStats(server, service)
        #expect(statsCount(stats, "items") == 0)
        let routes = (stats["requests"]?.objectValue ?? []).map(\.key)
        #expect(!routes.isEmpty)
        #expect(routes.allSatisfy(Self.isRead), "\(routes)")
        #expect(!FileManager.default.fileExists(atPath: Ledger.path(outputRoot: out, pipeline: "ss26-\(name)")))
    }

    @Test func theBuiltInSandboxIsStartedAndACollectionARunFilledIsReportedWithItsCount() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try HostileServiceTests.smallInput(in: out, rows: 5)
        let env = ["SARTIQ_RATE": "50/s"]
        let before = try await BinaryRunner.runAsync(
            ["check", "pipelines/ss26-sartiq.yaml", "--connect", "--output", out], environment: env)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.contains("the built-in sandbox"), "\(before.stdout)")
        #expect(before.stdout.contains("does not exist yet"), "\(before.stdout)")
        let run = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input, "--quiet"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        let after = try await BinaryRunner.runAsync(
            ["check", "pipelines/ss26-sartiq.yaml", "--connect", "--output", out], environment: env)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains(#"brand collection "SS26 Riviera" exists and holds 5 items"#), "\(after.stdout)")
    }

    @Test func refusedCredentialsAndAnUnreachableEndpointExit4() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let password = "wrong-password-0815"
        let refused = try await BinaryRunner.runAsync(
            ["check", "pipelines/ss26-sartiq.yaml", "--connect", "--output", out],
            environment: ["SARTIQ_PASSWORD": password])
        #expect(refused.status == 4, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("Sartiq refused the login"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(password) && !refused.stdout.contains(password))

        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let started = Date()
        let unreachable = try await BinaryRunner.runAsync(
            ["check", "pipelines/ss26-wickson.yaml", "--connect", "--output", out],
            environment: ["WICKSON_URL": "http://127.0.0.1:1"])
        #expect(unreachable.status == 4, "\(unreachable.stdout)\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("Wickson at http://127.0.0.1:1 did not answer"), "\(unreachable.stderr)")
        #expect(Date().timeIntervalSince(started) < 30, "an unreachable endpoint is reported quickly")
    }
}
