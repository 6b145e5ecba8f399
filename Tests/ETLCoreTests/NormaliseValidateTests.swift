import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

@Suite("normalise and validate")
struct NormaliseValidateTests {
    func record(_ pairs: [(String, CellValue)], row: Int = 2) -> Record {
        Record(
            source: RowSource(file: "t.csv", row: row),
            columns: pairs.enumerated().map { Column(header: $0.element.0, letter: ColumnName.letter($0.offset)) },
            values: pairs.map(\.1))
    }

    func normalise(_ fields: [FieldSpec], _ r: Record, unmapped: UnmappedColumns = .keep) throws -> (
        NormalisedRecord, [RecordIssue], RecordNormaliser
    ) {
        let n = try RecordNormaliser(
            stage: NormaliseStage(fields: fields, unmapped: unmapped), keyColumn: nil, keyField: nil)
        var issues: [RecordIssue] = []
        let out = n.normalise(r, issues: &issues)
        return (out, issues, n)
    }

    @Test func trimsCollapsesAndNormalisesUnicode() throws {
        var f = FieldSpec(name: "name")
        f.from = ["Style Name"]
        let decomposed = "Cre\u{0300}me  Dress "
        let (out, _, _) = try normalise([f], record([("Style Name", .text("  " + decomposed))]))
        #expect(out["name"] == .string("Crème Dress"))
        #expect(out["name"]?.plainText.unicodeScalars.count == 11)
    }

    @Test func matchesHeadersCaseAndSpaceInsensitivelyAndBySynonym() throws {
        var a = FieldSpec(name: "sku")
        a.from = ["sku"]
        var b = FieldSpec(name: "name")
        b.from = ["Title", "stylename"]
        let (out, _, _) = try normalise([a, b], record([("S K U", .text("A-1")), ("Style Name", .text("Dress"))]))
        #expect(out["sku"] == .string("A-1"))
        #expect(out["name"] == .string("Dress"))
    }

    @Test func mapsValuesAndCountsTheUnmappedOnes() throws {
        var g = FieldSpec(name: "gender")
        g.from = ["Gender"]
        g.map = [("W", "FEMALE"), ("Women", "FEMALE")]
        let (out, _, n) = try normalise([g], record([("Gender", .text("women"))]))
        #expect(out["gender"] == .string("FEMALE"))
        var issues: [RecordIssue] = []
        let kept = n.normalise(record([("Gender", .text("Damen"))]), issues: &issues)
        #expect(kept["gender"] == .string("Damen"))
        #expect(n.fallbacks[Fallback(field: "gender", kind: "unmapped_value", value: "Damen")] == 1)
        g.onUnmapped = .error
        let (_, errs, _) = try normalise([g], record([("Gender", .text("Damen"))]))
        #expect(errs.map(\.rule) == ["unmapped_value"])
        g.onUnmapped = .null
        let (nulled, _, _) = try normalise([g], record([("Gender", .text("Damen"))]))
        #expect(nulled["gender"] == .null)
    }

    @Test func convertsCaseTemplatesExtractReplaceAndDefaults() throws {
        var c = FieldSpec(name: "colour")
        c.from = ["Colour"]
        c.letterCase = .title
        var t = FieldSpec(name: "title")
        t.template = "{Brand} {Style Name}"
        var e = FieldSpec(name: "code")
        e.from = ["Style Code"]
        e.extract = "SS\\d+-([A-Z]+)"
        var r = FieldSpec(name: "pattern")
        r.from = ["Pattern"]
        r.replacements = [("\\s*/\\s*", " and ")]
        r.letterCase = .lower
        var d = FieldSpec(name: "season")
        d.from = ["Season"]
        d.defaultValue = "SS26"
        d.letterCase = .upper
        let (out, _, n) = try normalise(
            [c, t, e, r, d],
            record([
                ("Colour", .text("olive GREEN")), ("Brand", .text("Maison Aurel ")),
                ("Style Name", .text("Linen Dress")),
                ("Style Code", .text("SS26-DR-001")), ("Pattern", .text("Stripe / Floral")), ("Season", .empty),
            ]))
        #expect(out["colour"] == .string("Olive Green"))
        #expect(out["title"] == .string("Maison Aurel Linen Dress"))
        #expect(out["code"] == .string("DR"))
        #expect(out["pattern"] == .string("stripe and floral"))
        #expect(out["season"] == .string("SS26"))
        #expect(n.fallbacks[Fallback(field: "season", kind: "default_used", value: "SS26")] == 1)
    }

