import ETLCore
import Testing

@testable import Sandbox

/// Sartiq's field list is written twice on purpose: once in the target's contract (what the validator
/// checks and the client sends) and once in its stand-in (which plays the service, so a mistake in
/// the contract is caught by a test against the stand-in rather than repeated in it). Both come
/// from the same page; this suite keeps them in agreement, so neither can drift alone.
@Suite("Sartiq's contract and its stand-in agree")
struct ContractAgreementTests {
    /// The stand-in's kind for a contract field type, as the page's schema types it.
    private static func agrees(_ type: TargetFieldType, _ kind: SartiqSchema.Kind) -> Bool {
        switch (type, kind) {
        case (.string, .string), (.string, .gender), (.string, .stringList): return true
        case (.integer, .integer), (.boolean, .boolean), (.dateTime, .dateTime), (.uuid, .uuid): return true
        case (.object, .object): return true
        case (.url, .image), (.urlList, .imageList), (.urlList, .stringList): return true
        default: return false
        }
    }

    @Test("the same fields, with the same maximum lengths, types and required fields", arguments: [true, false])
    func sameFields(create: Bool) throws {
        let contract = create ? TargetContract.sartiqCreate : TargetContract.sartiqUpdate
        let standIn = create ? SartiqSchema.createFields : SartiqSchema.updateFields
        #expect(Set(contract.fields.map(\.name)) == Set(standIn.map(\.name)))
        for field in contract.fields {
            let other = try #require(standIn.first { $0.name == field.name }, "\(field.name)")
            var standInMax: Int? = nil
            if case .string(let max) = other.kind { standInMax = max }
            #expect(field.maxLength == standInMax, "\(field.name): maxLength")
            #expect(
                Self.agrees(field.type, other.kind),
                "\(field.name): \(field.type) against \(other.kind)"
            )
        }
        // The stand-in requires name and cover_image on create and nothing on update.
        #expect(Set(contract.requiredFields) == (create ? ["name", "cover_image"] : []))
        #expect(
            contract.fields.first { $0.name == "gender" }?.enumValues == SartiqSchema.genders,
            "gender's values")
    }
}
