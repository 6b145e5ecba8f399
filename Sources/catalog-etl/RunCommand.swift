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

    @Option(help: "Write runs under this folder instead of output/.")
    var output: String = "output"

    @Flag(help: "Print only errors and the final line.")
    var quiet = false

    func run() async throws {
        let pipeline = try PipelineLoader.load(path: file, inputOverride: nil)
        if !dryRun && pipeline.upload != nil {
            throw CommandFailure(
                message:
                    "\(file): the upload stage is not available in this version of catalog-etl; run with --dry-run to validate",
                exitCode: 2)
        }
        var options = RunOptions()
        options.dryRun = true
        options.inputOverride = input
        options.outputRoot = output
        let progress = ProgressLine(enabled: !quiet && isatty(2) != 0)
        options.progress = { n in progress.update("read \(n) rows") }
        let result = try PipelineRunner.dryRun(pipeline, options: options)
        progress.finish()
        let s = result.summary
        let issueText = s.errors + s.warnings == 0 ? "no issues" : "\(s.errors) errors, \(s.warnings) warnings"
        print(
            "read \(s.rowsRead) rows · normalised · \(issueText) · \(s.rowsValid) valid, \(s.rowsQuarantined) quarantined"
        )
        if !quiet && s.readerWarnings.total > 0 { printWarnings(s.readerWarnings) }
        print("report: \(result.runDirectory)/")
        if result.exitCode != 0 { throw CommandFailure(message: "", exitCode: result.exitCode) }
    }
}

/// A progress line on a terminal, redrawn at most four times a second, shown after the first second.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let start = Date()
    private var last = Date.distantPast
    private var shown = false
    private let lock = NSLock()

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(last) > 0.25 else { return }
        last = now
        shown = true
        CatalogETL.printRaw("\r\u{1B}[K" + text)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { CatalogETL.printRaw("\r\u{1B}[K") }
    }
}
