import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Reads what a run of the binary reported (its run folder and `summary.json`).
enum RunReport {
    /// The run folder named by the `report:` line.
    static func runDirectory(_ out: BinaryRunner.Output) -> String {
        let line = out.stdout.split(separator: "\n").last { $0.hasPrefix("report: ") }
        return line.map { String($0.dropFirst(8)) } ?? ""
    }

    /// `summary.json` of a run as a dictionary.
    static func summary(_ out: BinaryRunner.Output) -> [String: Any] {
        let path = runDirectory(out) + "summary.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    /// A top-level count of `summary.json` (`rows_valid`, …), or -1.
    static func count(_ summary: [String: Any], _ key: String) -> Int {
        (summary[key] as? NSNumber)?.intValue ?? -1
    }

    static func count(_ summary: [String: Any], _ section: String, _ key: String) -> Int {
        ((summary[section] as? [String: Any])?[key] as? NSNumber)?.intValue ?? -1
    }
}

/// A count from the sandbox's stats (`items`, `duplicate_keys`, …), or -1.
func statsCount(_ stats: JSONValue, _ key: String) -> Int { stats[key]?.integerValue ?? -1 }

/// Rates that stay under the sandbox's own limits while keeping the tests short.
let fastRates = [
    "SARTIQ_RATE": "15/s", "PIXYLE_RATE": "1/s", "MIXPEEK_RATE": "5/s", "WICKSON_RATE": "20/s", "SCENARIO_RATE": "8/s",
]

func sandboxEnvironment(_ server: TestSandbox, _ service: SandboxService) -> [String: String] {
    var env = fastRates
    env[service.rawValue.uppercased() + "_URL"] = server.baseURL(for: service)
    return env
}

/// `GET /_sandbox/stats` of one service of a sandbox (in-process or its own process).
func sandboxStats(_ server: TestSandbox, _ service: SandboxService) async throws -> JSONValue {
    try await sandboxStats(root: server.rootURL, service)
}

@Suite("upload runs against the sandbox")
struct UploadRunTests {
    /// Valid rows of the sample per target (both rows of its one repeated key are quarantined).
    static let valid: [String: Int] = ["sartiq": 309, "pixyle": 315, "mixpeek": 315, "wickson": 318, "scenario": 315]
    /// Rows the service itself refuses when they are sent: the sample's three images under /missing/
    /// answer 404, and Mixpeek and Scenario fetch images as they take them (Pixyle fetches later, while
    /// processing, so its refusals show in reconcile; Sartiq and Wickson take the URL as text).
    static let refusedOnUpload: [String: Int] = ["sartiq": 0, "pixyle": 0, "mixpeek": 3, "wickson": 0, "scenario": 3]

    @Test(arguments: ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"])
    func cleanRunPutsEveryValidRowOnTheServiceOnce(target: String) async throws {
        let service = try #require(SandboxService(rawValue: target))
        let server = try TestSandbox.launch(service)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-\(target).yaml", "--output", out], environment: sandboxEnvironment(server, service))
        let s = RunReport.summary(r)
        let valid = try #require(Self.valid[target])
        let refused = try #require(Self.refusedOnUpload[target])
        #expect(r.status == 1, "quarantined rows make the exit 1: \(r.stderr)")
        #expect(RunReport.count(s, "upload", "created") == valid - refused, "\(r.stdout)\n\(r.stderr)")
        #expect(RunReport.count(s, "upload", "failed") == refused)
        #expect(RunReport.count(s, "upload", "rate_limited") == 0, "a clean run never makes the service answer 429")
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        #expect(RunReport.count(s, "reconciliation", "failed") == 0)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0)
        #expect(RunReport.count(s, "reconciliation", "unexpected") == 0)
        #expect(
            RunReport.count(s, "reconciliation", "matched") + RunReport.count(s, "reconciliation", "mismatched")
                + RunReport.count(s, "reconciliation", "rejected") == valid)
        #expect(RunReport.count(s, "reconciliation", "rejected") >= refused)
        #expect(RunReport.count(s, "reconciliation", "quarantined") == 320 - valid)
        let stats = try await sandboxStats(server, service)
        #expect(statsCount(stats, "items") == valid - refused)
        #expect(statsCount(stats, "duplicate_keys") == 0)

        // The same command again sends nothing: every row is done with the same content, and what the
        // service refused stays refused until the row is fixed.
        let again = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-\(target).yaml", "--output", out], environment: sandboxEnvironment(server, service))
        let s2 = RunReport.summary(again)
        #expect(RunReport.count(s2, "upload", "sent") == 0, "\(again.stdout)")
        #expect(RunReport.count(s2, "upload", "unchanged") == valid - refused)
        #expect(RunReport.count(s2, "upload", "failed") == refused)
        #expect(RunReport.count(s2, "reconciliation", "duplicates") == 0)
        #expect(statsCount(try await sandboxStats(server, service), "items") == valid - refused)
    }

