import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

/// The target contracts: one owner of each service's fields and limits, read by validation and `targets`.
@Suite("target contract")
struct TargetContractTests {
    @Test func validationRulesComeFromTheContract() {
        for contract in TargetContract.allRuleSets {
            let set = TargetRuleSet.all[contract.qualifiedName]
            #expect(set?.requiredFields == contract.requiredFields)
            #expect(set?.knownFields == contract.fields.map(\.name))
            #expect(set?.keyField == contract.keyField)
            #expect(set?.rules.count == contract.rules.count)
        }
        let name = TargetContract.sartiqCreate.field("name")
        #expect(name?.required == true && name?.maxLength == 255)
        #expect(TargetContract.sartiqUpdate.field("materials")?.maxLength == nil)
        #expect(TargetContract.sartiqUpdate.requiredFields.isEmpty)
        #expect(
            TargetRuleSet.sartiqCreate.rules.contains {
                $0.field == "description" && "\($0.check)" == "maxLength(3000)"
            })
    }

    @Test func everyFieldAndLimitNamesItsSource() {
        for contract in TargetContract.allRuleSets {
            for f in contract.fields { #expect(!f.source.isEmpty, "\(contract.qualifiedName).\(f.name)") }
            for l in contract.limits {
                #expect(!l.source.isEmpty, "\(contract.qualifiedName) \(l.name)")
            }
            #expect(contract.limits.contains { $0.name == "rate" })
            #expect(contract.limits.contains { $0.name == "batch size" })
            #expect(contract.limits.contains { $0.name == "page size" })
        }
        // A limit nobody documents says it is assumed and why.
        #expect(TargetContract.sartiqCreate.limits.first { $0.name == "rate" }?.source.hasPrefix("assumed: ") == true)
        #expect(ServiceConnection.defaultRate(.wickson) == 1000.0 / 3600)
    }

    @Test func rendersTheSameRowsAsTextJSONAndHTML() {
        let c = TargetContract.pixyleUpload
        let text = c.renderText()
        #expect(text.contains("image_url_1"))
        #expect(text.contains("1 request/s per client"))
        let json = c.json.jsonText
        #expect(json.contains(#""name":"sku","type":"string","required":true"#))
        let html = c.renderHTML()
        #expect(html.contains("Target contract: pixyle.collection_upload"))
        #expect(html.contains("<td class=\"v\">image_url_8</td>"))
    }
}
