import Foundation
import GRDB
import OrderedJSON

/// Where one item stands with the target service.
public enum LedgerState: String, Sendable, CaseIterable {
    /// Known but not (or no longer) in flight: to be sent, or to be asked about.
    case pending
    /// The intent is written and the request may have left; no result came back yet.
    case sending
    /// The service holds it (``LedgerItem/remoteID`` says under which id).
    case done
    /// The service refused it, or its request failed for good (``LedgerItem/lastError`` says why).
    case failed
}

/// Why an item is where it stands, beside its ``LedgerState``: how a `failed` item failed, or that
/// the run sending it was stopped.
public enum LedgerReason: String, Sendable, CaseIterable {
    /// `failed`: the service refused this content (its own validation); sending it unchanged would be
    /// refused again.
    case rejected
    /// `failed`: the request failed for good (the network, a server error, retries ran out).
    case error
    /// `sending` or `pending`: the run was stopped (SIGINT, SIGTERM) before the service answered for it.
    case interrupted
}

/// What the ledger knows about one item (one record, by its key).
public struct LedgerItem: Sendable, Equatable {
    /// The record's key (the pipeline's `read.key`).
    public var key: String
    /// The content hash of the normalised record last sent (see ``ContentHash``).
    public var hash: String
    /// Where it stands.
    public var state: LedgerState
    /// The service's id for it, once known.
    public var remoteID: String?
    /// How many times a request carrying it was about to leave.
    public var attempts: Int
    /// The last (redacted) error, for `failed` items.
    public var lastError: String?
    /// The source file of the record as last sent.
    public var file: String
    /// The sheet (XLSX).
    public var sheet: String?
    /// The row as the user sees it.
    public var row: Int
    /// The run that last touched it.
    public var runID: String
    /// When it last changed, ISO 8601 UTC.
    public var updatedAt: String
    /// Why it stands where it does, when the ledger knows more than its state (a refusal, an interrupted run).
    public var reason: LedgerReason?

    /// The text people see for its last error: a refusal by the service says so first.
    public var shownError: String? {
        guard let lastError else { return nil }
        return reason == .rejected ? LedgerItem.rejectionPrefix + lastError : lastError
    }

    /// What ``shownError`` puts before the service's own message when it refused an item (and what
    /// ledgers before ``LedgerReason`` stored in front of it instead of a reason).
    public static let rejectionPrefix = "rejected by the service: "

    /// Creates an item.
    public init(
        key: String, hash: String, state: LedgerState, remoteID: String?, attempts: Int, lastError: String?,
        file: String, sheet: String?, row: Int, runID: String, updatedAt: String, reason: LedgerReason? = nil
    ) {
        self.key = key
        self.hash = hash
        self.state = state
        self.remoteID = remoteID
        self.attempts = attempts
        self.lastError = lastError
        self.file = file
        self.sheet = sheet
        self.row = row
        self.runID = runID
        self.updatedAt = updatedAt
        self.reason = reason
    }
}

/// One run of a pipeline as the ledger recorded it.
public struct LedgerRun: Sendable, Equatable {
    /// The run's id (also the name of its folder under `output/<pipeline>/`).
    public var runID: String
    /// The pipeline's name.
    public var pipeline: String
    /// The target service.
    public var target: String
    /// The input file read.
    public var input: String
    /// When it started, ISO 8601 UTC.
    public var startedAt: String
    /// When it finished; nil while running or when the process died.
    public var finishedAt: String?
    /// `running`, `ok`, `failed`, `interrupted`, … as the runner wrote it.
    public var status: String
    /// The run's counters (created, updated, failed, …), stored as JSON text.
    public var counts: [String: Int]

    /// Creates a run.
    public init(
        runID: String, pipeline: String, target: String, input: String, startedAt: String, finishedAt: String?,
        status: String, counts: [String: Int]
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.target = target
        self.input = input
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counts = counts
    }
}

