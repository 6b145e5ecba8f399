import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

/// Sartiq's `cover_image`, `back_image` and `reference_images` take "URL, base64 string, or
/// MediaInput" (api-docs/sartiq-products.md, ProductCreate): validation accepts each form, and the
/// client sends each as the schema describes (a string, or the MediaInput object).
@Suite("sartiq image forms")
struct SartiqImageFormsTests {
    /// The first bytes of a PNG file, base64.
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52])
        .base64EncodedString()
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1]).base64EncodedString()

    func issues(_ fields: [(String, JSONValue)]) -> [RecordIssue] {
        let stage = ValidateStage(
            ruleSets: [TargetRuleSet.all["sartiq.product_create"]!.name], unique: [], rules: [], onError: .quarantine)
        var out: [RecordIssue] = []
        RecordValidator(stage: stage, keyField: nil).validate(
            NormalisedRecord(
                source: RowSource(file: "t", row: 2), fields: fields.map { JSONField($0.0, $0.1) }, origins: [:],
                key: "SKU-1"), issues: &out)
        return out.filter { $0.field.hasSuffix("image") || $0.field.hasSuffix("images") }
    }

    @Test func theContractMarksTheImageFieldsThatTakeBase64AndMediaInput() {
        let c = TargetContract.sartiqCreate
        #expect(c.field("cover_image")?.takesImageData == true)
        #expect(c.field("back_image")?.takesImageData == true)
        #expect(c.field("reference_images")?.takesImageData == true)
        #expect(c.field("data_images")?.takesImageData == false, "the page: a list of strings (URLs)")
        #expect(TargetContract.scenarioAsset.field("image_url")?.takesImageData == false)
    }

    @Test func everyDocumentedFormPasses() {
        let forms: [JSONValue] = [
            .string("https://cdn.example.com/a.jpg"),
            .string(Self.png),
            .string(Self.jpeg),
            .string("data:image/png;base64," + Self.png),
            .string("data:image/webp;base64,UklGRhIAAABXRUJQVlA4"),
            .object([
                JSONField("url", .string("https://cdn.example.com/a.jpg")), JSONField("alt_text", .string("Front")),
            ]),
            .object([JSONField("url", .string("data:image/png;base64," + Self.png))]),
            .object([JSONField("media_resource_id", .string("6b1f1a8e-1c1d-4d5e-9f00-0123456789ab"))]),
            .string("{\"url\": \"https://cdn.example.com/a.jpg\", \"caption\": \"Front\"}"),
        ]
        for form in forms {
            #expect(
                issues([("name", .string("Dress")), ("cover_image", form), ("back_image", form)]).isEmpty, "\(form)")
            #expect(
                issues([("name", .string("Dress")), ("cover_image", form), ("reference_images", .array([form, form]))])
                    .isEmpty, "\(form)")
        }
        #expect(
            issues([
                ("name", .string("Dress")), ("cover_image", .string(Self.png)),
                ("reference_images", .string("https://cdn.example.com/a.jpg | data:image/png;base64," + Self.png)),
            ]).isEmpty)
    }

    @Test func otherValuesStillFailUnderTheURLRule() {
        let bad: [JSONValue] = [
            .string("/relative.jpg"), .string("not a url"), .string("abcdefgh"),  // valid base64, not an image
            .string("data:text/plain;base64,aGVsbG8gd29ybGQh"), .string("data:image/png;base64,***"),
            .string("www.example.com/a.jpg"),
            .object([JSONField("alt_text", .string("no url"))]),
            .object([JSONField("url", .string("/relative.jpg"))]),
            .object([JSONField("url", .string("https://cdn.example.com/a.jpg")), JSONField("href", .string("x"))]),
            .string("{\"url\": 5}"), .number("5"),
        ]
        for value in bad {
            let found = issues([("name", .string("Dress")), ("cover_image", value)])
            #expect(found.map(\.rule) == ["url"], "\(value)")
            #expect(found.first?.message.contains("is not an image") == true, "\(value)")
            let listed = issues([
                ("name", .string("Dress")), ("cover_image", .string(Self.png)),
                ("reference_images", .array([.string(Self.jpeg), value])),
            ])
            #expect(listed.map(\.field) == ["reference_images"], "\(value)")
        }
    }

    @Test func theClientSendsStringsAsGivenAndMediaInputAsAnObject() {
        let kinds = Dictionary(SartiqClient.schema.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let cover = kinds["cover_image"]!
        let gallery = kinds["reference_images"]!
        let dataURL = "data:image/png;base64," + Self.png
        #expect(SartiqClient.shape(.string(Self.png), cover) == .string(Self.png))
        #expect(SartiqClient.shape(.string(dataURL), cover) == .string(dataURL))
        let media = JSONValue.object([JSONField("url", .string("https://cdn.example.com/a.jpg"))])
        #expect(SartiqClient.shape(media, cover) == media)
        #expect(SartiqClient.shape(.string("{\"url\": \"https://cdn.example.com/a.jpg\"}"), cover) == media)
        #expect(
            SartiqClient.shape(
                .array([.string(Self.jpeg), media, .string("{\"url\": \"https://cdn.example.com/a.jpg\"}")]), gallery)
                == .array([.string(Self.jpeg), media, media]))
        #expect(
            SartiqClient.shape(.string("https://cdn.example.com/a.jpg | " + dataURL), gallery)
                == .array([.string("https://cdn.example.com/a.jpg"), .string(dataURL)]))
    }
}
