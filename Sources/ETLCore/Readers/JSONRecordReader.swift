/// Streams records from a JSON document or a JSON Lines file, with a tokenizer of its own.
///
/// A `.json` file holds a top-level array of objects, or (with `records_path: data.items`) an object
/// with the array inside it, reached without keeping the members it walks past. A `.jsonl` file holds
/// one object per line; blank lines are skipped. Nested objects are flattened to dotted names
/// (`brand_metadata.fabric`), arrays are kept as compact JSON text, numbers keep their exact source
/// text (``CellValue/decimal(_:)``), `true` / `false` are booleans, `null` is empty. A key repeated
/// within one object is an error naming the record and the key, as is a record that is not an
/// object. Syntax errors name the line and column (and the record for JSON Lines). Each record
/// carries its own columns (its keys in order); ``columns`` is every key seen so far.
///
/// Memory is one record plus a 1 MiB buffer.
public final class JSONRecordReader: RecordReader {
    /// The file as the user named it.
    public let file: String
    /// Always nil: JSON files have no sheets.
    public var sheet: String? { nil }
    /// Whether the file is read as JSON Lines.
    public let isJSONLines: Bool
    private let parser: JSONRecordParser

    /// Every key seen so far, in first-seen order.
    public var columns: [Column] { parser.columns }

    /// Warnings recovered from so far.
    public var warnings: WarningLog { parser.warnings }

    /// Opens a JSON or JSON Lines file and walks to its first record.
    /// - Parameters:
    ///   - path: the file; `.jsonl` / `.ndjson` (or `options.format == .jsonl`) means JSON Lines.
    ///   - options: the encoding and `records_path`.
    /// - Throws: ``ReadError``: `unreadable`, `malformed` (syntax, or a top level that is not an array),
    ///   `encoding`, `notFound` (a `records_path` that is not there), `usage`.
    public convenience init(path: String, options: ReadOptions) throws {
        try self.init(path: path, options: options, chunkSize: 1 << 20)
    }

    /// Opens a JSON file reading `chunkSize` bytes at a time (tests use tiny chunks to cross
    /// boundaries).
    init(path: String, options: ReadOptions, chunkSize: Int) throws {
        let parser = try JSONRecordParser(path: path, options: options, chunkSize: chunkSize)
        file = path
        isJSONLines = parser.isJSONLines
        self.parser = parser
    }

    /// The next record, or nil at the end of the input.
    /// - Throws: ``ReadError``: `malformed` (syntax, a duplicate key, a record that is not an object),
    ///   `encoding`, `unsafe` (nesting deeper than 512 levels).
    public func next() throws -> Record? {
        try parser.next()
    }
}