/// A ledger operation that failed: which ledger, what it was doing and SQLite's reason.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The ledger could not be created, opened or migrated.
        case open
        /// A read failed, or what was read is not what this version writes.
        case read
        /// A write failed (nothing of that call was stored).
        case write
        /// Another process held the ledger longer than the busy timeout.
        case busy
    }

    /// What kind of failure.
    public var code: Code
    /// The ledger file.
    public var path: String
    /// What the ledger was doing, as a phrase (`record the intent for 100 items`).
    public var operation: String
    /// SQLite's (or the file system's) reason.
    public var reason: String
    /// The error that caused it, if any.
    public var underlyingError: (any Error & Sendable)?

    /// Creates an error.
    public init(
        code: Code, path: String, operation: String, reason: String, underlyingError: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.path = path
        self.operation = operation
        self.reason = reason
        self.underlyingError = underlyingError
    }

    /// `<path>: cannot <operation> (<reason>); <what to do>`.
    public var description: String {
        let hint: String
        switch code {
        case .open:
            hint = "check that the folder is writable and that the file is a catalog-etl ledger"
        case .read:
            hint = "the ledger may come from another version of catalog-etl or be damaged"
        case .write:
            hint = "check the free disk space and that the folder is writable"
        case .busy:
            hint = "another catalog-etl process is using this ledger; wait for it to finish"
        }
        return "ledger \(path): cannot \(operation) (\(reason)); \(hint)"
    }
}

/// The run ledger of one pipeline: an SQLite file (`output/<pipeline>/ledger.sqlite`) that records every
/// run and, per item, its content hash, state, remote id and attempts, so a run can resume without
/// sending anything twice.
///
/// The upload runner writes the intent (``markSending(_:runID:)``) before a request leaves and the
/// result (``markDone(_:runID:)``, ``markFailed(_:runID:)``) right after it returns; each call is one
/// transaction. The file is in WAL mode with `synchronous = FULL` (SQLite's usual default, set
/// explicitly): a call that returned is on disk, whatever happens to the process afterwards (`SIGKILL`
/// included), and a call cut short leaves nothing of itself. Another process that holds the write lock
/// is waited for up to 10 seconds, then the call fails with ``LedgerError/Code/busy``.
///
/// Safe to share between tasks and threads: writes are serialised by GRDB's `DatabasePool`, reads run
/// alongside them. The calls are synchronous and short (one statement per item, prepared once).
public final class Ledger: Sendable {
    /// The file name of a ledger inside its pipeline's output folder.
    public static let fileName = "ledger.sqlite"

    /// The most SQL variables one statement binds (SQLite's historic limit is 999).
    static let chunkSize = 500

    /// The ledger file.
    public let path: String
    private let pool: DatabasePool

    /// The ledger of `pipeline` under `outputRoot`: `<outputRoot>/<pipeline>/ledger.sqlite`.
    public static func path(outputRoot: String, pipeline: String) -> String {
        var root = outputRoot.isEmpty ? "." : outputRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return (root == "/" ? "" : root) + "/" + pipeline + "/" + fileName
    }

