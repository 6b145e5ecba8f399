import ArgumentParser
import ETLCore
import Foundation
import OrderedJSON

/// `catalog-etl runs FILE`: the run history the ledger keeps, newest first.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List a pipeline's runs from its ledger, newest first: id, start, duration, status, counts.")

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    @Option(help: "Read the ledger under this folder instead of output/.")
    var output: String = "output"

    @Option(help: "List at most this many runs.")
    var limit: Int = 50

    @Flag(help: "Print one JSON object ({ledger, runs: [...]}) instead of a table.")
    var json = false

    func run() throws {
        guard limit > 0 else { throw CommandFailure(message: "--limit must be at least 1", exitCode: 2) }
        let pipeline = try PipelineLoader.load(
            path: file, inputOverride: nil, standInSettings: SandboxLauncher.settingNames)
        let path = Ledger.path(outputRoot: output, pipeline: pipeline.name)
        var runs: [LedgerRun] = []
        if FileManager.default.fileExists(atPath: path) {
            do {
                runs = try Ledger(path: path).runs(limit: limit)
            } catch let e as LedgerError {
                throw CommandFailure(message: e.description, exitCode: 3)
            }
        } else if !json {
            print("no ledger yet at \(path): \(pipeline.name) has not uploaded anything; run `catalog-etl run \(file)`")
            return
        }
        if json {
            let value = JSONValue.obj([("ledger", .string(path)), ("runs", .array(runs.map(Self.json)))])
            print(value.prettyText, terminator: "")
        } else {
            print(Self.table(runs), terminator: "")
        }
    }

    /// Seconds between two ISO 8601 times, nil when either is missing or unreadable.
    static func duration(_ run: LedgerRun) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        func date(_ s: String) -> Date? { f.date(from: s) ?? plain.date(from: s) }
        guard let end = run.finishedAt.flatMap(date), let start = date(run.startedAt) else { return nil }
        return max(0, end.timeIntervalSince(start))
    }

    static func json(_ run: LedgerRun) -> JSONValue {
        .obj([
            ("run_id", .string(run.runID)), ("started_at", .string(run.startedAt)),
            ("finished_at", run.finishedAt.map { .string($0) } ?? .null),
            ("duration_seconds", duration(run).map { .number(String(format: "%.3f", $0)) } ?? .null),
            ("status", .string(run.status)), ("target", .string(run.target)), ("input", .string(run.input)),
            ("counts", .obj(run.counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
        ])
    }

    static func table(_ runs: [LedgerRun]) -> String {
        guard !runs.isEmpty else { return "no runs recorded\n" }
        var rows = [["run", "started", "duration", "status", "counts"]]
        for run in runs {
            let seconds = duration(run).map { String(format: "%.1f s", $0) } ?? "-"
            let counts = run.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
            rows.append([run.runID, run.startedAt, seconds, run.status, counts])
        }
        var widths = [Int](repeating: 0, count: 5)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
