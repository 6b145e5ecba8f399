import ArgumentParser
import ETLCore
import Foundation
import OrderedJSON

/// `catalog-etl status FILE`: what the run ledger knows about a pipeline's uploads.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the run ledger of a pipeline: items by state, the last run, the failures.")

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    @Option(help: "Read the ledger under this folder instead of output/.")
    var output: String = "output"

    @Flag(help: "Print one JSON object (ledger, counts, last_run, failures) instead of text.")
    var json = false

    /// The most failures the text lists.
    static let failuresShown = 20

    func run() throws {
        let pipeline = try PipelineLoader.load(
            path: file, inputOverride: nil, standInSettings: SandboxLauncher.settingNames)
        let path = Ledger.path(outputRoot: output, pipeline: pipeline.name)
        guard FileManager.default.fileExists(atPath: path) else {
            let message =
                "no ledger yet at \(path): nothing has been uploaded for \(pipeline.name); run `catalog-etl run \(file)`"
            if json {
                // The same shape as a ledger with nothing in it; the sentence goes to standard error.
                CatalogETL.printError(message)
                print(Self.jsonReport(path: path, counts: [:], lastRun: nil, failures: []).prettyText, terminator: "")
            } else {
                print(message)
            }
            return
        }
        let counts: [LedgerState: Int]
        let lastRun: LedgerRun?
        let failures: [LedgerItem]
        var alive = true
        do {
            let ledger = try Ledger(path: path)
            counts = try ledger.counts()
            lastRun = try ledger.runs(limit: 1).first
            if let run = lastRun, run.status == RunStatus.running.rawValue {
                alive = try ledger.runIsAlive(runID: run.runID)
            }
            failures = try ledger.items(in: .failed)
        } catch let e as LedgerError {
            throw CommandFailure(message: e.description, exitCode: 3)
        }
        if json {
            print(
                Self.jsonReport(path: path, counts: counts, lastRun: lastRun, alive: alive, failures: failures)
                    .prettyText,
                terminator: "")
        } else {
            print(
                Self.textReport(path: path, counts: counts, lastRun: lastRun, alive: alive, failures: failures),
                terminator: "")
        }
    }

    /// The states in the order the summary line shows them.
    static let stateOrder: [LedgerState] = [.done, .sending, .pending, .failed]

    /// The run's status as `status` shows it, and the ledger's own words when they say more.
    static func shownStatus(_ run: LedgerRun, alive: Bool) -> (status: RunStatus, detail: String) {
        let status = RunStatus(recorded: run.status, alive: alive)
        if run.status == RunStatus.running.rawValue && !alive {
            return (status, "its process is gone (killed, or the machine stopped) before the run finished")
        }
        return (status, run.status)
    }

    static func textReport(
        path: String, counts: [LedgerState: Int], lastRun: LedgerRun?, alive: Bool = true, failures: [LedgerItem]
    ) -> String {
        var out = "ledger: \(path)\n"
        out += "items: " + stateOrder.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: " · ") + "\n"
        if let run = lastRun {
            let shown = shownStatus(run, alive: alive)
            out += "last run: \(run.runID) → \(run.target), \(shown.status.rawValue)"
            out += shown.detail == shown.status.rawValue ? "\n" : " (\(shown.detail))\n"
            if shown.status == .interrupted {
                out += "  run the same command again to resume: nothing confirmed is sent twice\n"
            }
            out += "  input: \(run.input)\n"
            out += "  started \(run.startedAt), "
            out += run.finishedAt.map { "finished \($0)\n" } ?? "not finished\n"
            if !run.counts.isEmpty {
                out +=
                    "  "
                    + run.counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: " · ") + "\n"
            }
        } else {
            out += "last run: none recorded\n"
        }
        if failures.isEmpty {
            out += "failures: none\n"
        } else {
            out += "failures (\(failures.count)):\n"
            for item in failures.prefix(failuresShown) {
                let sheet = item.sheet.map { "[\($0)]" } ?? ""
                let attempts = "\(item.attempts) attempt\(item.attempts == 1 ? "" : "s")"
                out +=
                    "  \(item.key): \(item.file)\(sheet) row \(item.row), \(attempts): \(item.shownError ?? "no error recorded")\n"
            }
            if failures.count > failuresShown {
                out += "  … and \(failures.count - failuresShown) more\n"
            }
        }
        return out
    }

    static func jsonReport(
        path: String, counts: [LedgerState: Int], lastRun: LedgerRun?, alive: Bool = true, failures: [LedgerItem]
    ) -> JSONValue {
        let countsValue = JSONValue.obj(stateOrder.map { ($0.rawValue, .int(counts[$0] ?? 0)) })
        let runValue: JSONValue =
            lastRun.map { run in
                .obj([
                    ("run_id", .string(run.runID)), ("pipeline", .string(run.pipeline)),
                    ("target", .string(run.target)), ("input", .string(run.input)),
                    ("started_at", .string(run.startedAt)),
                    ("finished_at", run.finishedAt.map { .string($0) } ?? .null),
                    ("status", .string(shownStatus(run, alive: alive).status.rawValue)),
                    ("detail", .string(shownStatus(run, alive: alive).detail)),
                    ("counts", .obj(run.counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ])
            } ?? .null
        let failureValues = failures.map { item in
            JSONValue.obj([
                ("key", .string(item.key)), ("file", .string(item.file)),
                ("sheet", item.sheet.map { .string($0) } ?? .null),
                ("row", .int(item.row)), ("attempts", .int(item.attempts)),
                ("last_error", item.shownError.map { .string($0) } ?? .null), ("run_id", .string(item.runID)),
                ("updated_at", .string(item.updatedAt)),
            ])
        }
        return .obj([
            ("ledger", .string(path)), ("counts", countsValue), ("last_run", runValue),
            ("failures", .array(failureValues)),
        ])
    }
}
