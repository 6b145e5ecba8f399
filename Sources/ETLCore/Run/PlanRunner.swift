import Foundation
public import OrderedJSON

/// What `catalog-etl plan` found: what a run would do with each row.
public struct PlanResult: Sendable {
    /// The actions of a plan, in the order they are reported.
    public static let actions = ["create", "update", "unchanged", "adopt", "quarantined", "not_updatable", "refused"]

    /// The validation summary (also in the run folder's `summary.json`, with the plan's counts).
    public var summary: RunSummary
    /// The run folder.
    public var runDirectory: String
    /// `plan.csv` in the run folder.
    public var planCSV: String
    /// Rows per action (every action of ``actions``, zero included).
    public var counts: [String: Int]
    /// Items the service listed (nil when the plan needed no listing).
    public var listed: Int?
    /// Whether the ledger had recorded the scope (target, endpoint, account, collection); when not, a
    /// run lists the service and adopts what it holds first.
    public var scopeKnown: Bool
    /// 0, or 1 when rows were quarantined (as `run --dry-run`).
    public var exitCode: Int32

    /// The counts, `listed`, `scope_known` and where `plan.csv` is, as one JSON object (`plan --json`).
    public var json: JSONValue {
        .obj(
            Self.actions.map { ($0, JSONValue.int(counts[$0] ?? 0)) } + [
                ("listed", listed.map { .int($0) } ?? .null), ("scope_known", .bool(scopeKnown)),
                ("plan_csv", .string(planCSV)), ("run_id", .string(summary.runID)),
                ("report", .string(runDirectory + "/")),
            ])
    }
}

extension PipelineRunner {
    /// `plan.csv`'s columns. `changes` lists, for updates and rows the service cannot update, each
    /// differing field as `field: "what the service holds" -> "what the record says"`, separated by `; `.
    public static let planHeader = ["key", "action", "file", "sheet", "row", "remote_id", "changes", "detail"]

    /// `catalog-etl plan FILE`: reads, normalises and validates like a run, then decides what a run
    /// would do with each valid row — with the same decision code as ``run(_:options:upload:)`` — asking
    /// the service only for listings, and writes `plan.csv` (one line per row, in source order) into
    /// the run folder. Nothing is sent and the ledger is not changed.
    /// - Throws: ``RunFailure`` (exit 2: no upload stage, or another run holds the ledger),
    ///   ``ReadError``, ``RemoteFailure`` (exit 4), ``LedgerError``.
    public static func plan(_ pipeline: Pipeline, options: RunOptions, upload: UploadOptions) async throws
        -> PlanResult
    {
        guard let stage = pipeline.upload else {
            throw RunFailure(
                message: "\(pipeline.file): the pipeline has no upload stage, so a run would send nothing to plan",
                exitCode: 2)
        }
        var opts = options
        opts.dryRun = false
        let lock = try lockLedger(pipeline, options: &opts, command: "plan")
        defer { lock?.release() }
        var result = try dryRun(pipeline, options: opts)
        let dir = result.runDirectory
        let connection = try await ServiceConnection.open(
            pipeline: pipeline, stage: stage, outputRoot: options.outputRoot, options: upload)
        let planPath = (dir as NSString).appendingPathComponent("plan.csv")
        var counts = Dictionary(uniqueKeysWithValues: PlanResult.actions.map { ($0, 0) })
        let adoption: Adoption
        do {
            let client = connection.client
            let ledger = connection.ledger
            let scope = LedgerScope(stage: stage, connection: connection)
            try await client.prepareReadOnly(state: try Adoption.clientState(ledger: ledger, scope: scope).values)
            let spool = (dir as NSString).appendingPathComponent(sendSpoolName)
            let listingDirectory = (dir as NSString).appendingPathComponent(listingFolderName)
            adoption = try await Adoption.begin(
                scope: scope, client: client, ledger: ledger,
                spoolPath: spool, listingDirectory: listingDirectory, compare: pipeline.reconcile?.compare ?? [],
                runID: result.summary.runID, apply: false)
            // What the service holds now, for the old values of updates the ledger decides.
            var current = adoption.listing
            if current == nil, client.canUpdate, try ledger.counts()[.done] ?? 0 > 0 {
                do {
                    current = Adoption.index(try await client.export(into: listingDirectory))
                } catch let e as RemoteError {
                    throw RemoteFailure(
                        description: "listing what \(client.service.displayName) holds: \(e.description)")
                }
            }
            let writer = try PlanWriter(path: planPath, quarantined: dir)
            let reader = try SendSpoolReader(path: spool)
            var chunk: [SendItem] = []
            var exhausted = false
            while !exhausted {
                chunk.removeAll(keepingCapacity: true)
                while chunk.count < UploadRunner.chunkSize, let item = try reader.next() { chunk.append(item) }
                if chunk.isEmpty { break }
                if chunk.count < UploadRunner.chunkSize { exhausted = true }
                let plan = try await UploadRunner.makePlan(
                    chunk, ledger: ledger, client: client, fullRefresh: upload.fullRefresh, adoption: adoption)
                let lines = planLines(plan, current: current, adoption: adoption, service: client.service)
                for item in chunk {
                    guard let line = lines[item.key] else { continue }
                    counts[line.action, default: 0] += 1
                    try writer.write(item, line)
                }
            }
            counts["quarantined"] = try writer.finish()
        } catch {
            await connection.close()
            if let e = error as? RemoteError { throw RemoteFailure(description: e.description) }
            throw error
        }
        await connection.close()
        let planResult = PlanResult(
            summary: result.summary, runDirectory: dir, planCSV: planPath, counts: counts,
            listed: adoption.listing == nil ? nil : adoption.listed, scopeKnown: adoption.scopeKnown,
            exitCode: result.exitCode)
        result.summary.dryRun = true
        result.summary.sections.append(("plan", planResult.json))
        try write(result.summary.json.prettyText, to: (dir as NSString).appendingPathComponent("summary.json"))
        var out = planResult
        out.summary = result.summary
        return out
    }

