import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

/// A target is a plug-in: a definition registered (here for this test's task only) is what
/// `catalog-etl targets`, the pipeline loader and validation see, with nothing else to change.
@Suite("test-only target")
struct TestOnlyTargetTests {
    static let acme = TargetService(name: "acme")

    static let definition = TargetDefinition(
        service: acme, displayName: "Acme",
        ruleSets: [
            TargetContract(
                service: acme, ruleSet: "item", summary: "Acme item: sku and title required", keyField: "sku",
                fields: [
                    TargetField("sku", required: true, maxLength: 8, source: "assumed: a test's own target"),
                    TargetField("title", required: true, source: "assumed: a test's own target"),
                ],
                extraColumns: .drop,
                limits: [
                    TargetLimit("rate", "1 request/s", source: "assumed: a test's own target"),
                    TargetLimit("batch size", "1 item per request", source: "assumed: a test's own target"),
                    TargetLimit("page size", "10", source: "assumed: a test's own target"),
                ], defaultRate: 1, defaultBatchSize: nil)
        ], batchUnit: "item", capabilities: [.find], pacing: TargetPacing(source: "assumed: a test's own target"),
        accountCredentials: ["key"],
        settings: [TargetSetting("colour", "blue", source: "assumed: a test's own setting")],
        draft: TargetDraft(connection: { _, _, _, _ in [("endpoint", "sandbox", nil)] }),
        makeClient: { _ in throw CocoaError(.featureUnsupported) })

    @Test func targetsAndValidationPickUpARegisteredTarget() throws {
        #expect(TargetService(rawValue: "acme") == nil)
        try TargetRegistry.with([Self.definition]) {
            #expect(TargetService(rawValue: "acme") == Self.acme)
            #expect(
                TargetService.allCases.map(\.rawValue) == [
                    "pixyle", "sartiq", "mixpeek", "wickson", "scenario", "acme",
                ])
            #expect(TargetContract.allRuleSets.map(\.qualifiedName).contains("acme.item"))
            #expect(TargetRuleSet.names.contains("acme.item"))

            // `catalog-etl targets acme` renders its fields, limits and settings.
            let text = TargetContract.contract(for: Self.acme).renderText()
            #expect(text.hasPrefix("acme (rule set acme.item): Acme item: sku and title required\n"))
            #expect(text.contains("colour"))
            #expect(text.contains("assumed: a test's own setting"))

            // Validation applies its rules.
            let validator = RecordValidator(
                stage: ValidateStage(
                    ruleSets: [TargetRuleSet.defaultSet(for: Self.acme).name], unique: [], rules: [],
                    onError: .quarantine),
                keyField: nil)
            var issues: [RecordIssue] = []
            let record = NormalisedRecord(
                source: RowSource(file: "t.csv", row: 2), fields: [JSONField("sku", .string("ABCDEFGHIJ"))],
                key: "ABCDEFGHIJ")
            validator.validate(record, issues: &issues)
            #expect(issues.contains { $0.field == "title" && $0.rule == "required" })
            #expect(issues.contains { $0.field == "sku" && $0.rule.hasPrefix("max") })

            // A pipeline may name it.
            let dir = URL(fileURLWithPath: TemporaryFolder.make("acme"))
            defer { try? FileManager.default.removeItem(at: dir) }
            try "sku,title\nA1,One\n".write(to: dir.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
            let path = dir.appendingPathComponent("acme.yaml").path
            try """
            name: acme
            stages:
              - read: { path: in.csv, key: sku }
              - normalise:
                  fields:
                    sku: sku
                    title: title
              - validate:
                  against: acme
              - upload:
                  target: acme
                  endpoint: sandbox
                  key: k
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let pipeline = try PipelineLoader.load(path: path, environment: [:])
            #expect(pipeline.upload?.target == Self.acme)
            #expect(pipeline.validate?.ruleSets.map(\.qualified) == ["acme.item"])
        }
        #expect(TargetService(rawValue: "acme") == nil)
    }
}
