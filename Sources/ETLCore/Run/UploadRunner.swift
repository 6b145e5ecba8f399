import Foundation

/// Sends a run's valid records (the send spool) to the service: the ledger decides what is new,
/// changed or done; creates go in batches through the client with the "ask before retrying" rule;
/// everything is recorded before and after each request.
public enum UploadRunner {
    /// Keys looked up in the ledger at once.
    static let chunkSize = 256

    /// Uploads the spool at `spoolPath`. When the run is asked to stop (``UploadOptions/stop``), no new
    /// request leaves, the requests in flight are recorded as they end, and the report comes back with
    /// ``UploadReport/interrupted`` set.
    /// - Throws: ``RemoteFailure`` (exit 4) when the service is unreachable or refuses the credentials.
    /// - Parameters:
    ///   - scope: What the ledger's items must describe; a scope the ledger has not recorded is listed
    ///     and adopted first (see ``Adoption``).
    ///   - listingDirectory: Where that listing's raw file is saved.
    ///   - compare: How records are compared with listed items (the reconcile stage's `compare`).
    public static func upload(
        spoolPath: String, runID: String, connection: ServiceConnection, options: UploadOptions, total: Int,
        scope: LedgerScope, listingDirectory: String, compare: [(field: String, how: Comparison)]
    ) async throws -> UploadReport {
        let started = Date()
        let client = connection.client
        let ledger = connection.ledger
        let counters = connection.session.counters
        let tally = Tally()
        let stop = options.stop
        var interrupted = false
        do {
            try stop?.check()
            let (stored, otherScope) = try Adoption.clientState(ledger: ledger, scope: scope)
            try await client.prepare(state: stored)
            let adoption = try await Adoption.begin(
                scope: scope, client: client, ledger: ledger, spoolPath: spoolPath, listingDirectory: listingDirectory,
                compare: compare, runID: runID, apply: true)
            if otherScope && adoption.adoptedScope {
                // The values the client stored for another service, account or collection are no use here.
                let current = client.state
                for name in try ledger.allValues().keys where current[name] == nil { try ledger.setValue(name, nil) }
            }
            let stateSaver = StateSaver(saved: try ledger.allValues())
            try stateSaver.save(client, ledger)
            let reader = try SendSpoolReader(path: spoolPath)
            let concurrency = max(1, connection.session.uploadPacer.concurrencyLimit)
            func report() {
                options.progress?(
                    UploadProgress(
                        stage: "upload", total: total, processed: tally.processed, created: tally.created,
                        updated: tally.updated, unchanged: tally.unchanged, failed: tally.failed,
                        retries: counters.retries, rateLimited: counters.rateLimited,
                        elapsed: Date().timeIntervalSince(started)))
            }
            var chunk: [SendItem] = []
            var exhausted = false
            while !exhausted {
                try stop?.check()
                chunk.removeAll(keepingCapacity: true)
                while chunk.count < chunkSize, let item = try reader.next() { chunk.append(item) }
                if chunk.isEmpty { break }
                if chunk.count < chunkSize { exhausted = true }
                let plan = try await makePlan(
                    chunk, ledger: ledger, client: client, fullRefresh: options.fullRefresh, adoption: adoption)
                try ledger.adopt(plan.compared, scope: nil, listed: 0, runID: runID)
                try ledger.markDone(plan.learnt, runID: runID)
                try ledger.markPending(keys: plan.missing)
                tally.add(
                    unchanged: plan.unchanged.count, notUpdatable: plan.notUpdatable.count, adopted: plan.adopted.count)
                tally.add(processed: plan.refused.count, failed: plan.refused.count, rejected: plan.refused.count)
                for (item, why) in plan.refused {
                    tally.addFailure(item.key, why + " (unchanged since; fix the row to send it again)")
                }
                for item in plan.notUpdatable {
                    let what =
                        plan.changes[item.key].map { "held by the service with other content (\(changesText($0)))" }
                        ?? "changed since it was sent"
                    options.event?(
                        UploadEvent(
                            kind: .notUpdatable,
                            message:
                                "\(what), but \(client.service.displayName) cannot update a product; it keeps the earlier version",
                            keys: [item.key]))
                }
                // Creates in batches, updates one by one; at most `concurrency` requests' worth of work in flight.
                var jobs: [Job] = []
                var i = 0
                while i < plan.creates.count {
                    let end = min(plan.creates.count, i + max(1, client.batchSize))
                    jobs.append(.create(Array(plan.creates[i..<end])))
                    i = end
                }
                jobs += plan.updates.map { .update($0.0, remoteID: $0.1) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var running = 0
                    for job in jobs {
                        if running >= concurrency {
                            try await group.next()
                            running -= 1
                            report()
                        }
                        // After a stop request no new job starts; the ones running end on their own.
                        if stop?.isRequested == true { break }
                        group.addTask {
                            do {
                                // Retries deep in the session name the keys of this batch.
                                try await UploadEvent.$currentKeys.withValue(job.keys) {
                                    try await run(
                                        job, client: client, ledger: ledger, runID: runID, tally: tally,
                                        options: options, session: connection.session)
                                }
                            } catch is RunInterrupted {
                                // Its items stay `sending` (or `pending`): the next run asks the service first.
                            }
                            try stateSaver.save(client, ledger)
                        }
                        running += 1
                    }
                    while try await group.next() != nil { report() }
                }
                report()
            }
            try stop?.check()
            try await client.finish()
            try stateSaver.save(client, ledger)
        } catch is RunInterrupted {
            interrupted = true
        } catch let e as RemoteError {
            // Given up mid-run: the counts so far go with the failure, for the failed run's summary.
            let sofar = report(tally: tally, counters: counters, started: started, interrupted: false)
            if case .fatal(let m) = e { throw RemoteFailure(description: m, upload: sofar) }
            throw RemoteFailure(description: e.description, upload: sofar)
        }
        return report(
            tally: tally, counters: counters, started: started, interrupted: interrupted || stop?.isRequested == true)
    }

