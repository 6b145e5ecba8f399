import Foundation
import Testing

@testable import XLSX

/// Loads the committed fixtures of this target.
enum FixtureFiles {
    /// The path of `Fixtures/<name>.xlsx`.
    static func path(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "xlsx", subdirectory: "Fixtures"))
        return url.path
    }

    /// Opens `Fixtures/<name>.xlsx` as a workbook.
    static func workbook(_ name: String, limits: XLSXLimits = XLSXLimits()) throws -> XLSXWorkbook {
        try XLSXWorkbook(path: path(name), limits: limits)
    }

    /// Every row of the first sheet of `Fixtures/<name>.xlsx` (or the sheet named `sheet`).
    static func rows(_ name: String, sheet: String? = nil, limits: XLSXLimits = XLSXLimits()) throws -> [XLSXRow] {
        let wb = try workbook(name, limits: limits)
        let s = try #require(sheet.map { wb.sheet(named: $0) } ?? wb.sheets.first)
        let reader = try wb.rows(of: s)
        var out: [XLSXRow] = []
        while let r = try reader.nextRow() { out.append(r) }
        return out
    }
}

extension XLSXRow {
    /// The value in column `c` (0-based), if the row has that cell.
    subscript(_ c: Int) -> XLSXValue? { cells.first { $0.column == c }?.value }
}
