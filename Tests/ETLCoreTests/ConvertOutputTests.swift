import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

/// `convert`'s output: written whole or not at all, JSON Lines objects under every header key; and
/// what the readers report on the way (workbook warnings, inspect's type guess).
@Suite("convert output and inspect")
struct ConvertOutputTests {
    private static func convert(
        _ relative: String, to output: String, _ format: OutputFormat, options: ReadOptions = ReadOptions()
    )
        throws -> ConversionResult
    {
        try Converter.convert(
            input: Fixture.path(relative), output: output, format: format, options: options, provenance: false)
    }

    private static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    private static func listing(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    // MARK: Whole or nothing

    /// Inputs that fail after records were read: a ragged row (line 4), a syntax error (line 3), a
    /// number cell that is not one (row 4 of a workbook).
    @Test(arguments: ["csv/ragged.csv", "json/syntax-error.jsonl", "xlsx/bad-number.xlsx"])
    func aFailedConversionLeavesTheOutputAsItWasAndNoTemporaryFile(_ input: String) throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for format in [OutputFormat.csv, .jsonl] {
            let out = dir + "/out." + format.rawValue
            try "keep me\n".write(toFile: out, atomically: false, encoding: .utf8)
            #expect(throws: ReadError.self) {
                try Self.convert(input, to: out, format, options: ReadOptions())
            }
            #expect(try Self.read(out) == "keep me\n")
            #expect(try Self.listing(dir) == ["out." + format.rawValue])
            try FileManager.default.removeItem(atPath: out)
            // With no output before, none after.
            #expect(throws: ReadError.self) { try Self.convert(input, to: out, format) }
            #expect(try Self.listing(dir).isEmpty)
        }
    }

    @Test func aSuccessfulConversionReplacesTheOutputKeepingItsPermissions() throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out.csv"
        try "old\n".write(toFile: out, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out)
        let result = try Self.convert("csv/basic.csv", to: out, .csv)
        #expect(result.records == 4)
        #expect(try Self.read(out).hasPrefix("SKU,Style Name,Description,Price\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try Self.listing(dir) == ["out.csv"])
    }

    @Test func aSymbolicLinkKeepsPointingAtTheReplacedFile() throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try "old\n".write(toFile: dir + "/real/target.jsonl", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: dir + "/link.jsonl", withDestinationPath: "real/target.jsonl")
        _ = try Self.convert("json/lines.jsonl", to: dir + "/link.jsonl", .jsonl)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.jsonl") == "real/target.jsonl")
        #expect(try Self.read(dir + "/real/target.jsonl").hasPrefix("{\"sku\":\"A-1\""))
        #expect(try Self.listing(dir + "/real") == ["target.jsonl"])
    }

    @Test func theNullDeviceIsWrittenInPlace() throws {
        // JSON Lines whose keys come late is written twice; to /dev/null that is harmless.
        let result = try Self.convert("json/late-keys.jsonl", to: "/dev/null", .jsonl)
        #expect(result.records == 4)
        #expect(FileManager.default.fileExists(atPath: "/dev/null"))
        #expect(try !Self.listing("/dev").contains { $0.hasPrefix(".null.catalog-etl") })
    }

    // MARK: JSON Lines keys are the header

    static let lateKeysJSONL = """
        {"sku":"A-1","price":"10","colour":"","size":"","note":""}
        {"sku":"A-2","price":"12","colour":"Sage","size":"","note":""}
        {"sku":"A-3","price":"7","colour":"","size":"M","note":""}
        {"sku":"A-5","price":"","colour":"","size":"","note":""}

        """

    @Test func everyJSONLinesObjectHoldsEveryHeaderKeyInHeaderOrder() throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Self.convert("json/late-keys.jsonl", to: dir + "/out.jsonl", .jsonl)
        #expect(result.columns.map(\.header) == ["sku", "price", "colour", "size", "note"])
        #expect(try Self.read(dir + "/out.jsonl") == Self.lateKeysJSONL)
        // The CSV of the same input has the same header and the same cells.
        _ = try Self.convert("json/late-keys.jsonl", to: dir + "/out.csv", .csv)
        #expect(
            try Self.read(dir + "/out.csv")
                == "sku,price,colour,size,note\nA-1,10,,,\nA-2,12,Sage,,\nA-3,7,,M,\nA-5,,,,\n")
        #expect(try Self.listing(dir) == ["out.csv", "out.jsonl"])
    }

    @Test func paddedRaggedRowsAndHeaderlessSheetsGetEveryKeyToo() throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var pad = ReadOptions()
        pad.raggedRows = .pad
        _ = try Self.convert("csv/ragged.csv", to: dir + "/ragged.jsonl", .jsonl, options: pad)
        let lines = try Self.read(dir + "/ragged.jsonl").split(separator: "\n")
        #expect(lines.first == #"{"SKU":"A-1","Name":"Dress","Price":"10","D":""}"#)
        #expect(lines.allSatisfy { $0.contains(#""D":"#) })

        var noHeader = ReadOptions()
        noHeader.headerRow = 0
        _ = try Self.convert("xlsx/empty-shared-value.xlsx", to: dir + "/letters.jsonl", .jsonl, options: noHeader)
        #expect(
            try Self.read(dir + "/letters.jsonl")
                == """
                {"A":"first","B":"","C":"second","D":""}
                {"A":"","B":"","C":"","D":"4"}
                {"A":"second","B":"","C":"","D":""}

                """)
    }

    // MARK: Workbook warnings

    @Test func workbookDamageAndEmptyCellsAreReportedAsReadWarnings() throws {
        let damaged = try XLSXRecordReader(path: Fixture.path("xlsx/no-package-rels.xlsx"), options: ReadOptions())
        #expect(damaged.warnings.warnings.map(\.part) == ["_rels/.rels"])
        #expect(try damaged.next()?.values == [.text("Linen Shirt"), .number(49.9)])

        var options = ReadOptions()
        options.headerRow = 0
        let reader = try XLSXRecordReader(path: Fixture.path("xlsx/empty-shared-value.xlsx"), options: options)
        while try reader.next() != nil {}
        let w = reader.warnings.warnings
        #expect(
            w.map { "\($0.part ?? "")!\($0.column ?? "")\($0.line ?? 0)" } == ["Sheet1!B1", "Sheet1!A2", "Sheet1!C2"])
        #expect(w[0].description.contains("warning: cell B1 is typed as a shared string but its <v> is empty"))
    }

    @Test func whitespaceIsTrimmedAsExcelShowsIt() throws {
        var options = ReadOptions()
        options.headerRow = 0
        let reader = try XLSXRecordReader(path: Fixture.path("xlsx/whitespace.xlsx"), options: options)
        let first = try #require(try reader.next())
        #expect(first.values == [.text("WOODLEY"), .text("WOODLEY")])
    }

    // MARK: inspect

    @Test func inspectReadsNumbersAndDatesWrittenAsText() throws {
        let csv = try Inspection(path: Fixture.path("csv/catalog-types.csv"), options: ReadOptions(), rowLimit: 5)
        #expect(
            Dictionary(uniqueKeysWithValues: zip(csv.columns.map(\.header), csv.types)) == [
                "id": "integer", "year": "integer", "price": "number", "delta": "number", "code": "text",
                "amount": "text", "in_store": "date", "image": "url", "name": "text",
            ])
        let json = try Inspection(path: Fixture.path("json/catalog-types.jsonl"), options: ReadOptions(), rowLimit: 5)
        #expect(json.types == ["integer", "number", "number", "text", "date/text"])
        // A workbook's text cells stay text: the spreadsheet keeps numbers as numbers.
        #expect(Inspection.kind(of: .text("42"), readsText: false) == "text")
    }

    @Test(arguments: [
        ("0", "integer"), ("2026", "integer"), ("-3", "integer"), ("19.99", "number"), ("-0.5", "number"),
        ("0.5", "number"), ("007", "text"), ("1,234", "text"), ("1e5", "text"), ("12.", "text"), (".5", "text"),
        ("-", "text"), ("1 000", "text"), ("+4", "text"), ("2026-03-01", "date"), ("2026-03-01T09:30", "date"),
        ("2026-03-01T09:30:00.250", "date"), ("2026-13-01", "text"), ("2026-03-01T25:00", "text"),
    ])
    func textKinds(_ text: String, _ kind: String) {
        #expect(Inspection.kind(of: .text(text), readsText: true) == kind)
    }
}
