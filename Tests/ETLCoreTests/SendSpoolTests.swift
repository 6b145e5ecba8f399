import ETLCore
import Foundation
import OrderedJSON
import Testing

@Suite("send spool")
struct SendSpoolTests {
    /// Values whose JSON text is easy to get wrong: quotes, back-slashes, control characters, line
    /// separators, non-ASCII letters, emoji, numbers.
    static let csv = """
        SKU,Style Name,Cover Image,Year
        A-1,"Dress ""Étoile"" \\ no. 1",https://x.example/a.jpg,2026
        A-2,Skirt\u{2028}line 😀 ü,https://x.example/b.jpg,2027
        A-3,"Tab\there, new
        line",https://x.example/c.jpg,2025

        """

    @Test func eachLineCarriesTheContentHashTheUploadComputedFromItsRecord() throws {
        var run = SmallRun()
        run.fields =
            "{ sku: SKU, name: Style Name, cover_image: Cover Image, year: { from: Year, as: integer } }"
        let r = try run.run(try run.input(Self.csv), send: true)
        #expect(r.summary.recordsValid == 3)
        let send = try SmallRun.lines(r.runDirectory + "/send.jsonl")
        let normalised = try SmallRun.lines(r.runDirectory + "/normalised.jsonl")
        #expect(send.count == 3)
        for (line, written) in zip(send, normalised) {
            let value = try JSONValue.parse(Array(line.utf8))
            let record = try #require(value["record"])
            // The hash the upload computed before it was written to the spool: the record parsed and
            // written again, then hashed. Ledgers of earlier versions hold that value.
            var text: [UInt8] = []
            record.append(to: &text)
            #expect(value["hash"]?.textValue == ContentHash.sha256Hex(text))
            #expect(value["hash"]?.textValue == ContentHash.sha256Hex(Array(written.utf8)))
        }
    }
}
