import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("streaming reconciler")
struct StreamingReconcilerTests {
    static let csv = """
        SKU,Style Name,Cover Image
        A,Dress,https://x.example/a.jpg
        B,Skirt,https://x.example/b.jpg
        C,,https://x.example/c.jpg
        D,Coat,https://x.example/d.jpg
        E,Top,https://x.example/e.jpg
        F,Shirt,https://x.example/f.jpg
        G,Hat,https://x.example/g.jpg
        H,=SUM(A1),https://x.example/h.jpg

        """

    static let remote = [
        RemoteItem(key: "A", remoteID: "1", fields: ["name": .string("Dress")]),
        RemoteItem(key: "B", remoteID: "2", fields: ["name": .string("SKIRT"), "sku": .string("B")]),
        RemoteItem(key: "A", remoteID: "3", fields: ["name": .string("Dress")]),
        RemoteItem(key: "Z", remoteID: "4", fields: [:]),
        RemoteItem(key: "Y", remoteID: "5", fields: [:]),
        RemoteItem(key: "E", remoteID: "6", fields: ["name": .string("Top")]),
        RemoteItem(key: "H", remoteID: "7", fields: ["name": .string("=SUM(A1)")], errors: ["image not found"]),
        RemoteItem(key: nil, remoteID: "8", fields: [:]),
        RemoteItem(key: "C", remoteID: "9", fields: [:]),
    ]

    /// Every source row of a run read from its spools into memory, as the run did before it streamed.
    static func sourceItems(runDirectory dir: String, ledger: Ledger) throws -> [SourceItem] {
        var items: [SourceItem] = []
        let reader = try SendSpoolReader(path: dir + "/" + PipelineRunner.sendSpoolName, hashing: false)
        var all: [SendItem] = []
        while let item = try reader.next() { all.append(item) }
        let known = try ledger.items(keys: all.map(\.key))
        for item in all {
            var source = RowSource(file: item.file, sheet: item.sheet, row: item.row)
            source.groupRows = item.rows
            let state: SourceItem.State
            switch known[item.key]?.state {
            case .done: state = .sent(item.record)
            case .failed:
                let why = known[item.key]?.shownError ?? "failed"
                state = known[item.key]?.reason == .rejected ? .rejected(why) : .failed(why)
            case .sending, .pending:
                state = .failed("not confirmed by the service (the run stopped before its answer)")
            case nil: state = .failed("never sent (no upload has run for this row yet)")
            }
            items.append(SourceItem(key: item.key, source: source, state: state))
        }
        let q = try SendSpoolLines(path: dir + "/" + PipelineRunner.quarantinedKeysName)
        while let v = try q.next() {
            var source = RowSource(
                file: v["file"]?.textValue ?? "", sheet: v["sheet"]?.textValue, row: v["row"]?.integerValue ?? 0)
            source.groupRows = v["rows"]?.arrayValue?.compactMap(\.integerValue) ?? []
            items.append(
                SourceItem(
                    key: v["key"]?.textValue, source: source, state: .quarantined(v["errors"]?.textValue ?? "")))
        }
        items.sort {
            ($0.source.file, $0.source.sheet ?? "", $0.source.row) < (
                $1.source.file, $1.source.sheet ?? "", $1.source.row
            )
        }
        return items
    }

    @Test func decidesAndWritesExactlyAsTheReconcilerOverTheSameRowsInMemory() throws {
        let run = SmallRun()
        let r = try run.run(try run.input(Self.csv), send: true)
        #expect(r.summary.recordsValid == 7)
        let dir = r.runDirectory
        let ledger = try Ledger(path: run.dir + "/ledger.sqlite")
        let send = try SendSpoolReader(path: dir + "/" + PipelineRunner.sendSpoolName)
        var items: [String: SendItem] = [:]
        while let item = try send.next() { items[item.key] = item }
        let all = ["A", "B", "D", "E", "F", "H"].compactMap { items[$0] }
        try ledger.markSending(all, runID: "r1")
        try ledger.markDone(
            ["A", "B", "H"].compactMap { items[$0] }.map { ($0.key, $0.hash, "r-" + $0.key) }, runID: "r1")
        try ledger.markFailed([("D", items["D"]!.hash, "name is not allowed")], runID: "r1", reason: .rejected)
        try ledger.markFailed([("E", items["E"]!.hash, "HTTP 500 after 5 attempts")], runID: "r1")
        try ledger.markDone([("Y", "h", "5")], runID: "r0")

        // The reference: every row in memory, the in-memory reconciler, the files written from it.
        let source = try Self.sourceItems(runDirectory: dir, ledger: ledger)
        let sourceKeys = Set(source.compactMap(\.key))
        let others = Array(Set(Self.remote.compactMap(\.key).filter { !sourceKeys.contains($0) }))
        let expected = Reconciler.reconcile(
            source: source, remote: Self.remote, compare: [], reportedCounts: ["product_count": 10],
            ledgerKeys: Set(try ledger.items(keys: others).keys))
        let reference = run.dir + "/reference"
        try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
        try ReconciliationReport.write(
            expected, csvPath: reference + "/reconciliation.csv", jsonPath: reference + "/reconciliation.json")

        var remote = Self.remote.makeIterator()
        let index = try StreamingReconciler.index(runDirectory: dir, remote: { remote.next() })
        defer { index.close() }
        #expect(index.sourceCount == source.count)
        let streamed = try StreamingReconciler.reconcile(
            index, runDirectory: dir, compare: [], reportedCounts: ["product_count": 10],
            ledger: { try ledger.items(keys: $0) })

        #expect(streamed.counts == expected.counts)
        #expect(expected.counts[.duplicates] == 2 && expected.counts[.notInInput] == 1)
        #expect(expected.counts[.rejected] == 2 && expected.counts[.mismatched] == 1)
        #expect(streamed.countChecks.map(\.expected) == expected.countChecks.map(\.expected))
        for name in ["reconciliation.csv", "reconciliation.json"] {
            let a = try String(contentsOfFile: reference + "/" + name, encoding: .utf8)
            let b = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(a == b, "\(name)")
        }
        #expect(ReconciliationReport.htmlSection(streamed) == ReconciliationReport.htmlSection(expected))
        #expect(
            ReconciliationReport.htmlSection(streamed, limit: 2) == ReconciliationReport.htmlSection(expected, limit: 2)
        )
        #expect(!FileManager.default.fileExists(atPath: dir + "/reconciliation.json.lines.part"))

        // The workbook's Reconciliation sheet, from the file, is the one written from memory.
        var readBack: [ReconLine] = []
        try ReconciliationReport.forEachLine(inJSON: dir + "/reconciliation.json") { readBack.append($0) }
        #expect(
            readBack.map { ReconciliationReport.cells($0) } == expected.lines.map { ReconciliationReport.cells($0) })
        #expect(readBack.map(\.source?.row) == expected.lines.map(\.source?.row))
    }
}
