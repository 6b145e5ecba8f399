import Foundation
import OrderedJSON

/// Reconciles a run from its spools on disk: the run's source rows (`send.jsonl` and the quarantined
/// keys) and the service's items are indexed in a temporary SQLite file (``ReconcileIndex``), then
/// walked in source order a row at a time, each line written as it is decided
/// (``ReconciliationWriter``). It decides exactly as ``Reconciler/reconcile(source:remote:compare:reportedCounts:ledgerKeys:)``
/// does over the same rows, without holding them.
enum StreamingReconciler {
    /// Rows looked up in the ledger at once.
    static let batchSize = 500

    /// The run's source rows and the remote items, indexed.
    /// - Parameters:
    ///   - runDirectory: The run folder with `send.jsonl` and `.quarantined-keys.jsonl`.
    ///   - remote: What the service holds, in its listing's order, an item a call until nil.
    /// - Throws: ``ReadError``, ``WriteError``, what `remote` throws.
    static func index(runDirectory dir: String, remote: () throws -> RemoteItem?) throws -> ReconcileIndex {
        let index = try ReconcileIndex(path: (dir as NSString).appendingPathComponent(".reconcile-index.sqlite"))
        do {
            try index.addSpool(
                (dir as NSString).appendingPathComponent(PipelineRunner.sendSpoolName), as: .send)
            try index.addSpool(
                (dir as NSString).appendingPathComponent(PipelineRunner.quarantinedKeysName), as: .quarantined)
            try index.addRemote(remote)
            try index.finishLoading()
        } catch {
            index.close()
            throw error
        }
        return index
    }

    /// Reconciles the indexed rows and items and writes `reconciliation.csv` and `reconciliation.json`.
    /// - Parameters:
    ///   - index: The run's index (``index(runDirectory:remote:)``); the caller closes it.
    ///   - runDirectory: The run folder.
    ///   - compare: Fields and how to compare them; empty compares every sent field the service returned.
    ///   - reportedCounts: Counts the service reports about itself, checked against the remote items.
    ///   - ledger: What the ledger knows of some keys (the upload's word on each sent row, and whether
    ///     a remote item without a row in this input was sent or adopted by an earlier run).
    /// - Returns: the counts, the count checks and the first lines that are not matched.
    /// - Throws: ``ReadError``, ``WriteError``, ``LedgerError``.
    static func reconcile(
        _ index: ReconcileIndex, runDirectory dir: String, compare: [(field: String, how: Comparison)],
        reportedCounts: [String: Int], ledger: ([String]) throws -> [String: LedgerItem]
    ) throws -> Reconciliation {
        let writer = try ReconciliationWriter(
            csvPath: (dir as NSString).appendingPathComponent("reconciliation.csv"),
            jsonPath: (dir as NSString).appendingPathComponent("reconciliation.json"))
        let sendLines = try SpoolLineReader(
            path: (dir as NSString).appendingPathComponent(PipelineRunner.sendSpoolName))
        let quarantinedLines = try SpoolLineReader(
            path: (dir as NSString).appendingPathComponent(PipelineRunner.quarantinedKeysName))
        func value(_ spool: ReconcileIndex.Spool, _ offset: Int64) throws -> JSONValue {
            try (spool == .send ? sendLines : quarantinedLines).value(at: offset)
        }
        var used = OrdinalSet()
        try index.reading { session in
            var batch: [(ReconcileIndex.Spool, JSONValue)] = []
            func flush() throws {
                let keys = batch.compactMap { $0.0 == .send ? $0.1["key"]?.textValue : nil }
                let known = try ledger(keys)
                for (spool, v) in batch {
                    let item = sourceItem(spool, v, known: known)
                    try writer.add(try line(for: item, session: session, used: &used, compare: compare))
                }
                batch.removeAll(keepingCapacity: true)
            }
            try session.forEachSourceRow { spool, offset in
                batch.append((spool, try value(spool, offset)))
                if batch.count >= batchSize { try flush() }
            }
            try flush()

            // What the service holds that no source row matched: a second copy of a key, an item an
            // earlier run sent, or one nobody knows.
            var left: [(key: String?, remoteID: String)] = []
            func flushLeft() throws {
                var rows: [String: RowSource] = [:]
                var others: [String] = []
                for (key, _) in left {
                    guard let key, rows[key] == nil else { continue }
                    if let (spool, offset) = try session.firstSourceRow(key: key) {
                        rows[key] = rowSource(try value(spool, offset))
                    } else {
                        others.append(key)
                    }
                }
                let ledgerKeys = Set(try ledger(others).keys)
                for (key, remoteID) in left {
                    if let key, let row = rows[key] {
                        try writer.add(
                            ReconLine(
                                kind: .duplicates, key: key, source: row, remoteID: remoteID, differences: [],
                                detail: "the service holds this key more than once"))
                    } else if let key, ledgerKeys.contains(key) {
                        try writer.add(
                            ReconLine(
                                kind: .notInInput, key: key, source: nil, remoteID: remoteID, differences: [],
                                detail: "on the service and in the ledger from an earlier run, but not in this input"))
                    } else {
                        try writer.add(
                            ReconLine(
                                kind: .unexpected, key: key, source: nil, remoteID: remoteID, differences: [],
                                detail: "on the service but not in the source"))
                    }
                }
                left.removeAll(keepingCapacity: true)
            }
            try session.forEachRemote(where: { !used.contains($0) }) { _, key, remoteID in
                left.append((key, remoteID))
                if left.count >= batchSize { try flushLeft() }
            }
            try flushLeft()
        }
        var checks: [(name: String, reported: Int, expected: Int)] = []
        for (name, n) in reportedCounts.sorted(by: { $0.key < $1.key }) where n != index.remoteCount {
            checks.append((name, n, index.remoteCount))
        }
        return try writer.finish(countChecks: checks)
    }

