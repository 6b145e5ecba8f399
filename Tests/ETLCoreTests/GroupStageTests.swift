import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("group, explode and filter stages")
struct GroupStageTests {
    func run(_ pipeline: String, input: String? = nil) throws -> RunResult {
        let p = try PipelineLoader.load(path: Fixture.path("pipelines/\(pipeline)"), environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        o.inputOverride = input
        return try PipelineRunner.dryRun(p, options: o)
    }

    func lines(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    func records(_ path: String) throws -> [Record] {
        let r = try Readers.open(path)
        var out: [Record] = []
        while let x = try r.next() { out.append(x) }
        return out
    }

    @Test func groupsRowsThatAreNotAdjacentInFirstSeenOrder() throws {
        let result = try run("group-sartiq.yaml")
        let s = result.summary
        #expect(s.rowsRead == 6)
        #expect(s.records == 3)
        // tee is valid; bag has no image in either row; the row without a Handle is an error of its own.
        #expect(s.recordsValid == 1)
        #expect(s.recordsQuarantined == 2)
        #expect(s.rowsQuarantined == 3)
        #expect(s.rowsValid == 3)
        #expect(result.exitCode == 1)
        let normalised = try lines(result.runDirectory + "/normalised.jsonl")
        #expect(normalised.count == 1)
        let tee = try #require(normalised.first)
        #expect(tee["sku"] == .string("tee"))
        #expect(tee["name"] == .string("Linen Tee"))
        #expect(tee["brand"] == .string("Lune"))
        #expect(tee["cover_image"] == .string("https://cdn.example.com/tee-1.jpg"))
        // Duplicates removed, row order kept.
        #expect(
            tee["reference_images"]
                == .array([.string("https://cdn.example.com/tee-1.jpg"), .string("https://cdn.example.com/tee-2.jpg")]))
        #expect(tee["style_code"] == .string("T-S/T-M/T-L"))
        #expect(tee["description"] == .string("Soft & light\nlinen"))
        let variants = tee["brand_metadata"]?["variants"]
        #expect(
            variants?.arrayValue?.map { $0["size"]?.textValue ?? "" } == ["S", "M", "L"],
            "one variant object per row: \(String(describing: variants))")
        #expect(variants?.arrayValue?.last?["price"] == .string("€52.00"))
    }

    @Test func warnsAboutConflictsNamingBothRowsAndQuarantinesEveryRowOfAGroup() throws {
        let result = try run("group-sartiq.yaml")
        let issues = try records(result.runDirectory + "/issues.csv")
        let conflict = try #require(issues.first { $0.value(forHeader: "rule")?.canonicalText == "group_conflict" })
        let message = conflict.value(forHeader: "message")?.canonicalText ?? ""
        #expect(message.contains("row 5") && message.contains("row 2"), "\(message)")
        #expect(conflict.value(forHeader: "severity")?.canonicalText == "warning")
        #expect(conflict.value(forHeader: "header")?.canonicalText == "Vendor")
        let empty = try #require(issues.first { $0.value(forHeader: "rule")?.canonicalText == "group" })
        #expect(empty.value(forHeader: "row")?.canonicalText == "6")
        #expect(empty.value(forHeader: "severity")?.canonicalText == "error")
        // bag's two rows (3 and 7) and the row without a Handle (6), with the input's own columns.
        let quarantine = try records(result.runDirectory + "/quarantine.csv")
        #expect(quarantine.map { $0.value(forHeader: "Title")?.canonicalText ?? "" } == ["Straw Bag", "", "Orphan"])
        #expect(quarantine.first?.columns.map(\.header).contains("variants") == false)
        #expect(quarantine[1].value(forHeader: "Handle")?.canonicalText == "bag")
        let keys = try lines(result.runDirectory + "/" + PipelineRunner.quarantinedKeysName)
        #expect(keys.first?["rows"] == .array([.int(3), .int(7)]))
    }

    @Test func summaryJSONCountsRowsAndRecords() throws {
        let result = try run("group-sartiq.yaml")
        let json = try JSONValue.parse(String(contentsOfFile: result.runDirectory + "/summary.json", encoding: .utf8))
        #expect(json["rows_read"] == .int(6))
        #expect(json["rows_valid"] == .int(3))
        #expect(json["rows_quarantined"] == .int(3))
        #expect(json["records"] == .int(3))
        #expect(json["records_valid"] == .int(1))
        #expect(json["records_quarantined"] == .int(2))
    }

