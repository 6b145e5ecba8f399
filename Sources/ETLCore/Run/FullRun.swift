import Foundation
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#endif

extension PipelineRunner {
    /// Runs the whole pipeline's ``RunChain``: the record pass (read, the row steps, normalise and
    /// validate over the entire file first: nothing leaves before the whole file is known good), then
    /// the service steps (upload, export, reconcile) and the report step, which writes the run's
    /// `summary.json`, `report.xlsx` and `report.html` once, at the end, with every stage. Around the
    /// chain: the ledger's lock, the run's row in the ledger, and the interrupted and failed endings.
    /// - Throws: ``ReadError`` (input: nothing was uploaded), ``RemoteFailure`` (exit 4), ``LedgerError``.
    public static func run(_ pipeline: Pipeline, options: RunOptions, upload: UploadOptions) async throws -> RunResult {
        var opts = options
        opts.dryRun = false
        let lock = try lockLedger(pipeline, options: &opts, command: "run")
        defer { lock?.release() }
        var result = try validate(pipeline, options: opts, writeReports: false)
        guard let stage = pipeline.upload else {
            try writeValidationReports(pipeline, result: result)
            return result
        }
        let connection: ServiceConnection
        do {
            connection = try await ServiceConnection.open(
                pipeline: pipeline, stage: stage, outputRoot: options.outputRoot, options: upload)
        } catch {
            // The reports too: their banner says the service failed.
            recordFailure(pipeline, result: &result, error: error)
            throw error
        }
        let ledger = connection.ledger
        let runID = result.summary.runID
        do {
            try ledger.beginRun(
                runID: runID, pipeline: pipeline.name, target: stage.target.rawValue, input: result.summary.input,
                startedAt: result.summary.startedAt)
            try ledger.setRunProcess(runID: runID)
        } catch {
            try? writeValidationReports(pipeline, result: result)
            throw error
        }
        // The chain's service steps (upload, then export and reconcile when declared), then its report step.
        let chain = RunChain(pipeline)
        var state = RunState(pipeline: pipeline, result: result, connection: connection, options: upload)
        do {
            for step in chain.serviceSteps { try await step.run(&state) }
            try ledger.finishRun(
                runID: runID, status: (state.result.upload?.failed ?? 0) > 0 ? "failed items" : "ok",
                counts: state.result.upload?.ledgerCounts ?? [:],
                finishedAt: ISO8601DateFormatter().string(from: Date()))
        } catch let stopped as RunInterrupted {
            result = state.result
            try? ledger.markInterrupted(runID: runID)
            try? ledger.finishRun(
                runID: runID, status: RunStatus.interrupted.rawValue, counts: result.upload?.ledgerCounts ?? [:],
                finishedAt: ISO8601DateFormatter().string(from: Date()))
            await connection.close()
            try finishInterrupted(pipeline, result: &result, by: stopped)
            return result
        } catch {
            result = state.result
            // An upload given up mid-run: its counts so far go into the failed run's summary and the ledger.
            if let failure = error as? RemoteFailure, let sofar = failure.upload, result.upload == nil {
                result.upload = sofar
                result.summary.sections.append(("upload", sofar.json))
            }
            try? ledger.finishRun(
                runID: runID, status: error is RemoteFailure ? "remote failure" : "failed",
                counts: result.upload?.ledgerCounts ?? [:], finishedAt: ISO8601DateFormatter().string(from: Date()))
            await connection.close()
            recordFailure(pipeline, result: &result, error: error)
            throw error
        }
        await connection.close()
        try await chain.report.run(&state)
        return state.result
    }

