/// Streams records from a CSV or TSV file: RFC 4180 with the tolerance real files need.
///
/// Quoted fields, doubled quotes, quoted line breaks and CRLF / LF / CR line ends are read as the
/// RFC says. A bare `"` inside an unquoted field (`55" TV`) is kept with a warning; a quote left open
/// at the end of the file is an error naming the line where the field began. The delimiter is
/// detected among `, ; \t |` unless given. Text is UTF-8 (with or without a byte order mark) or
/// UTF-16 with a byte order mark; by default bytes that are not valid UTF-8 are read as
/// Windows-1252 with one warning, and with `encoding: utf-8` they are an error naming the line.
/// Headers go through ``HeaderBuilder``; ragged rows are an error or padded, as `ragged_rows` says.
/// Row numbers are the line on which a record starts, as an editor shows it; entirely empty rows
/// are skipped. All records share one `columns` array.
///
/// The file is read in 1 MiB chunks and parsed in place, so memory is one record plus the buffer.
public final class CSVRecordReader: RecordReader {
    /// The file as the user named it.
    public let file: String
    /// Always nil: CSV files have no sheets.
    public var sheet: String? { nil }
    /// The delimiter in use: the one given, or the one detected.
    public let delimiter: UInt8
    /// The line of the header row; nil when reading without one.
    public let headerLine: Int?
    private let parser: CSVRecordParser

    /// The header row's columns (or the column letters without a header), plus any columns that
    /// padded ragged rows added.
    public var columns: [Column] { parser.columns }

    /// Warnings recovered from so far.
    public var warnings: WarningLog { parser.warnings }

    /// Whether the record read last had fields whose bytes are not UTF-8 (read as Windows-1252,
    /// under the default `encoding: auto`).
    public var hasEncodingProblems: Bool { !parser.encodingProblems.isEmpty }

    /// Those fields of the record read last.
    public var encodingProblems: [TextEncodingProblem] { parser.encodingProblems }

    /// Opens a CSV file and reads up to its header row.
    /// - Parameters:
    ///   - path: the file.
    ///   - options: the delimiter, header row, encoding, header and ragged-row policies.
    /// - Throws: ``ReadError``: `unreadable`, `encoding`, `malformed`, `badHeader`, or `usage` when the
    ///   header row is beyond the data.
    public convenience init(path: String, options: ReadOptions) throws {
        try self.init(path: path, options: options, chunkSize: 1 << 20)
    }

    /// Opens a CSV file reading `chunkSize` bytes at a time (tests use tiny chunks to cross
    /// boundaries).
    init(path: String, options: ReadOptions, chunkSize: Int) throws {
        let parser = try CSVRecordParser(path: path, options: options, chunkSize: chunkSize)
        file = path
        delimiter = parser.delimiter
        headerLine = parser.headerLine
        self.parser = parser
    }

    /// The next record, or nil at the end of the file.
    /// - Throws: ``ReadError``: `malformed` (a quote never closed), `encoding` (with `encoding: utf-8`),
    ///   `raggedRow` (with `ragged_rows: error`).
    public func next() throws -> Record? {
        try parser.next()
    }

    /// The most consistent of `, ; \t |` over the first lines (outside quotes); `,` when none occurs.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> UInt8 {
        CSVRecordParser.detectDelimiter(bytes, complete: complete)
    }
}
