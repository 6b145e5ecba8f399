import Testing

@testable import XLSX

@Suite("zip archive")
struct ZipArchiveTests {
    @Test func listsEntriesOfAnOrdinaryArchive() throws {
        let zip = try ZipArchive(path: FixtureFiles.path("xlsxwriter-features"), limits: XLSXLimits())
        let names = Set(zip.entries.map(\.name))
        #expect(names.contains("[Content_Types].xml"))
        #expect(names.contains("xl/workbook.xml"))
        #expect(names.contains("xl/worksheets/sheet1.xml"))
        #expect(zip.entry(named: "XL/Workbook.xml")?.name == "xl/workbook.xml")
    }

    @Test(arguments: ["zip64", "data-descriptor", "zipfile-streamed"])
    func readsZip64AndDataDescriptorArchives(name: String) throws {
        let zip = try ZipArchive(path: FixtureFiles.path(name), limits: XLSXLimits())
        let entry = try #require(zip.entry(named: "xl/worksheets/sheet1.xml"))
        let bytes = try zip.contents(of: entry, maxBytes: 1 << 20)
        #expect(String(decoding: bytes, as: UTF8.self).contains("<t>ok</t>"))
        let rows = try FixtureFiles.rows(name)
        #expect(rows == [XLSXRow(number: 1, cells: [XLSXCell(column: 0, value: .text("ok"))])])
    }

    @Test func zip64ArchiveUsesTheExtraFieldSizes() throws {
        let zip = try ZipArchive(path: FixtureFiles.path("zip64"), limits: XLSXLimits())
        let entry = try #require(zip.entry(named: "xl/worksheets/sheet1.xml"))
        #expect(entry.uncompressedSize > 0 && entry.uncompressedSize < 0xFFFF_FFFF)
        #expect(entry.localHeaderOffset > 0)  // shifted past the prepended stub
    }

    @Test func refusesDuplicateEntryNames() {
        let error = #expect(throws: XLSXError.self) {
            _ = try ZipArchive(path: FixtureFiles.path("duplicate-entries"), limits: XLSXLimits())
        }
        #expect(error?.code == .refused)
        #expect(error?.part == "xl/worksheets/sheet1.xml")
    }

    @Test func truncatedArchiveIsCorrupt() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.workbook("truncated") }
        #expect(error?.code == .corruptArchive)
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func textFileIsNotAZip() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.workbook("not-a-zip") }
        #expect(error?.code == .notZip)
    }

    @Test func crcMismatchIsCaughtAtTheEndOfTheEntry() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.rows("crc-mismatch") }
        #expect(error?.code == .corruptArchive)
        #expect(error?.part == "xl/worksheets/sheet1.xml")
    }

    @Test func entryCountIsBounded() {
        var limits = XLSXLimits()
        limits.maxEntries = 3
        let error = #expect(throws: XLSXError.self) {
            _ = try FixtureFiles.workbook("xlsxwriter-features", limits: limits)
        }
        #expect(error?.code == .limitExceeded)
    }

    @Test func encryptedWorkbookIsNamedAsSuch() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.workbook("encrypted") }
        #expect(error?.code == .encryptedWorkbook)
        #expect(error?.message.contains("password") == true)
    }

    @Test func legacyXLSIsNamedAsSuch() {
        let error = #expect(throws: XLSXError.self) { _ = try FixtureFiles.workbook("legacy-xls-renamed") }
        #expect(error?.code == .legacyWorkbook)
        #expect(error?.message.contains(".xls") == true)
    }

    @Test func compoundFileDirectoryNamesTellTheKind() throws {
        let encrypted = try RandomAccessFile(path: FixtureFiles.path("encrypted"))
        let names = try #require(try CompoundFileProbe.streamNames(encrypted))
        #expect(names.contains("EncryptedPackage"))
        #expect(CompoundFileProbe.classify(["Root Entry", "Workbook", "SummaryInformation"]) == .legacyWorkbook)
        #expect(CompoundFileProbe.classify(["Root Entry", "WordDocument"]) == .other(["WordDocument"]))
        #expect(CompoundFileProbe.classify(nil) == .unknown)
    }
}
