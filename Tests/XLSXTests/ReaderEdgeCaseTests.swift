import Testing

@testable import XLSX

/// What Excel reads that a strict reader might refuse or read otherwise: the whitespace of `<t>`
/// without `xml:space`, a package without `_rels/.rels`, cells whose `<v>` is empty.
@Suite("reader edge cases Excel reads")
struct ReaderEdgeCaseTests {
    /// Row `n`'s text in column `c`, or nil when the row or cell is absent.
    private static func text(_ rows: [XLSXRow], row n: Int, _ c: Int) -> String? {
        guard let r = rows.first(where: { $0.number == n }), case .text(let s)? = r[c] else { return nil }
        return s
    }

    @Test func sharedAndInlineStringsFollowExcelsWhitespaceRule() throws {
        let rows = try FixtureFiles.rows("whitespace")
        let expected: [Int: String] = [
            1: "WOODLEY",  // leading spaces without xml:space go
            2: "value with tabs",  // tab, CR and LF at the edges go
            3: "  kept  ",  // xml:space="preserve" keeps them
            4: "refs",  // whitespace written as character references goes too
            5: "\u{A0}nbsp\u{A0} inner  spaces",  // NBSP and inner spaces stay
            6: "\rescaped\r",  // _x000D_ is decoded after trimming, so it stays
            8: "a b c",  // each rich run by its own xml:space
            9: "東京",  // the phonetic run is left out, the text trimmed
            10: "cdata",  // CDATA is trimmed like any text
        ]
        for (n, want) in expected {
            #expect(Self.text(rows, row: n, 0) == want, "shared string in row \(n)")
            #expect(Self.text(rows, row: n, 1) == want, "inline string in row \(n)")
        }
        // All whitespace: nothing is left (the record readers then skip the row as empty).
        #expect(Self.text(rows, row: 7, 0) == "")
        #expect(Self.text(rows, row: 7, 1) == "")
        // A formula's string result lives in <v>, which no rule trims.
        #expect(Self.text(rows, row: 11, 0) == "  formula text  ")
    }

    @Test func packageWithoutRelationshipsIsReadFromItsWorkbookPartWithAWarning() throws {
        let wb = try FixtureFiles.workbook("no-package-rels")
        #expect(wb.workbookPart == "xl/workbook.xml")
        #expect(wb.warnings.count == 1)
        #expect(wb.warnings.first?.part == "_rels/.rels")
        #expect(wb.warnings.first?.message.contains("xl/workbook.xml") == true)
        let rows = try FixtureFiles.rows("no-package-rels")
        #expect(rows.map(\.number) == [1, 2])
        #expect(rows[1][0] == .text("Linen Shirt"))
        #expect(rows[1][1] == .number(49.9))

        // The workbook part in an unusual place, declared by [Content_Types].xml only.
        let custom = try FixtureFiles.workbook("no-package-rels-custom")
        #expect(custom.workbookPart == "book/main.xml")
        #expect(custom.warnings.count == 1)
        #expect(try FixtureFiles.rows("no-package-rels-custom")[1][0] == .text("Linen Shirt"))

        // A complete package opens without a warning.
        #expect(try FixtureFiles.workbook("handmade-cells").warnings.isEmpty)
    }

    @Test func packageWithNeitherRelationshipsNorAWorkbookPartIsStillRefused() throws {
        let error = #expect(throws: XLSXError.self) { try FixtureFiles.workbook("no-package-rels-nor-workbook") }
        #expect(error?.code == .missingPart)
        #expect(error?.part == "_rels/.rels")
    }

    @Test func emptyValuesOfSharedStringAndBooleanCellsAreEmptyCellsWithWarnings() throws {
        let wb = try FixtureFiles.workbook("empty-shared-value")
        let sheet = try #require(wb.sheets.first)
        for background in [true, false] {
            let reader = try wb.rows(of: sheet, background: background)
            var rows: [XLSXRow] = []
            while let r = try reader.nextRow() { rows.append(r) }
            #expect(rows.map(\.number) == [1, 2, 3])
            #expect(rows[0].cells.map(\.column) == [0, 2])
            #expect(rows[0][0] == .text("first"))
            #expect(rows[0][2] == .text("second"))
            #expect(rows[1].cells.map(\.value) == [.number(4)])
            // An index with spaces around it is an index (XML Schema's unsignedInt allows them).
            #expect(rows[2][0] == .text("second"))
            #expect(
                reader.warnings.map { "\($0.row ?? 0):\($0.column ?? -1)" } == ["1:1", "2:0", "2:2"],
                "background \(background)")
            #expect(reader.warnings.allSatisfy { $0.part == "xl/worksheets/sheet1.xml" })
            #expect(reader.warnings[0].message.contains("shared string"))
            #expect(reader.warnings[2].message.contains("boolean"))
        }
    }
}