    /// The upload's report from its tally and the session's counters.
    private static func report(tally: Tally, counters: UploadCounters, started: Date, interrupted: Bool)
        -> UploadReport
    {
        var r = UploadReport()
        r.created = tally.created
        r.updated = tally.updated
        r.unchanged = tally.unchanged
        r.adopted = tally.adopted
        r.failed = tally.failed
        r.rejected = tally.rejected
        r.notUpdatable = tally.notUpdatable
        r.sent = tally.sent
        r.retries = counters.retries
        r.rateLimited = counters.rateLimited
        r.requests = counters.requests
        r.failures = tally.failures
        r.seconds = Date().timeIntervalSince(started)
        r.interrupted = interrupted
        return r
    }

    /// Writes the client's state to the ledger when it changed since the last write (checked after
    /// every request batch, so the comparison is in memory, not a ledger read).
    final class StateSaver: @unchecked Sendable {
        private let lock = NSLock()
        private var saved: [String: String]

        init(saved: [String: String]) { self.saved = saved }

        func save(_ client: any ServiceClient, _ ledger: Ledger) throws {
            let state = client.state
            try lock.withLock {
                for (k, v) in state where saved[k] != v {
                    try ledger.setValue(k, v)
                    saved[k] = v
                }
            }
        }
    }

    enum Job: Sendable {
        case create([SendItem])
        case update(SendItem, remoteID: String)

        /// The keys of the items it sends.
        var keys: [String] {
            switch self {
            case .create(let items): return items.map(\.key)
            case .update(let item, _): return [item.key]
            }
        }
    }

    /// What to do with one chunk of items, decided from the ledger (and the listing of an adoption).
    struct Plan {
        var creates: [SendItem] = []
        var updates: [(SendItem, String)] = []
        var unchanged: [SendItem] = []
        /// Held by the service with the same content: recorded done without sending.
        var adopted: [(SendItem, String)] = []
        var notUpdatable: [SendItem] = []
        var refused: [(SendItem, String)] = []
        /// The differing fields of the items compared with a listed item (updates and not updatable).
        var changes: [String: [FieldDifference]] = [:]
        /// What the decision itself established: items the service holds (a run records them done).
        var learnt: [(key: String, hash: String, remoteID: String)] = []
        /// Items compared with the listing and found held (the same content, or other content the
        /// service cannot update), as a run records them: done, with their source row.
        var compared: [LedgerItem] = []
        /// Items asked about that the service does not hold (a run sets them back to pending).
        var missing: [String] = []
    }

