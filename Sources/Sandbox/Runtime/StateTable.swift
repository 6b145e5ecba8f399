import Foundation
import OrderedJSON

/// Where a service keeps its state with `--state DIR`: one JSON Lines log per table,
/// `DIR/<service>.<table>.jsonl`, and `DIR/<service>.json`, a small manifest naming the layout.
///
/// A `<service>.json` from an older sandbox (the whole state in one JSON document) is not read: it is
/// renamed to `<service>.json.old` and the service starts empty.
struct StateFolder: Sendable {
    let directory: URL
    let service: SandboxService

    private static let manifest: JSONValue = [
        "format": "catalog-etl sandbox state", "version": 2, "tables": "<service>.<table>.jsonl, JSON Lines",
    ]

    /// Opens the folder of a service, or nil without `--state`.
    /// - Throws: ``SandboxSpecError`` when the manifest cannot be written.
    init?(directory: String?, service: SandboxService) throws {
        guard let directory else { return nil }
        self.directory = URL(fileURLWithPath: directory)
        self.service = service
        let url = self.directory.appendingPathComponent(service.rawValue + ".json")
        if let data = FileManager.default.contents(atPath: url.path),
            JSONValue.decoded(Array(data))?["version"] == Self.manifest["version"]
        {
            return
        }
        if FileManager.default.fileExists(atPath: url.path) {
            _ = rename(url.path, url.path + ".old")
        }
        do {
            try Data(Self.manifest.jsonText.utf8).write(to: url)
        } catch {
            throw SandboxSpecError(
                "\(url.path): the sandbox state cannot be written (\(error.localizedDescription)); choose a writable --state folder"
            )
        }
    }

    func url(table: String) -> URL { directory.appendingPathComponent("\(service.rawValue).\(table).jsonl") }
}

/// One line of a table's log: a row written under `id`, or `id` removed (no `row`).
private struct LogLine<Row: Codable>: Codable {
    var id: String
    var row: Row?
}

/// An ordered table of rows keyed by id, kept in memory; with a ``StateFolder`` every change is
/// appended to the table's JSON Lines log, which is replayed on start and rewritten (compacted)
/// when it holds more than twice as many lines as live rows.
///
/// Lookups by id are dictionary lookups; iteration follows insertion order.
struct StateTable<Row: Codable> {
    private(set) var rows: [String: Row] = [:]
    private var order: [String?] = []
    private var positions: [String: Int] = [:]
    private let url: URL?
    private var handle: FileHandle?
    private var lines = 0

    /// Opens the table, replaying its log when there is one.
    /// - Throws: ``SandboxSpecError`` when the log cannot be read or written.
    init(_ name: String, folder: StateFolder?) throws {
        url = folder?.url(table: name)
        guard let url else { return }
        if FileManager.default.fileExists(atPath: url.path) {
            let data = try Data(contentsOf: url)
            let decoder = JSONDecoder()
            var number = 0
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                number += 1
                let entry: LogLine<Row>
                do {
                    entry = try decoder.decode(LogLine<Row>.self, from: Data(line))
                } catch {
                    throw SandboxSpecError(
                        "\(url.path):\(number): the sandbox state cannot be read (\(error)); delete the file or choose another --state folder"
                    )
                }
                if let row = entry.row { insert(entry.id, row) } else { delete(entry.id) }
            }
            lines = number
        }
        if lines != rows.count || !FileManager.default.fileExists(atPath: url.path) {
            try rewrite()
        } else {
            try openHandle()
        }
    }

    /// The number of rows held.
    var count: Int { rows.count }

    /// The row under `id`.
    subscript(id: String) -> Row? { rows[id] }

    /// Where `id` sits in insertion order (smaller is older), or nil.
    func position(of id: String) -> Int? { positions[id] }

    /// The ids in insertion order.
    var ids: some Sequence<String> { order.lazy.compactMap { $0 } }

    /// The rows in insertion order.
    var values: some Sequence<Row> {
        let rows = rows
        return order.lazy.compactMap { $0.flatMap { rows[$0] } }
    }

    /// Writes `row` under `id` (a new id goes last in order).
    mutating func put(_ id: String, _ row: Row) { put([(id, row)]) }

    /// Writes several rows, appending them to the log in one write.
    mutating func put(_ changes: [(String, Row)]) {
        guard !changes.isEmpty else { return }
        for (id, row) in changes { insert(id, row) }
        append(changes.map { LogLine(id: $0.0, row: $0.1) })
    }

    /// Removes the row under `id`.
    mutating func remove(_ id: String) {
        guard rows[id] != nil else { return }
        delete(id)
        append([LogLine<Row>(id: id, row: nil)])
    }

    private mutating func insert(_ id: String, _ row: Row) {
        if rows.updateValue(row, forKey: id) == nil {
            positions[id] = order.count
            order.append(id)
        }
    }

    private mutating func delete(_ id: String) {
        guard rows.removeValue(forKey: id) != nil, let p = positions.removeValue(forKey: id) else { return }
        order[p] = nil
        if order.count > 64 && order.count > 2 * rows.count {
            order = order.filter { $0 != nil }
            positions = [:]
            for (i, id) in order.enumerated() { positions[id!] = i }
        }
    }

    private mutating func append(_ entries: [LogLine<Row>]) {
        guard let handle else { return }
        let encoder = JSONEncoder()
        var data = Data()
        for entry in entries {
            guard let line = try? encoder.encode(entry) else { continue }
            data.append(line)
            data.append(UInt8(ascii: "\n"))
        }
        // A state folder that cannot be written is reported at start; later failures are dropped.
        try? handle.write(contentsOf: data)
        lines += entries.count
        if lines > 2 * rows.count + 1000 { try? rewrite() }
    }

    /// Rewrites the log with one line per live row: a temporary file, then an atomic rename.
    mutating func rewrite() throws {
        guard let url else { return }
        try? handle?.close()
        handle = nil
        let encoder = JSONEncoder()
        var data = Data()
        for id in ids {
            data.append(try encoder.encode(LogLine(id: id, row: rows[id])))
            data.append(UInt8(ascii: "\n"))
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                try? FileManager.default.removeItem(at: temporary)
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            throw SandboxSpecError(
                "\(url.path): the sandbox state cannot be written (\(error.localizedDescription)); choose a writable --state folder"
            )
        }
        lines = rows.count
        try openHandle()
    }

    private mutating func openHandle() throws {
        guard let url else { return }
        do {
            let h = try FileHandle(forWritingTo: url)
            try h.seekToEnd()
            handle = h
        } catch {
            throw SandboxSpecError(
                "\(url.path): the sandbox state cannot be written (\(error.localizedDescription)); choose a writable --state folder"
            )
        }
    }
}
