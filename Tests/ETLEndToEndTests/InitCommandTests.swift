import ETLTestSupport
import Foundation
import Testing

/// `init`, `targets`, `schema` and `inspect` through the built binary.
@Suite("init command")
struct InitCommandTests {
    /// The "N valid, M quarantined" part of a dry run's output.
    static func counts(_ stdout: String) -> String? {
        guard let r = stdout.range(of: #"[0-9]+ valid, [0-9]+ quarantined"#, options: .regularExpression) else {
            return nil
        }
        return String(stdout[r])
    }

    @Test(arguments: ["xlsx", "csv", "jsonl"])
    func writesAPipelineThatChecksAndQuarantinesWhatTheHandWrittenOneDoes(_ format: String) throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        for target in ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"] {
            let file = "\(dir)/\(target).yaml"
            let r = try BinaryRunner.run([
                "init", "samples/ss26-womenswear.\(format)", "--target", target, "--output", file,
            ])
            #expect(r.status == 0, "\(target): \(r.stderr)")
            #expect(r.stdout.contains("wrote \(file)"))
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=catalog-etl.schema.json\n"))
            #expect(!text.contains("# TODO"), "\(target) \(format): \(text)")
            let check = try BinaryRunner.run(["check", file])
            #expect(check.status == 0, "\(target) \(format): \(check.stderr)")
            let ours = try BinaryRunner.run(["run", file, "--dry-run", "--output", dir + "/out"])
            let theirs = try BinaryRunner.run([
                "run", "pipelines/ss26-\(target).yaml", "--dry-run", "--output", dir + "/out", "--input",
                "samples/ss26-womenswear.\(format)",
            ])
            #expect(ours.status == theirs.status, "\(target) \(format): \(ours.stderr)")
            #expect(Self.counts(ours.stdout) != nil)
            #expect(Self.counts(ours.stdout) == Self.counts(theirs.stdout), "\(target) \(format)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/catalog-etl.schema.json"))
    }

    @Test func mapsTheSampleAsTheHandWrittenSartiqPipelineDoes() throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        let r = try BinaryRunner.run([
            "init", "samples/ss26-womenswear.xlsx", "--target", "sartiq", "--output", dir + "/p.yaml",
        ])
        #expect(r.status == 0)
        let text = try String(contentsOfFile: dir + "/p.yaml", encoding: .utf8)
        for line in [
            "      sheet: Products", "      key: SKU", "        sku: SKU", "        name: Style Name",
            "        style_code: Style Code", "        colour: Colour", "        fit_type: Fit",
            "        sleeve_type: Sleeve", "        brand_collection: Collection", "        cover_image: Cover Image",
            "        back_image: Back Image", "reference_images: { from: Gallery, split: \"|\" }",
            "in_store_date: { from: In Store Date, as: datetime, date_format: dd/MM/yyyy }",
            "year: { from: Year, as: integer }", "            W: FEMALE", "            U: UNISEX",
            "      unmapped: brand_metadata", "      endpoint: ${SARTIQ_URL:-sandbox}",
            "      password: ${SARTIQ_PASSWORD:-sandbox}", "      collection: SS26 Riviera",
        ] {
            #expect(text.contains(line), "missing: \(line)")
        }
        #expect(r.stdout.contains("read.sheet: the only visible sheet; also: Lists (hidden)"))
    }

    @Test func refusesToOverwriteAndUnreadableInput() throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        let file = dir + "/p.yaml"
        #expect(
            try BinaryRunner.run(["init", "samples/ss26-womenswear.csv", "--target", "wickson", "--output", file])
                .status == 0)
        let again = try BinaryRunner.run([
            "init", "samples/ss26-womenswear.csv", "--target", "wickson", "--output", file,
        ])
        #expect(again.status == 2)
        #expect(again.stderr.contains("exists; pass --force"))
        #expect(
            try BinaryRunner.run([
                "init", "samples/ss26-womenswear.csv", "--target", "wickson", "--output", file, "--force",
            ])
            .status == 0)
        let missing = try BinaryRunner.run([
            "init", dir + "/nope.csv", "--target", "wickson", "--output", dir + "/q.yaml",
        ])
        #expect(missing.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir + "/q.yaml"))
        #expect(try BinaryRunner.run(["init", "samples/ss26-womenswear.csv", "--target", "shopify"]).status == 2)
    }

    @Test func checkReportsTheTODOsInitLeaves() throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        let file = dir + "/styles.yaml"
        let r = try BinaryRunner.run([
            "init", "Tests/ETLCoreTests/Fixtures/init/fashion-styles.csv", "--target", "sartiq", "--output", file,
        ])
        #expect(r.status == 0)
        #expect(r.stdout.contains("TODO: cover_image is required"))
        let check = try BinaryRunner.run(["check", file])
        #expect(check.status == 2)
        #expect(check.stderr.contains("TODO: cover_image is required by sartiq.product_create"))
        // The same catalog for a target it can fill checks and dry-runs at once.
        let w = try BinaryRunner.run([
            "init", "Tests/ETLCoreTests/Fixtures/init/fashion-styles.csv", "--target", "wickson", "--output",
            dir + "/w.yaml",
        ])
        #expect(w.status == 0)
        #expect(try BinaryRunner.run(["check", dir + "/w.yaml"]).status == 0)
        let run = try BinaryRunner.run(["run", dir + "/w.yaml", "--dry-run", "--output", dir + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("14 valid, 0 quarantined"))
    }

    @Test func listsTargetsWithTheirSources() throws {
        let all = try BinaryRunner.run(["targets"])
        #expect(all.status == 0)
        for t in ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"] {
            #expect(all.stdout.contains("\(t) (rule set"))
        }
        let one = try BinaryRunner.run(["targets", "sartiq", "--json"])
        #expect(one.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        #expect(json["rule_set"] as? String == "sartiq.product_create")
        let fields = try #require(json["fields"] as? [[String: Any]])
        let name = try #require(fields.first { $0["name"] as? String == "name" })
        #expect(name["max_length"] as? Int == 255 && name["required"] as? Bool == true)
        #expect((name["source"] as? String)?.contains("sartiq-products.md") == true)
        #expect(try BinaryRunner.run(["targets", "nope"]).status == 2)
        // The run report carries the same table as its "target contract" section.
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let run = try BinaryRunner.run(["run", "pipelines/ss26-mixpeek.yaml", "--dry-run", "--output", out])
        let dir = run.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }.map { String($0.dropFirst(8)) }
        let html = try String(contentsOfFile: (dir ?? "") + "report.html", encoding: .utf8)
        #expect(html.contains("Target contract: mixpeek.object"))
        #expect(html.contains("<td class=\"v\">≤ 100 objects per request</td>"))
    }

    @Test func printsTheSchema() throws {
        let r = try BinaryRunner.run(["schema"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    }

    @Test func inspectProfilesTheWholeFile() throws {
        let r = try BinaryRunner.run(["inspect", "samples/ss26-womenswear.csv", "--json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["rows"] as? Int == 320)
        let columns = try #require(json["columns"] as? [[String: Any]])
        let date = try #require(columns.first { $0["header"] as? String == "In Store Date" })
        #expect(date["type"] as? String == "date" && date["date_format"] as? String == "dd/MM/yyyy")
        let gender = try #require(columns.first { $0["header"] as? String == "Gender" })
        #expect(gender["distinct"] as? Int == 6)
        let top = try #require(gender["top_values"] as? [[String: Any]])
        #expect(top.first?["value"] as? String == "W" && top.first?["count"] as? Int == 128)
        let sku = try #require(columns.first { $0["header"] as? String == "SKU" })
        #expect(sku["empty_share"] as? Double == 0)
        // Narrow terminal: one block per column.
        let narrow = try BinaryRunner.run(
            ["inspect", "samples/ss26-womenswear.csv", "--rows", "1"], environment: ["COLUMNS": "60"])
        #expect(narrow.stdout.contains("rows: 320"))
        #expect(narrow.stdout.contains("C Style Name\n  type: text"))
        #expect(narrow.stdout.contains("row 2\n"))
    }
}
