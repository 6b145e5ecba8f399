import Foundation
import Testing

@testable import ETLCore

@Suite("XLSX record reader")
struct XLSXRecordReaderTests {
    private func path(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: name, withExtension: "xlsx", subdirectory: "Fixtures/xlsx")).path
    }

    private func options(
        sheet: SheetSelector? = nil, headerRow: Int = 1, headers: HeaderPolicy = .error,
        ragged: RaggedRowPolicy = .error
    ) -> ReadOptions {
        var o = ReadOptions()
        o.sheet = sheet
        o.headerRow = headerRow
        o.duplicateHeaders = headers
        o.raggedRows = ragged
        return o
    }

    private func readAll(_ reader: XLSXRecordReader) throws -> [Record] {
        var out: [Record] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    private func texts(_ r: Record) -> [String] { r.values.map(\.canonicalText) }

    @Test func defaultsToTheFirstVisibleSheetAndSkipsRowsAboveTheHeader() throws {
        let file = try path("catalog-openpyxl")
        let reader = try XLSXRecordReader(path: file, options: options(headerRow: 3))
        #expect(reader.sheet == "Products")
        #expect(reader.columns.map(\.header) == ["SKU", "Style Name", "Price", "In Store Date", "Colour"])
        #expect(reader.columns.map(\.letter) == ["A", "B", "C", "D", "E"])
        let records = try readAll(reader)
        // Row 6 is empty and skipped; the others keep the sheet's own row numbers.
        #expect(records.map(\.source.row) == [4, 5, 7])
        #expect(records.allSatisfy { $0.source.file == file && $0.source.sheet == "Products" })
        #expect(texts(records[0]) == ["SS26-001", "Linen Shirt", "49.9", "2026-03-01", "Écru "])
        #expect(records[0].values[3] == .date(LocalDateTime(year: 2026, month: 3, day: 1)))
        #expect(texts(records[1]) == ["SS26-002", "Silk Dress", "129", "2026-04-15T09:30:00", ""])
        #expect(records[1].values[4] == .empty)
        #expect(records[2].values == [.text("SS26-003"), .empty, .number(59.5), .text("01/03/2026"), .text("Navy")])
    }

    @Test func recordsShareOneColumnsArray() throws {
        let reader = try XLSXRecordReader(path: path("catalog-openpyxl"), options: options(headerRow: 3))
        let records = try readAll(reader)
        let bases = records.map { $0.columns.withUnsafeBufferPointer { $0.baseAddress } }
        #expect(Set(bases).count == 1)
    }

    @Test func picksSheetsByNameAndByIndex() throws {
        let file = try path("catalog-openpyxl")
        let notes = try XLSXRecordReader(path: file, options: options(sheet: .name("Notes")))
        #expect(notes.columns.map(\.header) == ["Note"])
        #expect(try readAll(notes).map(texts) == [["hello"]])
        // Index 1 is the hidden first sheet: hidden sheets count.
        let archive = try XLSXRecordReader(path: file, options: options(sheet: .index(1), headerRow: 0))
        #expect(archive.sheet == "Archive")
        #expect(try readAll(archive).map(texts) == [["old"]])
    }

    @Test func unknownSheetNameListsTheSheetsThereAre() throws {
        let file = try path("catalog-openpyxl")
        let error = #expect(throws: ReadError.self) {
            _ = try XLSXRecordReader(path: file, options: options(sheet: .name("Prices")))
        }
        #expect(error?.code == .notFound)
        #expect(
            error?.message
                == "sheet \"Prices\" does not exist; the workbook has sheets \"Archive\" (hidden), \"Products\", \"Notes\", so pass one of those with --sheet"
        )
        let index = #expect(throws: ReadError.self) {
            _ = try XLSXRecordReader(path: file, options: options(sheet: .index(4)))
        }
        #expect(index?.code == .notFound)
    }

    @Test func listsSheetsWithVisibilityAndDimension() throws {
        let sheets = try XLSXRecordReader.sheets(path: path("catalog-openpyxl"), options: ReadOptions())
        #expect(sheets.map(\.name) == ["Archive", "Products", "Notes"])
        #expect(sheets.map(\.hidden) == [true, false, false])
        #expect(sheets.map(\.dimension) == ["A1:A1", "A1:E7", "A1:A2"])
        #expect(try Readers.sheets(of: path("xlsxwriter-features")).map(\.hidden) == [false, true, false])
    }

    @Test func emptyHeaderRowSaysWhereTheDataStarts() throws {
        let error = #expect(throws: ReadError.self) {
            _ = try XLSXRecordReader(path: path("catalog-openpyxl"), options: options(headerRow: 2))
        }
        #expect(error?.code == .usage)
        #expect(error?.message.contains("first row with data is row 3") == true)
    }

    @Test func withoutAHeaderRowColumnsAreLettersThatGrow() throws {
        let reader = try XLSXRecordReader(path: path("catalog-openpyxl"), options: options(headerRow: 0))
        #expect(reader.columns.isEmpty)
        let records = try readAll(reader)
        #expect(records.map(\.source.row) == [1, 3, 4, 5, 7])
        #expect(records[0].columns.map(\.header) == ["A"])
        #expect(records[1].columns.map(\.header) == ["A", "B", "C", "D", "E"])
        #expect(texts(records[0]) == ["SS26 womenswear catalog"])
        #expect(reader.columns.map(\.letter) == ["A", "B", "C", "D", "E"])
    }

    @Test func duplicateAndEmptyHeadersFollowThePolicy() throws {
        let file = try path("messy-xlsxwriter")
        let strict = #expect(throws: ReadError.self) { _ = try XLSXRecordReader(path: file, options: options()) }
        #expect(strict?.code == .badHeader)
        let reader = try XLSXRecordReader(path: file, options: options(headers: .rename, ragged: .pad))
        #expect(reader.columns.map(\.header) == ["SKU", "Colour", "C", "Colour_2"])
        #expect(reader.warnings.total == 2)
    }

    @Test func valueBeyondTheHeaderIsARaggedRowError() throws {
        let reader = try XLSXRecordReader(path: path("messy-xlsxwriter"), options: options(headers: .rename))
        let error = #expect(throws: ReadError.self) { _ = try readAll(reader) }
        #expect(error?.code == .raggedRow)
        #expect(error?.line == 4)
        #expect(error?.column == "F")
    }

    @Test func valueBeyondTheHeaderIsPaddedWithAWarning() throws {
        let reader = try XLSXRecordReader(
            path: path("messy-xlsxwriter"), options: options(headers: .rename, ragged: .pad))
        let records = try readAll(reader)
        #expect(records.map(\.source.row) == [2, 3, 4])
        #expect(texts(records[0]) == ["A-1", "Red", "x", "Blue"])
        // 1904 date system, a boolean and a cached error.
        #expect(
            records[1].values == [
                .date(LocalDateTime(year: 2026, month: 3, day: 1)), .bool(true), .error("#DIV/0!"), .empty,
            ])
        #expect(texts(records[1]) == ["2026-03-01", "TRUE", "#DIV/0!", ""])
        #expect(records[2].columns.map(\.header) == ["SKU", "Colour", "C", "Colour_2", "F"])
        #expect(texts(records[2]) == ["", "", "", "", "beyond"])
        #expect(reader.warnings.warnings.last?.message.contains("added a column named \"F\"") == true)
    }

    @Test func readsXlsxwriterDatesIncludingThePhantomLeapDay() throws {
        let records = try readAll(XLSXRecordReader(path: path("xlsxwriter-features"), options: options()))
        #expect(records.map(\.source.row) == [2, 3, 5, 8])
        #expect(records[0].value(forHeader: "Date")?.canonicalText == "2026-03-01")
        #expect(records[0].value(forHeader: "DateTime")?.canonicalText == "2026-03-01T09:30:00")
        #expect(records[0].value(forHeader: "Money") == .number(1234.5))
        #expect(records[1].value(forHeader: "Date")?.canonicalText == "1900-02-29")
        #expect(records[1].value(forHeader: "DateTime")?.canonicalText == "1900-03-01")
        #expect(records[1].value(forHeader: "Bool") == .bool(false))
        // Merged A5:C5: only the top-left cell has the value.
        #expect(texts(records[2]).prefix(3) == ["merged", "", ""])
    }

    @Test func readsHandmadeCellsThroughTheAdapter() throws {
        let records = try readAll(XLSXRecordReader(path: path("handmade-cells"), options: options(headerRow: 0)))
        #expect(records.map(\.source.row) == [1, 2, 3, 6, 7])
        #expect(texts(records[1]) == ["42", "-0.0015", "84", "TRUE", "#N/A", "xy"])
        #expect(texts(records[3]).prefix(4) == ["2026-03-01", "2026-03-01T09:30:00", "2.5", "a<b & c"])
    }

    @Test func readsALibreOfficeWorkbook() throws {
        let records = try readAll(XLSXRecordReader(path: path("libreoffice-catalog"), options: options()))
        #expect(
            records.map(texts) == [
                ["SS26-001", "Linen Shirt", "49.9", "2026-03-01", "Écru"],
                ["SS26-002", "Silk Dress", "129", "2026-04-15", "Navy"],
                ["SS26-003", "Wrap Skirt", "59.5", "", ""],
            ])
    }

    @Test(arguments: [
        ("xxe", ReadError.Code.unsafe, "xl/worksheets/sheet1.xml"),
        ("encrypted", ReadError.Code.wrongFormat, nil),
        ("truncated", ReadError.Code.malformed, nil),
        ("malformed-xml", ReadError.Code.malformed, "xl/worksheets/sheet1.xml"),
    ])
    func mapsXLSXErrorsToReadErrors(name: String, code: ReadError.Code, part: String?) throws {
        let file = try path(name)
        let error = #expect(throws: ReadError.self) {
            let reader = try XLSXRecordReader(path: file, options: options(headerRow: 0))
            _ = try readAll(reader)
        }
        #expect(error?.code == code)
        #expect(error?.part == part)
        #expect(error?.file == file)
        #expect(error?.exitCode == 3)
    }
}
