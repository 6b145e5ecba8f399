/// Output formats of `catalog-etl convert`.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV, UTF-8, no BOM, header line first.
    case csv
    /// JSON Lines, one object per row, keys = headers in column order, values = canonical cell text.
    case jsonl

    /// The format implied by an output path's extension (`-` and unknown extensions give nil).
    public static func forPath(_ path: String) -> OutputFormat? {
        switch InputFormat.forPath(path) {
        case .csv, .tsv: return .csv
        case .json, .jsonl: return .jsonl
        default: return nil
        }
    }
}

/// What a conversion did.
public struct ConversionResult: Sendable {
    /// Records written.
    public var records: Int
    /// Columns written.
    public var columns: [Column]
    /// Warnings the reader recovered from.
    public var warnings: WarningLog
}

/// Streams an input file into CSV or JSON Lines (`catalog-etl convert`).
public enum Converter {
    /// Converts `input` to `output`.
    ///
    /// For CSV output of inputs whose columns are not fixed by a header row (JSON, `header_row: 0`,
    /// padded ragged rows) the input is read twice: once to learn every column, once to write, so
    /// memory stays flat.
    /// - Parameters:
    ///   - input: the input path.
    ///   - output: the output path, `-` for standard output.
    ///   - format: the output format.
    ///   - options: how to read the input.
    ///   - provenance: add `_file`, `_sheet` and `_row` to every record.
    ///   - progress: called now and then with the number of records written.
    /// - Throws: ``ReadError`` or ``WriteError``.
    public static func convert(
        input: String, output: String, format: OutputFormat, options: ReadOptions, provenance: Bool,
        progress: ((Int) -> Void)? = nil
    ) throws -> ConversionResult {
        let inputFormat = try Readers.format(of: input, options: options)
        let dynamicColumns =
            inputFormat == .json || inputFormat == .jsonl || options.headerRow == 0
            || options.raggedRows == .pad
        var unionColumns: [Column]? = nil
        if format == .csv && dynamicColumns {
            let first = try Readers.open(input, options: options)
            var order: [String] = []
            var seen = Set<String>()
            var byHeader: [String: Column] = [:]
            while let r = try first.next() {
                for c in r.columns where !seen.contains(c.header) {
                    seen.insert(c.header)
                    order.append(c.header)
                    byHeader[c.header] = c
                }
            }
            for c in first.columns where !seen.contains(c.header) {
                seen.insert(c.header)
                order.append(c.header)
                byHeader[c.header] = c
            }
            unionColumns = order.compactMap { byHeader[$0] }
        }
        let reader = try Readers.open(input, options: options)
        let sink = try OutputSink(path: output)
        var count = 0
        switch format {
        case .csv:
            let writer = CSVWriter(sink: sink)
            let columns = unionColumns ?? reader.columns
            var header = columns.map(\.header)
            if provenance { header += ["_file", "_sheet", "_row"] }
            try writer.writeRow(header)
            var fields: [String] = []
            fields.reserveCapacity(header.count)
            while let r = try reader.next() {
                fields.removeAll(keepingCapacity: true)
                if unionColumns == nil && r.columns.count == columns.count {
                    for v in r.values { fields.append(v.canonicalText) }
                } else {
                    var index: [String: Int] = [:]
                    for (i, c) in r.columns.enumerated() { index[c.header] = i }
                    for c in columns { fields.append(index[c.header].map { r.values[$0].canonicalText } ?? "") }
                }
                if provenance {
                    fields += [r.source.file, r.source.sheet ?? "", String(r.source.row)]
                }
                try writer.writeRow(fields)
                count += 1
                if count & 0xFFFF == 0 { progress?(count) }
            }
        case .jsonl:
            let writer = JSONLinesWriter(sink: sink)
            var pairs: [(String, JSONLinesWriter.Value)] = []
            var cachedColumns: [Column] = []
            var keys: [[UInt8]] = []
            var texts: [String] = []
            while let r = try reader.next() {
                pairs.removeAll(keepingCapacity: true)
                if provenance {
                    pairs.append(("_file", .string(r.source.file)))
                    pairs.append(("_sheet", r.source.sheet.map { .string($0) } ?? .null))
                    pairs.append(("_row", .number(String(r.source.row))))
                }
                // Records of one file share their columns: escape the keys once.
                if r.columns != cachedColumns {
                    cachedColumns = r.columns
                    keys = r.columns.map { JSONLinesWriter.keyPrefix($0.header) }
                }
                texts.removeAll(keepingCapacity: true)
                for v in r.values { texts.append(v.canonicalText) }
                try writer.writeStrings(keys: keys, values: texts, extra: pairs)
                count += 1
                if count & 0xFFFF == 0 { progress?(count) }
            }
        }
        try sink.close()
        return ConversionResult(records: count, columns: unionColumns ?? reader.columns, warnings: reader.warnings)
    }
}
