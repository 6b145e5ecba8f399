import Testing

@testable import ETLCore

@Suite("canonical cell text")
struct CellValueTests {
    @Test(arguments: [
        (42.0, "42"), (19.99, "19.99"), (0.1, "0.1"), (0.00001, "1e-05"), (-3.0, "-3"),
        (1e15, "1000000000000000.0"), (1e16, "1e+16"), (-1.5e300, "-1.5e+300"),
        (999_999_999_999_999.0, "999999999999999"), (2.5, "2.5"),
    ])
    func rendersNumbersCanonically(value: Double, text: String) {
        #expect(CellValue.number(value).canonicalText == text)
    }

    @Test func rendersOtherKinds() {
        #expect(CellValue.bool(true).canonicalText == "TRUE")
        #expect(CellValue.bool(false).canonicalText == "FALSE")
        #expect(CellValue.error("#DIV/0!").canonicalText == "#DIV/0!")
        #expect(CellValue.empty.canonicalText == "")
        #expect(CellValue.decimal("0.10").canonicalText == "0.10")
        #expect(CellValue.text("  padded ").canonicalText == "  padded ")
    }

    @Test(arguments: [
        (1.0, "1900-01-01"), (59.0, "1900-02-28"), (60.0, "1900-02-29"), (61.0, "1900-03-01"),
        (46082.0, "2026-03-01"), (46082.395833333336, "2026-03-01T09:30:00"), (0.5, "1900-01-00T12:00:00"),
    ])
    func convertsExcel1900Serials(serial: Double, iso: String) throws {
        let d = try #require(LocalDateTime(excelSerial: serial, system: .system1900))
        #expect(d.iso8601 == iso)
    }

    @Test func converts1904Serials() throws {
        let d = try #require(LocalDateTime(excelSerial: 0, system: .system1904))
        #expect(d.iso8601 == "1904-01-01")
        let e = try #require(LocalDateTime(excelSerial: 44620, system: .system1904))
        #expect(e.iso8601 == "2026-03-01")
        #expect(e.excelSerial(system: .system1904) == 44620)
        #expect(LocalDateTime(year: 2026, month: 3, day: 1).excelSerial(system: .system1900) == 46082)
    }

    @Test func namesColumnsLikeASpreadsheet() {
        #expect(ColumnName.letter(0) == "A")
        #expect(ColumnName.letter(25) == "Z")
        #expect(ColumnName.letter(26) == "AA")
        #expect(ColumnName.letter(16383) == "XFD")
        #expect(ColumnName.index("XFD") == 16383)
        #expect(ColumnName.index("a1") == nil)
    }
}