    /// Decides per item: skip (done, same hash), update (done, changed), create (new), compare with the
    /// listing (adopted from the service, not yet compared: see ``Adoption``), or ask the service first
    /// (left `sending` by a crash, failed before, or `--full-refresh`). Writes nothing: a run records
    /// ``Plan/learnt`` and ``Plan/missing`` afterwards, a plan does not.
    static func makePlan(
        _ items: [SendItem], ledger: Ledger, client: any ServiceClient, fullRefresh: Bool, adoption: Adoption?
    ) async throws -> Plan {
        var plan = Plan()
        let keys = items.map(\.key)
        let known =
            fullRefresh ? [:] : try adoption?.entries(keys: keys, ledger: ledger) ?? ledger.items(keys: keys)
        var ask: [SendItem] = []
        var seen = Set<String>()
        for item in items {
            guard seen.insert(item.key).inserted else { continue }
            guard !fullRefresh else {
                ask.append(item)
                continue
            }
            guard let entry = known[item.key] else {
                plan.creates.append(item)
                continue
            }
            switch entry.state {
            case .done where entry.hash == LedgerItem.unverifiedHash:
                guard let adoption, let listing = adoption.listing else {
                    ask.append(item)
                    continue
                }
                guard let remote = listing[item.key] else {
                    // Listed by an earlier run, no longer on the service.
                    plan.creates.append(item)
                    continue
                }
                let differences = adoption.differences(item, remote)
                func held(_ hash: String) -> LedgerItem {
                    LedgerItem(
                        key: item.key, hash: hash, state: .done, remoteID: remote.remoteID, attempts: entry.attempts,
                        lastError: nil, file: item.file, sheet: item.sheet, row: item.row, runID: entry.runID,
                        updatedAt: entry.updatedAt)
                }
                if differences.isEmpty {
                    plan.adopted.append((item, remote.remoteID))
                    plan.compared.append(held(item.hash))
                } else if client.canUpdate {
                    plan.changes[item.key] = differences
                    plan.updates.append((item, remote.remoteID))
                } else {
                    plan.changes[item.key] = differences
                    plan.notUpdatable.append(item)
                    plan.compared.append(held(LedgerItem.differsHash))
                }
            case .done:
                if entry.hash == item.hash {
                    plan.unchanged.append(item)
                } else if let id = entry.remoteID, client.canUpdate {
                    plan.updates.append((item, id))
                } else {
                    plan.notUpdatable.append(item)
                }
            case .failed where entry.hash == item.hash && entry.reason == .rejected:
                // The service refused exactly this content before: sending it again would be refused again.
                plan.refused.append((item, entry.shownError ?? ""))
            case .sending, .failed, .pending:
                if entry.attempts == 0 && entry.state == .pending {
                    plan.creates.append(item)
                } else {
                    ask.append(item)
                }
            }
        }
        guard !ask.isEmpty else { return plan }
        let found = try await client.find(keys: ask.map(\.key))
        for item in ask {
            if let id = found[item.key] {
                let previous = known[item.key]
                // Held by the service: done with what the ledger last sent (or, with no ledger entry, unknown content).
                let sentHash = previous?.hash ?? item.hash
                plan.learnt.append((item.key, sentHash, id))
                // An update left `sending` (the run stopped around it) may not have reached the service:
                // it is sent again (an update is idempotent).
                let updateInFlight = previous?.state == .sending && previous?.remoteID != nil
                if (fullRefresh || updateInFlight) && client.canUpdate {
                    plan.updates.append((item, id))
                } else if sentHash == item.hash {
                    plan.unchanged.append(item)
                } else if client.canUpdate {
                    plan.updates.append((item, id))
                } else {
                    plan.notUpdatable.append(item)
                }
            } else {
                plan.missing.append(item.key)
                plan.creates.append(item)
            }
        }
        return plan
    }

    /// `field: "old" -> "new"; …` (what the service holds, then the record).
    static func changesText(_ differences: [FieldDifference]) -> String {
        differences.map { "\($0.field): \"\($0.remote)\" -> \"\($0.sent)\"" }.joined(separator: "; ")
    }