    @Test func splitsPicksAndJoinsLists() throws {
        var s = FieldSpec(name: "images")
        s.from = ["Gallery"]
        s.split = "|"
        s.type = .list
        var second = s
        second.name = "second"
        second.item = 2
        second.type = .string
        var joined = s
        joined.name = "joined"
        joined.join = ", "
        let (out, _, _) = try normalise([s, second, joined], record([("Gallery", .text("a.jpg | b.jpg||c.jpg"))]))
        #expect(out["images"] == .array([.string("a.jpg"), .string("b.jpg"), .string("c.jpg")]))
        #expect(out["second"] == .string("b.jpg"))
        #expect(out["joined"] == .string("a.jpg, b.jpg, c.jpg"))
    }

    @Test func parsesNumbersBooleansAndDates() throws {
        var p = FieldSpec(name: "price")
        p.from = ["Price"]
        p.type = .number
        p.decimalComma = true
        var y = FieldSpec(name: "year")
        y.from = ["Year"]
        y.type = .integer
        var b = FieldSpec(name: "public")
        b.from = ["Public"]
        b.type = .boolean
        var d = FieldSpec(name: "date")
        d.from = ["Date"]
        d.type = .datetime
        d.dateFormats = ["dd/MM/yyyy"]
        let fields = [p, y, b, d]
        let (a, _, _) = try normalise(
            fields,
            record([
                ("Price", .text("1.234,50")), ("Year", .number(2026)), ("Public", .text("yes")),
                ("Date", .text("01/03/2026")),
            ]))
        #expect(a["price"] == .number("1234.5"))
        #expect(a["year"] == .number("2026"))
        #expect(a["public"] == .bool(true))
        #expect(a["date"] == .string("2026-03-01T00:00:00"))
        let (x, _, _) = try normalise(
            fields,
            record([
                ("Price", .text("19.90")), ("Year", .text("2026")), ("Public", .bool(false)),
                ("Date", .date(LocalDateTime(year: 2026, month: 3, day: 1, hour: 9, minute: 30))),
            ]))
        #expect(x["price"] == .number("19.90"))
        #expect(x["public"] == .bool(false))
        #expect(x["date"] == .string("2026-03-01T09:30:00"))
        let (bad, issues, n) = try normalise(
            fields,
            record([
                ("Price", .text("n/a")), ("Year", .text("2026.5")), ("Public", .text("maybe")),
                ("Date", .text("31/02/2026")),
            ]))
        #expect(issues.map(\.rule) == ["type", "type", "type", "type"])
        #expect(bad["date"] == .string("31/02/2026"))
        #expect(n.fallbacks[Fallback(field: "date", kind: "unparseable_date", value: "31/02/2026")] == 1)
    }

    @Test func keepsUnmappedColumnsUnderAnObject() throws {
        var s = FieldSpec(name: "sku")
        s.from = ["SKU"]
        let (out, _, _) = try normalise(
            [s], record([("SKU", .text("A")), ("Price", .number(49.9)), ("Note", .empty)]),
            unmapped: .into("brand_metadata"))
        #expect(out["brand_metadata"] == .object([JSONField("Price", .string("49.9"))]))
        let (kept, _, _) = try normalise([s], record([("SKU", .text("A")), ("Price", .number(49.9))]), unmapped: .keep)
        #expect(kept["Price"] == .string("49.9"))
    }

