import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

/// A client that holds nothing and is never sent anything: it answers `find` only.
private final class EmptyServiceClient: ServiceClient, @unchecked Sendable {
    var service: TargetService { .sartiq }
    var batchSize: Int { 10 }
    var canUpdate: Bool { true }
    var state: [String: String] { [:] }
    private(set) var asked: [String] = []

    func prepare(state: [String: String]) async throws {}
    func create(_ items: [SendItem]) async throws -> [String: ItemResult] { [:] }
    func update(_ item: SendItem, remoteID: String) async throws -> ItemResult { .rejected("not expected") }
    func find(keys: [String]) async throws -> [String: String] {
        asked += keys
        return [:]
    }
    func finish() async throws {}
    func export(into directory: String) async throws -> RemoteSnapshot {
        RemoteSnapshot(items: [], reportedCount: nil, reportedCountName: nil, savedFiles: [])
    }
    func probe() async throws -> CollectionProbe { CollectionProbe(collection: "none", exists: false) }
}

@Suite("ledger migration")
struct LedgerMigrationTests {
    /// The items table and migrations of a ledger written before items had a reason (v1 to v3): a
    /// refusal by the service was the prefix "rejected by the service: " of `last_error`.
    static let oldItemsTable = """
        DROP TABLE items;
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
        DELETE FROM grdb_migrations WHERE identifier NOT IN ('v1: runs, items, values', 'v2: run pid', 'v3: scopes');
        """

    static func item(_ key: String, version: Int = 1, row: Int) -> SendItem {
        let record = JSONValue.obj([("sku", .string(key)), ("version", .int(version))])
        return SendItem(
            key: key, file: "d.csv", sheet: nil, row: row, record: record,
            hash: ContentHash.sha256Hex(record.jsonText.utf8))
    }

    /// Writes a ledger as an earlier version left it: A done, B refused by the service, C failed on a
    /// timeout, D left sending by a killed run.
    static func oldLedger(_ path: String) throws {
        let ledger = try Ledger(path: path)
        let (a, b, c, d) = (item("A", row: 2), item("B", row: 3), item("C", row: 4), item("D", row: 5))
        var sql = oldItemsTable
        for (i, state, remoteID, error) in [
            (a, "done", "'r-A'", "NULL"), (b, "failed", "NULL", "'rejected by the service: 422 name is too long'"),
            (c, "failed", "NULL", "'timed out (gave up after 6 attempts)'"), (d, "sending", "NULL", "NULL"),
        ] {
            sql += """
                INSERT INTO items (key, hash, state, remote_id, attempts, last_error, file, sheet, row, run_id,
                                   created_at, updated_at)
                VALUES ('\(i.key)', '\(i.hash)', '\(state)', \(remoteID), 1, \(error), 'd.csv', NULL, \(i.row),
                        'old-run', '2026-03-01T09:00:00Z', '2026-03-01T09:00:00Z');

                """
        }
        try ledger.execute(sql: sql)
    }

    @Test func aLedgerOfAnEarlierVersionGainsReasonsAndKeepsWhatItSaid() throws {
        let path = TemporaryFolder.make("catalog-etl") + "/ledger.sqlite"
        try Self.oldLedger(path)
        let ledger = try Ledger(path: path)
        let items = try ledger.items(keys: ["A", "B", "C", "D"])
        #expect(items["A"]?.state == .done)
        #expect(items["A"]?.reason == nil)
        #expect(items["B"]?.state == .failed)
        #expect(items["B"]?.reason == .rejected)
        #expect(items["B"]?.lastError == "422 name is too long")
        #expect(items["B"]?.shownError == "rejected by the service: 422 name is too long")
        #expect(items["C"]?.reason == .error)
        #expect(items["C"]?.shownError == "timed out (gave up after 6 attempts)")
        #expect(items["D"]?.state == .sending)
        #expect(try ledger.counts() == [.pending: 0, .sending: 1, .done: 1, .failed: 2])
        // Opened again, nothing changes.
        #expect(try Ledger(path: path).items(keys: ["B"])["B"] == items["B"])
    }

    @Test func aRunOverAnEarlierLedgerDecidesAsBefore() async throws {
        let path = TemporaryFolder.make("catalog-etl") + "/ledger.sqlite"
        try Self.oldLedger(path)
        let ledger = try Ledger(path: path)
        let client = EmptyServiceClient()
        let chunk = [Self.item("A", row: 2), Self.item("B", row: 3), Self.item("C", row: 4), Self.item("D", row: 5)]
        let plan = try await UploadRunner.makePlan(
            chunk, ledger: ledger, client: client, fullRefresh: false, adoption: nil)
        #expect(plan.unchanged.map(\.key) == ["A"])
        #expect(plan.refused.map(\.0.key) == ["B"])
        #expect(plan.refused.first?.1 == "rejected by the service: 422 name is too long")
        // C failed and D was in flight: the service is asked about both before they are sent again.
        #expect(client.asked == ["C", "D"])
        #expect(plan.creates.map(\.key) == ["C", "D"])
        // B edited: a refusal of other content does not hold it back.
        let edited = try await UploadRunner.makePlan(
            [Self.item("B", version: 2, row: 3)], ledger: ledger, client: client, fullRefresh: false, adoption: nil)
        #expect(edited.refused.isEmpty)
    }

    @Test func aRefusalIsAReasonAndAnInterruptedRunMarksWhatItLeftUnanswered() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        let (a, b, c) = (Self.item("A", row: 2), Self.item("B", row: 3), Self.item("C", row: 4))
        try ledger.markSending([a, b, c], runID: "r1")
        try ledger.markFailed([(key: "A", hash: a.hash, error: "422 name is too long")], runID: "r1", reason: .rejected)
        try ledger.markFailed([(key: "B", hash: b.hash, error: "503")], runID: "r1")
        try ledger.markInterrupted(runID: "r1")
        var items = try ledger.items(keys: ["A", "B", "C"])
        #expect(items["A"]?.reason == .rejected)
        #expect(items["A"]?.lastError == "422 name is too long")
        #expect(items["B"]?.reason == .error)
        #expect(items["C"]?.state == .sending)
        #expect(items["C"]?.reason == .interrupted)
        try ledger.markDone([(key: "C", hash: c.hash, remoteID: "r-C")], runID: "r2")
        items = try ledger.items(keys: ["C"])
        #expect(items["C"]?.reason == nil)
    }
}
