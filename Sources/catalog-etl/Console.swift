import ETLCore
import Foundation
import Logging
import OrderedJSON

/// Where the commands' messages go: plain text on standard error, or, with `--log-format json`, one
/// JSON object per line through swift-log and ``JSONLogHandler`` (standard error; the final summary on
/// standard output).
///
/// The format is read from the command line before the arguments are parsed, so that a usage error or
/// a pipeline file that does not load is a JSON line too. Every line carries the run's id (made here,
/// and used by the run as its folder name), the pipeline (the file's name until it has loaded) and the
/// stage; every string passes through ``redactor``, which the upload session shares.
final class Console: @unchecked Sendable {
    /// The process's console.
    static let shared = Console(arguments: Array(CommandLine.arguments.dropFirst()))

    /// Whether lines are JSON.
    let json: Bool
    /// The run's id, on every line.
    let runID: String
    /// Secrets to mask in every line (the run's credentials and tokens).
    let redactor: Redactor
    private let lock = NSLock()
    private var logger: Logger
    private var summaryLogger: Logger

    init(arguments: [String]) {
        json = Self.wantsJSON(arguments)
        runID = PipelineRunner.newRunID()
        let redactor = Redactor()
        self.redactor = redactor
        func make(_ fd: Int32) -> Logger {
            let output = LogLineOutput(fileDescriptor: fd, redactor: redactor)
            var l = Logger(label: "catalog-etl") { _ in JSONLogHandler(output: output) }
            l.logLevel = .trace
            return l
        }
        logger = make(2)
        summaryLogger = make(1)
        let pipeline = arguments.first { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map {
            (($0 as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        for key in ["run_id", "pipeline"] {
            let value: Logger.MetadataValue? =
                key == "run_id" ? .string(runID) : pipeline.map { .string($0) }
            logger[metadataKey: key] = value
            summaryLogger[metadataKey: key] = value
        }
    }

    /// Whether the arguments ask for JSON lines (`--log-format json` or `--log-format=json`).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        for (i, a) in arguments.enumerated() {
            if a == "--log-format=json" { return true }
            if a == "--log-format", i + 1 < arguments.count, arguments[i + 1] == "json" { return true }
        }
        return false
    }

    /// Names the pipeline on every later line (once its file has loaded).
    func setPipeline(_ name: String) {
        lock.withLock {
            logger[metadataKey: "pipeline"] = .string(name)
            summaryLogger[metadataKey: "pipeline"] = .string(name)
        }
    }

    /// Loads a pipeline file and names its pipeline on every later line; its credentials become
    /// secrets of the redactor.
    /// - Parameters:
    ///   - file: The pipeline file.
    ///   - input: The run's `--input`, for the column check added to a file's other problems.
    /// - Throws: ``ConfigError``.
    func load(_ file: String, input: String? = nil) throws -> Pipeline {
        let pipeline: Pipeline
        do {
            pipeline = try PipelineLoader.load(
                path: file, inputOverride: nil, standInSettings: SandboxLauncher.settingNames)
        } catch let e as ConfigError {
            throw ColumnCheck.adding(to: e, input: input)
        }
        setPipeline(pipeline.name)
        for (_, v) in pipeline.upload?.credentials ?? [:] { redactor.add(v) }
        return pipeline
    }

    /// Logs one event as a JSON line (only in JSON mode; text mode prints through the callers).
    /// - Parameters:
    ///   - level: `info` for progress, `notice` for what must be seen, `warning`, `error`, `critical`.
    ///   - stage: `run`, `read`, `normalise`, `validate`, `upload`, `export`, `reconcile`, `report`.
    ///   - event: A stable snake_case name (`progress`, `retry`, `item_failed`, `run_finished` …).
    ///   - message: The human text.
    ///   - fields: The event's fields.
    func log(
        _ level: Logger.Level, stage: String, event: String, _ message: String, _ fields: Logger.Metadata = [:]
    ) {
        var metadata = fields
        metadata["stage"] = .string(stage)
        metadata["event"] = .string(event)
        let l = lock.withLock { logger }
        l.log(level: level, "\(message)", metadata: metadata)
    }

    /// The run's last line, on standard output.
    func summary(_ message: String, _ fields: Logger.Metadata) {
        var metadata = fields
        metadata["stage"] = .string("run")
        metadata["event"] = .string("run_finished")
        let l = lock.withLock { summaryLogger }
        l.log(level: .info, "\(message)", metadata: metadata)
    }

    /// A message for the user on standard error: a plain line, or a JSON line of `event` (a warning
    /// from the pipeline file, a usage or configuration error, the error that ended the run).
    func message(
        _ text: String, level: Logger.Level = .warning, stage: String = "run", event: String = "message",
        _ fields: Logger.Metadata = [:]
    ) {
        if json {
            log(level, stage: stage, event: event, text, fields)
        } else {
            CatalogETL.printError(redactor.isEmpty ? text : redactor.redact(text))
        }
    }
}

extension JSONValue {
    /// The value as swift-log metadata: numbers stay numbers (integers, else doubles), objects become
    /// dictionaries, `null` the empty string.
    var metadataValue: Logger.MetadataValue {
        switch self {
        case .null: return .string("")
        case .bool(let b): return .stringConvertible(b)
        case .number(let n):
            if let i = Int(n) { return .stringConvertible(i) }
            if let d = Double(n) { return .stringConvertible(d) }
            return .string(n)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(\.metadataValue))
        case .object(let fields):
            var d: Logger.Metadata = [:]
            for f in fields { d[f.key] = f.value.metadataValue }
            return .dictionary(d)
        }
    }
}
