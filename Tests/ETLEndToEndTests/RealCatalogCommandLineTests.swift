import ETLTestSupport
import Foundation
import Testing

@Suite("real catalogs on the command line")
struct RealCatalogCommandLineTests {
    /// A pipeline file in a new folder, next to a copy of the Shopify sample.
    func pipeline(_ body: String) throws -> String {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        try FileManager.default.copyItem(
            atPath: Repository.root + "/samples/shopify-products.csv", toPath: dir + "/shopify.csv")
        let path = dir + "/p.yaml"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkAndRunReportAMisspeltColumnWithExit2() throws {
        let path = try pipeline(
            """
            name: misspelt
            stages:
              - read: { path: shopify.csv, key: Handle }
              - group: { by: Handle, collect: [Image Src] }
              - normalise:
                  fields:
                    sku: Handle
                    name: Titel
                    cover_image: { from: Image Src, item: 1 }
              - validate: { against: sartiq }
            """)
        let check = try BinaryRunner.run(["check", path])
        #expect(check.status == 2)
        #expect(check.stderr.contains(path + ":8:15: column \"Titel\""), "\(check.stderr)")
        #expect(check.stderr.contains("did you mean \"Title\"?"))
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let run = try BinaryRunner.run(["run", path, "--dry-run", "--output", out])
        #expect(run.status == 2)
        #expect(run.stderr.contains("did you mean \"Title\"?"), "\(run.stderr)")
    }

    @Test func checkRejectsAFieldTheTargetDoesNotHave() throws {
        let path = try pipeline(
            """
            name: unknown
            stages:
              - read: { path: shopify.csv }
              - normalise:
                  fields: { sku: Handle, name: Title, cover_image: Image Src, colour_name: Option2 Value }
              - validate: { against: sartiq.product_create }
            """)
        let check = try BinaryRunner.run(["check", path])
        #expect(check.status == 2)
        #expect(check.stderr.contains("sartiq has no field \"colour_name\""), "\(check.stderr)")
        #expect(check.stderr.contains("did you mean \"colour\"?"))
    }

    @Test func theShopifyPipelinesCheckAndDryRun() throws {
        for name in ["shopify-sartiq", "shopify-pixyle"] {
            let check = try BinaryRunner.run(["check", "pipelines/\(name).yaml"])
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("read → group"))
            let out = TemporaryFolder.make("catalog-etl-e2e")
            let run = try BinaryRunner.run(["run", "pipelines/\(name).yaml", "--dry-run", "--output", out])
            #expect(run.status == 0, "\(name): \(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("records"))
        }
    }
}
