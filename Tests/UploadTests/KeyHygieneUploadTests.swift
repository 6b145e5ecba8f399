import ETLCore
import ETLTestSupport
import Foundation
import Sandbox
import Testing

/// Keys that would merge in the ledger, or repeat in the file, never reach the service.
@Suite("key hygiene against the sandbox")
struct KeyHygieneUploadTests {
    static func pipeline(input: String, in dir: String) throws -> String {
        let path = dir + "/keys.yaml"
        try """
        name: keys
        stages:
          - read: { path: \(input), key: SKU }
          - normalise:
              fields: { sku: SKU, name: Style Name, cover_image: Cover Image }
          - validate: { against: sartiq.product_create, unique: [sku] }
          - upload:
              target: sartiq
              endpoint: ${SARTIQ_URL}
              username: ${SARTIQ_USERNAME:-demo@example.com}
              password: ${SARTIQ_PASSWORD:-sandbox}
              collection: Keys
              rate: 15/s
          - export: {}
          - reconcile: { compare: [name] }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aNULKeyAndARepeatedKeyAreQuarantinedAndNothingIsSentTwice() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let dir = TemporaryFolder.make("catalog-etl-upload")
        let csv = dir + "/keys.csv"
        let bytes =
            Array("SKU,Style Name,Cover Image\nA,Dress,https://x.example/a.jpg\nA".utf8) + [0]
            + Array(
                "B,Skirt,https://x.example/ab.jpg\nB,Top,https://x.example/b.jpg\nC,Coat,https://x.example/c.jpg\nB,Top again,https://x.example/b2.jpg\n"
                    .utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: csv))
        let file = try Self.pipeline(input: csv, in: dir)
        let env = sandboxEnvironment(server, .sartiq)
        let out = dir + "/out"
        let first = try await BinaryRunner.runAsync(["run", file, "--output", out], environment: env)
        let s = RunReport.summary(first)
        #expect(first.status == 1, "\(first.stdout)\n\(first.stderr)")
        #expect(s["rows_valid"] as? Int == 2)
        #expect(s["rows_quarantined"] as? Int == 3)
        #expect(RunReport.count(s, "upload", "created") == 2)
        #expect(first.stdout.contains("3 rows quarantined, more than max_quarantined: 0"))
        var stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == 2)
        #expect(statsCount(stats, "duplicate_keys") == 0)

        // The quarantine file fed back as it is: the repeated key stays out, nothing is overwritten.
        let quarantine = RunReport.runDirectory(first) + "quarantine.csv"
        let again = try await BinaryRunner.runAsync(
            ["run", file, "--output", out, "--input", quarantine], environment: env)
        let s2 = RunReport.summary(again)
        #expect(s2["rows_quarantined"] as? Int == 3, "\(again.stdout)\n\(again.stderr)")
        #expect(RunReport.count(s2, "upload", "sent") == 0)
        stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == 2)
        #expect(statsCount(stats, "duplicate_keys") == 0)
        let third = try await BinaryRunner.runAsync(["run", file, "--output", out], environment: env)
        #expect(RunReport.count(RunReport.summary(third), "upload", "sent") == 0, "\(third.stdout)")
        #expect(statsCount(try await sandboxStats(server, .sartiq), "items") == 2)
    }
}
