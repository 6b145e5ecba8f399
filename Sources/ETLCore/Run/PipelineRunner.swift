import Foundation
import OrderedJSON
import XLSX

/// How to run a pipeline.
public struct RunOptions: Sendable {
    /// Read, normalise and validate only; touch no remote system.
    public var dryRun = true
    /// Read this file instead of the pipeline's `read.path` (`--input`).
    public var inputOverride: String?
    /// The folder runs are written under (`--output`, default `output`).
    public var outputRoot = "output"
    /// Reports progress: records read so far.
    public var progress: (@Sendable (Int) -> Void)?
    /// Told when the read (with normalise and validate, one pass) has gone through every record: how many.
    public var readFinished: (@Sendable (Int) -> Void)?
    /// The run's id; nil makes a new one (``PipelineRunner`` sets it when it takes the ledger's lock first).
    public var runID: String?
    /// Read this sheet of an XLSX input instead of the pipeline's `read.sheet` (`--sheet`). Without it, an
    /// `--input` that is a `quarantine.xlsx` is read from its own sheet.
    public var sheet: String?

    /// Creates the default options.
    public init() {}
}

/// What a run produced.
public struct RunResult: Sendable {
    /// The summary written to `summary.json`.
    public var summary: RunSummary
    /// The run's folder.
    public var runDirectory: String
    /// The exit code: 0 when every row is valid, 1 when any row was quarantined (or, after an upload,
    /// rejected or past a reconcile threshold), 4 when items failed on the remote side.
    public var exitCode: Int32
    /// The first issues, for the HTML report.
    public var reportIssues: [RecordIssue] = []
    /// What the upload did, when the run uploaded.
    public var upload: UploadReport?
    /// The reconciliation, when the run reconciled.
    public var reconciliation: Reconciliation?
    /// Reconcile thresholds crossed: class, count, limit.
    public var crossed: [(String, Int, Int)] = []
    /// The signal that stopped the run (SIGINT, SIGTERM), when it was interrupted.
    public var interruptedBy: Int32?
}

/// Runs a pipeline's record pass (the read, row, normalise and validate steps of its ``RunChain``) and
/// writes the dry run's files.
public enum PipelineRunner {
    /// The most issues kept in memory for the HTML report (counts are always exact).
    static let reportIssueLimit = 2000
    /// The spool of valid records for the upload stage, in the run folder: JSON Lines of
    /// `{"key", "file", "sheet", "row", "rows"?, "hash", "record": {…normalised fields…}}`, written once
    /// per record by the validate pass. `hash` is the record's ``ContentHash`` (the hex SHA-256 of the
    /// record's JSON text as it is written here), so the upload and the ledger never hash it again.
    public static let sendSpoolName = "send.jsonl"
    /// The keys and source rows of quarantined records, for reconcile: JSON Lines of
    /// `{"key", "file", "sheet", "row", "errors"}`.
    public static let quarantinedKeysName = ".quarantined-keys.jsonl"

    /// A new run id for a run starting now (the CLI makes it first, so that every log line names it).
    public static func newRunID() -> String { newRunID(now: Date()) }

