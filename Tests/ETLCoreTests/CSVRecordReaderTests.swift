import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

@Suite("CSV record reader")
struct CSVRecordReaderTests {
    /// The path of a fixture under `Fixtures/csv`.
    static func fixture(_ name: String) throws -> String {
        let dot = try #require(name.lastIndex(of: "."))
        let url = try #require(
            Bundle.module.url(
                forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                subdirectory: "Fixtures/csv"))
        return url.path
    }

    /// Reads every record of a fixture.
    static func read(
        _ name: String, chunkSize: Int = 1 << 20, _ configure: (inout ReadOptions) -> Void = { _ in }
    ) throws -> (reader: CSVRecordReader, records: [Record]) {
        var options = ReadOptions()
        configure(&options)
        let reader = try CSVRecordReader(path: try fixture(name), options: options, chunkSize: chunkSize)
        var records: [Record] = []
        while let r = try reader.next() { records.append(r) }
        return (reader, records)
    }

    /// Writes `bytes` to a new temporary file and returns its path.
    static func temporaryFile(_ bytes: [UInt8], ext: String) throws -> String {
        let url = URL(fileURLWithPath: TemporaryFolder.file("input.\(ext)", prefix: "csv-reader"))
        try Data(bytes).write(to: url)
        return url.path
    }

    static func texts(_ r: Record) -> [String] { r.values.map(\.canonicalText) }

    @Test func readsQuotedFieldsDoubledQuotesAndQuotedLineBreaks() throws {
        let (reader, records) = try Self.read("basic.csv")
        #expect(reader.columns.map(\.header) == ["SKU", "Style Name", "Description", "Price"])
        #expect(reader.columns.map { $0.letter ?? "" } == ["A", "B", "C", "D"])
        #expect(records.count == 4)
        #expect(Self.texts(records[0]) == ["A-1", "Linen Dress, Ivory", "Says \"hello\"", "19.99"])
        #expect(Self.texts(records[1]) == ["A-2", "Wrap Top ", "Line one\r\nline two", "42"])
        #expect(records[2].values == [.text("A-3"), .text("Midi Skirt"), .empty, .empty])
        #expect(records[3].values == [.text("A-4"), .empty, .text("plain"), .text("7")])
        #expect(reader.warnings.total == 0)
    }

    @Test func numbersRowsByTheLineWhereTheRecordStartsAndSkipsEmptyRows() throws {
        let (_, records) = try Self.read("basic.csv")
        // Line 3-4 is one record (a quoted line break); line 6 is blank and line 7 is ",,,".
        #expect(records.map(\.source.row) == [2, 3, 5, 8])
        #expect(records.allSatisfy { $0.source.file.hasSuffix("basic.csv") && $0.source.sheet == nil })
    }

    @Test func readsCarriageReturnOnlyLineEnds() throws {
        let (_, records) = try Self.read("cr-only.csv")
        #expect(records.map(Self.texts) == [["A-1", "Ivory"], ["A-2", "Sage\rGreen"], ["A-3", "Noir"]])
        #expect(records.map(\.source.row) == [2, 3, 5])
    }

    @Test func readsWindows1252BytesWithOneWarningNamingTheFirstLine() throws {
        let (reader, records) = try Self.read("cp1252.csv")
        #expect(Self.texts(records[1]) == ["A-2", "Café Crème", "€ 49 “best” it’s"])
        #expect(reader.warnings.total == 1)
        let warning = try #require(reader.warnings.warnings.first)
        #expect(warning.line == 3)
        #expect(warning.message.contains("Windows-1252"))
    }

    @Test func rejectsWindows1252BytesUnderStrictUTF8NamingTheLine() throws {
        #expect {
            _ = try Self.read("cp1252.csv") { $0.encoding = .utf8 }
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .encoding && e.line == 3 && e.column == "B" && e.message.contains("line 3")
                && e.message.contains("windows-1252")
        }
    }

    @Test func readsEverythingAsWindows1252WhenAsked() throws {
        let (reader, records) = try Self.read("cp1252.csv") { $0.encoding = .windows1252 }
        #expect(Self.texts(records[1]) == ["A-2", "Café Crème", "€ 49 “best” it’s"])
        #expect(reader.warnings.total == 0)
    }

    @Test(arguments: ["utf8-bom.csv", "utf16le-bom.csv", "utf16be-bom.csv"])
    func readsByteOrderMarkedFiles(name: String) throws {
        for chunk in [1 << 20, 16] {
            let (reader, records) = try Self.read(name, chunkSize: chunk)
            #expect(reader.columns.map(\.header) == ["SKU", "Name", "Price"])
            #expect(records.map(Self.texts) == [["A-1", "Café Crème", "€49"], ["A-2", "Naïve, “quoted”", "😀"]])
            #expect(records.map(\.source.row) == [2, 3])
            #expect(reader.warnings.total == 0)
        }
    }

    @Test func readsUTF16WithoutAByteOrderMarkWithAWarning() throws {
        let (reader, records) = try Self.read("utf16le-nobom.csv")
        #expect(reader.columns.map(\.header) == ["SKU", "Name", "Price"])
        #expect(records.map(Self.texts) == [["A-1", "Café Crème", "€49"], ["A-2", "Naïve, “quoted”", "😀"]])
        #expect(reader.warnings.total == 1)
        #expect(reader.warnings.warnings.first?.message.contains("UTF-16") == true)
    }

    @Test func rejectsAQuoteLeftOpenNamingTheLineWhereTheFieldBegan() throws {
        #expect {
            _ = try Self.read("unterminated.csv")
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .malformed && e.line == 3 && e.message.contains("line 3")
        }
    }

    @Test func keepsABareQuoteInsideAnUnquotedFieldWithAWarning() throws {
        let (reader, records) = try Self.read("bare-quote.csv")
        #expect(Self.texts(records[0]) == ["TV-1", "55\" TV", "499"])
        #expect(Self.texts(records[1]) == ["TV-2", "32\" TV", "199"])
        #expect(reader.warnings.total == 1)
        let warning = try #require(reader.warnings.warnings.first)
        #expect(warning.line == 2)
        #expect(warning.column == "B")
        #expect(warning.message.contains("line 2"))
    }

    @Test func rejectsRaggedRowsNamingTheRowAndTheCounts() throws {
        #expect {
            _ = try Self.read("ragged.csv")
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .raggedRow && e.line == 3 && e.message.contains("row 3")
                && e.message.contains("2 fields") && e.message.contains("3 columns")
        }
    }

    @Test func padsRaggedRowsAndNamesExtraColumnsByLetterWhenAsked() throws {
        let (reader, records) = try Self.read("ragged.csv") { $0.raggedRows = .pad }
        #expect(records.count == 4)
        #expect(records[1].values == [.text("A-2"), .text("Top"), .empty])
        #expect(records[1].columns.map(\.header) == ["SKU", "Name", "Price"])
        #expect(records[2].columns.map(\.header) == ["SKU", "Name", "Price", "D"])
        #expect(Self.texts(records[2]) == ["A-3", "Skirt", "12", "extra"])
        // A trailing empty field beyond the header is not ragged; the row is padded to the new width.
        #expect(records[3].values == [.text("A-4"), .text("Coat"), .text("99"), .empty])
        #expect(reader.columns.map(\.header) == ["SKU", "Name", "Price", "D"])
        #expect(reader.warnings.total == 2)
        #expect(reader.warnings.warnings.map(\.line) == [3, 4])
    }

    @Test func rejectsDuplicateAndEmptyHeadersByDefault() throws {
        #expect {
            _ = try Self.read("duplicate-headers.csv")
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .badHeader && e.line == 1
        }
    }

    @Test func renamesDuplicateAndEmptyHeadersWhenAsked() throws {
        let (reader, records) = try Self.read("duplicate-headers.csv") { $0.duplicateHeaders = .rename }
        #expect(reader.columns.map(\.header) == ["SKU", "Colour", "C", "Colour_2"])
        #expect(Self.texts(records[0]) == ["A-1", "Ivory", "x", "Sage"])
        #expect(reader.warnings.total == 2)
    }

    @Test func detectsSemicolonTabAndPipeDelimiters() throws {
        let (semi, semiRecords) = try Self.read("semicolon.csv")
        #expect(semi.delimiter == UInt8(ascii: ";"))
        #expect(Self.texts(semiRecords[0]) == ["A-1", "Dress, long", "19,99"])

        let (pipe, pipeRecords) = try Self.read("pipe.csv")
        #expect(pipe.delimiter == UInt8(ascii: "|"))
        #expect(Self.texts(pipeRecords[0]) == ["A-1", "Dress", "a.jpg|b.jpg"])

        let (tab, tabRecords) = try Self.read("tab.tsv") { $0.format = .csv }
        #expect(tab.delimiter == 0x09)
        #expect(Self.texts(tabRecords[0]) == ["A-1", "Dress, long", "19.99"])
    }

    @Test func readsTSVThroughTheFactoryWithATabDelimiter() throws {
        let reader = try Readers.open(try Self.fixture("tab.tsv"))
        let first = try #require(try reader.next())
        #expect(first.columns.map(\.header) == ["SKU", "Name", "Price"])
        #expect(Self.texts(first) == ["A-1", "Dress, long", "19.99"])
    }

    @Test func usesAnExplicitDelimiterOverTheDetectedOne() throws {
        let (reader, records) = try Self.read("semicolon.csv") {
            $0.delimiter = UInt8(ascii: ",")
            $0.raggedRows = .pad
        }
        #expect(reader.delimiter == UInt8(ascii: ","))
        #expect(records[0].columns.first?.header == "SKU;Name;Price")
        #expect(Self.texts(records[0]) == ["A-1;Dress", " long;19", "99"])
    }

    @Test func skipsRowsAboveTheHeaderRow() throws {
        let (reader, records) = try Self.read("header-row-2.csv") { $0.headerRow = 2 }
        #expect(reader.headerLine == 2)
        #expect(reader.columns.map(\.header) == ["SKU", "Name", "Price"])
        #expect(records.map(Self.texts) == [["A-1", "Dress", "10"], ["A-2", "Top", "12"]])
        #expect(records.map(\.source.row) == [3, 4])
    }

    @Test func usesColumnLettersWithoutAHeaderRow() throws {
        let (reader, records) = try Self.read("no-header.csv") { $0.headerRow = 0 }
        #expect(reader.headerLine == nil)
        #expect(reader.columns.map(\.header) == ["A", "B", "C"])
        #expect(records.map(Self.texts) == [["A-1", "Dress", "10"], ["A-2", "Top", "12"]])
        #expect(records.map(\.source.row) == [1, 2])
        #expect(records[0].columns.map { $0.letter ?? "" } == ["A", "B", "C"])
    }

    @Test func rejectsAHeaderRowBeyondTheData() throws {
        #expect {
            _ = try Self.read("no-header.csv") { $0.headerRow = 9 }
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .usage && e.message.contains("header row 9")
        }
    }

    @Test func readsAnEmptyFileAsNoRecords() throws {
        let (reader, records) = try Self.read("empty.csv")
        #expect(reader.columns.isEmpty)
        #expect(records.isEmpty)
    }

    @Test func detectsTheMostConsistentDelimiterOutsideQuotes() {
        func detect(_ s: String) -> UInt8 {
            Array(s.utf8).withUnsafeBufferPointer { CSVRecordReader.detectDelimiter($0, complete: true) }
        }
        #expect(detect("a;b;c\n1;\"x;y;z\";3\n4;5;6\n") == UInt8(ascii: ";"))
        #expect(detect("a,b\n\"1;2;3\",4\n") == UInt8(ascii: ","))
        #expect(detect("a\tb\tc\n1,5\t2\t3\n") == 0x09)
        #expect(detect("single column\nvalue\n") == UInt8(ascii: ","))
    }

    @Test func readsRecordsThatStraddleChunkBoundaries() throws {
        // Long quoted fields with doubled quotes and line breaks, CRLF ends, and a Windows-1252 byte,
        // read with 16-byte chunks must give exactly what 1 MiB chunks give.
        var text = "SKU,Description,Note\r\n"
        for i in 0..<200 {
            let long = String(repeating: "word\(i % 7) ", count: i % 13)
            text += "S-\(i),\"\(long)\"\"q\"\"\r\nsecond line \(i)\",plain \(i)\r\n"
            if i % 17 == 0 { text += "\r\n" }
        }
        var bytes = Array(text.utf8)
        bytes += [UInt8(ascii: "Z"), UInt8(ascii: ","), 0xE9, UInt8(ascii: ","), UInt8(ascii: "x")]
        let path = try Self.temporaryFile(bytes, ext: "csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func all(_ chunk: Int) throws -> ([[String]], [Int], Int) {
            let reader = try CSVRecordReader(path: path, options: ReadOptions(), chunkSize: chunk)
            var rows: [[String]] = []
            var lines: [Int] = []
            while let r = try reader.next() {
                rows.append(Self.texts(r))
                lines.append(r.source.row)
            }
            return (rows, lines, reader.warnings.total)
        }
        let big = try all(1 << 20)
        let small = try all(16)
        #expect(big.0.count == 201)
        #expect(big.0 == small.0 && big.1 == small.1 && small.2 == 1)
        #expect(big.1 == small.1)
        #expect(big.2 == 1 && small.2 == 1)
        #expect(big.0[1] == ["S-1", "word1 \"q\"\r\nsecond line 1", "plain 1"])
        #expect(big.0.last == ["Z", "é", "x"])
    }

    @Test func boundsFieldsAndRecordsByTheCellLimit() throws {
        var options = ReadOptions()
        options.limits.maxCellBytes = 1024
        let longField = "SKU,Note\nA-1," + String(repeating: "x", count: 2000) + "\n"
        let openQuote = "SKU,Note\nA-1,\"" + String(repeating: "y\n", count: 4000) + "\n"
        let wideRow =
            (0..<40).map { "c\($0)" }.joined(separator: ",") + "\n"
            + (0..<40).map { _ in String(repeating: "z", count: 1000) }.joined(separator: ",") + "\n"
        for (text, code, line) in [
            (longField, ReadError.Code.malformed, 2), (openQuote, .malformed, 2), (wideRow, .unsafe, 2),
        ] {
            let path = try Self.temporaryFile(Array(text.utf8), ext: "csv")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect {
                let reader = try CSVRecordReader(path: path, options: options, chunkSize: 4096)
                while try reader.next() != nil {}
            } throws: { error in
                (error as? ReadError)?.code == code && (error as? ReadError)?.line == line
            }
        }
    }

    @Test func convertsACSVFileToExactJSONLines() throws {
        let out = URL(fileURLWithPath: TemporaryFolder.file("converted.jsonl", prefix: "convert"))
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Converter.convert(
            input: try Self.fixture("basic.csv"), output: out.path, format: .jsonl, options: ReadOptions(),
            provenance: true)
        #expect(result.records == 4)
        let written = try String(contentsOf: out, encoding: .utf8)
        let file = try Self.fixture("basic.csv")
        let f = JSONLinesWriter.quoted(file)
        let expected = """
            {"SKU":"A-1","Style Name":"Linen Dress, Ivory","Description":"Says \\"hello\\"","Price":"19.99","_file":\(f),"_sheet":null,"_row":2}
            {"SKU":"A-2","Style Name":"Wrap Top ","Description":"Line one\\r\\nline two","Price":"42","_file":\(f),"_sheet":null,"_row":3}
            {"SKU":"A-3","Style Name":"Midi Skirt","Description":"","Price":"","_file":\(f),"_sheet":null,"_row":5}
            {"SKU":"A-4","Style Name":"","Description":"plain","Price":"7","_file":\(f),"_sheet":null,"_row":8}

            """
        #expect(written == expected)
    }

    @Test func reportsAMissingFileAsUnreadable() throws {
        #expect {
            _ = try CSVRecordReader(path: "/nonexistent/catalog.csv", options: ReadOptions())
        } throws: { error in
            (error as? ReadError)?.code == .unreadable
        }
    }
}
