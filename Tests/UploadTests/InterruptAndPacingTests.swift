import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT/SIGTERM mid-upload, a process that died, and adaptive pacing, against `catalog-etl sandbox`.
@Suite("stopping runs and adaptive pacing")
struct InterruptAndPacingTests {
    static let args = ["run", "pipelines/ss26-sartiq.yaml", "--input", "samples/ss26-womenswear.jsonl"]

    /// Waits until the ledger under `out` has at least `done` items done (or `sending` in flight).
    static func waitForLedger(_ out: String, done: Int = 0, sending: Int = 0) async throws {
        let path = Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            guard FileManager.default.fileExists(atPath: path), let counts = try? Ledger(path: path).counts() else {
                continue
            }
            if (counts[.done] ?? 0) >= done && (counts[.sending] ?? 0) >= sending { return }
        }
        Issue.record("the ledger never reached \(done) done / \(sending) sending")
    }

    static func lastRunStatus(_ out: String) async throws -> JSONValue? {
        let r = try await BinaryRunner.runAsync(["status", "pipelines/ss26-sartiq.yaml", "--output", out, "--json"])
        return try JSONValue.parse(r.stdout)["last_run"]
    }

    @Test func sigtermMidUploadStopsCleanlyAndTheSameCommandFinishesWithEachProductOnce() async throws {
        let server = try TestSandbox.launch(.sartiq, faults: "sartiq:latency=200-500ms")
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        var env = sandboxEnvironment(server, .sartiq)
        env["SARTIQ_RATE"] = "10/s"
        let args = Self.args + ["--output", out]
        let p = try BinaryRunner.start(args, environment: env, capture: out + "/first")
        try await Self.waitForLedger(out, done: 30)
        kill(p.process.processIdentifier, SIGTERM)
        let signalled = Date()
        await p.wait()
        #expect(Date().timeIntervalSince(signalled) < RunStop.graceSeconds + 5)
        #expect(p.process.terminationStatus == 143)
        let stdout = (try? String(contentsOfFile: out + "/first.out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: out + "/first.err", encoding: .utf8)) ?? ""
        #expect(stderr.contains("To resume, run the same command again"), "\(stderr)")
        let first = RunReport.summary(BinaryRunner.Output(status: 143, stdout: stdout, stderr: stderr))
        #expect(first["status"] as? String == "interrupted", "\(stdout)\n\(stderr)")
        let created = RunReport.count(first, "upload", "created")
        let valid = RunReport.count(first, "rows_valid")
        #expect(valid > 300, "\(stdout)")
        #expect(created >= 30 && created < valid, "\(stdout)")
        #expect(
            FileManager.default.fileExists(
                atPath: RunReport.runDirectory(BinaryRunner.Output(status: 0, stdout: stdout, stderr: ""))
                    + "report.html"))
        let ledger = try Ledger(path: Ledger.path(outputRoot: out, pipeline: "ss26-sartiq"))
        let counts = try ledger.counts()
        #expect(counts[.sending] == 0, "the requests in flight finished and were recorded: \(counts)")
        #expect(try ledger.counts()[.done] == created)
        let last = try #require(try await Self.lastRunStatus(out))
        #expect(last["status"]?.textValue == "interrupted")

        let again = try await BinaryRunner.runAsync(args, environment: env)
        let s = RunReport.summary(again)
        #expect(again.status == 1, "quarantined rows: \(again.stderr)")
        #expect(s["status"] as? String == "ok")
        #expect(RunReport.count(s, "upload", "created") == valid - created, "\(again.stdout)")
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0)
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == valid)
        #expect(statsCount(stats, "duplicate_keys") == 0)
        #expect(try await Self.lastRunStatus(out)?["status"]?.textValue == "ok")
    }

    @Test func aSecondSignalStopsAtOnceAndStatusSaysInterrupted() async throws {
        // Every answer takes 4 s: a clean stop would wait for the requests in flight.
        let server = try TestSandbox.launch(.sartiq, faults: "sartiq:latency=4000ms")
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        var env = sandboxEnvironment(server, .sartiq)
        env["SARTIQ_RATE"] = "10/s"
        let p = try BinaryRunner.start(Self.args + ["--output", out], environment: env, capture: out + "/run")
        try await Self.waitForLedger(out, sending: 1)
        kill(p.process.processIdentifier, SIGINT)
        try await Task.sleep(nanoseconds: 300_000_000)
        kill(p.process.processIdentifier, SIGINT)
        let signalled = Date()
        await p.wait()
        #expect(Date().timeIntervalSince(signalled) < 2, "the second signal does not wait for the requests")
        #expect(p.process.terminationStatus == 130)
        // The run's row still says running, but its process is gone.
        let last = try #require(try await Self.lastRunStatus(out))
        #expect(last["status"]?.textValue == "interrupted", "\(last)")
    }

    @Test func aKilledRunShowsInterruptedNotRunning() async throws {
        let server = try TestSandbox.launch(.sartiq, faults: "sartiq:latency=100-200ms")
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let p = try BinaryRunner.start(
            Self.args + ["--output", out], environment: sandboxEnvironment(server, .sartiq), capture: out + "/run")
        try await Self.waitForLedger(out, done: 5)
        #expect(try await Self.lastRunStatus(out)?["status"]?.textValue == "running")
        kill(p.process.processIdentifier, SIGKILL)
        await p.wait()
        let last = try #require(try await Self.lastRunStatus(out))
        #expect(last["status"]?.textValue == "interrupted")
        #expect(last["detail"]?.textValue?.contains("process") == true)
        let text = try await BinaryRunner.runAsync(["status", "pipelines/ss26-sartiq.yaml", "--output", out])
        #expect(text.stdout.contains("sartiq, interrupted"), "\(text.stdout)")
    }

    @Test func aRateAboveTheServicesLimitSettlesNearItInsteadOfMeetingA429EveryFewRequests() async throws {
        // Configured 50/s against a limit of 20/s: fixed pacing met 57–60 429s on the sample.
        let server = try TestSandbox.launch(.sartiq, settings: ["sartiqRequestsPerSecond=20"])
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        var env = sandboxEnvironment(server, .sartiq)
        env["SARTIQ_RATE"] = "50/s"
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", "samples/ss26-womenswear.csv"],
            environment: env)
        let s = RunReport.summary(r)
        let valid = RunReport.count(s, "rows_valid")
        #expect(valid > 300, "\(r.stdout)\n\(r.stderr)")
        #expect(RunReport.count(s, "upload", "created") == valid, "\(r.stdout)\n\(r.stderr)")
        let limited = RunReport.count(s, "upload", "rate_limited")
        #expect(limited >= 1, "the configured rate is above the limit: the service says so at least once")
        #expect(limited <= 20, "adaptive pacing: \(limited) answers 429")
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == valid)
        #expect(statsCount(stats, "duplicate_keys") == 0)
    }
}
