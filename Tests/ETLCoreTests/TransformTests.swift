import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("transforms")
struct TransformTests {
    func record(_ pairs: [(String, String)], row: Int = 2) -> Record {
        Record(
            source: RowSource(file: "t.csv", row: row),
            columns: pairs.enumerated().map { Column(header: $0.element.0, letter: ColumnName.letter($0.offset)) },
            values: pairs.map { .text($0.1) })
    }

    func normalise(_ fields: [FieldSpec], _ rows: [[(String, String)]]) throws -> (
        [NormalisedRecord], [RecordIssue], RecordNormaliser
    ) {
        let n = try RecordNormaliser(
            stage: NormaliseStage(fields: fields, unmapped: .drop), keyColumn: nil, keyField: nil)
        var issues: [RecordIssue] = []
        let out = rows.enumerated().map { n.normalise(record($0.element, row: $0.offset + 2), issues: &issues) }
        return (out, issues, n)
    }

    func field(_ name: String, from: String? = nil, _ configure: (inout FieldSpec) -> Void = { _ in }) -> FieldSpec {
        var f = FieldSpec(name: name)
        if let from { f.from = [from] }
        configure(&f)
        return f
    }

    @Test func htmlTextStripsTagsDecodesEveryEntityAndBreaksBlocks() throws {
        let body =
            "<h2>Caf&eacute;&nbsp;terrace</h2><p>Soft &amp; light&#8209;weight <strong>linen</strong>.<br>Made in&#x20;Portugal.</p><ul><li>100% linen</li><li>30&deg;C</li></ul><script>x()</script><!-- note -->"
        let f = field("description", from: "Body") { $0.htmlToText = true }
        let (out, _, _) = try normalise([f], [[("Body", body)]])
        #expect(
            out[0]["description"]
                == .string("Café terrace\nSoft & light\u{2011}weight linen.\nMade in Portugal.\n- 100% linen\n- 30°C"))
        #expect(
            HTMLText.plainText("a &lt;b&gt; &quot;c&quot; &apos;d&apos; &hellip; &euro;5 &#150;")
                == "a <b> \"c\" 'd' … €5 –")
        #expect(HTMLText.plainText("  plain   text  ") == "plain text")
        #expect(HTMLText.plainText("5 < 6 & 7 > 3") == "5 < 6 & 7 > 3")
    }

    @Test func coalesceTakesTheFirstNonEmptyColumnAndCountsTheFallback() throws {
        let f = field("name") { $0.coalesce = ["Title", "SEO Title", "Handle"] }
        let (out, _, n) = try normalise(
            [f],
            [
                [("Title", "Tee"), ("SEO Title", "x"), ("Handle", "h")],
                [("Title", " "), ("SEO Title", ""), ("Handle", "h2")],
            ])
        #expect(out[0]["name"] == .string("Tee"))
        #expect(out[1]["name"] == .string("h2"))
        #expect(n.fieldCounts[0].fellBack == 1)
        #expect(n.fieldCounts[0].mapped == 2)
    }

    @Test func whenPicksTheFirstRuleThatHoldsElseTheElse() throws {
        let f = field("gender", from: "Gender") {
            $0.when = [
                WhenRule(condition: Condition(column: "Tags", test: .matches("(?i)\\bwomen")), then: "FEMALE"),
                WhenRule(condition: Condition(column: "Type", test: .isIn(["Menswear", "Men"])), then: "MALE"),
                WhenRule(condition: Condition(column: "Type", test: .equals("kids")), then: "{Type} {Tags}"),
                WhenRule(condition: Condition(column: "Tags", test: .empty(true)), then: "UNISEX"),
            ]
            $0.otherwise = "UNKNOWN"
        }
        let (out, _, _) = try normalise(
            [f],
            [
                [("Tags", "Summer, Womenswear"), ("Type", "Dress")], [("Tags", "x"), ("Type", "men")],
                [("Tags", "boys"), ("Type", "Kids")], [("Tags", ""), ("Type", "Bag")],
                [("Tags", "y"), ("Type", "Bag")],
            ])
        #expect(out.map { $0["gender"]?.textValue ?? "-" } == ["FEMALE", "MALE", "Kids boys", "UNISEX", "UNKNOWN"])
    }

    @Test func truncateCutsOnAWordBoundaryAndWarns() throws {
        let f = field("name", from: "Title") { $0.truncate = .length(20) }
        let (out, issues, n) = try normalise(
            [f], [[("Title", "The quite long linen summer shirt")], [("Title", "Short")]])
        #expect(out[0]["name"] == .string("The quite long linen"))
        #expect(out[1]["name"] == .string("Short"))
        #expect(issues.map(\.rule) == ["truncate"])
        #expect(issues.first?.severity == .warning)
        #expect(n.fieldCounts[0].truncated == 1)
        #expect(TextCleaning.truncated("abcdefghijklmnop", to: 5) == "abcde")
    }

    @Test(arguments: [
        ("€49.90", "49.90", "EUR"), ("1.299,00 EUR", "1299.00", "EUR"), ("$1,299.00", "1299.00", "USD"),
        ("49,90 €", "49.90", "EUR"), ("£12", "12", "GBP"), ("CHF 120.-", "120", "CHF"), ("12.50 USD", "12.50", "USD"),
        ("1 299,50", "1299.50", ""), ("-5.00", "-5.00", ""),
    ])
    func readsPrices(text: String, amount: String, currency: String) throws {
        let p = try #require(PriceParser.parse(text, decimalComma: false))
        #expect(p.amount == amount)
        #expect((p.currency ?? "") == currency)
    }

    @Test func priceFillsItsCurrencyFieldAndRejectsWhatIsNoPrice() throws {
        let f = field("price", from: "Price") {
            $0.type = .price
            $0.currencyField = "currency"
        }
        let (out, issues, _) = try normalise([f], [[("Price", "1.299,00 EUR")], [("Price", "ask us")]])
        #expect(out[0]["price"] == .number("1299.00"))
        #expect(out[0]["currency"] == .string("EUR"))
        #expect(issues.map(\.rule) == ["type"])
        #expect(PriceParser.parse("twelve", decimalComma: false) == nil)
    }

    @Test func readsEnglishMonthNamesAndDateFormatLists() throws {
        let f = field("in_store_date", from: "Date") {
            $0.type = .date
            $0.dateFormats = ["dd.MM.yyyy", "yyyy/MM/dd"]
        }
        let (out, issues, _) = try normalise(
            [f],
            [
                [("Date", "15-Mar-2026")], [("Date", "March 15, 2026")], [("Date", "15 March 2026")],
                [("Date", "1 Sept 2026")], [("Date", "15.03.2026")], [("Date", "2026/03/15")], [("Date", "Smarch 1")],
            ])
        #expect(
            out.map { $0["in_store_date"]?.textValue ?? "-" } == [
                "2026-03-15", "2026-03-15", "2026-03-15", "2026-09-01", "2026-03-15", "2026-03-15", "Smarch 1",
            ])
        #expect(issues.map(\.rule) == ["type"])
        #expect(DatePattern("dd-MMM-yyyy")?.parse("05-jan-2026") == LocalDateTime(year: 2026, month: 1, day: 5))
        #expect(DatePattern("MM/dd/yyyy")?.swapped?.text == "dd/MM/yyyy")
    }

    @Test func aTemplateWithAnEmptyColumnIsEmptySoRequiredStillFires() throws {
        let f = field("name") { $0.template = "{Vendor} – {Title}" }
        let (out, _, n) = try normalise(
            [f], [[("Vendor", "Lune"), ("Title", "Tee")], [("Vendor", "Lune"), ("Title", "  ")]])
        #expect(out[0]["name"] == .string("Lune – Tee"))
        #expect(out[1]["name"] == .null)
        #expect(n.fieldCounts[0].empty == 1)
        let validator = RecordValidator(
            stage: ValidateStage(
                ruleSets: [TargetRuleSet.sartiqCreate.name], unique: [], rules: [], onError: .quarantine),
            keyField: nil)
        var issues: [RecordIssue] = []
        validator.validate(out[1], issues: &issues)
        #expect(issues.contains { $0.field == "name" && $0.rule == "required" })
    }

    @Test func aCollectedColumnIsAListOneItemOrJoined() throws {
        let columns = [Column(header: "Handle", letter: "A"), Column(header: "Image", letter: "B")]
        let images: [JSONValue] = [.string(" a.jpg"), .string("b.jpg"), .string("c.jpg")]
        let r = Record(
            source: RowSource(file: "t.csv", row: 2), columns: columns, values: [.text("h"), .text("a.jpg")],
            group: RecordGroup(rows: [], lists: [1: images], issues: []))
        let whole = field("reference_images", from: "Image")
        let one = field("cover_image", from: "Image") { $0.item = 2 }
        let joined = field("gallery", from: "Image") { $0.join = ", " }
        let missing = field("fourth", from: "Image") { $0.item = 4 }
        let n = try RecordNormaliser(
            stage: NormaliseStage(fields: [whole, one, joined, missing], unmapped: .keep), keyColumn: nil, keyField: nil
        )
        var issues: [RecordIssue] = []
        let out = n.normalise(r, issues: &issues)
        #expect(out["reference_images"] == .array([.string("a.jpg"), .string("b.jpg"), .string("c.jpg")]))
        #expect(out["cover_image"] == .string("b.jpg"))
        #expect(out["gallery"] == .string("a.jpg, b.jpg, c.jpg"))
        #expect(out["fourth"] == .null)
    }

    @Test func mappingCountsSayWhatEachFieldDid() throws {
        let a = field("colour", from: "Colour") {
            $0.map = [("Blk", "Black")]
            $0.defaultValue = "Multi"
        }
        let (_, _, n) = try normalise([a], [[("Colour", "Blk")], [("Colour", "")], [("Colour", "Teal")]])
        #expect(
            n.fieldCounts[0]
                == {
                    var c = FieldCounts(field: "colour")
                    c.mapped = 2
                    c.defaulted = 1
                    c.fellBack = 1
                    return c
                }())
    }
}