    /// A new run id: UTC time plus four random hex digits (`20261123T195012Z-a3f1`).
    static func newRunID(now: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: now) + "-" + String(format: "%04x", Int.random(in: 0..<65536))
    }

    /// Reads, normalises and validates, and writes `summary.json`, `issues.csv`, `quarantine.csv`
    /// (and `.xlsx`), `normalised.jsonl`, `report.xlsx` and `report.html` into `<output>/<pipeline>/<run-id>/`.
    /// - Throws: ``ReadError`` (input), ``WriteError`` (output), ``RunFailure`` (`on_error: fail`).
    ///   A run that stops on an error leaves `summary.json` with `"status": "failed"`, the reason and
    ///   the exit code, and no spool files.
    public static func dryRun(_ pipeline: Pipeline, options: RunOptions) throws -> RunResult {
        try validate(pipeline, options: options, writeReports: true)
    }

    /// The read → normalise → validate pass: the run folder's spools, `issues.csv`, the quarantine files
    /// and `normalised.jsonl`; with `writeReports`, also `summary.json`, `report.xlsx` and `report.html`
    /// (a run that goes on to upload writes those once, at its end).
    /// - Throws: as ``dryRun(_:options:)``.
    static func validate(_ pipeline: Pipeline, options: RunOptions, writeReports: Bool) throws -> RunResult {
        let started = Date()
        let runID = options.runID ?? newRunID(now: started)
        let dir = ((options.outputRoot as NSString).appendingPathComponent(pipeline.name) as NSString)
            .appendingPathComponent(runID)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: dir, message: "cannot create the run folder (\(error.localizedDescription))")
        }
        let inputPath = options.inputOverride ?? pipeline.read.path
        var summary = RunSummary(
            pipeline: pipeline.name, runID: runID, dryRun: options.dryRun, input: inputPath, sheet: nil)
        summary.startedAt = ISO8601DateFormatter().string(from: started)
        summary.maxQuarantined = pipeline.validate?.maxQuarantined ?? 0
        do {
            let result = try readAndValidate(
                pipeline, options: options, directory: dir, started: started, summary: &summary)
            if writeReports { try writeValidationReports(pipeline, result: result) }
            return result
        } catch {
            recordFailure(error, summary: &summary, directory: dir)
            throw error
        }
    }

    private static func readAndValidate(
        _ pipeline: Pipeline, options: RunOptions, directory dir: String, started: Date, summary: inout RunSummary
    ) throws -> RunResult {
        let chain = RunChain(pipeline)
        let readOptions = chain.read.readOptions(options)
        let inputPath = summary.input
        let (sourceReader, reader, rowCounts) = try chain.read.open(
            pipeline, path: inputPath, options: readOptions, rows: chain.rows, directory: dir, checkColumns: true)
        let ruleSet =
            pipeline.validate?.ruleSets.first.flatMap { TargetRuleSet.all[$0.qualified] }
            ?? pipeline.target.map { TargetRuleSet.defaultSet(for: $0) }
        let keyField = ruleSet?.keyField
        let normaliser = try chain.normalise.start(keyField: keyField)
        let checks = chain.validate.start(pipeline, keyField: keyField, source: sourceReader)
        let validator = checks.validator
        summary.sheet = reader.sheet
        var quarantinedOrdinals = OrdinalSet()

        let normalisedSink = try OutputSink(
            path: (dir as NSString).appendingPathComponent("normalised.jsonl"), background: true)
        // Every file the row loop writes is written on a thread of its own: the loop only fills buffers.
        let issuesSink = try OutputSink(path: (dir as NSString).appendingPathComponent("issues.csv"), background: true)
        let issuesCSV = CSVWriter(sink: issuesSink)
        issuesCSV.escapeFormulas = true
        try issuesCSV.writeRow([
            "file", "sheet", "row", "column", "header", "field", "value", "rule", "severity", "message",
        ])
        let spool = try QuarantineSpool(directory: dir)
        let quarantinedKeys = try OutputSink(
            path: (dir as NSString).appendingPathComponent(quarantinedKeysName), background: true)
        // Every valid record with its key and provenance, for the upload stage (spooled, never held in memory).
        let sendSink: OutputSink? =
            options.dryRun
            ? nil : try OutputSink(path: (dir as NSString).appendingPathComponent(sendSpoolName), background: true)
        var sendLine: [UInt8] = []
        var reportIssues: [RecordIssue] = []
        var issues: [RecordIssue] = []
        // Normalised records are serialised into this (`memcpy` appends) and drained into the sink.
        var normalisedOut = WriteBuffer(capacity: OutputSink.chunkSize + (1 << 16))
        // The last source row counted as quarantined (the parts of an exploded row share it).
        var lastQuarantinedRow: RowSource? = nil
        while let record = try reader.next() {
            summary.records += 1
            if summary.records & 0xFFF == 0 { options.progress?(summary.records) }
            issues.removeAll(keepingCapacity: true)
            if let g = record.group, !g.issues.isEmpty { issues += g.issues }
            let normalised = normaliser.normalise(record, issues: &issues)
            checks.apply(normalised, record: record, issues: &issues)
            var hasError = false
            for issue in issues {
                if issue.severity == .error { hasError = true; summary.errors += 1 } else { summary.warnings += 1 }
                summary.issuesByRule[issue.rule, default: 0] += 1
                summary.issuesByField[issue.field, default: 0] += 1
                let value = issue.value.count > 200 ? String(issue.value.prefix(200)) : issue.value
                try issuesCSV.writeRow([
                    issue.source.file, issue.source.sheet ?? "", String(issue.source.row), issue.column?.letter ?? "",
                    issue.column?.header ?? "", issue.field, value, issue.rule, issue.severity.rawValue, issue.message,
                ])
                if reportIssues.count < reportIssueLimit { reportIssues.append(issue) }
            }
            if hasError {
                if pipeline.validate?.onError == .fail {
                    let first = issues.first { $0.severity == .error }
                    throw RunFailure(
                        message:
                            "\(record.source.description): \(first?.message ?? "invalid row"); the pipeline says on_error: fail, so the run stops here",
                        exitCode: 1)
                }
                summary.recordsQuarantined += 1
                summary.rowsQuarantined += quarantinedRowCount(record, last: &lastQuarantinedRow)
                quarantinedOrdinals.insert(summary.records)
                let reasons = issues.filter { $0.severity == .error }.map { issue in
                    (issue.column.map { "\($0.letter.map { l in l + " " } ?? "")\($0.header)" } ?? issue.field) + ": "
                        + issue.message
                }
                try spool.add(record, errors: reasons.joined(separator: "; "), notes: cellNotes(issues))
                JSONValue.obj(
                    [
                        ("key", normalised.key.map { .string($0) } ?? .null), ("file", .string(record.source.file)),
                        ("sheet", record.source.sheet.map { .string($0) } ?? .null), ("row", .int(record.source.row)),
                        ("errors", .string(reasons.joined(separator: "; "))),
                    ] + rowsField(record)
                ).append(to: &quarantinedKeys.buffer)
                quarantinedKeys.buffer.append(UInt8(ascii: "\n"))
                try quarantinedKeys.flushIfNeeded()
            } else {
                summary.recordsValid += 1
                // Serialised once, into the normalised file's buffer; the send spool's line copies it from there.
                let lineStart = normalisedOut.count
                normalised.json.append(to: &normalisedOut)
                if let sendSink {
                    sendLine.removeAll(keepingCapacity: true)
                    JSONValue.obj(
                        [
                            ("key", normalised.key.map { .string($0) } ?? .null), ("file", .string(record.source.file)),
                            ("sheet", record.source.sheet.map { .string($0) } ?? .null),
                            ("row", .int(record.source.row)),
                        ] + rowsField(record)
                    ).append(to: &sendLine)
                    sendLine.removeLast()
                    let recordBytes = UnsafeBufferPointer(rebasing: normalisedOut.bytes[lineStart...])
                    sendLine.append(contentsOf: ",\"hash\":\"".utf8)
                    sendLine.append(contentsOf: ContentHash.sha256Hex(recordBytes).utf8)
                    sendLine.append(contentsOf: "\",\"record\":".utf8)
                    sendLine.append(contentsOf: recordBytes)
                    sendLine.append(contentsOf: "}\n".utf8)
                    sendSink.buffer.append(contentsOf: sendLine)
                    try sendSink.flushIfNeeded()
                }
                normalisedOut.append(UInt8(ascii: "\n"))
                if normalisedOut.count >= OutputSink.chunkSize { try normalisedSink.flush(draining: normalisedOut) }
            }
        }
        if pipeline.rowStages.isEmpty {
            summary.rowsRead = summary.records
        } else {
            summary.rowsRead = rowCounts.sourceRows
            summary.rowsFiltered = rowCounts.filtered
            if pipeline.group != nil {
                summary.sections.append(("group", .obj([("spilled_bytes", .int(rowCounts.spilledBytes))])))
            }
        }
        options.readFinished?(summary.rowsRead)
        try normalisedSink.flush(draining: normalisedOut)
        try normalisedSink.close()
        try chain.normalise.finish(normaliser, pipeline: pipeline)
        try quarantinedKeys.close()
        try sendSink?.close()
        var finalSpool = spool
        if !validator.duplicates.isEmpty {
            if pipeline.validate?.onError == .fail {
                throw RunFailure(
                    message:
                        "\(validator.duplicates.firstDescription(file: inputPath)); the pipeline says on_error: fail, so the run stops here",
                    exitCode: 1)
            }
            finalSpool = try quarantineDuplicates(
                validator.duplicates,
                pass: DuplicatePass(
                    pipeline: pipeline, inputPath: inputPath, readOptions: readOptions, directory: dir,
                    hasSendSpool: sendSink != nil, quarantined: quarantinedOrdinals, spool: spool,
                    issues: issuesCSV), summary: &summary, reportIssues: &reportIssues)
        }
        summary.rowsValid = max(0, summary.rowsRead - summary.rowsFiltered - summary.rowsQuarantined)
        try issuesSink.close()
        try finalSpool.finish(
            initialColumns: sourceReader.columns, csv: (dir as NSString).appendingPathComponent("quarantine.csv"),
            xlsx: (dir as NSString).appendingPathComponent("quarantine.xlsx"))
        summary.fallbacks = normaliser.fallbacks
        summary.fieldCounts = normaliser.fieldCounts
        summary.readerWarnings = reader.warnings
        summary.seconds = Date().timeIntervalSince(started)
        return RunResult(
            summary: summary, runDirectory: dir, exitCode: summary.rowsQuarantined > summary.maxQuarantined ? 1 : 0,
            reportIssues: reportIssues)
    }

    /// Writes the validation's `summary.json`, `report.xlsx` and `report.html` (a dry run's reports).
    /// - Throws: ``WriteError``, ``ReadError`` (the run's own CSV files).
    static func writeValidationReports(_ pipeline: Pipeline, result: RunResult) throws {
        let dir = result.runDirectory
        try write(result.summary.json.prettyText, to: (dir as NSString).appendingPathComponent("summary.json"))
        try WorkbookReport.write(
            path: (dir as NSString).appendingPathComponent("report.xlsx"), summary: result.summary,
            reconciliation: nil, issuesCSV: (dir as NSString).appendingPathComponent("issues.csv"),
            quarantineCSV: (dir as NSString).appendingPathComponent("quarantine.csv"))
        let html = HTMLReport.render(
            summary: result.summary, issues: result.reportIssues, pipeline: pipeline,
            files: reportFiles(directory: dir))
        try write(html, to: (dir as NSString).appendingPathComponent("report.html"))
    }

    /// Opens the input with the row stages in front (the pipeline's ``ReadStep`` and ``RowStep``s, for
    /// a pass that reads the input again): the source reader, the reader the normaliser pulls from,
    /// and the row stages' counts. With `checkColumns`, every column the pipeline names must be in the
    /// input's header.
    /// - Throws: ``ReadError``, ``ConfigError`` (a column the input lacks: exit 2, before any row is used).
    static func openInput(
        _ pipeline: Pipeline, path: String, options: ReadOptions, directory: String, checkColumns: Bool
    ) throws -> (source: any RecordReader, reader: any RecordReader, counts: RowStageCounts) {
        try ReadStep(stage: pipeline.read).open(
            pipeline, path: path, options: options, rows: pipeline.rowStages.map(RowStep.init), directory: directory,
            checkColumns: checkColumns)
    }

    /// How many source rows a newly quarantined record adds: its group's rows, or its row unless an
    /// earlier part of the same exploded row was quarantined already.
    static func quarantinedRowCount(_ record: Record, last: inout RowSource?) -> Int {
        guard let g = record.group else { return 1 }
        if g.part > 0 {
            defer { last = record.source }
            return last == record.source ? 0 : 1
        }
        return g.rows.count
    }

    /// `("rows", [2, 5, 9])` for a record made of several rows, for the spools.
    static func rowsField(_ record: Record) -> [(String, JSONValue)] {
        guard let g = record.group, g.rows.count > 1 else { return [] }
        return [("rows", .array(g.rows.map { .int($0.source.row) }))]
    }

    /// The files the report links to that the run folder holds: what to fix, then what was found.
    static func reportFiles(directory: String) -> [String] {
        ["quarantine.xlsx", "quarantine.csv", "issues.csv", "reconciliation.csv", "report.xlsx"].filter {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// Whether an XLSX file is a run's `quarantine.xlsx`: its first sheet is ``QuarantineSpool/sheetName``
    /// and it has no other.
    static func isQuarantineWorkbook(_ path: String) -> Bool {
        guard let book = try? XLSXWorkbook(path: path) else { return false }
        return book.sheets.count == 1 && book.sheets.first?.name == QuarantineSpool.sheetName
    }

    /// The errors of a row by the header of the cell each points at (several joined with `; `), for
    /// the comments of `quarantine.xlsx`.
    static func cellNotes(_ issues: [RecordIssue]) -> [String: String] {
        var notes: [String: String] = [:]
        for issue in issues where issue.severity == .error {
            guard let header = issue.column?.header else { continue }
            let text = "\(issue.rule): \(issue.message)"
            notes[header] = notes[header].map { $0 + "; " + text } ?? text
        }
        return notes
    }

    static func write(_ text: String, to path: String) throws {
        let sink = try OutputSink(path: path)
        sink.write(text)
        try sink.close()
    }
}