    func validate(_ set: String, _ fields: [(String, JSONValue)], rules: [UserRule] = []) -> [RecordIssue] {
        let stage = ValidateStage(
            ruleSets: [TargetRuleSet.all[set]!.name], unique: [], rules: rules, onError: .quarantine)
        let v = RecordValidator(stage: stage, keyField: nil)
        var issues: [RecordIssue] = []
        v.validate(
            NormalisedRecord(
                source: RowSource(file: "t", row: 2), fields: fields.map { JSONField($0.0, $0.1) }, origins: [:],
                key: nil), issues: &issues)
        return issues
    }

    /// Scenario names each asset by the record's key (ScenarioClient sends `item.key` as `name`), so
    /// the rule set's `name` rules judge the key, not a `name` field that is never sent.
    @Test func scenarioChecksTheNameItReallySendsTheRecordKey() {
        #expect(TargetRuleSet.all["scenario.asset"]?.sentAsKey == "name")
        let stage = ValidateStage(
            ruleSets: [TargetRuleSet.all["scenario.asset"]!.name], unique: [], rules: [], onError: .quarantine)
        let v = RecordValidator(stage: stage, keyField: nil)
        func issues(_ fields: [(String, JSONValue)], key: String?) -> [RecordIssue] {
            var out: [RecordIssue] = []
            v.validate(
                NormalisedRecord(
                    source: RowSource(file: "t", row: 2), fields: fields.map { JSONField($0.0, $0.1) }, origins: [:],
                    key: key), issues: &out)
            return out
        }
        let image = ("image_url", JSONValue.string("https://cdn.example.com/a.jpg"))
        // The read stage's key (SKU) is what is sent; a record without a `name` field is fine.
        #expect(issues([image], key: "SS26-001").isEmpty)
        // A `name` field filled from another column is not what is sent: no key, nothing to send as name.
        let missing = issues([("name", .string("Riviera Dress")), image], key: nil)
        #expect(missing.map(\.field) == ["name"])
        #expect(missing.map(\.rule) == ["required"])
        // The same record with its key passes.
        #expect(issues([("name", .string("")), image], key: "SS26-002").isEmpty)
    }

    @Test func enforcesSartiqProductCreateLimits() {
        let ok = validate(
            "sartiq.product_create",
            [
                ("name", .string(String(repeating: "é", count: 255))),
                ("cover_image", .string("https://cdn.example.com/a.jpg")),
            ])
        #expect(ok.isEmpty)
        let issues = validate(
            "sartiq.product_create",
            [
                ("name", .string(String(repeating: "a", count: 254) + "🇫🇷")),
                ("sleeve_type", .string(String(repeating: "x", count: 101))),
                ("year", .string("2026.5")), ("in_store_date", .string("2026-03-01")),
                ("product_type_id", .string("not-a-uuid")),
                ("gender", .string("W")), ("public", .string("yes")), ("brand_metadata", .string("x")),
                ("reference_images", .array([.string("https://ok.example/a.jpg"), .string("/relative.jpg")])),
            ])
        let rules = Dictionary(grouping: issues, by: \.field).mapValues { $0.map(\.rule) }
        #expect(rules["cover_image"] == ["required"])
        #expect(rules["name"] == ["max_length"])  // a flag emoji is two code points
        #expect(rules["sleeve_type"] == ["max_length"])
        #expect(rules["year"] == ["integer"])
        #expect(rules["in_store_date"] == ["date_time"])
        #expect(rules["product_type_id"] == ["uuid"])
        #expect(rules["gender"] == ["one_of"])
        #expect(rules["public"] == ["boolean"])
        #expect(rules["brand_metadata"] == ["object"])
        #expect(rules["reference_images"] == ["url"])
        #expect(issues.first { $0.field == "name" }?.message == "name has 256 characters; the API allows at most 255")
    }