    @Test func faultsEndInTheSameStateWithNothingTwice() async throws {
        let server = try TestSandbox.launch(
            .sartiq, faults: "sartiq:429=0.1,5xx=0.05,reset=0.01,latency=100-300ms", seed: 7)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", "samples/ss26-womenswear.csv"],
            environment: sandboxEnvironment(server, .sartiq))
        let s = RunReport.summary(r)
        #expect(RunReport.count(s, "upload", "created") == 309, "\(r.stdout)\n\(r.stderr)")
        #expect(RunReport.count(s, "upload", "failed") == 0)
        #expect(RunReport.count(s, "upload", "retries") > 0)
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == 309)
        #expect(statsCount(stats, "duplicate_keys") == 0)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0)
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        #expect(RunReport.count(s, "reconciliation", "unexpected") == 0)
    }

    @Test func killedThreeTimesThenRerunEndsWithEachProductOnce() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        var env = sandboxEnvironment(server, .sartiq)
        env["SARTIQ_RATE"] = "10/s"
        let args = ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", "samples/ss26-womenswear.jsonl"]
        let ledgerPath = Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")
        // Killed while validating, early in the upload, and late in the upload.
        for doneBeforeKill in [-1, 40, 200] {
            let p = try BinaryRunner.start(args, environment: env, capture: out + "/kill\(doneBeforeKill)")
            if doneBeforeKill < 0 {
                try await Task.sleep(nanoseconds: 300_000_000)
            } else {
                let deadline = Date().addingTimeInterval(120)
                while Date() < deadline {
                    try await Task.sleep(nanoseconds: 100_000_000)
                    if FileManager.default.fileExists(atPath: ledgerPath),
                        let n = try? Ledger(path: ledgerPath).counts()[.done], n >= doneBeforeKill
                    {
                        break
                    }
                }
            }
            kill(p.process.processIdentifier, SIGKILL)
            await p.wait()
        }
        let r = try await BinaryRunner.runAsync(args, environment: env)
        let s = RunReport.summary(r)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(RunReport.count(s, "upload", "failed") == 0)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0, "\(r.stdout)")
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        #expect(RunReport.count(s, "reconciliation", "unexpected") == 0)
        #expect(
            RunReport.count(s, "reconciliation", "matched") + RunReport.count(s, "reconciliation", "mismatched") == 309)
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == 309)
        #expect(statsCount(stats, "duplicate_keys") == 0)
    }

    @Test func rerunAfterEditingThreeRowsSendsExactlyThreeUpdates() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let original = try String(
            contentsOfFile: Repository.root + "/samples/ss26-womenswear.jsonl", encoding: .utf8)
        // The first 40 records keep the test short.
        var lines = Array(original.components(separatedBy: "\n").prefix(40))
        let input = out + "/catalog.jsonl"
        try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let env = sandboxEnvironment(server, .sartiq)
        let first = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input], environment: env)
        let created = RunReport.count(RunReport.summary(first), "upload", "created")
        #expect(created > 30, "\(first.stdout)\n\(first.stderr)")
        var edited = 0
        for i in lines.indices where edited < 3 {
            // "Style Name": "…" → "Style Name": "… Edited" (the records keep every other byte).
            guard let r = lines[i].range(of: #""Style Name": "[^"]+""#, options: .regularExpression) else { continue }
            var field = String(lines[i][r])
            field.removeLast()
            lines[i].replaceSubrange(r, with: field + " Edited\"")
            edited += 1
        }
        #expect(edited == 3)
        try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let second = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input], environment: env)
        let s = RunReport.summary(second)
        #expect(RunReport.count(s, "upload", "updated") == 3, "\(second.stdout)\n\(second.stderr)")
        #expect(RunReport.count(s, "upload", "sent") == 3)
        #expect(RunReport.count(s, "upload", "created") == 0)
        #expect(RunReport.count(s, "upload", "unchanged") == created - 3)
        #expect(RunReport.count(s, "reconciliation", "mismatched") == 0, "the service now holds the edited names")
    }

    @Test func aFileCorruptNearItsEndUploadsNothing() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let original = try String(
            contentsOfFile: Repository.root + "/samples/ss26-womenswear.csv", encoding: .utf8)
        let input = out + "/truncated.csv"
        try (original + "\"SKU-TRUNCATED,never closed").write(toFile: input, atomically: true, encoding: .utf8)
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input],
            environment: sandboxEnvironment(server, .sartiq))
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("nothing was uploaded"))
        #expect(statsCount(try await sandboxStats(server, .sartiq), "items") == 0, "no product reached the service")
    }

    @Test func theTokenNeverReachesAnOutputFileALogOrTheLedger() async throws {
        let canary = "sk_sandbox_canary_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let wrong = "sk_wrong_canary_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let server = try TestSandbox.launch(.mixpeek)
        let faulty = try TestSandbox.launch(.mixpeek, faults: "mixpeek:5xx=0.3", seed: 3)
        defer {
            server.stop()
            faulty.stop()
        }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = "samples/ss26-womenswear.csv"
        var outputs: [BinaryRunner.Output] = []
        var env = sandboxEnvironment(server, .mixpeek)
        env["MIXPEEK_API_KEY"] = canary
        outputs.append(
            try await BinaryRunner.runAsync(
                ["run", "pipelines/ss26-mixpeek.yaml", "--output", out, "--input", input], environment: env))
        outputs.append(
            try await BinaryRunner.runAsync(
                [
                    "run", "pipelines/ss26-mixpeek.yaml", "--output", out, "--input", input, "--verbose",
                    "--full-refresh",
                ],
                environment: env))
        var bad = env
        bad["MIXPEEK_API_KEY"] = wrong
        let refused = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-mixpeek.yaml", "--output", out + "/refused", "--input", input, "--verbose"],
            environment: bad)
        #expect(refused.status == 4, "\(refused.stderr)")
        outputs.append(refused)
        var echoing = sandboxEnvironment(faulty, .mixpeek)
        echoing["MIXPEEK_API_KEY"] = canary
        outputs.append(
            try await BinaryRunner.runAsync(
                [
                    "run", "pipelines/ss26-mixpeek.yaml", "--output", out + "/echo", "--input", input, "--verbose",
                    "--log-format", "json",
                ],
                environment: echoing))
        for o in outputs {
            #expect(!o.stdout.contains(canary) && !o.stderr.contains(canary))
            #expect(!o.stdout.contains(wrong) && !o.stderr.contains(wrong))
        }
        var files = 0
        let enumerator = FileManager.default.enumerator(atPath: out)
        while let name = enumerator?.nextObject() as? String {
            let path = out + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            guard !name.hasPrefix("capture") else { continue }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            files += 1
            #expect(data.range(of: Data(canary.utf8)) == nil, "\(name) holds the token")
            #expect(data.range(of: Data(wrong.utf8)) == nil, "\(name) holds the token")
        }
        #expect(files > 10, "the runs wrote their files, the ledger among them")
        #expect(FileManager.default.fileExists(atPath: Ledger.path(outputRoot: out, pipeline: "ss26-mixpeek")))
    }
}