    static func run(
        _ job: Job, client: any ServiceClient, ledger: Ledger, runID: String, tally: Tally, options: UploadOptions,
        session: ServiceSession
    ) async throws {
        let retry = session.retry
        let counters = session.counters
        switch job {
        case .update(let item, let remoteID):
            try ledger.markSending([item], runID: runID)
            tally.add(sent: 1)
            do {
                switch try await client.update(item, remoteID: remoteID) {
                case .done(let id):
                    try ledger.markDone([(item.key, item.hash, id)], runID: runID)
                    tally.add(processed: 1, updated: 1)
                case .rejected(let why):
                    try fail([item], why, rejected: true, ledger: ledger, runID: runID, tally: tally, options: options)
                }
            } catch let e as RemoteError {
                if case .fatal = e { throw e }
                try fail(
                    [item], e.description, rejected: false, ledger: ledger, runID: runID, tally: tally, options: options
                )
            }
        case .create(let items):
            var pending = items
            var attempt = 0
            try ledger.markSending(pending, runID: runID)
            tally.add(sent: items.count)
            while !pending.isEmpty {
                attempt += 1
                do {
                    let results: [String: ItemResult]
                    do {
                        results = try await client.create(pending)
                    } catch let stopped as RunInterrupted where !stopped.requestInFlight {
                        // The run stopped with no request of this create on its way: back to pending
                        // (with its attempts, so the next run asks the service before sending again).
                        try ledger.markPending(keys: pending.map(\.key))
                        throw stopped
                    }
                    var done: [(key: String, hash: String, remoteID: String)] = []
                    var rejected: [(SendItem, String)] = []
                    var unanswered: [SendItem] = []
                    for item in pending {
                        switch results[item.key] {
                        case .done(let id): done.append((item.key, item.hash, id))
                        case .rejected(let why): rejected.append((item, why))
                        case nil: unanswered.append(item)
                        }
                    }
                    if !done.isEmpty {
                        try ledger.markDone(done, runID: runID)
                        tally.add(processed: done.count, created: done.count)
                    }
                    for (item, why) in rejected {
                        try fail(
                            [item], why, rejected: true, ledger: ledger, runID: runID, tally: tally, options: options)
                    }
                    if !unanswered.isEmpty {
                        try fail(
                            unanswered, "\(client.service.displayName) did not report on this item", rejected: false,
                            ledger: ledger, runID: runID, tally: tally, options: options)
                    }
                    pending = []
                } catch RemoteError.ambiguous(let message, let after) {
                    // The service may have acted: ask it before sending again, so nothing is created twice.
                    guard attempt < retry.maxAttempts else {
                        try fail(
                            pending, message, rejected: false, ledger: ledger, runID: runID, tally: tally,
                            options: options)
                        return
                    }
                    counters.addRetry()
                    let wait = min(after ?? retry.backoff(attempt: attempt), session.maxWaitSeconds)
                    options.event?(
                        UploadEvent(
                            kind: .ambiguous, message: "\(message); checking the service before sending again",
                            keys: pending.map(\.key), attempt: attempt, maxAttempts: retry.maxAttempts,
                            waitSeconds: wait))
                    if wait > 0 {
                        try await session.pauseBeforeAsking(
                            wait, reason: "\(message); the service may have acted on it")
                    }
                    let found: [String: String]
                    do { found = try await client.find(keys: pending.map(\.key)) } catch let e as RemoteError {
                        if case .fatal = e { throw e }
                        try fail(
                            pending, "\(message); then the check failed: \(e.description)", rejected: false,
                            ledger: ledger,
                            runID: runID, tally: tally, options: options)
                        return
                    }
                    let done = pending.compactMap { item in
                        found[item.key].map { (key: item.key, hash: item.hash, remoteID: $0) }
                    }
                    if !done.isEmpty {
                        try ledger.markDone(done, runID: runID)
                        tally.add(processed: done.count, created: done.count)
                    }
                    pending = pending.filter { found[$0.key] == nil }
                    if !pending.isEmpty { try ledger.markSending(pending, runID: runID) }
                } catch let e as RemoteError {
                    if case .fatal = e { throw e }
                    try fail(
                        pending, e.description, rejected: false, ledger: ledger, runID: runID, tally: tally,
                        options: options)
                    return
                }
            }
        }
    }

    static func fail(
        _ items: [SendItem], _ message: String, rejected: Bool, ledger: Ledger, runID: String, tally: Tally,
        options: UploadOptions
    ) throws {
        // A refusal is the reason; the ledger keeps the service's own message.
        let stored =
            rejected && message.hasPrefix(LedgerItem.rejectionPrefix)
            ? String(message.dropFirst(LedgerItem.rejectionPrefix.count)) : message
        try ledger.markFailed(
            items.map { ($0.key, $0.hash, stored) }, runID: runID, reason: rejected ? .rejected : .error)
        tally.add(processed: items.count, failed: items.count, rejected: rejected ? items.count : 0)
        for item in items {
            tally.addFailure(item.key, message)
            options.event?(
                UploadEvent(
                    kind: .itemFailed, message: message, keys: [item.key],
                    source: "\(item.file)\(item.sheet.map { " [\($0)]" } ?? "") row \(item.row)"))
        }
    }
}

/// Thread-safe counts of one upload.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var processed = 0
    private(set) var created = 0
    private(set) var updated = 0
    private(set) var unchanged = 0
    private(set) var adopted = 0
    private(set) var failed = 0
    private(set) var rejected = 0
    private(set) var notUpdatable = 0
    private(set) var sent = 0
    private(set) var failures: [(key: String, message: String)] = []

    func add(
        processed p: Int = 0, created c: Int = 0, updated u: Int = 0, unchanged n: Int = 0, failed f: Int = 0,
        rejected r: Int = 0, notUpdatable nu: Int = 0, adopted a: Int = 0, sent s: Int = 0
    ) {
        lock.withLock {
            processed += p + n + nu + a
            created += c
            updated += u
            unchanged += n
            adopted += a
            failed += f
            rejected += r
            notUpdatable += nu
            sent += s
        }
    }

    func addFailure(_ key: String, _ message: String) {
        lock.withLock { if failures.count < 200 { failures.append((key, message)) } }
    }
}
