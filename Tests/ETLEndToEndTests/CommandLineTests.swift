import ETLTestSupport
import Foundation
import Testing

@Suite("command line")
struct CommandLineTests {
    @Test func convertsTheSampleWorkbookToTheSampleCSV() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e") + "/x.csv"
        let r = try BinaryRunner.run(["convert", "samples/ss26-womenswear.xlsx", out, "--sheet", "Products"])
        #expect(r.status == 0, "\(r.stderr)")
        let ours = try String(contentsOfFile: out, encoding: .utf8)
        let sample = try String(contentsOfFile: Repository.root + "/samples/ss26-womenswear.csv", encoding: .utf8)
        #expect(ours == sample)
    }

    @Test func addsProvenanceToJSONLines() throws {
        let r = try BinaryRunner.run([
            "convert", "samples/ss26-womenswear.csv", "-", "--format", "jsonl", "--provenance",
        ])
        #expect(r.status == 0)
        let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix(#"{"SKU":"MA26-DR001-OLV","Style Code":"SS26-DR-001""#))
        #expect(first.hasSuffix(#""_file":"samples/ss26-womenswear.csv","_sheet":null,"_row":2}"#))
        #expect(r.stdout.split(separator: "\n").count == 320)
    }

    @Test func writesEveryHeaderKeyToStandardOutputToo() throws {
        // Standard output cannot be written again, so the keys are learnt before the first line.
        let r = try BinaryRunner.run([
            "convert", "Tests/ETLCoreTests/Fixtures/json/late-keys.jsonl", "-", "--format", "jsonl",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").first == #"{"sku":"A-1","price":"10","colour":"","size":"","note":""}"#)
        #expect(r.stdout.split(separator: "\n").count == 4)
    }

    @Test func exitsWithTheDocumentedCodes() throws {
        let missing = try BinaryRunner.run(["convert", "no/such/file.csv", "/dev/null", "--format", "csv"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no/such/file.csv"))
        let usage = try BinaryRunner.run(["convert", "samples/ss26-womenswear.csv"])
        #expect(usage.status == 2)
        let badFlag = try BinaryRunner.run(["inspect", "samples/ss26-womenswear.csv", "--encoding", "klingon"])
        #expect(badFlag.status == 2)
        let sheet = try BinaryRunner.run(["inspect", "samples/ss26-womenswear.xlsx", "--sheet", "Produkte"])
        #expect(sheet.status == 2)
        #expect(sheet.stderr.contains("Products"))
        #expect(sheet.stderr.contains("Lists"))
    }

    @Test func inspectsSheetsHeadersAndTypes() throws {
        let r = try BinaryRunner.run(["inspect", "samples/ss26-womenswear.xlsx", "--rows", "3"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Products"))
        #expect(r.stdout.contains("Lists (hidden)"))
        #expect(r.stdout.contains("Q In Store Date"))
        #expect(r.stdout.contains("date/text"))
    }

    @Test func checksEverySamplePipelineAndRejectsABadOne() throws {
        let ok = try BinaryRunner.run(
            ["check"] + ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"].map { "pipelines/ss26-\($0).yaml" })
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").count == 5)
        let bad = try BinaryRunner.run(["check", "Tests/ETLCoreTests/Fixtures/pipelines/bad-keys.yaml"])
        #expect(bad.status == 2)
        #expect(
            bad.stderr.contains(
                "bad-keys.yaml:5:7: unknown key \"heder_row\" in read; did you mean \"header_row\"?\n      heder_row: 2\n      ^"
            ))
    }

    @Test func dryRunWritesTheReportAndExitsOneForQuarantinedRows() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let r = try BinaryRunner.run(["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", out])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("read 320 rows"))
        #expect(r.stdout.contains("309 valid, 11 quarantined"))
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }
        let dir = line.map { String($0.dropFirst(8)) } ?? ""
        #expect(dir.hasPrefix(out + "/ss26-sartiq/"))
        #expect(FileManager.default.fileExists(atPath: dir + "summary.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "send.jsonl"))
        let clean = try BinaryRunner.run([
            "run", "pipelines/ss26-wickson.yaml", "--dry-run", "--output", out, "--input",
            "Tests/ETLCoreTests/Fixtures/pipeline-data/tiny.csv",
        ])
        // tiny.csv has no Description column: the run stops before any row (every description would be null).
        #expect(clean.status == 2)
        #expect(clean.stderr.contains("column \"Description\" (normalise.fields.description.from) is not in"))
    }
}
