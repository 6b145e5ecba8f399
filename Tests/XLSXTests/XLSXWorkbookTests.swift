import Testing

@testable import XLSX

@Suite("workbook and sheet reader")
struct XLSXWorkbookTests {
    @Test func findsPartsThroughRelationshipsNotGuessedPaths() throws {
        // handmade-cells keeps its parts in book/main.xml, data/first.xml, book/text/strings.xml,
        // reached by an absolute and a `..` target.
        let wb = try FixtureFiles.workbook("handmade-cells")
        #expect(wb.workbookPart == "book/main.xml")
        #expect(wb.sheets.map(\.part) == ["data/first.xml"])
        #expect(try wb.dimension(of: wb.sheets[0]) == "A1:F7")
    }

    @Test func readsEveryKindOfCell() throws {
        let rows = try FixtureFiles.rows("handmade-cells")
        #expect(rows.map(\.number) == [1, 2, 3, 6, 7])

        // Row 1: shared strings with no `r` on the cells; rich runs; xml:space; phonetic runs left out.
        #expect(rows[0].cells.map(\.column) == [0, 1, 2, 3])
        #expect(rows[0][0] == .text("plain"))
        #expect(rows[0][1] == .text("Bold and plain "))
        #expect(rows[0][2] == .text("  spaced  "))
        #expect(rows[0][3] == .text("東京"))

        // Row 2: numbers, a formula's cached value, boolean, error, a formula's string result.
        #expect(rows[1][0] == .number(42))
        #expect(rows[1][1] == .number(-0.0015))
        #expect(rows[1][2] == .number(84))
        #expect(rows[1][3] == .bool(true))
        #expect(rows[1][4] == .error("#N/A"))
        #expect(rows[1][5] == .text("xy"))

        // Row 3 (no `r` on the row): an inline rich string, a style-only cell left out, a jump to E with escapes.
        // The first run, "rich ", has no xml:space="preserve", so its trailing space goes, as in Excel.
        #expect(rows[2].cells.map(\.column) == [1, 4])
        #expect(rows[2][1] == .text("richinline"))
        #expect(rows[2][4] == .text("line\rbreak _x0041_ 😀 tab\tend"))

        // Row 6: a built-in date id, a custom date-time format, a quoted "d" that is not a date, CDATA.
        #expect(rows[3][0] == .dateSerial(46082))
        #expect(rows[3][1] == .dateSerial(46082.395833333336))
        #expect(rows[3][2] == .number(2.5))
        #expect(rows[3][3] == .text("a<b & c"))

        // Row 7 follows row 6 when `r` is missing; cells without `r` start at A.
        #expect(rows[4].cells == [XLSXCell(column: 0, value: .number(7)), XLSXCell(column: 1, value: .bool(false))])
    }

    @Test func reads1904DateSystem() throws {
        let wb = try FixtureFiles.workbook("handmade-1904")
        #expect(wb.date1904)
        let rows = try FixtureFiles.rows("handmade-1904")
        #expect(rows[0].cells.map(\.value) == [.dateSerial(0), .dateSerial(44620)])
        #expect(try !FixtureFiles.workbook("handmade-cells").date1904)
    }

    @Test func readsAnXlsxwriterWorkbook() throws {
        let wb = try FixtureFiles.workbook("xlsxwriter-features")
        #expect(wb.sheets.map(\.name) == ["Data", "Hidden", "Third"])
        #expect(wb.sheets.map(\.visibility) == [.visible, .hidden, .visible])
        #expect(try wb.dimension(of: wb.sheets[0]) == "A1:J8")
        let rows = try FixtureFiles.rows("xlsxwriter-features")
        #expect(rows.map(\.number) == [1, 2, 3, 5, 8])
        let r2 = rows[1]
        #expect(r2[0] == .text("  leading and trailing  "))
        #expect(r2[1] == .text("Bold then italic"))
        #expect(r2[2] == .number(19.99))
        #expect(r2[3] == .number(39.98))
        #expect(r2[4] == .bool(true))
        #expect(r2[5] == .error("#N/A"))
        #expect(r2[6] == .dateSerial(46082))
        #expect(r2[7] == .dateSerial(46082.39583333334))  // as xlsxwriter wrote it
        #expect(r2[8] == .dateSerial(1.5))  // [h]:mm elapsed time counts as time
        #expect(r2[9] == .number(1234.5))  // "EUR" in quotes and [Red] are not date tokens
        let r3 = rows[2]
        #expect(r3[0] == .text("control\u{01}char and _x0041_ literal"))
        #expect(r3[3] == .text("ab"))
        #expect(r3[6] == .dateSerial(60))
        // Merged A5:C5: the value stays in the top-left cell only.
        #expect(rows[3].cells.compactMap { $0.value == .text("merged") ? $0.column : nil } == [0])
        #expect(rows[4].cells == [XLSXCell(column: 1, value: .text("after gap"))])
    }

    @Test func readsCellsOf40000CharactersInFull() throws {
        let rows = try FixtureFiles.rows("handmade-long-cell")
        guard case .text(let shared)? = rows[0][0], case .text(let inline)? = rows[0][1] else {
            Issue.record("A1 or B1 is not text")
            return
        }
        let sharedEnd = shared.hasSuffix("hiZ")
        let inlineEnd = inline.hasSuffix("ééZ")
        #expect(shared.count == 40_000)
        #expect(sharedEnd)
        #expect(inline.count == 40_000)
        #expect(inline.utf8.count == 79_999)
        #expect(inlineEnd)
    }