    /// `catalog-etl reconcile FILE`: validates the input again (to know every source row), then
    /// exports what the service holds and reconciles, without sending anything.
    /// - Parameter listing: Reconcile against this saved listing of the service instead of exporting
    ///   (JSON Lines of `{"key", "remote_id", "fields": {…}, "errors": […]}`); the service is not contacted.
    public static func reconcile(
        _ pipeline: Pipeline, options: RunOptions, upload: UploadOptions, listing: String? = nil
    ) async throws -> RunResult {
        var opts = options
        opts.dryRun = false
        guard let stage = pipeline.upload else {
            throw RunFailure(
                message: "\(pipeline.file): the pipeline has no upload stage, so there is nothing to reconcile against",
                exitCode: 2)
        }
        let lock = try lockLedger(pipeline, options: &opts, command: "reconcile")
        defer { lock?.release() }
        var result = try validate(pipeline, options: opts, writeReports: false)
        if let listing {
            do {
                try reconcile(
                    pipeline, listing: listing, result: &result, outputRoot: options.outputRoot, upload: upload)
            } catch {
                try? writeValidationReports(pipeline, result: result)
                throw error
            }
            try rewriteReports(pipeline, result: &result)
            return result
        }
        let connection: ServiceConnection
        do {
            connection = try await ServiceConnection.open(
                pipeline: pipeline, stage: stage, outputRoot: options.outputRoot, options: upload)
        } catch {
            try? writeValidationReports(pipeline, result: result)
            throw error
        }
        let validated = result
        do {
            try await connection.client.prepare(state: try connection.ledger.allValues())
            try await exportAndReconcile(pipeline, result: &result, connection: connection, upload: upload)
        } catch let stopped as RunInterrupted {
            await connection.close()
            try finishInterrupted(pipeline, result: &result, by: stopped)
            return result
        } catch {
            await connection.close()
            // The reports of the validation (the reconciliation stopped before it had any).
            try? writeValidationReports(pipeline, result: validated)
            if let e = error as? RemoteError { throw RemoteFailure(description: e.description) }
            throw error
        }
        await connection.close()
        try rewriteReports(pipeline, result: &result)
        return result
    }

    /// The export and reconcile steps of the `reconcile` command (it exports even when the pipeline
    /// declares no `export` stage, and reconciles when it declares `reconcile`).
    static func exportAndReconcile(
        _ pipeline: Pipeline, result: inout RunResult, connection: ServiceConnection, upload: UploadOptions
    ) async throws {
        let chain = RunChain(pipeline)
        var state = RunState(pipeline: pipeline, result: result, connection: connection, options: upload)
        defer { result = state.result }
        try await (chain.export ?? ExportStep(stage: nil)).run(&state)
        try await chain.reconcile?.run(&state)
    }

    /// The reconcile stage over the run folder's spools and the service's items, streamed through an
    /// index on disk (``StreamingReconciler``): writes `reconciliation.csv` and `reconciliation.json`
    /// and adds the reconciliation to the result.
    static func reconcileRun(
        _ stage: ReconcileStage, result: inout RunResult, remote: () throws -> RemoteItem?,
        reportedCounts: [String: Int], ledger: Ledger, upload: UploadOptions
    ) throws {
        let dir = result.runDirectory
        let index = try StreamingReconciler.index(runDirectory: dir, remote: remote)
        defer { index.close() }
        upload.progress?(Self.stageProgress("reconcile", 0, total: index.sourceCount))
        let recon = try StreamingReconciler.reconcile(
            index, runDirectory: dir, compare: stage.compare, reportedCounts: reportedCounts,
            ledger: { try ledger.items(keys: $0) })
        upload.progress?(Self.stageProgress("reconcile", index.sourceCount))
        result.reconciliation = recon
        result.crossed = recon.crossed(stage.failOn)
        result.summary.sections.append(("reconciliation", recon.json))
    }

    /// Reconciles the run against a saved listing of the service, one line a remote item.
    static func reconcile(
        _ pipeline: Pipeline, listing: String, result: inout RunResult, outputRoot: String, upload: UploadOptions
    ) throws {
        guard let stage = pipeline.reconcile else { return }
        let ledger = try Ledger(path: upload.ledgerPath ?? Ledger.path(outputRoot: outputRoot, pipeline: pipeline.name))
        let lines = try SendSpoolLines(path: listing)
        try reconcileRun(
            stage, result: &result,
            remote: {
                try lines.next().map { v in
                    var fields: [String: JSONValue] = [:]
                    for f in v["fields"]?.objectValue ?? [] { fields[f.key] = f.value }
                    return RemoteItem(
                        key: v["key"]?.textValue, remoteID: v["remote_id"]?.textValue ?? "", fields: fields,
                        errors: v["errors"]?.arrayValue?.compactMap(\.textValue) ?? [])
                }
            }, reportedCounts: [:], ledger: ledger, upload: upload)
    }

    /// The progress of a stage that only counts (export: items read back; reconcile: rows compared).
    static func stageProgress(_ stage: String, _ processed: Int, total: Int? = nil) -> UploadProgress {
        UploadProgress(
            stage: stage, total: total ?? processed, processed: processed, created: 0, updated: 0, unchanged: 0,
            failed: 0, retries: 0, rateLimited: 0, elapsed: 0)
    }

    /// The folder of a run that holds the listing of the service taken before the first create.
    public static let listingFolderName = "listing"

