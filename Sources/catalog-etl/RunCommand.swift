import ArgumentParser
import ETLCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `catalog-etl run FILE [--dry-run]`: runs a pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: read, normalise, validate (and, without --dry-run, upload, export, reconcile).")

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    @Flag(name: .customLong("dry-run"), help: "Read, normalise and validate only; touch no remote system.")
    var dryRun = false

    @Option(
        help: "Read this file instead of the pipeline's read.path (next season's file, or a fixed quarantine file).")
    var input: String?

    @Option(
        help:
            "Read this sheet of an XLSX input instead of the pipeline's read.sheet (a quarantine.xlsx given with --input is read from its own sheet without it)."
    )
    var sheet: String?

    @Option(help: "Write runs under this folder instead of output/.")
    var output: String = "output"

    @Flag(help: "Print only errors and the final lines.")
    var quiet = false

    @Flag(
        name: .customLong("full-refresh"),
        help: "Ignore the ledger: ask the service about every row instead of trusting earlier runs.")
    var fullRefresh = false

    @Flag(help: "Print every retry and every item's failure as it happens.")
    var verbose = false

    @Option(name: .customLong("log-format"), help: "text (default) or json (one JSON object per line, for schedulers).")
    var logFormat: LogFormat = .text

    func run() async throws {
        let view = StageView(format: logFormat, quiet: quiet, verbose: verbose)
        let pipeline = try Console.shared.load(file, input: input)
        for w in pipeline.warnings { view.warning(w.description) }
        var options = RunOptions()
        options.dryRun = dryRun || pipeline.upload == nil
        options.inputOverride = input
        options.sheet = sheet
        options.outputRoot = output
        options.runID = Console.shared.runID
        options.progress = { n in view.reading(n) }
        options.readFinished = { n in view.readFinished(n) }
        view.start()
        let result: RunResult
        if options.dryRun {
            result = try PipelineRunner.dryRun(pipeline, options: options)
        } else {
            var upload = UploadOptions()
            upload.standIns = SandboxLauncher()
            upload.redactor = Console.shared.redactor
            upload.fullRefresh = fullRefresh
            upload.progress = { p in view.progress(p) }
            upload.event = { e in view.event(e) }
            upload.notice = { e in view.notice(e) }
            let trap = SignalTrap { e in view.notice(e) }
            upload.stop = trap.stop
            do {
                result = try await PipelineRunner.run(pipeline, options: options, upload: upload)
            } catch let e as ReadError {
                view.finish()
                var annotated = e
                annotated.message += " (nothing was uploaded: the whole file must read cleanly first)"
                throw annotated
            } catch {
                view.finish()
                throw error
            }
        }
        view.finish()
        view.report(result)
        if result.interruptedBy != nil {
            throw CommandFailure(message: SignalTrap.interruptedMessage(result), exitCode: result.exitCode)
        }
        if result.exitCode != 0 { throw CommandFailure(message: "", exitCode: result.exitCode) }
    }
}

/// `catalog-etl reconcile FILE`: export what the service holds now and reconcile it with the source.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Export what the service holds and reconcile it with the source (no upload).")

    @Argument(help: "The pipeline file (YAML).")
    var file: String

    @Option(help: "Read this file instead of the pipeline's read.path.")
    var input: String?

    @Option(help: "Write runs under this folder instead of output/.")
    var output: String = "output"

    @Flag(help: "Print only errors and the final lines.")
    var quiet = false

    @Option(name: .customLong("log-format"), help: "text (default) or json.")
    var logFormat: LogFormat = .text

    @Option(
        help:
            "Reconcile against this saved listing of the service (JSON Lines of {key, remote_id, fields, errors}) instead of exporting; the service is not contacted."
    )
    var listing: String?

    func run() async throws {
        let view = StageView(format: logFormat, quiet: quiet, verbose: false)
        let pipeline = try Console.shared.load(file, input: input)
        for w in pipeline.warnings { view.warning(w.description) }
        var options = RunOptions()
        options.inputOverride = input
        options.outputRoot = output
        options.runID = Console.shared.runID
        options.progress = { n in view.reading(n) }
        options.readFinished = { n in view.readFinished(n) }
        var upload = UploadOptions()
        upload.standIns = SandboxLauncher()
        upload.redactor = Console.shared.redactor
        upload.progress = { p in view.progress(p) }
        upload.event = { e in view.event(e) }
        upload.notice = { e in view.notice(e) }
        let trap = SignalTrap { e in view.notice(e) }
        upload.stop = trap.stop
        view.start()
        let result = try await PipelineRunner.reconcile(pipeline, options: options, upload: upload, listing: listing)
        view.finish()
        view.report(result)
        if result.interruptedBy != nil {
            throw CommandFailure(message: SignalTrap.interruptedMessage(result), exitCode: result.exitCode)
        }
        if result.exitCode != 0 { throw CommandFailure(message: "", exitCode: result.exitCode) }
    }
}

/// How progress and events are printed.
enum LogFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
