import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("reconciler")
struct ReconcilerTests {
    func sent(_ key: String, row: Int, _ fields: [(String, JSONValue)]) -> SourceItem {
        SourceItem(
            key: key, source: RowSource(file: "s.xlsx", sheet: "Products", row: row),
            state: .sent(.obj([("sku", .string(key))] + fields)))
    }

    @Test func putsEverySourceRowInExactlyOneClass() {
        let source = [
            sent("A", row: 2, [("name", .string("Dress")), ("year", .number("2026"))]),
            sent("B", row: 3, [("name", .string("Skirt")), ("colour", .string("Navy"))]),
            sent("C", row: 4, [("name", .string("Top"))]),
            sent("D", row: 5, [("name", .string("Coat"))]),
            SourceItem(
                key: "E", source: RowSource(file: "s.xlsx", sheet: "Products", row: 6),
                state: .failed("HTTP 500 after 5 attempts")),
            SourceItem(
                key: "F", source: RowSource(file: "s.xlsx", sheet: "Products", row: 7),
                state: .quarantined("name is required")),
            sent("G", row: 8, [("in_store_date", .string("2026-03-01T00:00:00"))]),
        ]
        let remote = [
            RemoteItem(key: "A", remoteID: "1", fields: ["name": .string("Dress"), "year": .number("2026.0")]),
            RemoteItem(key: "B", remoteID: "2", fields: ["name": .string("Skirt"), "colour": .string("NAVY")]),
            RemoteItem(
                key: "D", remoteID: "4", fields: ["name": .string("Coat")], errors: ["404: image not found (cover.jpg)"]
            ),
            RemoteItem(key: "A", remoteID: "5", fields: ["name": .string("Dress")]),
            RemoteItem(key: "Z", remoteID: "6", fields: ["name": .string("Stray")]),
            RemoteItem(key: "G", remoteID: "7", fields: ["in_store_date": .string("2026-03-01T00:00:00Z")]),
        ]
        let r = Reconciler.reconcile(source: source, remote: remote, compare: [], reportedCounts: ["product_count": 7])
        let byKey = Dictionary(
            r.lines.filter { $0.source != nil }.map { ($0.key ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byKey["A"]?.kind == .matched)
        #expect(byKey["B"]?.kind == .mismatched)
        #expect(byKey["B"]?.differences == [FieldDifference(field: "colour", sent: "Navy", remote: "NAVY")])
        #expect(byKey["C"]?.kind == .missing)
        #expect(byKey["D"]?.kind == .rejected)
        #expect(byKey["D"]?.source?.row == 5)
        #expect(byKey["E"]?.kind == .failed)
        #expect(byKey["F"]?.kind == .quarantined)
        #expect(byKey["G"]?.kind == .matched)
        #expect(r.counts[.duplicates] == 1)
        #expect(r.counts[.unexpected] == 1)
        #expect(r.lines.count == 9)
        #expect(r.countChecks.first?.reported == 7)
        #expect(r.crossed(["missing": 0, "mismatched": 1]).map(\.0) == ["missing"])
        let ci = Reconciler.reconcile(source: [source[1]], remote: [remote[1]], compare: [("colour", .caseInsensitive)])
        #expect(ci.counts[.matched] == 1)
    }

    @Test func writesCSVAndJSONWithFormulasEscaped() throws {
        let source = [sent("=cmd", row: 2, [("name", .string("+SUM(A1)"))])]
        let remote = [RemoteItem(key: "=cmd", remoteID: "9", fields: ["name": .string("-x")])]
        let r = Reconciler.reconcile(source: source, remote: remote, compare: [("name", .exact)])
        let dir = TemporaryFolder.make()
        try ReconciliationReport.write(r, csvPath: dir + "/r.csv", jsonPath: dir + "/r.json")
        let csv = try String(contentsOfFile: dir + "/r.csv", encoding: .utf8)
        #expect(csv.contains("mismatched,'=cmd,s.xlsx,Products,2,9"))
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json")))
            as? [String: Any]
        #expect((json?["counts"] as? [String: Int])?["mismatched"] == 1)
        #expect((json?["lines"] as? [[String: Any]])?.first?["row"] as? Int == 2)
    }
}
