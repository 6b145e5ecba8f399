import ETLTestSupport
import Foundation
import Testing

@testable import XLSX

/// Runs Python checks for the writer tests. Python 3 with openpyxl is required: when it is missing the
/// test fails (never passes silently) with a message saying how to install it.
enum WriterTestPython {
    /// Why the Python check could not run.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `python3 -c script args...` and returns its standard output.
    static func run(_ script: String, _ args: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + args
        let out = Pipe()
        let errURL = URL(fileURLWithPath: TemporaryFolder.file("stderr", prefix: "pyerr"))
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = errHandle
        do {
            try process.run()
        } catch {
            throw Unavailable(
                description: "python3 could not be started (\(error)); install Python 3 and run `pip install openpyxl`")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errHandle.close()
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        if process.terminationStatus != 0 {
            if stderr.contains("No module named 'openpyxl'") || process.terminationStatus == 127 {
                throw Unavailable(
                    description: "python3 with openpyxl is needed to check the written file; run `pip install openpyxl`"
                )
            }
            throw Unavailable(description: "the Python check failed (exit \(process.terminationStatus)):\n\(stderr)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a script that prints one JSON document and returns it parsed.
    static func json(_ script: String, _ args: [String] = []) throws -> Any {
        let text = try run(script, args)
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}

/// A fresh temporary folder, removed when the test is done.
struct WriterTestFolder: ~Copyable {
    let url: URL
    init() throws {
        url = URL(fileURLWithPath: TemporaryFolder.make("xlsx-writer"))
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// openpyxl shows OOXML `_xHHHH_` escapes literally; this script decodes them (as Excel, LibreOffice and
/// our reader do) and dumps every sheet as JSON: cells as [type, value], plus styles and sheet settings.
private let dumpScript = #"""
    import sys, json, datetime, openpyxl
    from openpyxl.utils.escape import unescape
    wb = openpyxl.load_workbook(sys.argv[1])
    out = {"sheets": wb.sheetnames, "data": {}}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                v = c.value
                if v is None: cells.append(["n", None])
                elif isinstance(v, bool): cells.append(["b", v])
                elif isinstance(v, datetime.datetime): cells.append(["d", v.isoformat(), c.number_format])
                elif isinstance(v, (int, float)): cells.append(["f", repr(float(v))])
                else: cells.append(["s", unescape(v), c.data_type, bool(c.quotePrefix), bool(c.font.b)])
            rows.append(cells)
        out["data"][ws.title] = {"rows": rows, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "bold_row1": [bool(c.font.b) for c in ws[1]] if ws.max_row >= 1 else [],
            "widths": {k: v.width for k, v in ws.column_dimensions.items() if v.customWidth}}
    print(json.dumps(out))
    """#

@Suite("XLSX writer")
struct XLSXWriterTests {
    static let fixedTime = XLSXWriter.Timestamp(year: 2026, month: 3, day: 1, hour: 9, minute: 30)

    /// Text that exercises escaping: XML specials, controls, non-characters, literal OOXML escapes, unicode.
    static let trickyTexts: [String] = [
        "Fish & Chips <b>bold</b> \"quoted\" 'single'",
        "line one\nline two\r\nwindows\rold mac\ttab",
        "bell\u{07} null\u{00} escape\u{1B} unit\u{1F} end",
        "literal _x0041_ and _x005F_ and _xZZZZ_ and _x12_",
        "noncharacters \u{FFFE} \u{FFFF} kept",
        "  leading and trailing spaces  ",
        "Crème brûlée, Tüll, Søren, 桜 Sakura, flag 🇫🇷, family 👩‍👩‍👧",
        "]]> and <![CDATA[ and &amp; literally",
    ]

    @Test func openpyxlReadsEveryKindOfCellBack() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("kinds.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        try writer.startSheet(name: "Summary", columnWidths: [20, 0, 12.5], freezeHeaderRow: true, autoFilter: true)
        try writer.writeRow([.text("Name"), .text("Value"), .text("When"), .text("OK")], style: .header)
        try writer.writeRow([.text("integer"), .number(42), .date(year: 2026, month: 3, day: 1), .bool(true)])
        try writer.writeRow([
            .text("fraction"), .number(19.99), .date(year: 2026, month: 3, day: 1, hour: 9, minute: 30, second: 15),
            .bool(false),
        ])
        try writer.writeRow([.text("tiny"), .number(1e-05), .dateSerial(46082.5)])
        try writer.writeRow([.text("huge"), .number(1.5e20), .dateSerial(46082)])
        try writer.writeRow([.text("negative"), .number(-0.1)])
        try writer.writeRow([.empty, .empty, .empty, .text("sparse: only column D")])
        try writer.writeRow([])
        try writer.writeRow([.text("after an empty row")])
        for name in ["Reconciliation", "Issues", "Quarantine"] {
            try writer.startSheet(name: name)
            try writer.writeRow([.text(name)], style: .header)
        }
        try writer.finish()

        let dump = try #require(try WriterTestPython.json(dumpScript, [path]) as? [String: Any])
        #expect(dump["sheets"] as? [String] == ["Summary", "Reconciliation", "Issues", "Quarantine"])
        let data = try #require(dump["data"] as? [String: [String: Any]])
        let summary = try #require(data["Summary"])
        let rows = try #require(summary["rows"] as? [[[Any]]])
        #expect(rows.count == 9)
        func cell(_ r: Int, _ c: Int) -> [String] {
            guard r < rows.count, c < rows[r].count else { return [] }
            return rows[r][c].map { v in
                if let b = v as? Bool { return b ? "true" : "false" }
                if let s = v as? String { return s }
                return v is NSNull ? "nil" : "\(v)"
            }
        }
        #expect(cell(0, 0).prefix(2) == ["s", "Name"])
        #expect(cell(1, 1) == ["f", "42.0"])
        #expect(cell(1, 2) == ["d", "2026-03-01T00:00:00", "yyyy-mm-dd"])
        #expect(cell(1, 3) == ["b", "true"])
        #expect(cell(2, 1) == ["f", "19.99"])
        #expect(cell(2, 2) == ["d", "2026-03-01T09:30:15", "yyyy-mm-dd hh:mm:ss"])
        #expect(cell(2, 3) == ["b", "false"])
        #expect(cell(3, 1) == ["f", "1e-05"])
        #expect(cell(3, 2) == ["d", "2026-03-01T12:00:00", "yyyy-mm-dd hh:mm:ss"])
        #expect(cell(4, 1) == ["f", "1.5e+20"])
        #expect(cell(4, 2) == ["d", "2026-03-01T00:00:00", "yyyy-mm-dd"])
        #expect(cell(5, 1) == ["f", "-0.1"])
        #expect(cell(6, 0) == ["n", "nil"])
        #expect(cell(6, 3).prefix(2) == ["s", "sparse: only column D"])
        #expect(rows[7].allSatisfy { ($0.first as? String) == "n" })
        #expect(cell(8, 0).prefix(2) == ["s", "after an empty row"])
        #expect(summary["bold_row1"] as? [Bool] == [true, true, true, true])
        #expect(cell(1, 0).last == "false")  // data rows are not bold
        #expect(summary["freeze"] as? String == "A2")
        #expect(summary["filter"] as? String == "A1:D9")
        let widths = try #require(summary["widths"] as? [String: Double])
        #expect(widths == ["A": 20, "C": 12.5])
        let issues = try #require(data["Issues"]?["rows"] as? [[[Any]]])
        #expect(issues.count == 1)
        #expect(data["Issues"]?["freeze"] is NSNull)
    }

    @Test func specialCharactersRoundTripExactly() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("special.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        try writer.startSheet(name: "Special & <Chars> 'n' \"quotes\"")
        for text in Self.trickyTexts { try writer.writeRow([.text(text)]) }
        try writer.finish()

        let raw = try WriterTestPython.run(
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())",
            [path])
        // Underscores that could start an escape are escaped; short forms too (LibreOffice decodes "_x12_").
        #expect(raw.contains("literal _x005F_x0041_ and _x005F_x005F_ and _xZZZZ_ and _x005F_x12_"))
        #expect(raw.contains("bell_x0007_ null_x0000_ escape_x001B_ unit_x001F_ end"))
        let dump = try #require(try WriterTestPython.json(dumpScript, [path]) as? [String: Any])
        #expect(dump["sheets"] as? [String] == ["Special & <Chars> 'n' \"quotes\""])
        let data = try #require(dump["data"] as? [String: [String: Any]])
        let rows = try #require(data.values.first?["rows"] as? [[[Any]]])
        let texts = rows.map { $0.first?[1] as? String }
        #expect(texts.count == Self.trickyTexts.count)
        for (got, want) in zip(texts, Self.trickyTexts) {
            #expect(got == want)
        }
    }

    @Test func formulaLikeTextStaysTextWithAQuotePrefix() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("formulas.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        try writer.startSheet(name: "Issues")
        let values = [
            "=1+2", "+33 1 23 45 67", "-5", "@SUM(A1:A2)", "=HYPERLINK(\"http://x.example\")", "\tTab", "plain",
        ]
        try writer.writeRow(values.map { .text($0) }, style: .header)
        try writer.writeRow(values.map { .text($0) })
        try writer.finish()

        let raw = try WriterTestPython.run(
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/worksheets/sheet1.xml').decode())",
            [path])
        #expect(!raw.contains("<f>"))
        #expect(!raw.contains("<f "))
        let dump = try #require(try WriterTestPython.json(dumpScript, [path]) as? [String: Any])
        let data = try #require(dump["data"] as? [String: [String: Any]])
        let rows = try #require(data["Issues"]?["rows"] as? [[[Any]]])
        #expect(rows.count == 2)
        for (r, row) in rows.enumerated() {
            for (value, cell) in zip(values, row) {
                #expect(cell[0] as? String == "s")
                #expect(cell[1] as? String == value)
                #expect(cell[2] as? String == "s")  // openpyxl data type: string, not formula
                #expect(cell[3] as? Bool == (value != "plain"), "quote prefix on \(value)")
                #expect(cell[4] as? Bool == (r == 0), "bold only in the header row")
            }
        }
    }

    @Test func notedCellsAreHighlightedCarryTheirCommentAndKeepTheirType() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("notes.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        try writer.startSheet(name: "Quarantine", freezeHeaderRow: true, autoFilter: true)
        try writer.writeRow([.text("SKU"), .text("Year"), .text("Date"), .text("Name"), .text("Note")], style: .header)
        try writer.writeRow(
            [.text("A-1"), .number(2026), .date(year: 2026, month: 3, day: 1), .empty, .text("=bad")],
            notes: [1: "integer: 2026 is too old", 3: "required: name is missing", 4: "type: <not> & \"text\""])
        try writer.writeRow([.text("A-2"), .number(2025), .date(year: 2025, month: 1, day: 2), .text("ok")])
        try writer.startSheet(name: "Other")
        try writer.writeRow([.text("x")], notes: [0: "second sheet"])
        try writer.finish()

        let dump = try #require(
            try WriterTestPython.json(
                """
                import sys, json, openpyxl
                wb = openpyxl.load_workbook(sys.argv[1])
                out = {}
                for ws in wb.worksheets:
                    out[ws.title] = [[c.coordinate, c.data_type, c.is_date, c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None,
                                      c.comment.text if c.comment else None] for row in ws.iter_rows() for c in row]
                print(json.dumps(out))
                """, [path]) as? [String: [[Any]]])
        func cell(_ sheet: String, _ ref: String) -> [Any] { dump[sheet]?.first { $0[0] as? String == ref } ?? [] }
        #expect(cell("Quarantine", "B2")[1] as? String == "n")
        #expect(cell("Quarantine", "B2")[3] as? String == "FFFFC7CE")
        #expect(cell("Quarantine", "B2")[4] as? String == "integer: 2026 is too old")
        #expect(cell("Quarantine", "C2")[2] as? Bool == true, "a date stays a date")
        #expect(cell("Quarantine", "C2")[3] is NSNull, "not noted, not highlighted")
        #expect(cell("Quarantine", "D2")[3] as? String == "FFFFC7CE", "an empty noted cell is highlighted")
        #expect(cell("Quarantine", "D2")[4] as? String == "required: name is missing")
        #expect(cell("Quarantine", "E2")[1] as? String == "s", "noted formula-like text stays text")
        #expect(cell("Quarantine", "E2")[4] as? String == "type: <not> & \"text\"")
        #expect(cell("Quarantine", "B3")[4] is NSNull)
        #expect(cell("Other", "A1")[4] as? String == "second sheet")
        // Our reader takes the noted workbook as any other: the same values, typed.
        let book = try XLSXWorkbook(path: path)
        #expect(book.sheets.map(\.name) == ["Quarantine", "Other"])
    }

    @Test func writtenBytesAreReproducibleWithAFixedTimestamp() throws {
        let folder = try WriterTestFolder()
        var files: [Data] = []
        for name in ["a.xlsx", "b.xlsx"] {
            let writer = try XLSXWriter(path: folder.path(name), modified: Self.fixedTime)
            try writer.startSheet(name: "Summary")
            try writer.writeRow([.text("x"), .number(1), .date(year: 2026, month: 3, day: 1)])
            try writer.finish()
            files.append(try Data(contentsOf: URL(fileURLWithPath: folder.path(name))))
        }
        #expect(files[0] == files[1])
        #expect(files[0].prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
    }

    @Test(arguments: [
        "", "This sheet name is far too long!!", "Q1/Q2", "a[1]", "why?", "star*", "colon:", "back\\slash",
        "'quoted'", "History", "tab\tname",
    ])
    func rejectsSheetNamesExcelRefuses(name: String) throws {
        let folder = try WriterTestFolder()
        let writer = try XLSXWriter(path: folder.path("names.xlsx"), modified: Self.fixedTime)
        let error = #expect(throws: XLSXWriteError.self) { try writer.startSheet(name: name) }
        #expect(error?.code == .invalidSheetName)
    }

    @Test func acceptsSheetNamesAtTheLimitsAndRefusesDuplicatesIgnoringCase() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("limits.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        let longest = String(repeating: "x", count: 31)
        try writer.startSheet(name: longest)
        try writer.startSheet(name: "Réconciliation 🇫🇷")
        try writer.startSheet(name: "it's fine")
        let error = #expect(throws: XLSXWriteError.self) { try writer.startSheet(name: "RÉCONCILIATION 🇫🇷") }
        #expect(error?.code == .duplicateSheetName)
        #expect(
            error?.description
                == "\(path)[sheet \"RÉCONCILIATION 🇫🇷\"]: the workbook already has a sheet \"Réconciliation 🇫🇷\"; "
                + "sheet names must be unique ignoring case")
        try writer.finish()
        let names = try WriterTestPython.json(
            "import sys, json, openpyxl; print(json.dumps(openpyxl.load_workbook(sys.argv[1]).sheetnames))", [path])
        #expect(names as? [String] == [longest, "Réconciliation 🇫🇷", "it's fine"])
    }

    @Test func refusesValuesExcelCannotStoreAndStaysUsable() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("bad-values.xlsx")
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        let early = #expect(throws: XLSXWriteError.self) { try writer.writeRow([.text("no sheet yet")]) }
        #expect(early?.code == .noSheetStarted)
        try writer.startSheet(name: "Data")
        let bad: [(XLSXWriter.Cell, XLSXWriteError.Code)] = [
            (.number(.nan), .invalidNumber), (.number(.infinity), .invalidNumber),
            (.date(year: 2026, month: 2, day: 29), .invalidDate), (.date(year: 1899, month: 12, day: 31), .invalidDate),
            (.date(year: 2026, month: 13, day: 1), .invalidDate),
            (.date(year: 2026, month: 1, day: 1, hour: 24), .invalidDate),
            (.dateSerial(-1), .invalidDate),
        ]
        for (cell, code) in bad {
            let error = #expect(throws: XLSXWriteError.self) { try writer.writeRow([.text("before"), cell]) }
            #expect(error?.code == code)
        }
        let wide = #expect(throws: XLSXWriteError.self) {
            try writer.writeRow(Array(repeating: .bool(true), count: XLSXWriter.maxColumns + 1))
        }
        #expect(wide?.code == .tooManyColumns)
        try writer.writeRow([.text("the only row")])
        #expect(writer.rowsWritten == 1)
        try writer.finish()
        let after = #expect(throws: XLSXWriteError.self) { try writer.writeRow([.text("late")]) }
        #expect(after?.code == .closed)

        let rows = try WriterTestPython.json(
            "import sys, json, openpyxl; ws = openpyxl.load_workbook(sys.argv[1]).active; "
                + "print(json.dumps([[c.value for c in r] for r in ws.iter_rows()]))", [path])
        #expect((rows as? [[String]]) == [["the only row"]])
    }

    @Test func overlongTextFailsByDefaultOrIsCutAtExcelsLimit() throws {
        let folder = try WriterTestFolder()
        let long = String(repeating: "abcd🇫🇷", count: 6_000)  // 36,000 UTF-16 units
        let strict = try XLSXWriter(path: folder.path("strict.xlsx"), modified: Self.fixedTime)
        try strict.startSheet(name: "S")
        let error = #expect(throws: XLSXWriteError.self) { try strict.writeRow([.text(long)]) }
        #expect(error?.code == .textTooLong)

        let path = folder.path("truncated.xlsx")
        let lenient = try XLSXWriter(path: path, modified: Self.fixedTime, overlongText: .truncate)
        try lenient.startSheet(name: "S")
        try lenient.writeRow([.text(long), .text(String(repeating: "x", count: XLSXWriter.maxCellCharacters))])
        try lenient.finish()
        let lengths = try WriterTestPython.json(
            "import sys, json, openpyxl; ws = openpyxl.load_workbook(sys.argv[1]).active; "
                + "print(json.dumps([len(c.value.encode('utf-16-le')) // 2 for c in ws[1]]))", [path])
        let cut = XLSXWriter.truncated(long)
        #expect(cut.utf16.count <= XLSXWriter.maxCellCharacters)
        #expect(cut.utf16.count == XLSXWriter.maxCellCharacters - 3)  // 4,095 × "abcd🇫🇷" + "abcd"
        #expect(long.hasPrefix(cut))
        #expect(lengths as? [Int] == [cut.utf16.count, XLSXWriter.maxCellCharacters])
    }

    @Test func excelSerialsFollowExcelsCalendar() {
        func serial(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Double? {
            XLSXWriter.excelSerial(year: y, month: m, day: d, hour: h, minute: mi, second: s)
        }
        #expect(serial(1900, 1, 1) == 1)
        #expect(serial(1900, 2, 28) == 59)
        #expect(serial(1900, 3, 1) == 61)  // Excel's serial 60 is the non-existent 1900-02-29
        #expect(serial(1970, 1, 1) == 25_569)
        #expect(serial(2026, 3, 1) == 46_082)
        #expect(serial(2026, 3, 1, 12) == 46_082.5)
        #expect(serial(9999, 12, 31) == 2_958_465)
        #expect(serial(2024, 2, 29) == 45_351)
        #expect(serial(2023, 2, 29) == nil)
        #expect(serial(1899, 12, 31) == nil)
    }

    @Test func numbersAreWrittenInTheShortestExactForm() {
        #expect(XLSXWriter.numberText(42) == "42")
        #expect(XLSXWriter.numberText(-7) == "-7")
        #expect(XLSXWriter.numberText(19.99) == "19.99")
        #expect(XLSXWriter.numberText(0.1) == "0.1")
        #expect(XLSXWriter.numberText(1e-05) == "1e-05")
        #expect(XLSXWriter.numberText(1e15) == "1000000000000000.0")
        #expect(XLSXWriter.numberText(1.5e20) == "1.5e+20")
        #expect(XLSXWriter.numberText(999_999_999_999_999) == "999999999999999")
    }

    @Test func hundredThousandRowsStreamThroughASmallBufferAndZip64() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("big.xlsx")
        // A ZIP64 threshold of 64 KiB makes this ~10 MB sheet take every ZIP64 branch cheaply.
        let writer = try XLSXWriter(
            path: path, creator: "test", modified: Self.fixedTime, overlongText: .fail, zip64Threshold: 64 * 1024)
        try writer.startSheet(name: "Products", freezeHeaderRow: true, autoFilter: true)
        try writer.writeRow([.text("SKU"), .text("Name"), .text("Price"), .text("In Store")], style: .header)
        let rows = 100_000
        for i in 1...rows {
            try writer.writeRow([
                .text("MA26-\(i)"), .text("Riviera Linen Midi Dress number \(i) & co"), .number(Double(i) + 0.95),
                .date(year: 2026, month: 3, day: 1 + i % 28),
            ])
        }
        try writer.finish()
        #expect(writer.peakBufferedBytes < XLSXWriter.flushThreshold + 1024)

        let check = try WriterTestPython.json(
            #"""
            import sys, json, zipfile, openpyxl
            z = zipfile.ZipFile(sys.argv[1])
            bad = z.testzip()
            info = z.getinfo("xl/worksheets/sheet1.xml")
            raw = open(sys.argv[1], "rb").read()
            wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
            ws = wb["Products"]
            count = 0
            last = None
            for row in ws.iter_rows(values_only=True):
                count += 1
                last = row
            print(json.dumps({"bad": bad, "size": info.file_size, "zip64_end": raw.find(b"PK\x06\x06") >= 0,
                              "rows": count, "last": [last[0], last[1], last[2], last[3].isoformat()]}))
            """#, [path])
        let result = try #require(check as? [String: Any])
        #expect(result["bad"] is NSNull)
        #expect(result["zip64_end"] as? Bool == true)
        #expect((result["size"] as? Int ?? 0) > 64 * 1024)
        #expect(result["rows"] as? Int == rows + 1)
        let last = try #require(result["last"] as? [Any])
        #expect(last[0] as? String == "MA26-100000")
        #expect(last[1] as? String == "Riviera Linen Midi Dress number 100000 & co")
        #expect(last[2] as? Double == 100_000.95)
        #expect(last[3] as? String == "2026-03-13T00:00:00")  // day 1 + 100000 % 28
    }

    @Test func aWriterDroppedBeforeFinishLeavesNoFile() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("dropped.xlsx")
        do {
            let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
            try writer.startSheet(name: "Summary")
            try writer.writeRow([.text("never finished")])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
        let writer = try XLSXWriter(path: path, modified: Self.fixedTime)
        let error = #expect(throws: XLSXWriteError.self) { try writer.finish() }
        #expect(error?.code == .noSheets)
    }

    @Test func anUnwritableFolderIsAnIOFailureNamingThePath() throws {
        let path = "/nonexistent-folder-\(UUID().uuidString)/report.xlsx"
        let error = #expect(throws: XLSXWriteError.self) { _ = try XLSXWriter(path: path) }
        #expect(error?.code == .ioFailure)
        #expect(error?.systemErrorNumber == ENOENT)
        #expect(error?.description.hasPrefix("\(path): cannot create the file (") == true)
    }
}

/// LibreOffice's `soffice`, when installed (the test that needs it is skipped, and says so, when it is not).
private let sofficePath: String? = [
    "/usr/bin/soffice", "/usr/local/bin/soffice", "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("XLSX writer in LibreOffice")
struct XLSXWriterLibreOfficeTests {
    @Test(
        .enabled(
            if: sofficePath != nil,
            "LibreOffice is not installed; run `apt-get install -y libreoffice-calc-nogui` to run this test"),
        .timeLimit(.minutes(3)))
    func libreOfficeOpensEverySheetAndReadsTheCells() throws {
        let soffice = try #require(sofficePath)
        let folder = try WriterTestFolder()
        let path = folder.path("report.xlsx")
        let writer = try XLSXWriter(path: path, modified: XLSXWriterTests.fixedTime)
        try writer.startSheet(name: "Summary", columnWidths: [20, 10], freezeHeaderRow: true, autoFilter: true)
        try writer.writeRow([.text("Class"), .text("Rows"), .text("When"), .text("Flag")], style: .header)
        try writer.writeRow([.text("matched"), .number(318), .date(year: 2026, month: 3, day: 1), .bool(true)])
        try writer.writeRow([.text("mismatched"), .number(19.99), .empty, .bool(false)])
        try writer.startSheet(name: "Reconciliation")
        for text in XLSXWriterTests.trickyTexts { try writer.writeRow([.text(text)]) }
        try writer.startSheet(name: "Issues")
        try writer.writeRow([.text("=1+2"), .text("+33 1"), .text("-5"), .text("@SUM(A1)")])
        try writer.startSheet(name: "Quarantine")
        try writer.writeRow([.text("Søren 🇫🇷 桜"), .empty, .text("sparse C")])
        try writer.finish()

        // One headless conversion exports every sheet (filter token 12 = -1) as UTF-8 CSV.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: soffice)
        process.arguments = [
            "-env:UserInstallation=file://\(folder.path("profile"))", "--headless", "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir", folder.path("csv"), path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let parsed = try WriterTestPython.json(
            #"""
            import sys, csv, json, os
            out = {}
            for name in ["Summary", "Reconciliation", "Issues", "Quarantine"]:
                with open(os.path.join(sys.argv[1], f"report-{name}.csv"), newline="", encoding="utf-8") as f:
                    out[name] = list(csv.reader(f))
            print(json.dumps(out))
            """#, [folder.path("csv")])
        let sheets = try #require(parsed as? [String: [[String]]])
        #expect(
            sheets["Summary"] == [
                ["Class", "Rows", "When", "Flag"], ["matched", "318", "2026-03-01", "TRUE"],
                ["mismatched", "19.99", "", "FALSE"],
            ])
        // LibreOffice turns every CR and CRLF into LF inside cells; everything else comes back exactly,
        // escapes decoded (controls, U+FFFE/U+FFFF, literal "_x0041_").
        let expected = XLSXWriterTests.trickyTexts.map {
            [$0.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")]
        }
        #expect(sheets["Reconciliation"] == expected)
        #expect(sheets["Issues"] == [["=1+2", "+33 1", "-5", "@SUM(A1)"]])
        #expect(sheets["Quarantine"] == [["Søren 🇫🇷 桜", "", "sparse C"]])
    }
}
