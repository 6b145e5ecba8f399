import ETLCore
import ETLTestSupport
import Foundation
import Testing

@Suite("runs command")
struct RunsCommandTests {
    @Test func listsTheLedgersRunsNewestFirstWithDurationStatusAndCounts() async throws {
        let out = TemporaryFolder.make("catalog-etl-upload")
        let ledger = try Ledger(path: Ledger.path(outputRoot: out, pipeline: "ss26-sartiq"))
        try ledger.beginRun(
            runID: "r1", pipeline: "ss26-sartiq", target: "sartiq", input: "a.xlsx", startedAt: "2026-12-01T10:00:00Z")
        try ledger.finishRun(
            runID: "r1", status: "ok", counts: ["created": 310], finishedAt: "2026-12-01T10:01:05Z")
        try ledger.beginRun(
            runID: "r2", pipeline: "ss26-sartiq", target: "sartiq", input: "a.xlsx", startedAt: "2026-12-02T10:00:00Z")
        let r = try await BinaryRunner.runAsync(["runs", "pipelines/ss26-sartiq.yaml", "--output", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let runs = object?["runs"] as? [[String: Any]] ?? []
        #expect(runs.map { $0["run_id"] as? String } == ["r2", "r1"])
        #expect((runs.last?["duration_seconds"] as? NSNumber)?.doubleValue == 65)
        #expect(runs.first?["duration_seconds"] is NSNull)
        #expect((runs.last?["counts"] as? [String: Any])?["created"] as? Int == 310)
        let text = try await BinaryRunner.runAsync(["runs", "pipelines/ss26-sartiq.yaml", "--output", out])
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("r2") && lines[2].hasPrefix("r1"))
        #expect(lines[2].contains("65.0 s") && lines[2].contains("created 310"))
    }
}
