import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore
@testable import XLSX

/// Reads one entry of a zip file (a workbook's part) as text.
enum XLSXTestZip {
    static func entry(_ path: String, _ name: String) throws -> String {
        let zip = try ZipArchive(path: path, limits: XLSXLimits())
        guard let e = zip.entry(named: name) else { return "" }
        return String(decoding: try zip.contents(of: e, maxBytes: 1 << 24), as: UTF8.self)
    }
}

@Suite("dry run")
struct DryRunTests {
    func run(_ pipelinePath: String, input: String? = nil) throws -> RunResult {
        let p = try PipelineLoader.load(path: pipelinePath, environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        o.inputOverride = input
        return try PipelineRunner.dryRun(p, options: o)
    }

    func csvRows(_ path: String) throws -> [Record] {
        let r = try Readers.open(path)
        var out: [Record] = []
        while let x = try r.next() { out.append(x) }
        return out
    }

    @Test func writesEveryFileWithExactCounts() throws {
        let result = try run(Fixture.path("pipelines/tiny-sartiq.yaml"))
        let s = result.summary
        #expect(s.rowsRead == 4)
        // A-1 on row 2 is valid by itself, but row 5 uses its key too: both are quarantined.
        #expect(s.rowsValid == 0)
        #expect(s.rowsQuarantined == 4)
        #expect(s.errors == 9)
        #expect(s.warnings == 1)
        #expect(s.issuesByRule == ["required": 2, "type": 2, "url": 2, "unique": 2, "unmapped_value": 1, "integer": 1])
        #expect(result.exitCode == 1)
        let dir = result.runDirectory
        for f in ["summary.json", "issues.csv", "quarantine.csv", "normalised.jsonl", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "missing \(f)")
        }
        #expect(try String(contentsOfFile: dir + "/normalised.jsonl", encoding: .utf8).isEmpty)
        // Without the repeat, row 2 goes through every transform into normalised.jsonl.
        let tiny = try String(contentsOfFile: Fixture.path("pipeline-data/tiny.csv"), encoding: .utf8)
        let single = TemporaryFolder.make() + "/tiny-single.csv"
        try (tiny.split(separator: "\n").dropLast().joined(separator: "\n") + "\n").write(
            toFile: single, atomically: true, encoding: .utf8)
        let alone = try run(Fixture.path("pipelines/tiny-sartiq.yaml"), input: single)
        #expect(alone.summary.rowsValid == 1)
        let normalised = try String(contentsOfFile: alone.runDirectory + "/normalised.jsonl", encoding: .utf8)
        #expect(
            normalised
                == #"{"sku":"A-1","name":"Linen Dress","brand":"Maison Aurel","gender":"FEMALE","colour":"Olive Green","season":"SS26","in_store_date":"2026-03-01T00:00:00","year":2026,"cover_image":"https://cdn.example.com/a1.jpg","reference_images":["https://cdn.example.com/a1-1.jpg","https://cdn.example.com/a1-2.jpg"],"style_code":"DR","description":"Riviera Linen Dress","category":"Dresses","pattern":"Stripe and Floral","brand_metadata":{"Price":"49.90"}}"#
                + "\n")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as? [String: Any]
        #expect(summary?["dry_run"] as? Bool == true)
        #expect(summary?["rows_quarantined"] as? Int == 4)
        #expect((summary?["issues"] as? [String: Int]) == ["error": 9, "warning": 1])
        #expect((summary?["issues_by_field"] as? [String: Int])?["cover_image"] == 2)
        let issues = try csvRows(dir + "/issues.csv")
        #expect(issues.count == 10)
        let first = issues[0]
        #expect(
            first.values.map(\.canonicalText).prefix(9) == [
                "\(Fixture.path("pipeline-data/tiny.csv"))", "", "3", "D", "Gender", "gender", "X", "unmapped_value",
                "error",
            ])
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains(#"<div class="banner warn" role="status"><strong>4 rows need fixing (4 quarantined)"#))
        for file in ["quarantine.xlsx", "issues.csv"] { #expect(html.contains(#"<a href="\#(file)">"#), "\(file)") }
        #expect(!html.contains(#"href="reconciliation.csv""#), "a dry run has no reconciliation to link")
        #expect(html.contains("<h2>Issues by rule</h2>"))
        #expect(html.contains("row 3 · D Gender: <code>X</code>"), "an example names the row, the cell and the value")
        #expect(html.contains("<svg"))
        #expect(!html.contains("src=\"http"))
        #expect(html.contains("unmapped_value"))
    }

    @Test func quarantineFeedsBackThroughTheSamePipeline() throws {
        let first = try run(Fixture.path("pipelines/tiny-sartiq.yaml"))
        let quarantine = first.runDirectory + "/quarantine.csv"
        let rows = try csvRows(quarantine)
        #expect(rows.count == 4)
        #expect(Array(rows[0].columns.map(\.header).suffix(4)) == ["_errors", "_file", "_sheet", "_row"])
        #expect(
            Array(rows[0].columns.map(\.header).dropLast(4)) == [
                "SKU", "Style Name", "Brand Line", "Gender", "Colour", "Season", "In Store Date", "Year", "Cover Image",
                "Gallery", "Style Code", "Category", "Pattern", "Price",
            ])
        #expect(rows.map(\.values[0].canonicalText) == ["A-1", "A-2", "A-3", "A-1"])
        let errors = try #require(rows[0].columns.firstIndex { $0.header == "_errors" })
        #expect(rows[1].values[errors].canonicalText.contains("Gender: gender: \"X\" is not in the value map"))
        #expect(rows[0].values[errors].canonicalText.contains("sku \"A-1\" is also used by row 5 of tiny.csv"))
        #expect(rows.map { $0.values[errors + 3].canonicalText } == ["2", "3", "4", "5"])
        #expect(rows[0].values[errors + 1].canonicalText == Fixture.path("pipeline-data/tiny.csv"))
        // Fed back unchanged, the same rows fail for the same reasons (both rows of A-1 again).
        let again = try run(Fixture.path("pipelines/tiny-sartiq.yaml"), input: quarantine)
        #expect(again.summary.rowsRead == 4)
        #expect(again.summary.rowsQuarantined == 4)
        // Fixed, they pass.
        var text = try String(contentsOfFile: quarantine, encoding: .utf8)
        text = text.replacingOccurrences(of: "A-2,Silk Skirt,Riviera,X", with: "A-2,Silk Skirt,Riviera,W")
        text = text.replacingOccurrences(
            of: "A-3,,Riviera,M,black,AW26,31/02/2026,2026,,",
            with: "A-3,Trousers,Riviera,M,black,AW26,28/02/2026,2026,https://cdn.example.com/a3.jpg,")
        text = text.replacingOccurrences(
            of: "A-1,Duplicate,Riviera,U,white,SS26,2026-03-01T09:30:00,twenty,ftp://cdn.example.com/a4.jpg,not a url",
            with: "A-4,Duplicate,Riviera,U,white,SS26,2026-03-01T09:30:00,2026,https://cdn.example.com/a4.jpg,")
        let fixed = TemporaryFolder.make() + "/fixed.csv"
        try text.write(toFile: fixed, atomically: true, encoding: .utf8)
        let third = try run(Fixture.path("pipelines/tiny-sartiq.yaml"), input: fixed)
        #expect(third.summary.rowsQuarantined == 0)
        #expect(third.summary.rowsValid == 4)
        #expect(third.exitCode == 0)
        let html = try String(contentsOfFile: third.runDirectory + "/report.html", encoding: .utf8)
        #expect(html.contains(#"<div class="banner ok" role="status"><strong>All 4 rows are valid"#))
    }

    /// Every record of an XLSX or CSV file, by row.
    func records(_ path: String, sheet: String? = nil) throws -> [Record] {
        var o = ReadOptions()
        if let sheet { o.sheet = .name(sheet) }
        let r = try Readers.open(path, options: o)
        var out: [Record] = []
        while let x = try r.next() { out.append(x) }
        return out
    }

    @Test func quarantineWorkbookKeepsTypesNotesTheBadCellsAndFeedsBackLikeTheCSV() throws {
        let root = Repository.root
        let first = try run(root + "/pipelines/ss26-sartiq.yaml")
        #expect(first.summary.rowsQuarantined == 11)
        let book = first.runDirectory + "/quarantine.xlsx"
        let rows = try records(book)
        #expect(rows.count == 11)
        let headers = rows[0].columns.map(\.header)
        #expect(Array(headers.suffix(4)) == ["_errors", "_file", "_sheet", "_row"])
        // Each quarantined row holds exactly the values the sample's row held, with their types.
        let source = try records(root + "/samples/ss26-womenswear.xlsx", sheet: "Products")
        let rowIndex = try #require(headers.firstIndex(of: "_row"))
        var typed: Set<String> = []
        for r in rows {
            let n = try #require(Int(r.values[rowIndex].canonicalText))
            let original = try #require(source.first { $0.source.row == n })
            #expect(r.values[headers.firstIndex(of: "_sheet") ?? 0].canonicalText == "Products")
            for (c, v) in zip(original.columns, original.values) {
                let i = try #require(headers.firstIndex(of: c.header), "\(c.header)")
                #expect(r.values[i] == v, "row \(n) \(c.header)")
                switch v {
                case .number: typed.insert("number")
                case .date: typed.insert("date")
                default: break
                }
            }
        }
        #expect(typed == ["number", "date"])
        // The cells the errors point at carry them as comments.
        let comments = try XLSXTestZip.entry(book, "xl/comments1.xml")
        #expect(comments.contains("required: "), "\(comments.prefix(400))")
        #expect(try XLSXTestZip.entry(book, "xl/worksheets/sheet1.xml").contains(" s=\"6\""))
        // Fed back without naming its sheet, the workbook gives what the CSV gives.
        let fromBook = try run(root + "/pipelines/ss26-sartiq.yaml", input: book)
        let fromCSV = try run(root + "/pipelines/ss26-sartiq.yaml", input: first.runDirectory + "/quarantine.csv")
        #expect(fromBook.summary.sheet == "Quarantine")
        #expect(fromBook.summary.rowsRead == 11)
        #expect(fromBook.summary.rowsQuarantined == fromCSV.summary.rowsQuarantined)
        #expect(fromBook.summary.issuesByRule == fromCSV.summary.issuesByRule)
        #expect(fromBook.summary.issuesByRule == first.summary.issuesByRule)
        let normalisedBook = try String(contentsOfFile: fromBook.runDirectory + "/normalised.jsonl", encoding: .utf8)
        let normalisedCSV = try String(contentsOfFile: fromCSV.runDirectory + "/normalised.jsonl", encoding: .utf8)
        #expect(normalisedBook == normalisedCSV)
        // --sheet names the sheet when the pipeline's does not apply.
        let p = try PipelineLoader.load(path: root + "/pipelines/ss26-sartiq.yaml", environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        o.inputOverride = root + "/samples/ss26-womenswear.xlsx"
        o.sheet = "Nope"
        #expect(throws: ReadError.self) { try PipelineRunner.dryRun(p, options: o) }
    }

    @Test func failPolicyStopsAtTheFirstBadRow() throws {
        var p = try PipelineLoader.load(path: Fixture.path("pipelines/tiny-sartiq.yaml"), environment: [:])
        p.validate?.onError = .fail
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        #expect {
            try PipelineRunner.dryRun(p, options: o)
        } throws: { e in
            (e as? RunFailure)?.exitCode == 1 && (e as? RunFailure)?.message.contains(":3: gender") == true
        }
    }

    @Test(arguments: [
        // The sample's one repeated key quarantines both of its rows.
        ("sartiq", 309, 11, ["required": 5, "max_length": 4, "unique": 2]),
        ("pixyle", 315, 5, ["required": 3, "unique": 2]),
        ("mixpeek", 315, 5, ["required": 3, "unique": 2]),
        ("wickson", 318, 2, ["unique": 2]),
        ("scenario", 315, 5, ["required": 3, "unique": 2]),
    ])
    func samplePipelinesGiveTheDocumentedCounts(target: String, valid: Int, quarantined: Int, rules: [String: Int])
        throws
    {
        for input in [nil, "samples/ss26-womenswear.csv", "samples/ss26-womenswear.jsonl"] {
            let root = Repository.root
            let result = try run(root + "/pipelines/ss26-\(target).yaml", input: input.map { root + "/" + $0 })
            let s = result.summary
            #expect(s.rowsRead == 320, "\(target) \(input ?? "xlsx")")
            #expect(s.rowsValid == valid, "\(target) \(input ?? "xlsx")")
            #expect(s.rowsQuarantined == quarantined, "\(target) \(input ?? "xlsx")")
            #expect(s.issuesByRule.filter { $0.key != "one_of" } == rules, "\(target) \(input ?? "xlsx")")
        }
    }
}
