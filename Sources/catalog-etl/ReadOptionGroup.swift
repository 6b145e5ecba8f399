import ArgumentParser
import ETLCore

/// The reading options shared by `inspect` and `convert`.
struct ReadOptionGroup: ParsableArguments {
    @Option(help: "Sheet to read, by name (XLSX; default: the first visible sheet).")
    var sheet: String?

    @Option(name: .customLong("sheet-index"), help: "Sheet to read, by 1-based position (XLSX).")
    var sheetIndex: Int?

    @Option(name: .customLong("header-row"), help: "Row holding the headers; 0 = no header (keys are column letters).")
    var headerRow: Int = 1

    @Option(help: "CSV delimiter: ',' ';' '\\t' (or 'tab') '|'; default: detected.")
    var delimiter: String?

    @Option(help: "Text encoding: auto, utf-8, windows-1252, utf-16 (default: auto).")
    var encoding: String = "auto"

    @Option(name: .customLong("records-path"), help: "JSON: dotted path of the array of records (e.g. data.items).")
    var recordsPath: String?

    @Flag(
        name: .customLong("rename-duplicate-headers"),
        help: "Rename empty/duplicate headers (Colour, Colour_2) with a warning instead of failing.")
    var renameHeaders = false

    @Flag(
        name: .customLong("allow-ragged"),
        help: "Pad short rows and keep extra cells with a warning instead of failing.")
    var allowRagged = false

    func validate() throws {
        if sheet != nil && sheetIndex != nil { throw ValidationError("give --sheet or --sheet-index, not both") }
        if let i = sheetIndex, i < 1 { throw ValidationError("--sheet-index counts from 1; got \(i)") }
        if headerRow < 0 {
            throw ValidationError("--header-row must be 0 (no header) or a row number; got \(headerRow)")
        }
        if TextEncodingChoice(name: encoding) == nil {
            throw ValidationError("unknown encoding \"\(encoding)\"; expected auto, utf-8, windows-1252 or utf-16")
        }
        if let d = delimiter, Self.delimiterByte(d) == nil {
            throw ValidationError("unsupported delimiter \"\(d)\"; expected one of , ; | or tab")
        }
    }

    static func delimiterByte(_ d: String) -> UInt8? {
        switch d {
        case ",": return UInt8(ascii: ",")
        case ";": return UInt8(ascii: ";")
        case "|": return UInt8(ascii: "|")
        case "\t", "\\t", "tab", "TAB": return 0x09
        default: return nil
        }
    }

    /// The options for ``Readers/open(_:options:)``.
    var readOptions: ReadOptions {
        var o = ReadOptions()
        if let sheet { o.sheet = .name(sheet) }
        if let sheetIndex { o.sheet = .index(sheetIndex) }
        o.headerRow = headerRow
        o.delimiter = delimiter.flatMap(Self.delimiterByte)
        o.encoding = TextEncodingChoice(name: encoding) ?? .auto
        o.recordsPath = recordsPath
        o.duplicateHeaders = renameHeaders ? .rename : .error
        o.raggedRows = allowRagged ? .pad : .error
        return o
    }
}

/// Prints reader warnings to standard error, with a count of any beyond the first 20.
func printWarnings(_ log: WarningLog) {
    for w in log.warnings.prefix(20) { CatalogETL.printError(w.description) }
    if log.total > 20 { CatalogETL.printError("… and \(log.total - 20) more warnings") }
}
