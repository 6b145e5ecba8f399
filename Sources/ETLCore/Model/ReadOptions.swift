import Foundation

/// How to read an input file. Every option has the default the readers issue names.
public struct ReadOptions: Sendable, Hashable {
    /// The input format; nil means "by the file's extension".
    public var format: InputFormat?
    /// Which sheet of a workbook (XLSX); nil means the first visible sheet.
    public var sheet: SheetSelector?
    /// The 1-based row that holds the headers; 0 means no header row (keys are column letters).
    public var headerRow: Int = 1
    /// CSV delimiter byte; nil means detect among `, ; \t |`.
    public var delimiter: UInt8?
    /// Text encoding of CSV / JSON input.
    public var encoding: TextEncodingChoice = .auto
    /// What to do with empty or duplicate headers.
    public var duplicateHeaders: HeaderPolicy = .error
    /// What to do with rows that have more (non-empty) cells than the header, or fewer in CSV.
    public var raggedRows: RaggedRowPolicy = .error
    /// JSON: the dotted path of the array of records inside the document (`data.items`).
    public var recordsPath: String?
    /// XLSX safety limits.
    public var limits: ReadLimits = ReadLimits()

    /// Creates options with every default.
    public init() {}
}

/// The input formats catalog-etl reads.
public enum InputFormat: String, Sendable, Hashable, CaseIterable {
    /// Comma- (or detected-) separated values.
    case csv
    /// Tab-separated values.
    case tsv
    /// A JSON document (a top-level array of objects, or an array at `records_path`).
    case json
    /// JSON Lines: one object per line.
    case jsonl
    /// An Office Open XML workbook.
    case xlsx

    /// The format implied by a path's extension, or nil.
    public static func forPath(_ path: String) -> InputFormat? {
        guard let dot = path.lastIndex(of: ".") else { return nil }
        switch path[path.index(after: dot)...].lowercased() {
        case "csv", "txt": return .csv
        case "tsv", "tab": return .tsv
        case "json": return .json
        case "jsonl", "ndjson": return .jsonl
        case "xlsx", "xlsm": return .xlsx
        default: return nil
        }
    }
}

/// Picks a sheet of a workbook.
public enum SheetSelector: Sendable, Hashable {
    /// By its name as the workbook shows it.
    case name(String)
    /// By its 1-based position in the workbook (hidden sheets count).
    case index(Int)
}

/// The text encoding of CSV / JSON input.
public enum TextEncodingChoice: String, Sendable, Hashable {
    /// UTF-8 (BOM optional) or UTF-16 with BOM; bytes that are not UTF-8 are read as Windows-1252 with a warning.
    case auto
    /// Strict UTF-8: an invalid byte is an error naming the line.
    case utf8 = "utf-8"
    /// Windows-1252 throughout.
    case windows1252 = "windows-1252"
    /// UTF-16 (BOM decides the byte order; little-endian without one).
    case utf16 = "utf-16"

    /// Parses a user-facing encoding name (`utf-8`, `utf8`, `cp1252`, `latin1`, …).
    public init?(name: String) {
        switch name.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "auto": self = .auto
        case "utf-8", "utf8": self = .utf8
        case "windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1": self = .windows1252
        case "utf-16", "utf16", "utf-16le", "utf-16be": self = .utf16
        default: return nil
        }
    }
}

/// Empty or duplicate headers: fail, or rename deterministically with a warning.
public enum HeaderPolicy: String, Sendable, Hashable {
    /// An error naming the row and the columns.
    case error
    /// A warning, and `Colour`, `Colour_2`; an empty header becomes its column letter.
    case rename
}

/// Rows whose cell count differs from the header's.
public enum RaggedRowPolicy: String, Sendable, Hashable {
    /// An error naming the row.
    case error
    /// A warning; short rows are padded with empty cells, extra non-empty cells get columns named by letter.
    case pad
}

/// Bounds that keep a hostile or broken file from exhausting memory or time. Settable for the rare huge file.
public struct ReadLimits: Sendable, Hashable {
    /// Total bytes inflated from one archive entry.
    public var maxInflatedBytesPerEntry: Int64 = 4 << 30
    /// Total bytes inflated from the whole archive.
    public var maxInflatedBytesTotal: Int64 = 16 << 30
    /// Largest allowed inflated/compressed ratio once an entry has inflated past 1 MiB.
    public var maxCompressionRatio: Double = 200
    /// Longest cell text, in UTF-8 bytes (Excel's own limit is 32,767 characters; we read beyond it).
    public var maxCellBytes: Int = 4 << 20
    /// Total text materialised from the shared-strings table, as a multiple of the file's size (plus 64 MiB).
    public var maxSharedStringsExpansion: Int = 20
    /// Most entries an archive may list.
    public var maxEntries: Int = 100_000
    /// Most distinct columns (keys) a file may bring: Excel's 16,384. Every record of CSV or JSON Lines
    /// output holds every column, so a file with a new key on each line would otherwise write
    /// rows × keys cells (200,000 one-key lines: 40 billion).
    public var maxColumns: Int = 16_384

    /// Creates the default limits.
    public init() {}
}
