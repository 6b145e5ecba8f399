import Foundation
import GRDB
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A run's source rows and the service's items, indexed on disk for the reconciliation: a temporary
/// SQLite file in the run folder (deleted by ``close()``) holds, per source row, its provenance, key
/// and where its line is in the run's spools, and, per remote item, its key, id, fields and errors.
/// Memory stays with one row at a time and a bit per remote item, whatever the size of the run.
final class ReconcileIndex {
    /// Which spool a source row's line is in.
    enum Spool: Int {
        /// `send.jsonl`: a valid record.
        case send = 0
        /// `.quarantined-keys.jsonl`: a quarantined record.
        case quarantined = 1
    }

    /// One remote item as the index holds it.
    struct Remote {
        var index: Int
        var key: String?
        var remoteID: String
        var fields: [String: JSONValue]
        var errors: [String]
    }

    /// The temporary database's path.
    let path: String
    private let db: DatabaseQueue
    /// How many remote items were added.
    private(set) var remoteCount = 0
    /// How many source rows were added.
    private(set) var sourceCount = 0

    /// Creates the empty index at `path` (replacing any file a killed run left there).
    /// - Throws: ``WriteError``.
    init(path: String) throws {
        self.path = path
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        do {
            var config = Configuration()
            config.label = "reconcile-index"
            db = try DatabaseQueue(path: path, configuration: config)
            try db.inDatabase { db in
                // A scratch file: nothing in it has to survive a crash.
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
                try db.execute(
                    sql: """
                        CREATE TABLE source (
                            seq INTEGER PRIMARY KEY, file TEXT NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
                            key TEXT, spool INTEGER NOT NULL, offset INTEGER NOT NULL
                        );
                        CREATE TABLE remote (
                            idx INTEGER PRIMARY KEY, key TEXT, remote_id TEXT NOT NULL, fields TEXT NOT NULL,
                            errors TEXT NOT NULL
                        );
                        """)
            }
        } catch {
            throw WriteError(path: path, message: "cannot create the reconciliation's index (\(error))")
        }
    }

    /// Adds every line of a spool (`send.jsonl` or `.quarantined-keys.jsonl`); a missing file adds nothing.
    /// - Throws: ``ReadError`` (a damaged line), ``WriteError``.
    func addSpool(_ spoolPath: String, as spool: Spool) throws {
        guard FileManager.default.fileExists(atPath: spoolPath) else { return }
        let lines = try LineFile(path: spoolPath)
        try write { db in
            let statement = try db.makeStatement(
                sql: "INSERT INTO source (file, sheet, row, key, spool, offset) VALUES (?, ?, ?, ?, ?, ?)")
            var offset: Int64 = 0
            while let bytes = try lines.next() {
                defer { offset += Int64(bytes.count) + 1 }
                if bytes.isEmpty { continue }
                let v: JSONValue
                do { v = try JSONValue.parse(bytes) } catch {
                    throw ReadError(.malformed, file: spoolPath, message: "damaged line: \(error)")
                }
                let key = v["key"]?.textValue
                // The upload never sends a valid record without a key, and reconcile never saw one.
                if spool == .send && (key == nil || v["record"] == nil) { continue }
                try statement.execute(arguments: [
                    v["file"]?.textValue ?? "", v["sheet"]?.textValue ?? "", v["row"]?.integerValue ?? 0, key,
                    spool.rawValue, offset,
                ])
                sourceCount += 1
            }
        }
    }

    /// Adds the service's items, in the order it listed them, until `next` returns nil.
    /// - Throws: ``WriteError``, what `next` throws.
    func addRemote(_ next: () throws -> RemoteItem?) throws {
        try write { db in
            let statement = try db.makeStatement(
                sql: "INSERT INTO remote (idx, key, remote_id, fields, errors) VALUES (?, ?, ?, ?, ?)")
            while let item = try next() {
                let fields = JSONValue.object(
                    item.fields.sorted { $0.key < $1.key }.map { JSONField($0.key, $0.value) })
                let errors = JSONValue.array(item.errors.map { .string($0) })
                try statement.execute(arguments: [
                    remoteCount, item.key, item.remoteID, fields.jsonText, errors.jsonText,
                ])
                remoteCount += 1
            }
        }
    }

    /// Indexes the keys once every row and item is in.
    /// - Throws: ``WriteError``.
    func finishLoading() throws {
        try write { db in
            try db.execute(
                sql: """
                    CREATE INDEX source_by_key ON source (key, file, sheet, row, seq);
                    CREATE INDEX remote_by_key ON remote (key, idx);
                    """)
        }
    }

    /// Runs `body` with the index open for reading (every query of a reconciliation runs inside one).
    /// - Throws: what `body` throws, ``ReadError``.
    func reading<T>(_ body: (Session) throws -> T) throws -> T {
        try read { db in try body(Session(db: db)) }
    }