    @Test func listsVeryHiddenSheets() throws {
        let wb = try FixtureFiles.workbook("openpyxl-very-hidden")
        #expect(wb.sheets.map(\.visibility) == [.visible, .veryHidden])
        let rows = try FixtureFiles.rows("openpyxl-very-hidden")
        #expect(rows[1].cells.map(\.value) == [.text(String(repeating: "é", count: 10)), .number(3.25)])
        #expect(wb.sheets[1].isHidden)
        #expect(wb.sheet(named: "veryhidden")?.index == 2)
        #expect(wb.sheet(named: "Nope") == nil)
    }

    @Test func readsALibreOfficeWorkbook() throws {
        let rows = try FixtureFiles.rows("libreoffice-catalog")
        #expect(rows.count == 4)
        #expect(
            rows[0].cells.map(\.value) == ["SKU", "Style Name", "Price", "In Store Date", "Colour"].map { .text($0) })
        #expect(rows[1][2] == .number(49.9))
        #expect(rows[1][3] == .dateSerial(46082))
        #expect(rows[1][4] == .text("Écru"))
        #expect(rows[3].cells.map(\.column) == [0, 1, 2])
    }

    @Test func readsTheSheetOfAnotherNameByItsOwnPart() throws {
        let rows = try FixtureFiles.rows("xlsxwriter-features", sheet: "Third")
        #expect(rows == [XLSXRow(number: 1, cells: [XLSXCell(column: 0, value: .text("third"))])])
    }
}

@Suite("sheet reader threads")
struct XLSXSheetReaderThreadTests {
    private func rows(_ name: String, background: Bool) throws -> [XLSXRow] {
        let wb = try FixtureFiles.workbook(name)
        let reader = try wb.rows(of: wb.sheets[0], background: background)
        #expect(reader.isBackground == background)
        var out: [XLSXRow] = []
        while let r = try reader.nextRow() { out.append(r) }
        #expect(try reader.nextRow() == nil)
        return out
    }

    @Test(arguments: ["handmade-cells", "xlsxwriter-features", "libreoffice-catalog", "shared-string-expansion"])
    func backgroundAndInlineReadsAgree(name: String) throws {
        let inline = try rows(name, background: false)
        #expect(!inline.isEmpty)
        #expect(try rows(name, background: true) == inline)
    }

    @Test func readerDroppedEarlyReleasesItsProducer() throws {
        let wb = try FixtureFiles.workbook("lying-size", limits: XLSXLimits())
        for _ in 0..<3 {
            let reader = try wb.rows(of: wb.sheets[0])
            // The first batch may or may not arrive before the size lie is caught; either way no hang.
            _ = try? reader.nextRow()
        }
        let wb2 = try FixtureFiles.workbook("shared-string-expansion")
        let reader = try wb2.rows(of: wb2.sheets[0])
        #expect(try reader.nextRow()?.number == 1)
    }

    @Test(arguments: [true, false])
    func errorAfterRowsComesAfterThem(background: Bool) throws {
        let wb = try FixtureFiles.workbook("bad-number")
        let reader = try wb.rows(of: wb.sheets[0], background: background)
        var numbers: [Int] = []
        let error = #expect(throws: XLSXError.self) {
            while let r = try reader.nextRow() { numbers.append(r.number) }
        }
        #expect(numbers == [1, 2, 3])
        #expect(error?.code == .invalidValue)
        #expect(error?.line == 8)
        #expect(error?.message.hasPrefix("cell A4 holds \"12abc\", which is not a number") == true)
        #expect(try reader.nextRow() == nil)
    }

    /// The sheet is parsed before the shared strings are loaded, so an index past the table is
    /// caught by the reader: after the rows before it, naming the cell.
    @Test(arguments: [true, false])
    func sharedStringIndexPastTheTableNamesTheCell(background: Bool) throws {
        let folder = try WriterTestFolder()
        let path = folder.path("bad-index.xlsx")
        let zip = try ZipWriter(path: path, timestamp: ZipWriterTests.stamp)
        try zip.addEntry(
            "[Content_Types].xml",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
                <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
                <Default Extension="xml" ContentType="application/xml"/>\
                <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
                </Types>
                """)
        try zip.addEntry(
            "_rels/.rels",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                </Relationships>
                """)
        try zip.addEntry(
            "xl/workbook.xml",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
                xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\
                <sheet name="Products" sheetId="1" r:id="rId1"/></sheets></workbook>
                """)
        try zip.addEntry(
            "xl/_rels/workbook.xml.rels",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>\
                </Relationships>
                """)
        try zip.addEntry(
            "xl/sharedStrings.xml",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">\
                <si><t>SKU</t></si><si><t>A-1</t></si></sst>
                """)
        try zip.addEntry(
            "xl/worksheets/sheet1.xml",
            contents: """
                <?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\
                <row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>\
                <row r="3"><c r="B3" t="s"><v>7</v></c></row></sheetData></worksheet>
                """)
        try zip.finish()
        let wb = try XLSXWorkbook(path: path)
        let reader = try wb.rows(of: wb.sheets[0], background: background)
        var texts: [XLSXValue] = []
        let error = #expect(throws: XLSXError.self) {
            while let r = try reader.nextRow() { texts += r.cells.map(\.value) }
        }
        #expect(texts == [.text("SKU"), .text("A-1")])
        #expect(error?.code == .invalidValue)
        #expect(error?.message.hasPrefix("cell B3 refers to shared string 7, but the table has 2") == true)
        #expect(try reader.nextRow() == nil)
    }
}
