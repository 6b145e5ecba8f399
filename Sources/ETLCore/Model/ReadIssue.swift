/// A fatal problem reading an input file. Its message names the file, the part or row and column,
/// what went wrong and how to fix it.
public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; decides the exit code.
    public enum Code: String, Sendable, Equatable {
        /// The file cannot be opened or read at all.
        case unreadable
        /// The bytes are not what the format requires (syntax, truncated, corrupt).
        case malformed
        /// Text is not valid in the declared encoding.
        case encoding
        /// A safety bound was crossed, or a construct we refuse (DTD, entity) appeared.
        case unsafe
        /// The file is of another kind than its name says (legacy `.xls`, encrypted workbook).
        case wrongFormat
        /// The header row is unusable (empty or duplicate names) under the chosen policy.
        case badHeader
        /// A row has a different number of cells than the header.
        case raggedRow
        /// A requested sheet or records path does not exist.
        case notFound
        /// An option does not fit the file (e.g. a header row beyond the data).
        case usage
    }

    /// The kind of failure.
    public var code: Code
    /// The file as the user named it.
    public var file: String
    /// The workbook part or sheet (`xl/worksheets/sheet1.xml`), when relevant.
    public var part: String?
    /// The 1-based line or row, when known.
    public var line: Int?
    /// The 1-based column (character position) or the column letter, when known.
    public var column: String?
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates a read error.
    public init(
        _ code: Code, file: String, part: String? = nil, line: Int? = nil, column: String? = nil,
        message: String
    ) {
        self.code = code
        self.file = file
        self.part = part
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file[part]:line:column: message`.
    public var description: String {
        var s = file
        if let part { s += "[\(part)]" }
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": " + message
    }

    /// The process exit code for this error: 2 for option mistakes and missing sheets, else 3.
    public var exitCode: Int32 {
        switch code {
        case .notFound, .usage: return 2
        default: return 3
        }
    }
}

/// A non-fatal problem a reader recovered from (a bare quote kept, bytes read as Windows-1252, a renamed header).
public struct ReadWarning: Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The sheet or part.
    public var part: String?
    /// The 1-based row or line, when known.
    public var line: Int?
    /// The column letter or character position, when known.
    public var column: String?
    /// What was found and what the reader did about it.
    public var message: String

    /// Creates a warning.
    public init(file: String, part: String? = nil, line: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.part = part
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file[part]:line:column: warning: message`.
    public var description: String {
        var s = file
        if let part { s += "[\(part)]" }
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": warning: " + message
    }
}

/// Collects warnings with a bound, counting the ones beyond it.
public struct WarningLog: Sendable {
    /// The first `limit` warnings.
    public private(set) var warnings: [ReadWarning] = []
    /// How many warnings were recorded in all.
    public private(set) var total = 0
    /// How many warnings are kept.
    public let limit: Int

    /// Creates an empty log that keeps at most `limit` warnings.
    public init(limit: Int = 1000) { self.limit = limit }

    /// Records a warning.
    public mutating func add(_ w: ReadWarning) {
        total += 1
        if warnings.count < limit { warnings.append(w) }
    }
}

/// A field whose bytes are not valid in the file's encoding (UTF-8), read by the fallback instead.
public struct TextEncodingProblem: Sendable, Hashable {
    /// The 0-based column.
    public var column: Int
    /// The line on which the field starts.
    public var line: Int
    /// The first byte that is not UTF-8.
    public var byte: UInt8

    /// Creates a problem.
    public init(column: Int, line: Int, byte: UInt8) {
        self.column = column
        self.line = line
        self.byte = byte
    }
}
