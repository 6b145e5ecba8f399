import Testing

@testable import XLSX

@Suite("hostile files")
struct HostileFileTests {
    @Test func zipBombStopsAtTheInflateRatio() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("zip-bomb") }
        #expect(error?.code == .limitExceeded)
        #expect(error?.part == "xl/worksheets/sheet1.xml")
        #expect(error?.message.contains("zip bomb") == true)
    }

    @Test func zipBombStopsAtThePerEntryLimitWhenTheRatioIsAllowed() {
        var limits = XLSXLimits()
        limits.maxCompressionRatio = 10_000
        limits.maxInflatedBytesPerEntry = 8 << 20
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("zip-bomb", limits: limits) }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message.contains("per-entry limit") == true)
    }

    @Test func totalInflatedSizeIsBounded() {
        var limits = XLSXLimits()
        limits.maxInflatedBytesTotal = 2_000
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("xlsxwriter-features", limits: limits) }
        #expect(error?.code == .limitExceeded)
    }

    @Test func headerThatLiesAboutTheSizeIsCaughtWhileInflating() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("lying-size") }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message.contains("600 bytes its header declares") == true)
    }

    @Test func billionLaughsDTDIsRefused() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("billion-laughs") }
        #expect(error?.code == .refused)
        #expect(error?.part == "xl/sharedStrings.xml")
        #expect(error?.line == 2)
    }

    @Test func externalEntityIsRefusedAndNeverRead() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("xxe") }
        #expect(error?.code == .refused)
        #expect(error?.message.hasPrefix("DTD not allowed") == true)
        #expect(error?.description.contains("root:") == false)
    }

    @Test func undeclaredEntityIsMalformedNotExpanded() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("undeclared-entity") }
        #expect(error?.code == .malformedXML)
        #expect(error?.message.contains("secret") == true)
    }

    @Test func malformedXMLNamesFilePartAndLine() throws {
        let path = try FixtureFiles.path("malformed-xml")
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("malformed-xml") }
        #expect(error?.code == .malformedXML)
        #expect(error?.line == 3)
        // The one test of the full message format.
        #expect(
            error?.description
                == "\(path)[xl/worksheets/sheet1.xml]:3: opening and ending tag mismatch: c line 3 and row; the part is not well-formed XML, so re-save the workbook in a spreadsheet program"
        )
    }

    @Test func cellLongerThanTheLimitIsAnErrorNotATruncation() {
        var limits = XLSXLimits()
        limits.maxCellBytes = 10_000
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("handmade-long-cell", limits: limits) }
        #expect(error?.code == .limitExceeded)
        #expect(error?.part == "xl/sharedStrings.xml")
        limits.maxCellBytes = 50_000  // the shared string fits, the 79,999-byte inline string does not
        let inline = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("handmade-long-cell", limits: limits) }
        #expect(inline?.code == .limitExceeded)
        #expect(inline?.part == "xl/worksheets/sheet1.xml")
        #expect(inline?.message.hasPrefix("cell B1 holds more than 50000 bytes") == true)
    }

    @Test func sharedStringExpansionIsBoundedByTheFileSize() throws {
        var limits = XLSXLimits()
        limits.sharedStringsAllowance = 0
        limits.maxSharedStringsExpansion = 20
        let error = #expect(throws: XLSXError.self) {
            _ = try FixtureFiles.rows("shared-string-expansion", limits: limits)
        }
        #expect(error?.code == .limitExceeded)
        #expect(error?.message.contains("maxSharedStringsExpansion") == true)
        // With the default allowance the same file reads in full.
        let rows = try FixtureFiles.rows("shared-string-expansion")
        #expect(rows.count == 2000)
    }

    @Test func missingSheetPartIsNamed() throws {
        let wb = try FixtureFiles.workbook("missing-sheet-part")
        let sheet = try #require(wb.sheets.first)
        let error = #expect(throws: XLSXError.self) { _ = try wb.rows(of: sheet) }
        #expect(error?.code == .missingPart)
        #expect(error?.part == "xl/worksheets/sheet1.xml")
    }

    @Test func wordDocumentNamedXLSXIsNotAWorkbook() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.workbook("word-document") }
        #expect(error?.code == .notWorkbook)
    }

    @Test func missingFileIsUnreadable() {
        let error = #expect(throws: XLSXError.self) {
            _ = try XLSXWorkbook(path: "/nonexistent/catalog.xlsx")
        }
        #expect(error?.code == .unreadable)
    }
}
