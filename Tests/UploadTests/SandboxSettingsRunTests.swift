import ETLCore
import ETLTestSupport
import Foundation
import Testing

/// `upload.sandbox.settings`: a pipeline sets the built-in stand-in's settings (the names of
/// `catalog-etl sandbox --setting`) for `endpoint: sandbox`.
@Suite("upload.sandbox.settings")
struct SandboxSettingsRunTests {
    /// `pipelines/ss26-wickson.yaml` with `lines` after its collection line (and `endpoint` replaced
    /// when given), written under `dir`; returns the path and the 1-based line of the first added line.
    static func pipeline(in dir: String, adding lines: String, endpoint: String? = nil) throws -> (String, Int) {
        var text = try String(
            contentsOfFile: BinaryRunner.repositoryRoot + "/pipelines/ss26-wickson.yaml", encoding: .utf8)
        let anchor = "      collection: ss26-womenswear\n"
        #expect(text.contains(anchor))
        if let endpoint {
            text = text.replacingOccurrences(
                of: "endpoint: ${WICKSON_URL:-sandbox}", with: "endpoint: \(endpoint)")
        }
        let before = text.components(separatedBy: anchor)[0]
        let line = before.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        let path = dir + "/ss26-wickson.yaml"
        try text.replacingOccurrences(of: anchor, with: anchor + lines).write(
            toFile: path, atomically: true, encoding: .utf8)
        return (path, line)
    }

    @Test func theStandInStartsWithThePipelinesSetting() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try HostileServiceTests.smallInput(in: out, rows: 3)
        let (path, _) = try Self.pipeline(
            in: out, adding: "      sandbox:\n        settings: { wicksonMaxFileBytes: 10 }\n")
        let r = try await BinaryRunner.runAsync(
            ["run", path, "--output", out, "--input", input], environment: ["WICKSON_RATE": "50/s"])
        // The stand-in refuses every file larger than 10 bytes: each row is rejected with its message.
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        let dir = RunReport.runDirectory(r)
        let reconciliation = (try? String(contentsOfFile: dir + "reconciliation.csv", encoding: .utf8)) ?? ""
        #expect(reconciliation.components(separatedBy: "larger than 10 bytes").count - 1 == 3, "\(reconciliation)")

        // Without the setting the same rows are created (the default limit is documented: 50 MB).
        let plainOut = TemporaryFolder.make("catalog-etl-upload")
        let (plain, _) = try Self.pipeline(in: plainOut, adding: "")
        let clean = try await BinaryRunner.runAsync(
            ["run", plain, "--output", plainOut, "--input", input], environment: ["WICKSON_RATE": "50/s"])
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
    }

    @Test func anUnknownNameIsAnErrorAtItsLineListingTheNames() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let (path, line) = try Self.pipeline(
            in: out, adding: "      sandbox:\n        settings:\n          wicksonMaxFilebytes: 10\n")
        let r = try await BinaryRunner.runAsync(["check", path])
        #expect(r.status == 2, "\(r.stderr)")
        let text = r.stdout + r.stderr
        #expect(text.contains("\(path):\(line + 2):11"), "\(text)")
        #expect(text.contains("unknown sandbox setting \"wicksonMaxFilebytes\""), "\(text)")
        #expect(text.contains("did you mean \"wicksonMaxFileBytes\"?"), "\(text)")
        #expect(text.contains("pixyleUploadsPerSecond, pixyleMaxProcessing"), "\(text)")
    }

    @Test func sandboxWithAnotherEndpointIsAnError() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let (path, line) = try Self.pipeline(
            in: out, adding: "      sandbox:\n        settings: { pixyleUploadsPerSecond: 20 }\n",
            endpoint: "https://api.wickson.example")
        let r = try await BinaryRunner.runAsync(["check", path])
        #expect(r.status == 2, "\(r.stderr)")
        let text = r.stdout + r.stderr
        #expect(text.contains("\(path):\(line + 1):"), "\(text)")
        #expect(text.contains("applies only with endpoint: sandbox"), "\(text)")
    }
}