    @Test func enforcesPixyleUploadSchemaAndUserRules() {
        let issues = validate(
            "pixyle.collection_upload",
            [
                ("sku", .string("A")), ("image_url_1", .string("ftp://x/a.jpg")), ("price", .number("-1")),
                ("code", .string("ab")),
            ],
            rules: [
                UserRule(field: "price", check: .number(min: 0, max: nil), severity: .warning),
                UserRule(field: "code", check: .pattern("[A-Z]+"), severity: .error),
                UserRule(field: "code", check: .minLength(3), severity: .error),
                UserRule(field: "code", check: .oneOf(["AB", "CD"]), severity: .error),
            ])
        #expect(issues.map(\.rule) == ["url", "number", "pattern", "min_length", "one_of"])
        #expect(issues.first { $0.rule == "number" }?.severity == .warning)
        #expect(
            validate("pixyle.collection_upload", [("image_url_1", .string("https://x.example/a.jpg"))]).map(\.field)
                == ["sku"])
    }

    @Test func aSartiqBrandCollectionOtherThanTheUploadStagesIsAnError() {
        let upload = UploadStage(
            target: .sartiq, endpoint: "sandbox", credentials: [:], collection: "SS26 Riviera", batchSize: nil,
            rate: nil, concurrency: nil, maxAttempts: nil, timeoutSeconds: nil, maxWaitSeconds: nil)
        let v = RecordValidator(stage: nil, keyField: nil, upload: upload)
        var issues: [RecordIssue] = []
        for (row, c) in [(2, "SS26 Riviera"), (3, ""), (4, "SS26 Other")] {
            v.validate(
                NormalisedRecord(
                    source: RowSource(file: "t", row: row),
                    fields: [JSONField("sku", .string("K\(row)")), JSONField("brand_collection", .string(c))],
                    origins: [:], key: "K\(row)"), issues: &issues)
        }
        #expect(issues.map(\.rule) == ["collection"])
        #expect(issues.first?.severity == .error)
        #expect(issues.first?.message.contains("\"SS26 Other\" is not the upload stage's collection") == true)
        // Other targets, and a stage without a collection, check nothing.
        var other = upload
        other.collection = nil
        var none: [RecordIssue] = []
        RecordValidator(stage: nil, keyField: nil, upload: other).validate(
            NormalisedRecord(
                source: RowSource(file: "t", row: 2), fields: [JSONField("brand_collection", .string("X"))],
                origins: [:], key: "A"), issues: &none)
        #expect(none.isEmpty)
    }

    @Test func collectsEveryRecordOfARepeatedKey() {
        let v = RecordValidator(
            stage: ValidateStage(ruleSets: [], unique: ["sku"], rules: [], onError: .quarantine), keyField: nil)
        var issues: [RecordIssue] = []
        for row in [2, 3, 4, 5] {
            let sku = row == 3 ? "B" : "A"
            v.validate(
                NormalisedRecord(
                    source: RowSource(file: "t", row: row), fields: [JSONField("sku", .string(sku))], origins: [:],
                    key: sku), issues: &issues)
        }
        // Nothing is decided row by row: the run quarantines every record of the key once the file is read.
        #expect(issues.isEmpty)
        #expect(v.duplicates.groups.count == 1)
        #expect(v.duplicates.groups.first?.ordinals == [1, 3, 4])
        #expect(v.duplicates.groups.first?.rows == [nil, 4, 5])
        #expect(v.duplicates.groups(of: 2).isEmpty)
        v.duplicates.noteRow(2, ordinal: 1, group: 0)
        #expect(
            v.duplicates.message(group: 0, for: 3, file: "dir/t.csv")
                == "sku \"A\" is also used by rows 2, 5 of t.csv; a key must be unique within the catalog, so none of its 3 rows is sent: keep one and fix the others"
        )
    }

    @Test func recognisesAbsoluteHTTPURLs() {
        for ok in [
            "https://cdn.example.com/a.jpg", "HTTP://x.example", "http://127.0.0.1:8089/p?q=1",
            "https://cdn.example.com/ü.jpg",
        ] {
            #expect(RecordValidator.isHTTPURL(ok), "\(ok)")
        }
        for bad in [
            "ftp://x/a.jpg", "https://", "https:///a.jpg", "//cdn.example.com/a.jpg", "https://a b.com/x",
            "https://x.com/a\u{00A0}b", "/a.jpg", "", "http:/x.com", "https://:80/x",
        ] {
            #expect(!RecordValidator.isHTTPURL(bad), "\(bad)")
        }
    }

    @Test func trimsAndCollapsesUnicodeWhiteSpace() {
        #expect(TextCleaning.trim("\u{00A0} a b \t") == "a b")
        #expect(TextCleaning.collapse("a \u{3000} b\n\nc") == "a b c")
        #expect(TextCleaning.collapse("plain text") == "plain text")
    }

    @Test func parsesISODatesStrictly() {
        #expect(DatePattern.parseISO("2026-03-01")?.iso8601 == "2026-03-01")
        #expect(DatePattern.parseISO("2026-03-01T09:30:00Z")?.iso8601 == "2026-03-01T09:30:00")
        #expect(DatePattern.parseISO("2026-03-01T09:30:00.1234+02:00")?.millisecond == 123)
        #expect(DatePattern.parseISO("2026-02-30") == nil)
        #expect(DatePattern.parseISO("2026-03-01T25:00") == nil)
        #expect(DatePattern("dd/MM/yyyy")?.parse("1/3/2026")?.iso8601 == "2026-03-01")
        #expect(DatePattern("dd.MM.yy HH:mm")?.parse("01.03.26 09:30")?.iso8601 == "2026-03-01T09:30:00")
        #expect(DatePattern("MM/yyyy") == nil)
    }

    /// The one-pass shortcut may only say "clean" where trimming, collapsing and NFC change nothing.
    @Test func cleanASCIIShortcutAgreesWithTheTransforms() {
        let samples = [
            "", "a", "Maison Aurel", "Cannes Voile Kaftan", "abcdefg h", "abcdefgh  ij", "abcdefg  hij",
            "abcdefgh ijklmnop qrstuvw", "a       b", " lead", "trail ", "tab\there", "new\nline", "x\u{7F}y",
            "Crème", "Cre\u{0300}me", "no\u{00A0}break", "0123456789abcdef 0123456789abcdef  z",
            String(repeating: "word ", count: 40) + "end", String(repeating: "word ", count: 40) + " end",
        ]
        for s in samples {
            let inner = TextCleaning.isCleanASCII(s, inner: true)
            let outer = TextCleaning.isCleanASCII(s, inner: false)
            if inner {
                #expect(TextCleaning.collapse(TextCleaning.trim(s)) == s, "\(s.debugDescription)")
                #expect(outer, "\(s.debugDescription)")
            }
            if outer {
                #expect(TextCleaning.trim(s) == s, "\(s.debugDescription)")
                #expect(s.utf8.allSatisfy { $0 < 0x80 }, "\(s.debugDescription)")
            }
        }
        // Double spaces and control characters are found wherever they fall in an 8-byte word.
        for k in 1..<20 {
            let prefix = String(repeating: "x", count: k)
            #expect(!TextCleaning.isCleanASCII(prefix + "  y", inner: true))
            #expect(!TextCleaning.isCleanASCII(prefix + "\ty", inner: true))
            #expect(TextCleaning.isCleanASCII(prefix + " y", inner: true))
            #expect(TextCleaning.isCleanASCII(prefix + "\ty", inner: false))
        }
    }

    @Test func splitPartsAreTrimmedAndEmptyOnesDropped() {
        func parts(_ s: String, _ sep: String) -> [String] {
            var out: [String] = []
            TextCleaning.forEachPart(of: s, on: sep) { out.append($0) }
            return out
        }
        #expect(parts(" a | b||c |", "|") == ["a", "b", "c"])
        #expect(parts("a::b:::c", "::") == ["a", "b", ":c"])
        #expect(parts("\u{00A0}é\u{00A0}, ü ,\u{3000}", ",") == ["é", "ü"])
        #expect(parts("one", "") == ["one"])
        #expect(parts("", "|") == [])
        #expect(parts("x|", "||") == ["x|"])
    }

    @Test func formatsDatesAsISO8601() {
        #expect(LocalDateTime(year: 2026, month: 3, day: 1).iso8601 == "2026-03-01")
        #expect(LocalDateTime(year: 2026, month: 3, day: 1).iso8601DateTime == "2026-03-01T00:00:00")
        #expect(
            LocalDateTime(year: 987, month: 12, day: 31, hour: 23, minute: 5, second: 9).iso8601
                == "0987-12-31T23:05:09")
        #expect(
            LocalDateTime(year: 2026, month: 3, day: 1, hour: 9, minute: 30, second: 0, millisecond: 7).iso8601
                == "2026-03-01T09:30:00.007")
        #expect(LocalDateTime(year: 12026, month: 1, day: 2).iso8601 == "12026-01-02")
    }

    @Test func uniqueIndexGrowsAndRemembersTheFirstRow() {
        let index = RecordValidator.UniqueIndex()
        for i in 0..<20_000 { #expect(index.firstRow(of: "SKU-\(i)", row: i + 2) == nil) }
        for i in stride(from: 0, to: 20_000, by: 997) { #expect(index.firstRow(of: "SKU-\(i)", row: 99_999) == i + 2) }
        #expect(index.firstRow(of: "SKU-20000", row: 5) == nil)
        #expect(index.firstRow(of: "", row: 6) == nil)
        #expect(index.firstRow(of: "", row: 7) == 6)
    }

    @Test func urlCheckFindsBadBytesAnywhere() {
        let good = "https://cdn.example.com/ss26/SS26-DR-0000001/gallery-1.jpg"
        #expect(RecordValidator.isHTTPURL(good))
        let u = Array(good.utf8)
        for k in 8..<u.count {
            for bad: UInt8 in [0x20, 0x09, 0x7F, 0x00] {
                var v = u
                v[k] = bad
                #expect(!RecordValidator.isHTTPURL(String(decoding: v, as: UTF8.self)), "byte \(bad) at \(k)")
            }
        }
        #expect(RecordValidator.isHTTPURL("https://x.example/?q=1#f"))
        #expect(!RecordValidator.isHTTPURL("https://@x.example/"))
        #expect(!RecordValidator.isHTTPURL("https://?q"))
    }

    @Test func numbersAreSentAsValidJSONText() throws {
        var p = FieldSpec(name: "price")
        p.from = ["Price"]
        p.type = .number
        p.decimalComma = true
        for (input, sent) in [
            ("262.49", "262.49"), ("-3", "-3"), ("0", "0"), ("1.50", "1.50"), ("007", "7"), ("00.5", "0.5"),
            (".5", "0.5"), ("1 234,5", "1234.5"), ("49,90", "49.9"), ("12345678901234567890", "12345678901234567890"),
        ] {
            let (out, issues, _) = try normalise([p], record([("Price", .text(input))]))
            #expect(out["price"] == .number(sent), "\(input)")
            #expect(issues.isEmpty, "\(input)")
        }
        #expect(RecordNormaliser.isPlainJSONNumber("1.") == false)
        #expect(RecordNormaliser.isPlainJSONNumber("-") == false)
        #expect(RecordNormaliser.isPlainJSONNumber("") == false)
        #expect(RecordNormaliser.isPlainJSONNumber("1e5") == false)
    }

    @Test func countsCodePointsLikeTheServices() {
        for s in [
            "", "a", "Crème brûlée", "🇫🇷 flag", "日本語のテキスト", String(repeating: "é", count: 37),
            String(repeating: "ab🙂", count: 11) + "x", "\u{10FFFF}\u{7F}\u{80}",
        ] {
            #expect(RecordValidator.codePoints(s) == s.unicodeScalars.count, "\(s)")
        }
        #expect(RecordValidator.codePoints("🇫🇷") == 2)
    }
}
