import Foundation
import Testing

@testable import ETLCore

/// `catalog-etl schema`: generated from the loader's key lists, so the two cannot drift.
@Suite("pipeline schema")
struct PipelineSchemaTests {
    @Test func describesEveryKeyTheLoaderAccepts() {
        #expect(PipelineSchema.undescribedKeys == [], "add these keys to PipelineSchema.descriptions")
        #expect(PipelineSchema.staleDescriptions == [], "the loader no longer accepts these keys")
    }

    @Test func closesEveryMappingOverTheLoadersKeys() throws {
        let text = PipelineSchema.text
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let defs = try #require(doc["$defs"] as? [String: Any])
        let read = try #require(defs["read"] as? [String: Any])
        #expect(read["additionalProperties"] as? Bool == false)
        let readKeys = try #require(read["properties"] as? [String: Any]).keys.sorted()
        #expect(readKeys == PipelineLoader.readKeys.sorted())
        let upload = try #require(defs["upload"] as? [String: Any])
        #expect(
            try #require(upload["properties"] as? [String: Any]).keys.sorted() == PipelineLoader.uploadKeys.sorted())
        let field = try #require(defs["field"] as? [String: Any])
        #expect(text.contains("\"decimal_comma\""))
        #expect(field["anyOf"] != nil)
    }

    @Test func theCommittedSchemaIsTheGeneratedOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = try String(
            contentsOf: root.appendingPathComponent("pipelines/catalog-etl.schema.json"), encoding: .utf8)
        #expect(committed == PipelineSchema.text, "run: catalog-etl schema -o pipelines/catalog-etl.schema.json")
    }
}