    /// The row of a spool line: file, sheet, row and, for a record of several rows, every row.
    static func rowSource(_ v: JSONValue) -> RowSource {
        var source = RowSource(
            file: v["file"]?.textValue ?? "", sheet: v["sheet"]?.textValue, row: v["row"]?.integerValue ?? 0)
        source.groupRows = v["rows"]?.arrayValue?.compactMap(\.integerValue) ?? []
        return source
    }

    /// A spool line as the reconciliation sees it: quarantined, or sent with the ledger's word on it.
    static func sourceItem(_ spool: ReconcileIndex.Spool, _ v: JSONValue, known: [String: LedgerItem]) -> SourceItem {
        let source = rowSource(v)
        let key = v["key"]?.textValue
        guard spool == .send, let key else {
            return SourceItem(key: key, source: source, state: .quarantined(v["errors"]?.textValue ?? ""))
        }
        let entry = known[key]
        let state: SourceItem.State
        switch entry?.state {
        case .done: state = .sent(v["record"] ?? .null)
        case .failed:
            let why = entry?.shownError ?? "failed"
            state = entry?.reason == .rejected ? .rejected(why) : .failed(why)
        case .sending, .pending:
            state = .failed("not confirmed by the service (the run stopped before its answer)")
        case nil: state = .failed("never sent (no upload has run for this row yet)")
        }
        return SourceItem(key: key, source: source, state: state)
    }

    /// The line of one source row, marking the remote item it takes as used.
    static func line(
        for s: SourceItem, session: ReconcileIndex.Session, used: inout OrdinalSet,
        compare: [(field: String, how: Comparison)]
    ) throws -> ReconLine {
        switch s.state {
        case .quarantined(let why):
            return ReconLine(
                kind: .quarantined, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why)
        case .rejected(let why):
            return ReconLine(kind: .rejected, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why)
        case .failed(let why):
            // A failed item may still have landed (a lost response); it counts as failed either way.
            if let k = s.key, let i = try session.firstRemoteIndex(key: k) { used.insert(i) }
            return ReconLine(kind: .failed, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why)
        case .sent(let record):
            let matches = try s.key.map { try session.remoteItems(key: $0) } ?? []
            guard let k = s.key, let item = matches.first(where: { !used.contains($0.index) }) ?? matches.first else {
                return ReconLine(
                    kind: .missing, key: s.key, source: s.source, remoteID: nil, differences: [],
                    detail: "not found on the service")
            }
            used.insert(item.index)
            if !item.errors.isEmpty {
                return ReconLine(
                    kind: .rejected, key: k, source: s.source, remoteID: item.remoteID, differences: [],
                    detail: item.errors.joined(separator: "; "))
            }
            let diffs = Reconciler.differences(sent: record, remote: item.fields, compare: compare)
            return ReconLine(
                kind: diffs.isEmpty ? .matched : .mismatched, key: k, source: s.source, remoteID: item.remoteID,
                differences: diffs, detail: "")
        }
    }
}
