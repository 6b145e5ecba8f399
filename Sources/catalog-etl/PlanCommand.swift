import ArgumentParser
import ETLCore
import Foundation
import OrderedJSON

/// `catalog-etl plan FILE`: what a run would do, without sending anything.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do (create, update, unchanged, adopt, quarantined) without sending anything.",
        discussion: """
            Reads, normalises and validates like a run, asks the service only for listings, and writes \
            plan.csv (key, action, file, sheet, row, remote_id, changes, detail) into the run folder. \
            A run right after it does what it says.
            """)

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    @Option(help: "Read this file instead of the pipeline's read.path.")
    var input: String?

    @Option(help: "Write runs under this folder instead of output/.")
    var output: String = "output"

    @Flag(
        name: .customLong("full-refresh"),
        help: "Plan a run with --full-refresh (ask the service about every row).")
    var fullRefresh = false

    @Flag(help: "Print one JSON object with the counts and the path of plan.csv.")
    var json = false

    func run() async throws {
        let pipeline = try PipelineLoader.load(
            path: file, inputOverride: nil, standInSettings: SandboxLauncher.settingNames)
        var options = RunOptions()
        options.inputOverride = input
        options.outputRoot = output
        var upload = UploadOptions()
        upload.standIns = SandboxLauncher()
        upload.fullRefresh = fullRefresh
        let result = try await PipelineRunner.plan(pipeline, options: options, upload: upload)
        if json {
            print(result.json.jsonText)
        } else {
            let s = result.summary
            print("read \(s.rowsRead) rows · \(s.rowsValid) valid, \(s.rowsQuarantined) quarantined")
            let shown = PlanResult.actions.filter {
                $0 != "not_updatable" && $0 != "refused" || result.counts[$0] ?? 0 > 0
            }
            print(
                "plan: "
                    + shown.map { "\(result.counts[$0] ?? 0) \($0.replacingOccurrences(of: "_", with: " "))" }
                    .joined(separator: " · "))
            if !result.scopeKnown, let listed = result.listed {
                print(
                    "  the ledger has no record of this service, account and collection: it holds \(listed) items there, which a run adopts before its first create"
                )
            }
            print("plan.csv: \(result.planCSV)")
            print("report: \(result.runDirectory)/")
        }
        if result.exitCode != 0 { throw CommandFailure(message: "", exitCode: result.exitCode) }
    }
}
