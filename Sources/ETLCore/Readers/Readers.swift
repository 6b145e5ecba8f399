/// Opens the right streaming reader for an input file.
public enum Readers {
    /// The format of `path`: the explicit option, else the extension.
    /// - Throws: ``ReadError`` (`usage`) when neither says.
    public static func format(of path: String, options: ReadOptions) throws -> InputFormat {
        if let f = options.format { return f }
        if let f = InputFormat.forPath(path) { return f }
        throw ReadError(
            .usage, file: path,
            message:
                "cannot tell the format from the file name; name it .csv, .tsv, .json, .jsonl or .xlsx, or pass --format"
        )
    }

    /// Opens a streaming reader.
    /// - Parameters:
    ///   - path: the input file.
    ///   - options: how to read it.
    /// - Returns: a reader positioned before the first record (the header row, if any, already read).
    /// - Throws: ``ReadError``.
    public static func open(_ path: String, options: ReadOptions = ReadOptions()) throws -> any RecordReader {
        try InputFileCheck.requireRegularFile(path)
        switch try format(of: path, options: options) {
        case .csv: return try CSVRecordReader(path: path, options: options)
        case .tsv:
            var o = options
            if o.delimiter == nil { o.delimiter = 0x09 }
            return try CSVRecordReader(path: path, options: o)
        case .json, .jsonl: return try JSONRecordReader(path: path, options: options)
        case .xlsx: return try XLSXRecordReader(path: path, options: options)
        }
    }

    /// A CSV or TSV file's parser, without the parse-ahead thread (for ``Converter``'s byte path);
    /// nil for other formats.
    /// - Throws: ``ReadError``.
    static func csvParser(_ path: String, options: ReadOptions) throws -> CSVRecordParser? {
        try InputFileCheck.requireRegularFile(path)
        switch try format(of: path, options: options) {
        case .csv: return try CSVRecordParser(path: path, options: options, chunkSize: 1 << 20)
        case .tsv:
            var o = options
            if o.delimiter == nil { o.delimiter = 0x09 }
            return try CSVRecordParser(path: path, options: o, chunkSize: 1 << 20)
        default: return nil
        }
    }

    /// The sheets of a workbook (name, hidden, dimension); a single unnamed entry for other formats.
    /// - Throws: ``ReadError``.
    public static func sheets(of path: String, options: ReadOptions = ReadOptions()) throws -> [SheetInfo] {
        try InputFileCheck.requireRegularFile(path)
        switch try format(of: path, options: options) {
        case .xlsx: return try XLSXRecordReader.sheets(path: path, options: options)
        default: return []
        }
    }
}

/// A worksheet as the workbook lists it.
public struct SheetInfo: Sendable, Hashable {
    /// The sheet's name.
    public var name: String
    /// Whether the sheet is hidden (or very hidden).
    public var hidden: Bool
    /// The `<dimension ref>` the sheet declares (`A1:W301`), if any.
    public var dimension: String?

    /// Creates a sheet description.
    public init(name: String, hidden: Bool, dimension: String?) {
        self.name = name
        self.hidden = hidden
        self.dimension = dimension
    }
}