    /// Takes the lock of the pipeline's ledger (one `run`, `plan` or `reconcile` at a time), with a new
    /// run id written into it and into `options`; nil for a pipeline without an upload stage.
    /// - Throws: ``RunFailure`` (exit 2) naming the run that holds it.
    static func lockLedger(_ pipeline: Pipeline, options: inout RunOptions, command: String) throws -> LedgerLock? {
        guard pipeline.upload != nil else { return nil }
        let runID = options.runID ?? newRunID(now: Date())
        options.runID = runID
        return try LedgerLock.acquire(
            outputRoot: options.outputRoot, pipeline: pipeline.name, runID: runID, command: command)
    }

    /// Writes `summary.json`, `report.xlsx` and `report.html` with the upload and reconcile sections,
    /// and sets the exit code.
    static func rewriteReports(_ pipeline: Pipeline, result: inout RunResult) throws {
        let dir = result.runDirectory
        if result.summary.status == RunSummary.ok && (result.upload?.failed ?? 0) > 0 {
            result.summary.status = RunSummary.failed
        }
        result.summary.seconds = Date().timeIntervalSince(
            ISO8601DateFormatter().date(from: result.summary.startedAt) ?? Date())
        try write(result.summary.json.prettyText, to: (dir as NSString).appendingPathComponent("summary.json"))
        try WorkbookReport.write(
            path: (dir as NSString).appendingPathComponent("report.xlsx"), summary: result.summary,
            reconciliation: result.reconciliation, issuesCSV: (dir as NSString).appendingPathComponent("issues.csv"),
            quarantineCSV: (dir as NSString).appendingPathComponent("quarantine.csv"))
        var sections: [String] = []
        if let u = result.upload { sections.append(uploadSection(u)) }
        if let r = result.reconciliation { sections.append(ReconciliationReport.htmlSection(r)) }
        let html = HTMLReport.render(
            summary: result.summary, issues: result.reportIssues, pipeline: pipeline, extraSections: sections,
            outcome: HTMLReport.outcome(
                summary: result.summary, upload: result.upload, reconciliation: result.reconciliation),
            files: reportFiles(directory: dir))
        try write(html, to: (dir as NSString).appendingPathComponent("report.html"))
        let remoteFailed = (result.upload?.failed ?? 0) - (result.upload?.rejected ?? 0)
        if remoteFailed > 0 {
            result.exitCode = 4
        } else if result.summary.rowsQuarantined > result.summary.maxQuarantined || (result.upload?.rejected ?? 0) > 0
            || !result.crossed.isEmpty
        {
            result.exitCode = 1
        } else {
            result.exitCode = 0
        }
    }

    static func uploadSection(_ u: UploadReport) -> String {
        let e = HTMLReport.escape
        var h = "<h2>Upload</h2><div class=\"cards\">"
        // Failures are red; retries and rate limiting are warnings (amber), never green.
        for (label, n, tone) in [
            ("sent", u.sent, "ok"), ("created", u.created, "ok"), ("updated", u.updated, "ok"),
            ("unchanged", u.unchanged, "ok"), ("adopted", u.adopted, "ok"),
            ("failed", u.failed, u.failed > 0 ? "bad" : "ok"),
            ("retries", u.retries, u.retries > 0 ? "warn" : "ok"),
            ("rate limited", u.rateLimited, u.rateLimited > 0 ? "warn" : "ok"),
        ] {
            h += "<div class=\"card \(tone)\"><b>\(n)</b>\(label)</div>"
        }
        h += "</div>"
        h +=
            "<p class=\"muted\">\(u.requests) requests in \(String(format: "%.1f", u.seconds)) s\(u.notUpdatable > 0 ? " · \(u.notUpdatable) changed rows the service cannot update" : "")</p>"
        if !u.failures.isEmpty {
            h += "<table><tr><th>key</th><th>error</th></tr>"
            for f in u.failures { h += "<tr><td>\(e(f.key))</td><td>\(e(f.message))</td></tr>" }
            h += "</table>"
        }
        return h
    }
}

/// Reads a JSON Lines file of objects, one ``JSONValue`` per line.
final class SendSpoolLines {
    private let lines: LineFile
    let path: String

    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ReadError(.notFound, file: path, message: "cannot open")
        }
        lines = try LineFile(path: path)
        self.path = path
    }

    func next() throws -> JSONValue? {
        while let bytes = try lines.next() {
            if bytes.isEmpty { continue }
            do { return try JSONValue.parse(bytes) } catch {
                throw ReadError(.malformed, file: path, message: "damaged line: \(error)")
            }
        }
        return nil
    }
}
