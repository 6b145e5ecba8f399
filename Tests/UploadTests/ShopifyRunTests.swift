import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

/// The Shopify sample (several rows per product) through both directions against the sandbox.
@Suite("Shopify catalogs against the sandbox")
struct ShopifyRunTests {
    /// Products (Handles) and variant rows in samples/shopify-products.csv.
    static let products = 8
    static let variants = 23
    static let rows = 28

    @Test func sartiqGetsOneProductPerHandleWithEveryImageAndPlainDescriptions() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/shopify-sartiq.yaml", "--output", out], environment: sandboxEnvironment(server, .sartiq))
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let s = RunReport.summary(r)
        #expect(RunReport.count(s, "rows_read") == Self.rows)
        #expect(RunReport.count(s, "rows_valid") == Self.rows)
        #expect(RunReport.count(s, "records") == Self.products)
        #expect(RunReport.count(s, "records_valid") == Self.products)
        #expect(RunReport.count(s, "upload", "created") == Self.products)
        #expect(RunReport.count(s, "reconciliation", "matched") == Self.products)
        #expect(statsCount(try await sandboxStats(server, .sartiq), "items") == Self.products)
        let lines = try String(contentsOfFile: RunReport.runDirectory(r) + "normalised.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(lines.count == Self.products)
        let dress = try #require(lines.first { $0["sku"] == .string("cote-dazur-midi-dress") })
        #expect(dress["reference_images"]?.arrayValue?.count == 4)
        #expect(dress["cover_image"] == .string("https://cdn.example.com/shop/files/cote-dazur-midi-dress-1.jpg"))
        for line in lines {
            let d = line["description"]?.textValue ?? ""
            #expect(!d.isEmpty)
            #expect(!d.contains("<"), "tags are gone: \(d)")
            #expect(
                d.range(of: "&[A-Za-z#][A-Za-z0-9]*;", options: .regularExpression) == nil, "entities are decoded: \(d)"
            )
        }
        #expect(dress["description"]?.textValue?.hasPrefix("Café terrace ready\n") == true)
        #expect(dress["brand_metadata"]?["variants"]?.arrayValue?.count == 3)
        // Reconciliation names every source row of a product.
        let recon = try String(contentsOfFile: RunReport.runDirectory(r) + "reconciliation.csv", encoding: .utf8)
        #expect(
            recon.contains("matched,riviera-linen-shirt,samples/shopify-products.csv,,2;3;4,"), "\(recon.prefix(600))")

        let again = try await BinaryRunner.runAsync(
            ["run", "pipelines/shopify-sartiq.yaml", "--output", out], environment: sandboxEnvironment(server, .sartiq))
        let s2 = RunReport.summary(again)
        #expect(RunReport.count(s2, "upload", "sent") == 0, "\(again.stdout)")
        #expect(RunReport.count(s2, "upload", "unchanged") == Self.products)
        #expect(statsCount(try await sandboxStats(server, .sartiq), "items") == Self.products)
    }

    @Test func pixyleGetsOneRowPerVariantSKUWithTheHandleAsRootSKU() async throws {
        let server = try TestSandbox.launch(.pixyle)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let env = sandboxEnvironment(server, .pixyle)
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/shopify-pixyle.yaml", "--output", out], environment: env)
        let s = RunReport.summary(r)
        #expect(RunReport.count(s, "records") == Self.variants, "\(r.stdout)\n\(r.stderr)")
        #expect(RunReport.count(s, "records_valid") == Self.variants)
        #expect(RunReport.count(s, "upload", "created") == Self.variants)
        let lines = try String(contentsOfFile: RunReport.runDirectory(r) + "normalised.jsonl", encoding: .utf8)
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(Set(lines.compactMap { $0["root_sku"]?.textValue }).count == Self.products)
        let shirt = lines.filter { $0["root_sku"] == .string("riviera-linen-shirt") }
        #expect(shirt.map { $0["sku"]?.textValue ?? "" } == ["RLS-SAN-S", "RLS-SAN-M", "RLS-SAN-L"])
        #expect(shirt.allSatisfy { $0["title"] == .string("Riviera Linen Shirt") })
        let again = try await BinaryRunner.runAsync(
            ["run", "pipelines/shopify-pixyle.yaml", "--output", out], environment: env)
        #expect(RunReport.count(RunReport.summary(again), "upload", "sent") == 0, "\(again.stdout)")
    }
}
