import Testing

@testable import ETLCore

/// The definitions: one field list per target that the clients' request shapes follow, and every
/// assumption a connector makes named with its source.
@Suite("target definitions")
struct TargetDefinitionTests {
    @Test func theRegistryListsTheFiveTargetsInTheirOrder() {
        #expect(TargetRegistry.all.map(\.service.rawValue) == ["pixyle", "sartiq", "mixpeek", "wickson", "scenario"])
        #expect(TargetService.allCases == TargetRegistry.all.map(\.service))
        for d in TargetRegistry.all {
            #expect(d.ruleSets.allSatisfy { $0.service == d.service }, "\(d.service)")
            #expect(TargetService(rawValue: d.service.rawValue) == d.service)
        }
    }

    @Test func clientRequestShapesComeFromTheFieldList() {
        #expect(SartiqClient.schema.map(\.0) == TargetContract.sartiqCreate.fields.map(\.name))
        // Pixyle's upload file writes its columns in its own order, but exactly the contract's fields.
        #expect(Set(PixyleClient.standardColumns) == Set(TargetContract.pixyleUpload.fields.map(\.name)))
    }

    @Test func everySettingAndPacingNamesItsSource() {
        for d in TargetRegistry.all {
            #expect(!d.pacing.source.isEmpty, "\(d.service)")
            for s in d.settings {
                #expect(!s.value.isEmpty && !s.source.isEmpty, "\(d.service) \(s.name)")
            }
            #expect(TargetContract.contract(for: d.service).settingRows.count >= d.settings.count + 1)
        }
        #expect(MixpeekClient.featureExtractor.name == "multimodal_extractor")
        #expect(MixpeekClient.featureExtractor.version == "v1")
        #expect(PixyleClient.exportKeyColumn == "sku" && PixyleClient.exportIDColumn == "product_id")
    }
}