    /// The queries of a reconciliation, on the index's one connection.
    struct Session {
        let db: Database

        /// Calls `body` with every source row in source order (file, sheet, row; rows of one line in
        /// the order the spools hold them): its spool and the offset of its line.
        /// - Throws: what `body` throws, `DatabaseError`.
        func forEachSourceRow(_ body: (Spool, Int64) throws -> Void) throws {
            let rows = try Row.fetchCursor(db, sql: "SELECT spool, offset FROM source ORDER BY file, sheet, row, seq")
            while let row = try rows.next() {
                try body(Spool(rawValue: row["spool"]) ?? .send, row["offset"])
            }
        }

        /// The remote items with `key`, in listing order.
        /// - Throws: `DatabaseError`.
        func remoteItems(key: String) throws -> [Remote] {
            let statement = try db.cachedStatement(
                sql: "SELECT idx, key, remote_id, fields, errors FROM remote WHERE key = ? ORDER BY idx")
            return try Row.fetchAll(statement, arguments: [key]).map(ReconcileIndex.remote)
        }

        /// The index of the first remote item with `key`.
        /// - Throws: `DatabaseError`.
        func firstRemoteIndex(key: String) throws -> Int? {
            let statement = try db.cachedStatement(sql: "SELECT idx FROM remote WHERE key = ? ORDER BY idx LIMIT 1")
            return try Int.fetchOne(statement, arguments: [key])
        }

        /// Calls `body` with the index, key and remote id of the remote items `keep` accepts (by
        /// index), in listing order.
        /// - Throws: what `body` throws, `DatabaseError`.
        func forEachRemote(where keep: (Int) -> Bool, _ body: (Int, String?, String) throws -> Void) throws {
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, key, remote_id FROM remote ORDER BY idx")
            while let row = try rows.next() {
                let i: Int = row["idx"]
                if keep(i) { try body(i, row["key"], row["remote_id"]) }
            }
        }

        /// Where the line of the first source row (in source order) with `key` is.
        /// - Throws: `DatabaseError`.
        func firstSourceRow(key: String) throws -> (spool: Spool, offset: Int64)? {
            let statement = try db.cachedStatement(
                sql: "SELECT spool, offset FROM source WHERE key = ? ORDER BY file, sheet, row, seq LIMIT 1")
            return try Row.fetchOne(statement, arguments: [key]).map {
                (Spool(rawValue: $0["spool"]) ?? .send, $0["offset"])
            }
        }
    }

    /// Deletes the temporary file.
    func close() {
        try? db.close()
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    private static func remote(_ row: Row) -> Remote {
        let fieldsText: String = row["fields"]
        let errorsText: String = row["errors"]
        var fields: [String: JSONValue] = [:]
        for f in (try? JSONValue.parse(fieldsText))?.objectValue ?? [] { fields[f.key] = f.value }
        let errors = (try? JSONValue.parse(errorsText))?.arrayValue?.compactMap(\.textValue) ?? []
        return Remote(index: row["idx"], key: row["key"], remoteID: row["remote_id"], fields: fields, errors: errors)
    }

    private func write(_ body: (Database) throws -> Void) throws {
        do {
            try db.inTransaction { db in
                try body(db)
                return .commit
            }
        } catch let e as ReadError {
            throw e
        } catch let e as WriteError {
            throw e
        } catch {
            throw WriteError(path: path, message: "cannot write the reconciliation's index (\(error))")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.inDatabase(body)
        } catch let e as ReadError {
            throw e
        } catch let e as WriteError {
            throw e
        } catch let e as LedgerError {
            throw e
        } catch {
            throw ReadError(.unreadable, file: path, message: "cannot read the reconciliation's index (\(error))")
        }
    }
}

/// Reads single lines of a spool by their offset (the lines a ``ReconcileIndex`` points at).
final class SpoolLineReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 1 << 14)
    let path: String

    /// Opens the spool (a missing file can be opened: it is never read).
    /// - Throws: ``ReadError``.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY)
        if fd < 0 && FileManager.default.fileExists(atPath: path) {
            throw ReadError(.unreadable, file: path, message: "cannot open (\(String(cString: strerror(errno))))")
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The JSON object on the line that starts at `offset`.
    /// - Throws: ``ReadError``.
    func value(at offset: Int64) throws -> JSONValue {
        buffer.removeAll(keepingCapacity: true)
        var position = offset
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(position)) }
            if n < 0 { throw ReadError(.unreadable, file: path, message: "read failed") }
            if n == 0 { break }
            if let end = chunk[0..<n].firstIndex(of: 0x0A) {
                buffer.append(contentsOf: chunk[0..<end])
                break
            }
            buffer.append(contentsOf: chunk[0..<n])
            position += Int64(n)
        }
        do { return try JSONValue.parse(buffer) } catch {
            throw ReadError(.malformed, file: path, message: "damaged line: \(error)")
        }
    }
}