    /// Opens the ledger at `path`, creating its folders and the file when missing, in WAL mode, with a
    /// busy timeout, and brings its tables up to date.
    /// - Throws: ``LedgerError`` (`.open`).
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw LedgerError(
                code: .open, path: path, operation: "create the folder \"\(folder)\"",
                reason: (error as NSError).localizedDescription)
        }
        var config = Configuration()
        config.label = "ledger"
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // SQLite's usual default, made explicit: in WAL mode every commit syncs the WAL, so what a
            // call wrote survives a killed process and a power cut alike (NORMAL would survive a killed
            // process only).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            do {
                try Self.migrator.migrate(pool)
            } catch {
                // Another process may have migrated between the migrator's check and its write; once it
                // has committed, a second pass finds nothing left to do.
                try Self.migrator.migrate(pool)
            }
        } catch {
            throw Self.error(error, code: .open, path: path, operation: "open the ledger")
        }
    }

    /// The schema, one migration per change; never edit a migration that has shipped.
    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: runs, items, values") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        run_id TEXT PRIMARY KEY NOT NULL,
                        pipeline TEXT NOT NULL,
                        target TEXT NOT NULL,
                        input TEXT NOT NULL,
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        status TEXT NOT NULL,
                        counts TEXT NOT NULL DEFAULT '{}'
                    );
                    CREATE TABLE items (
                        key TEXT PRIMARY KEY NOT NULL,
                        hash TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'done', 'failed')),
                        remote_id TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        file TEXT NOT NULL,
                        sheet TEXT,
                        row INTEGER NOT NULL,
                        run_id TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    );
                    CREATE INDEX items_by_state ON items (state);
                    CREATE TABLE client_values (
                        name TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    );
                    """)
        }
        m.registerMigration("v2: run pid") { db in
            // The process that runs it, so `status` can tell a run still going from one whose process died.
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN pid INTEGER")
        }
        m.registerMigration("v3: scopes") { db in
            // The (target, origin, account, collection) scopes this ledger's items were checked against;
            // the newest row is the one the items describe now (see ``currentScope()``).
            try db.execute(
                sql: """
                    CREATE TABLE scopes (
                        scope TEXT PRIMARY KEY NOT NULL,
                        adopted_at TEXT NOT NULL,
                        run_id TEXT NOT NULL,
                        listed INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v4: item reasons") { db in
            // Refusals were a text prefix of last_error; they become a reason, and the message is the
            // service's own. Every other failed item failed for an error.
            try db.execute(
                sql: """
                    ALTER TABLE items ADD COLUMN reason TEXT
                        CHECK (reason IS NULL OR reason IN ('rejected', 'error', 'interrupted'));
                    UPDATE items SET reason = 'rejected', last_error = substr(last_error, ?)
                        WHERE state = 'failed' AND substr(last_error, 1, ?) = ?;
                    UPDATE items SET reason = 'error' WHERE state = 'failed' AND reason IS NULL;
                    """,
                arguments: [
                    LedgerItem.rejectionPrefix.utf8.count + 1, LedgerItem.rejectionPrefix.utf8.count,
                    LedgerItem.rejectionPrefix,
                ])
        }
        return m
    }

    // MARK: Runs

    /// Records the start of a run (status `running`). Starting a run id again resets it.
    /// - Throws: ``LedgerError``.
    public func beginRun(runID: String, pipeline: String, target: String, input: String, startedAt: String) throws {
        try write("record the start of run \"\(runID)\"") { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (run_id, pipeline, target, input, started_at, finished_at, status, counts)
                    VALUES (?, ?, ?, ?, ?, NULL, 'running', '{}')
                    ON CONFLICT (run_id) DO UPDATE SET
                        pipeline = excluded.pipeline, target = excluded.target, input = excluded.input,
                        started_at = excluded.started_at, finished_at = NULL, status = 'running', counts = '{}'
                    """,
                arguments: [runID, pipeline, target, input, startedAt])
        }
    }

    /// Records the end of a run: its status and counters.
    /// - Throws: ``LedgerError`` (`.write` also when the run was never begun).
    public func finishRun(runID: String, status: String, counts: [String: Int], finishedAt: String) throws {
        let json = Self.countsText(counts)
        try write("record the end of run \"\(runID)\"") { db in
            try db.execute(
                sql: "UPDATE runs SET status = ?, counts = ?, finished_at = ? WHERE run_id = ?",
                arguments: [status, json, finishedAt, runID])
            if db.changesCount == 0 {
                throw LedgerError(
                    code: .write, path: path, operation: "record the end of run \"\(runID)\"",
                    reason: "the ledger has no such run; beginRun was not called for it")
            }
        }
    }

    /// Runs, newest first (by start time).
    /// - Throws: ``LedgerError``.
    public func runs(limit: Int) throws -> [LedgerRun] {
        guard limit > 0 else { return [] }
        return try read("read the runs") { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT run_id, pipeline, target, input, started_at, finished_at, status, counts
                    FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?
                    """,
                arguments: [limit])
            return try rows.map { row in
                let text: String = row["counts"]
                guard let counts = Self.counts(fromText: text) else {
                    throw LedgerError(
                        code: .read, path: path, operation: "read the runs",
                        reason: "the counts of run \"\(row["run_id"] as String)\" are not a JSON object of integers")
                }
                return LedgerRun(
                    runID: row["run_id"], pipeline: row["pipeline"], target: row["target"], input: row["input"],
                    startedAt: row["started_at"], finishedAt: row["finished_at"], status: row["status"],
                    counts: counts)
            }
        }
    }

    // MARK: Items

    /// Items by key for those keys the ledger knows.
    /// - Throws: ``LedgerError``.
    public func items(keys: [String]) throws -> [String: LedgerItem] {
        guard !keys.isEmpty else { return [:] }
        try requireStorable(keys, "read \(keys.count) items")
        return try read("read \(keys.count) items") { db in
            var out: [String: LedgerItem] = [:]
            out.reserveCapacity(keys.count)
            var start = 0
            while start < keys.count {
                let chunk = Array(keys[start..<min(keys.count, start + Self.chunkSize)])
                start += Self.chunkSize
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT \(Self.itemColumns) FROM items WHERE key IN (\(marks))",
                    arguments: StatementArguments(chunk))
                while let row = try rows.next() {
                    let item = try item(row)
                    out[item.key] = item
                }
            }
            return out
        }
    }

    /// The items in `state`, by source file, sheet and row.
    /// - Throws: ``LedgerError``.
    public func items(in state: LedgerState) throws -> [LedgerItem] {
        try read("read the \(state.rawValue) items") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.itemColumns) FROM items WHERE state = ? ORDER BY file, sheet, row, key",
                arguments: [state.rawValue]
            ).map { try item($0) }
        }
    }

    /// Every item, by source file, sheet and row.
    /// - Throws: ``LedgerError``.
    public func allItems() throws -> [LedgerItem] {
        try read("read the items") { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.itemColumns) FROM items ORDER BY file, sheet, row, key")
                .map { try item($0) }
        }
    }

    /// The intent, written before the request leaves: upsert each item as `sending` with its hash, source
    /// file/sheet/row and run id, attempts + 1, updated_at now. One transaction for the whole batch.
    ///
    /// The remote id of an item the service already holds is kept (an update goes out under it), and so
    /// is its last error until a result replaces it.
    /// - Throws: ``LedgerError``; then nothing of the batch was written.
    public func markSending(_ items: [SendItem], runID: String) throws {
        guard !items.isEmpty else { return }
        try requireStorable(items.lazy.map(\.key), "record the intent for \(items.count) items")
        let now = Self.now()
        try write("record the intent for \(items.count) item\(items.count == 1 ? "" : "s")") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (key, hash, state, attempts, file, sheet, row, run_id, created_at, updated_at)
                    VALUES (?, ?, 'sending', 1, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET
                        hash = excluded.hash, state = 'sending', attempts = items.attempts + 1,
                        file = excluded.file, sheet = excluded.sheet, row = excluded.row,
                        run_id = excluded.run_id, updated_at = excluded.updated_at, reason = NULL
                    """)
            for item in items {
                try statement.execute(arguments: [
                    item.key, item.hash, item.file, item.sheet, item.row, runID, now, now,
                ])
            }
        }
    }

    /// Results, right after the response: each item `done` with its hash and remote id (its last error
    /// cleared). One transaction per call. A key the ledger does not know yet (found on the service
    /// without an intent) is added with no source and no attempts.
    /// - Throws: ``LedgerError``; then nothing of the call was written.
    public func markDone(_ entries: [(key: String, hash: String, remoteID: String)], runID: String) throws {
        guard !entries.isEmpty else { return }
        try requireStorable(entries.lazy.map(\.key), "record \(entries.count) results as done")
        let now = Self.now()
        try write("record \(entries.count) result\(entries.count == 1 ? "" : "s") as done") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (key, hash, state, remote_id, attempts, file, sheet, row, run_id,
                                       created_at, updated_at)
                    VALUES (?, ?, 'done', ?, 0, '', NULL, 0, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET
                        hash = excluded.hash, state = 'done', remote_id = excluded.remote_id, last_error = NULL,
                        run_id = excluded.run_id, updated_at = excluded.updated_at, reason = NULL
                    """)
            for entry in entries {
                try statement.execute(arguments: [entry.key, entry.hash, entry.remoteID, runID, now, now])
            }
        }
    }

    /// Results, right after the response: each item `failed` with its hash, (redacted) error and why
    /// (``LedgerReason/rejected`` when the service refused it); its remote id, if any, is kept. One
    /// transaction per call.
    /// - Throws: ``LedgerError``; then nothing of the call was written.
    public func markFailed(
        _ entries: [(key: String, hash: String, error: String)], runID: String, reason: LedgerReason = .error
    ) throws {
        guard !entries.isEmpty else { return }
        try requireStorable(entries.lazy.map(\.key), "record \(entries.count) results as failed")
        let now = Self.now()
        try write("record \(entries.count) result\(entries.count == 1 ? "" : "s") as failed") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (key, hash, state, last_error, attempts, file, sheet, row, run_id,
                                       created_at, updated_at, reason)
                    VALUES (?, ?, 'failed', ?, 0, '', NULL, 0, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET
                        hash = excluded.hash, state = 'failed', last_error = excluded.last_error,
                        run_id = excluded.run_id, updated_at = excluded.updated_at, reason = excluded.reason
                    """)
            for entry in entries {
                try statement.execute(arguments: [
                    entry.key, entry.hash, entry.error, runID, now, now, reason.rawValue,
                ])
            }
        }
    }

    /// Back to pending (a resolved `sending` item that the service does not hold). Unknown keys are
    /// ignored; attempts and the remote id are kept.
    /// - Throws: ``LedgerError``.
    public func markPending(keys: [String]) throws {
        guard !keys.isEmpty else { return }
        try requireStorable(keys, "set \(keys.count) items back to pending")
        let now = Self.now()
        try write("set \(keys.count) item\(keys.count == 1 ? "" : "s") back to pending") { db in
            var start = 0
            while start < keys.count {
                let chunk = Array(keys[start..<min(keys.count, start + Self.chunkSize)])
                start += Self.chunkSize
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                var arguments: StatementArguments = [now]
                arguments += StatementArguments(chunk)
                try db.execute(
                    sql: "UPDATE items SET state = 'pending', reason = NULL, updated_at = ? WHERE key IN (\(marks))",
                    arguments: arguments)
            }
        }
    }

    /// Marks the items run `runID` left `sending` or `pending` after taking them up as
    /// ``LedgerReason/interrupted``: the run was stopped before the service answered for them (the next
    /// run asks the service about each before sending it again).
    /// - Throws: ``LedgerError``.
    public func markInterrupted(runID: String) throws {
        try write("record the items run \"\(runID)\" left unanswered") { db in
            try db.execute(
                sql: """
                    UPDATE items SET reason = 'interrupted'
                    WHERE run_id = ? AND state IN ('sending', 'pending') AND attempts > 0
                    """,
                arguments: [runID])
        }
    }

    /// How many items are in each state (every state present, zero included).
    /// - Throws: ``LedgerError``.
    public func counts() throws -> [LedgerState: Int] {
        try read("count the items") { db in
            var out = Dictionary(uniqueKeysWithValues: LedgerState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM items GROUP BY state") {
                let name: String = row["state"]
                guard let state = LedgerState(rawValue: name) else {
                    throw LedgerError(
                        code: .read, path: path, operation: "count the items",
                        reason: "unknown item state \"\(name)\"")
                }
                let n: Int = row["n"]
                out[state] = n
            }
            return out
        }
    }

    // MARK: Scopes

    /// The scope (target, endpoint origin, account, collection, as ``LedgerScope/text``) the items were
    /// last checked against by a listing of the service, or nil when no listing has been recorded.
    /// - Throws: ``LedgerError``.
    public func currentScope() throws -> String? {
        try read("read the scope") { db in
            try String.fetchOne(db, sql: "SELECT scope FROM scopes ORDER BY rowid DESC LIMIT 1")
        }
    }

    /// The keys recorded `done` with an empty hash: held by the service, content not yet compared
    /// with a record (see ``LedgerItem/unverifiedHash``).
    /// - Throws: ``LedgerError``.
    public func unverifiedKeys() throws -> Set<String> {
        try read("read the unverified items") { db in
            Set(try String.fetchAll(db, sql: "SELECT key FROM items WHERE state = 'done' AND hash = ''"))
        }
    }

    /// Records what a listing of the service taught: each item is stored as given (every column but
    /// the times), and `scope`, when given, becomes the current scope. One transaction: a run killed
    /// half-way leaves the ledger as it was, so the next run lists again.
    /// - Throws: ``LedgerError``; then nothing of the call was written.
    public func adopt(_ items: [LedgerItem], scope: String?, listed: Int, runID: String) throws {
        guard !items.isEmpty || scope != nil else { return }
        let now = Self.now()
        try write("record the adoption of \(items.count) item\(items.count == 1 ? "" : "s")") { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO items (key, hash, state, remote_id, attempts, last_error, file, sheet, row, run_id,
                                       created_at, updated_at, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET
                        hash = excluded.hash, state = excluded.state, remote_id = excluded.remote_id,
                        attempts = excluded.attempts, last_error = excluded.last_error, file = excluded.file,
                        sheet = excluded.sheet, row = excluded.row, run_id = excluded.run_id,
                        updated_at = excluded.updated_at, reason = excluded.reason
                    """)
            for item in items {
                try statement.execute(arguments: [
                    item.key, item.hash, item.state.rawValue, item.remoteID, item.attempts, item.lastError, item.file,
                    item.sheet, item.row, runID, now, now, item.reason?.rawValue,
                ])
            }
            guard let scope else { return }
            try db.execute(sql: "DELETE FROM scopes WHERE scope = ?", arguments: [scope])
            try db.execute(
                sql: "INSERT INTO scopes (scope, adopted_at, run_id, listed) VALUES (?, ?, ?, ?)",
                arguments: [scope, now, runID, listed])
        }
    }

    // MARK: Client values

    /// A value the service client stored (e.g. `collection_id`), or nil.
    /// - Throws: ``LedgerError``.
    public func value(_ name: String) throws -> String? {
        try read("read the value \"\(name)\"") { db in
            try String.fetchOne(db, sql: "SELECT value FROM client_values WHERE name = ?", arguments: [name])
        }
    }

    /// Stores a value for the service client; nil deletes it.
    /// - Throws: ``LedgerError``.
    public func setValue(_ name: String, _ value: String?) throws {
        try write("store the value \"\(name)\"") { db in
            if let value {
                try db.execute(
                    sql: """
                        INSERT INTO client_values (name, value) VALUES (?, ?)
                        ON CONFLICT (name) DO UPDATE SET value = excluded.value
                        """,
                    arguments: [name, value])
            } else {
                try db.execute(sql: "DELETE FROM client_values WHERE name = ?", arguments: [name])
            }
        }
    }

    /// Every stored client value.
    /// - Throws: ``LedgerError``.
    public func allValues() throws -> [String: String] {
        try read("read the values") { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM client_values") {
                out[row["name"]] = row["value"] as String
            }
            return out
        }
    }

    // MARK: Helpers

    /// Refuses keys holding a NUL: SQLite (through GRDB) takes text up to its first NUL, so `A` and
    /// `A\0B` would be stored, found and updated as one item. The dry run quarantines such keys
    /// (rule `key`); this is the last line of defence.
    private func requireStorable<C: Collection>(_ keys: C, _ operation: @autoclosure () -> String) throws
    where C.Element == String {
        for key in keys where key.utf8.contains(0) {
            throw LedgerError(
                code: .write, path: path, operation: operation(),
                reason:
                    "the key \"\(KeyCheck.visible(key))\" holds a NUL character, which the ledger cannot store apart from the text before it"
            )
        }
    }

    private static let itemColumns =
        "key, hash, state, remote_id, attempts, last_error, file, sheet, row, run_id, updated_at, reason"

    private func item(_ row: Row) throws -> LedgerItem {
        let name: String = row["state"]
        guard let state = LedgerState(rawValue: name) else {
            throw LedgerError(
                code: .read, path: path, operation: "read an item",
                reason: "item \"\(row["key"] as String)\" has the unknown state \"\(name)\"")
        }
        let reasonName: String? = row["reason"]
        var reason: LedgerReason? = nil
        if let reasonName {
            guard let r = LedgerReason(rawValue: reasonName) else {
                throw LedgerError(
                    code: .read, path: path, operation: "read an item",
                    reason: "item \"\(row["key"] as String)\" has the unknown reason \"\(reasonName)\"")
            }
            reason = r
        }
        return LedgerItem(
            key: row["key"], hash: row["hash"], state: state, remoteID: row["remote_id"], attempts: row["attempts"],
            lastError: row["last_error"], file: row["file"], sheet: row["sheet"], row: row["row"],
            runID: row["run_id"], updatedAt: row["updated_at"], reason: reason)
    }

    /// Runs SQL statements in one transaction (tests build the ledgers of earlier versions with it).
    func execute(sql: String) throws {
        try write("run SQL") { db in try db.execute(sql: sql) }
    }

    func write<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let e as LedgerError {
            throw e
        } catch {
            throw Self.error(error, code: .write, path: path, operation: operation())
        }
    }

    func read<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let e as LedgerError {
            throw e
        } catch {
            throw Self.error(error, code: .read, path: path, operation: operation())
        }
    }

    /// `error` as a ``LedgerError``: `.busy` when SQLite gave up waiting for a lock, `code` otherwise.
    private static func error(_ error: any Error, code: LedgerError.Code, path: String, operation: String)
        -> LedgerError
    {
        if let e = error as? DatabaseError {
            let busy = e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED
            let reason = "SQLite \(e.resultCode.rawValue): \(e.message ?? "\(e.resultCode)")"
            return LedgerError(
                code: busy ? .busy : code, path: path, operation: operation, reason: reason, underlyingError: e)
        }
        return LedgerError(code: code, path: path, operation: operation, reason: String(describing: error))
    }

    /// Now, ISO 8601 UTC with milliseconds (`2026-03-01T09:30:00.123Z`).
    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func countsText(_ counts: [String: Int]) -> String {
        JSONValue.object(counts.sorted { $0.key < $1.key }.map { JSONField($0.key, .int($0.value)) }).jsonText
    }

    static func counts(fromText text: String) -> [String: Int]? {
        guard let fields = (try? JSONValue.parse(text))?.objectValue else { return nil }
        var out: [String: Int] = [:]
        for field in fields {
            guard let n = field.value.integerValue else { return nil }
            out[field.key] = n
        }
        return out
    }
}
