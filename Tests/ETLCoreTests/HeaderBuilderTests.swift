import Testing

@testable import ETLCore

@Suite("header builder")
struct HeaderBuilderTests {
    @Test func renamesDuplicatesDeterministically() throws {
        var log = WarningLog()
        let cols = try HeaderBuilder.columns(
            from: ["SKU", "Colour", "", "Colour", "Colour_2", "Colour", ""], policy: .rename, file: "f.csv",
            part: nil, row: 1, warnings: &log)
        #expect(cols.map(\.header) == ["SKU", "Colour", "C", "Colour_3", "Colour_2", "Colour_4"])
        #expect(cols.map { $0.letter ?? "" } == ["A", "B", "C", "D", "E", "F"])
        #expect(log.total == 3)
    }

    @Test func rejectsDuplicatesByDefault() {
        var log = WarningLog()
        #expect {
            try HeaderBuilder.columns(
                from: ["SKU", "Colour", "Colour"], policy: .error, file: "f.csv", part: nil, row: 1, warnings: &log)
        } throws: { error in
            guard let e = error as? ReadError else { return false }
            return e.code == .badHeader && e.message.contains("\"Colour\" in columns B, C")
        }
    }
}
