import Testing

@testable import XLSX

@Suite("cell text, numbers and formats")
struct CellTextTests {
    private func text(_ s: String) -> String {
        Array(s.utf8).withUnsafeBufferPointer { CellText.string($0) }
    }

    private func number(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { CellText.double($0) }
    }

    @Test func decodesOOXMLEscapes() {
        #expect(text("a_x000D_b") == "a\rb")
        #expect(text("_x005F_x0041_") == "_x0041_")
        #expect(text("_xD83D__xDE00_") == "😀")
        #expect(text("_xd83d_") == "\u{FFFD}")
        #expect(text("_x41_ and _xZZZZ_") == "_x41_ and _xZZZZ_")
        #expect(text("no escapes here") == "no escapes here")
    }

    @Test(arguments: [
        ("42", 42.0), ("-1.5", -1.5), ("19.99", 19.99), ("0.1", 0.1), ("1E-05", 1e-05), ("6.02e23", 6.02e23),
        ("46082.395833333336", 46082.395833333336), ("12345678901234567890", 12345678901234567890.0),
        ("0.30000000000000004", 0.30000000000000004), ("+7", 7), ("1e400", Double.infinity),
    ])
    func parsesNumbersExactly(input: String, expected: Double) {
        #expect(number(input) == expected)
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "12a", "e5", "1e", "abc"])
    func rejectsWhatIsNotANumber(input: String) {
        #expect(number(input) == nil)
    }

    @Test func readsColumnReferences() {
        func col(_ s: String) -> Int? { Array(s.utf8).withUnsafeBufferPointer { CellText.column(ofReference: $0) } }
        #expect(col("A1") == 0)
        #expect(col("Z9") == 25)
        #expect(col("AA10") == 26)
        #expect(col("$AB$12") == 27)
        #expect(col("XFD1048576") == 16_383)
        #expect(col("XFE1") == nil)
        #expect(col("12") == nil)
        #expect(col("A") == nil)
        #expect(CellText.letters(27) == "AB")
    }

    @Test(arguments: [
        ("yyyy-mm-dd", true), ("dd/mm/yyyy hh:mm", true), ("[$-409]mmmm d, yyyy;@", true), ("h:mm AM/PM", true),
        ("[h]:mm:ss", true), ("[mm]:ss", true), ("mm:ss.0", true), ("General", false), ("0.00", false),
        ("#,##0.00 \"EUR\";[Red]-#,##0.00", false), ("0.00\"d\"", false), ("0\\d", false), ("[Red]0", false),
        ("_(* #,##0_)", false), ("0.00E+00", false), ("@", false), ("\"Day \"0", false),
    ])
    func tellsDateFormatsFromOthers(code: String, isDate: Bool) {
        #expect(NumberFormat.isDate(code: code) == isDate)
    }

    @Test func builtInDateIds() {
        #expect((14...22).allSatisfy(NumberFormat.isBuiltInDate))
        #expect((45...47).allSatisfy(NumberFormat.isBuiltInDate))
        #expect(![0, 1, 2, 9, 10, 13, 23, 44, 48, 49].contains(where: NumberFormat.isBuiltInDate))
    }

    @Test func resolvesRelationshipTargets() {
        #expect(
            PackageRelationships.resolve("worksheets/sheet1.xml", from: "xl/workbook.xml") == "xl/worksheets/sheet1.xml"
        )
        #expect(
            PackageRelationships.resolve("/xl/worksheets/sheet1.xml", from: "xl/workbook.xml")
                == "xl/worksheets/sheet1.xml")
        #expect(PackageRelationships.resolve("../data/first.xml", from: "book/main.xml") == "data/first.xml")
        #expect(PackageRelationships.resolve("./a%20b.xml", from: "xl/workbook.xml") == "xl/a b.xml")
        #expect(PackageRelationships.resolve("../../escape.xml", from: "xl/workbook.xml") == nil)
        #expect(PackageRelationships.resolve("xl/workbook.xml", from: "") == "xl/workbook.xml")
        #expect(PackageRelationships.relsPart(for: "xl/workbook.xml") == "xl/_rels/workbook.xml.rels")
        #expect(PackageRelationships.relsPart(for: "") == "_rels/.rels")
    }
}