    /// One line of `plan.csv` without its source columns.
    struct PlanLine {
        var action: String
        var remoteID = ""
        var changes = ""
        var detail = ""
    }

    /// The line of every item of a chunk's plan, by key.
    static func planLines(
        _ plan: UploadRunner.Plan, current: [String: RemoteItem]?, adoption: Adoption, service: TargetService
    ) -> [String: PlanLine] {
        var lines: [String: PlanLine] = [:]
        for item in plan.creates { lines[item.key] = PlanLine(action: "create") }
        for (item, id) in plan.updates {
            var line = PlanLine(action: "update", remoteID: id)
            var differences = plan.changes[item.key] ?? []
            if differences.isEmpty, let remote = current?[item.key] {
                differences = adoption.differences(item, remote)
                if differences.isEmpty {
                    differences = Reconciler.differences(sent: item.record, remote: remote.fields, compare: [])
                }
            }
            line.changes = UploadRunner.changesText(differences)
            if differences.isEmpty {
                line.detail = "the record changed since it was sent (its content hash differs from the ledger's)"
            }
            lines[item.key] = line
        }
        for item in plan.unchanged { lines[item.key] = PlanLine(action: "unchanged") }
        for (item, id) in plan.adopted {
            lines[item.key] = PlanLine(
                action: "adopt", remoteID: id, detail: "\(service.displayName) already holds it with this content")
        }
        for item in plan.notUpdatable {
            lines[item.key] = PlanLine(
                action: "not_updatable", changes: UploadRunner.changesText(plan.changes[item.key] ?? []),
                detail: "changed, but \(service.displayName) cannot update what it holds; it keeps its version")
        }
        for (item, why) in plan.refused {
            lines[item.key] = PlanLine(
                action: "refused", detail: why + " (unchanged since; fix the row to send it again)")
        }
        return lines
    }
}

/// Writes `plan.csv`: the valid rows' lines as they are decided, with the quarantined rows
/// (`.quarantined-keys.jsonl`) merged in by row, so the file is in source order.
final class PlanWriter {
    private let sink: OutputSink
    private let csv: CSVWriter
    private let quarantined: SendSpoolLines?
    private var next: JSONValue?
    private var count = 0

    init(path: String, quarantined directory: String) throws {
        sink = try OutputSink(path: path)
        csv = CSVWriter(sink: sink)
        csv.escapeFormulas = true
        try csv.writeRow(PipelineRunner.planHeader)
        let q = (directory as NSString).appendingPathComponent(PipelineRunner.quarantinedKeysName)
        quarantined = FileManager.default.fileExists(atPath: q) ? try SendSpoolLines(path: q) : nil
        next = try quarantined?.next()
    }

    /// Writes the quarantined rows before `item`'s row, then `item`'s line.
    func write(_ item: SendItem, _ line: PipelineRunner.PlanLine) throws {
        while let q = next, (q["row"]?.integerValue ?? 0) < item.row { try writeQuarantined(q) }
        try csv.writeRow([
            item.key, line.action, item.file, item.sheet ?? "", String(item.row), line.remoteID, line.changes,
            line.detail,
        ])
    }

    /// Writes the quarantined rows left and closes the file.
    /// - Returns: How many quarantined rows it wrote.
    func finish() throws -> Int {
        while let q = next { try writeQuarantined(q) }
        try sink.close()
        return count
    }

    private func writeQuarantined(_ q: JSONValue) throws {
        try csv.writeRow([
            q["key"]?.textValue ?? "", "quarantined", q["file"]?.textValue ?? "", q["sheet"]?.textValue ?? "",
            q["row"]?.integerValue.map(String.init) ?? "", "", "", q["errors"]?.textValue ?? "",
        ])
        count += 1
        next = try quarantined?.next()
    }
}