    @Test func spillsToDiskAndGivesTheSameGroups() throws {
        let dir = TemporaryFolder.make()
        let path = dir + "/many.csv"
        var text = "Handle,Title,Image\n"
        for i in 0..<3000 {
            let h = "p\(i % 700)"
            text += "\(h),\(i < 700 ? "Title \(i)" : ""),https://cdn.example.com/\(h)-\(i / 700).jpg\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let stage = GroupStage(by: ["Handle"], collect: ["Image"], variants: nil)
        func groups(memoryLimit: Int) throws -> ([Record], RowStageCounts) {
            let counts = RowStageCounts()
            let reader = GroupingReader(
                CountingReader(try Readers.open(path), counts: counts), stage: stage, counts: counts,
                spillDirectory: dir, memoryLimit: memoryLimit, bucketLimit: memoryLimit / 4)
            var out: [Record] = []
            while let r = try reader.next() { out.append(r) }
            return (out, counts)
        }
        let (inMemory, memoryCounts) = try groups(memoryLimit: 64 << 20)
        let (spilled, spillCounts) = try groups(memoryLimit: 4096)
        #expect(memoryCounts.spilledBytes == 0)
        #expect(spillCounts.spilledBytes > 0)
        #expect(spillCounts.sourceRows == 3000)
        #expect(inMemory.count == 700)
        #expect(spilled.count == 700)
        #expect(spilled.map { $0.values[0] } == inMemory.map { $0.values[0] })
        #expect(spilled.map { $0.values[0] }.prefix(3) == [.text("p0"), .text("p1"), .text("p2")])
        #expect(spilled[5].group?.lists[2]?.count == 5, "p5 has rows 5, 705, 1405, 2105, 2805")
        #expect(spilled[5].group?.rows.map(\.source.row) == [7, 707, 1407, 2107, 2807])
        #expect(spilled.map { $0.group?.lists[2] ?? [] } == inMemory.map { $0.group?.lists[2] ?? [] })
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".group-spill") }
        #expect(left.isEmpty, "the spill files are removed once read: \(left)")
    }

    @Test func filterDropsRowsOnPurposeAndExplodeMakesOneRecordPerItem() throws {
        let result = try run("explode-filter.yaml")
        let s = result.summary
        #expect(s.rowsRead == 4)
        #expect(s.rowsFiltered == 1)
        #expect(s.rowsQuarantined == 0)
        #expect(s.rowsValid == 3)
        #expect(s.records == 5)
        #expect(s.recordsValid == 5)
        let out = try lines(result.runDirectory + "/normalised.jsonl")
        #expect(out.map { $0["sku"]?.textValue ?? "-" } == ["A-1-S", "A-1-M", "A-1-L", "A-2-M", "-"])
        #expect(out.map { $0["size"]?.textValue ?? "-" } == ["S", "M", "L", "M", "-"])
        let json = try JSONValue.parse(String(contentsOfFile: result.runDirectory + "/summary.json", encoding: .utf8))
        #expect(json["rows_filtered"] == .int(1))
    }

    @Test func aFieldCanExplodeItsColumn() throws {
        let path = Fixture.path("pipelines/tmp-field-explode-\(UUID().uuidString).yaml")
        try """
        name: field-explode
        stages:
          - read: { path: ../group/sizes.csv }
          - normalise:
              fields: { sku: SKU, size: { from: Sizes, explode: "|" } }
              unmapped: drop
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = try PipelineLoader.load(path: path, environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        let result = try PipelineRunner.dryRun(p, options: o)
        let out = try lines(result.runDirectory + "/normalised.jsonl")
        #expect(out.map { $0["size"]?.textValue ?? "-" } == ["S", "M", "L", "M", "S", "M", "-"])
        #expect(out.map { $0["sku"]?.textValue ?? "-" } == ["A-1", "A-1", "A-1", "A-2", "A-3", "A-3", "A-4"])
        #expect(result.summary.rowsRead == 4)
        #expect(result.summary.records == 7)
    }

    @Test func explodesTheGroupsVariantsIntoOneRecordPerVariantRow() throws {
        let text = """
            name: variants
            stages:
              - read: { path: ../group/products.csv }
              - group: { by: Handle, collect: [Image], variants: { into: variants, fields: { size: Size, sku: SKU, price: Price } } }
              - explode: variants
              - normalise:
                  fields:
                    sku: SKU
                    root_sku: Handle
                    title: Title
                    image: { from: Image, item: 1 }
                    price: { from: Price, as: price, currency: currency }
                  unmapped: drop
            """
        let path = Fixture.path("pipelines/tmp-variants-\(UUID().uuidString).yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let p = try PipelineLoader.load(path: path, environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        let result = try PipelineRunner.dryRun(p, options: o)
        let out = try lines(result.runDirectory + "/normalised.jsonl")
        // The row without a Handle is a record of its own, quarantined; bag's image-only row has no variant.
        #expect(out.map { $0["sku"]?.textValue ?? "-" } == ["T-S", "T-M", "T-L", "B-1"])
        #expect(out.map { $0["root_sku"]?.textValue ?? "-" } == ["tee", "tee", "tee", "bag"])
        #expect(out[1]["title"] == .string("Linen Tee"))
        #expect(out[1]["image"] == .string("https://cdn.example.com/tee-1.jpg"))
        #expect(out[2]["price"] == .number("52.00"))
        #expect(out[2]["currency"] == .string("EUR"))
        #expect(out[3]["price"] == .number("1299.00"))
        #expect(result.summary.records == 5)
        #expect(result.summary.rowsRead == 6)
    }
}
