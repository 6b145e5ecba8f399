import ETLTestSupport
import Foundation
import Sandbox
import Testing

/// `--log-format json` as a scheduler reads it: every line of both streams one JSON object with the
/// same first keys, for a clean run, a refused login, a pipeline file that does not load and a usage
/// error; `--verbose` retries name the key, the attempt and the wait.
@Suite("JSON logs of runs")
struct JSONLogRunTests {
    static let required = ["ts", "level", "run_id", "pipeline", "stage", "event"]

    /// Every line of both streams, parsed; records an issue for any line that is not a JSON object
    /// with the required keys (values non-null except where a run has none yet) and an RFC 3339
    /// timestamp with milliseconds.
    static func lines(_ out: BinaryRunner.Output, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]]
    {
        var parsed: [[String: Any]] = []
        for text in [out.stdout, out.stderr] {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    Issue.record("not a JSON object: \(line)", sourceLocation: sourceLocation)
                    continue
                }
                for key in required {
                    #expect(object[key] is String, "\(key) missing in \(line)", sourceLocation: sourceLocation)
                }
                #expect(line.hasPrefix(#"{"ts":""#), "ts comes first: \(line)", sourceLocation: sourceLocation)
                let ts = object["ts"] as? String ?? ""
                #expect(
                    ts.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "ts \(ts)",
                    sourceLocation: sourceLocation)
                parsed.append(object)
            }
        }
        #expect(!parsed.isEmpty, "no lines at all", sourceLocation: sourceLocation)
        return parsed
    }

    static func input(rows: Int) throws -> (dir: String, path: String) {
        let dir = TemporaryFolder.make("catalog-etl-upload")
        return (dir, try HostileServiceTests.smallInput(in: dir, rows: rows))
    }

    @Test func everyLineOfACleanRunIsAJSONObjectWithTheSameKeys() async throws {
        let (out, input) = try Self.input(rows: 6)
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input, "--log-format", "json"],
            environment: ["SARTIQ_RATE": "50/s"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = Self.lines(r)
        let ids = Set(lines.compactMap { $0["run_id"] as? String })
        #expect(ids.count == 1, "one run id on every line: \(ids)")
        #expect(Set(lines.compactMap { $0["pipeline"] as? String }) == ["ss26-sartiq"])
        let stages = Set(lines.compactMap { $0["stage"] as? String })
        for stage in ["read", "upload", "export", "reconcile"] { #expect(stages.contains(stage), "\(stages)") }
        let last = try #require(lines.last { $0["event"] as? String == "run_finished" })
        #expect(last["exit_code"] as? Int == 0)
        #expect((last["summary"] as? [String: Any])?["rows_read"] as? Int == 6)
        // The run folder is named by the run id of the lines.
        #expect((last["report"] as? String)?.contains(ids.first ?? "?") == true)
        #expect(r.stdout.split(separator: "\n").count == 1, "standard output holds the summary line only")
        let html = try String(contentsOfFile: (last["report"] as? String ?? "") + "report.html", encoding: .utf8)
        #expect(html.contains(#"<div class="banner ok" role="status"><strong>All 6 rows were sent and 6 match"#))
        #expect(html.contains(#"<a href="reconciliation.csv">"#))
    }

    @Test func aRefusedLoginEndsWithAJSONErrorLineAndExit4() async throws {
        let (out, input) = try Self.input(rows: 3)
        let password = "not-the-password-4711"
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input, "--log-format", "json"],
            environment: ["SARTIQ_RATE": "50/s", "SARTIQ_PASSWORD": password])
        #expect(r.status == 4, "\(r.stderr)")
        let lines = Self.lines(r)
        let failure = try #require(lines.last { $0["event"] as? String == "remote_failed" }, "\(r.stderr)")
        #expect(failure["level"] as? String == "error")
        #expect(failure["exit_code"] as? Int == 4)
        #expect((failure["message"] as? String)?.contains("401") == true)
        #expect(!r.stdout.contains(password) && !r.stderr.contains(password))
        let run = try #require(
            try FileManager.default.contentsOfDirectory(atPath: out + "/ss26-sartiq").first { $0.hasPrefix("2") })
        let html = try String(contentsOfFile: out + "/ss26-sartiq/\(run)/report.html", encoding: .utf8)
        #expect(html.contains(#"<div class="banner bad" role="status"><strong>The run stopped: "#))
        #expect(!html.contains(password))
    }

    @Test func aPipelineFileThatDoesNotLoadIsAJSONLineToo() async throws {
        let dir = TemporaryFolder.make("catalog-etl-upload")
        let file = dir + "/broken.yaml"
        try """
        name: broken
        stages:
          - read: { path: x.csv }
          - normalize: {}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try await BinaryRunner.runAsync(["run", file, "--log-format", "json", "--output", dir])
        #expect(r.status == 2)
        let lines = Self.lines(r)
        let error = try #require(lines.first { $0["event"] as? String == "config_error" }, "\(r.stderr)")
        #expect(error["pipeline"] as? String == "broken")
        #expect(error["exit_code"] as? Int == 2)
        #expect((error["message"] as? String)?.contains("normalize") == true)

        let missing = dir + "/needs-env.yaml"
        try """
        name: needs-env
        stages:
          - read: { path: x.csv }
          - upload:
              target: sartiq
              endpoint: sandbox
              username: ${CATALOG_ETL_TEST_UNSET_USER:?set the Sartiq user}
              password: x
        """.write(toFile: missing, atomically: true, encoding: .utf8)
        let unset = try await BinaryRunner.runAsync(["run", missing, "--log-format=json", "--output", dir])
        #expect(unset.status == 2)
        #expect(Self.lines(unset).contains { $0["event"] as? String == "config_error" }, "\(unset.stderr)")

        let usage = try await BinaryRunner.runAsync(["run", file, "--log-format", "json", "--no-such-flag"])
        #expect(usage.status == 2)
        #expect(Self.lines(usage).contains { $0["event"] as? String == "usage_error" }, "\(usage.stderr)")
    }

    @Test func verboseRetriesNameTheKeyTheAttemptAndTheWait() async throws {
        // One stand-in per run, with the same seed: both runs meet the same 429s.
        func server() throws -> TestSandbox { try TestSandbox.launch(.sartiq, faults: "sartiq:429=0.35", seed: 3) }
        let first = try server()
        defer { first.stop() }
        let (out, input) = try Self.input(rows: 8)
        var env = sandboxEnvironment(first, .sartiq)
        env["SARTIQ_RATE"] = "20/s"
        let json = try await BinaryRunner.runAsync(
            [
                "run", "pipelines/ss26-sartiq.yaml", "--output", out + "/json", "--input", input, "--log-format",
                "json",
            ], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let finished = try #require(Self.lines(json).last { $0["event"] as? String == "run_finished" })
        let html = try String(
            contentsOfFile: (finished["report"] as? String ?? "") + "report.html", encoding: .utf8)
        #expect(
            html.contains(/<div class="card warn"><b>[1-9][0-9]*<\/b>rate limited<\/div>/), "rate limiting is not green"
        )
        let retries = Self.lines(json).filter { $0["event"] as? String == "retry" }
        let keyed = retries.filter { !(($0["keys"] as? [String]) ?? []).isEmpty }
        #expect(!keyed.isEmpty, "no retry named its keys: \(json.stderr)")
        for r in keyed {
            #expect((r["attempt"] as? Int ?? 0) >= 1)
            #expect(r["max_attempts"] is Int)
            #expect(r["wait_seconds"] is NSNumber)
            #expect(((r["keys"] as? [String]) ?? []).allSatisfy { $0.hasPrefix("MA26-") })
        }

        let second = try server()
        defer { second.stop() }
        env["SARTIQ_URL"] = second.baseURL(for: .sartiq)
        let text = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out + "/text", "--input", input, "--verbose"],
            environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stderr.contains(/retry MA26-[A-Z0-9-]+.* \(attempt \d+ of \d+, waiting [0-9.]+ s\)/),
            "\(text.stderr)")
    }
}
