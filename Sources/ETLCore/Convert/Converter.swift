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
    /// The output is written whole or not at all: to a temporary file beside it, renamed over it
    /// once the whole input was read (``OutputSink/init(replacing:)``); on any failure the temporary
    /// file is removed and an existing output stays as it was. Standard output (`-`), pipes and
    /// devices are written in place.
    ///
    /// Both formats hold every column of the header for every record, `""` where a record has none.
    /// When the columns are not fixed by a header row (JSON, `header_row: 0`, padded ragged rows)
    /// they are learnt from the whole input: CSV output reads the input twice (once for the columns,
    /// once to write), so memory stays flat; JSON Lines output is written as the keys come and
    /// written again, with the final keys, in the rare case a record was written before a key
    /// appeared (read twice up front when the output cannot start over, as standard output).
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
        let isJSON = inputFormat == .json || inputFormat == .jsonl
        let dynamicColumns = isJSON || options.headerRow == 0 || options.raggedRows == .pad
        var unionColumns: [Column]? = nil
        if format == .csv && dynamicColumns {
            unionColumns = try allColumns(of: input, isJSON: isJSON, options: options)
        }
        let sink = try OutputSink(replacing: output)
        do {
            var known: [Column]? = nil
            if format == .jsonl && dynamicColumns && !sink.canRestart {
                known = try allColumns(of: input, isJSON: isJSON, options: options)
            }
            var (result, keys) = try write(
                input, isJSON: isJSON, to: sink, format: format, options: options, provenance: provenance,
                union: unionColumns, known: known, progress: progress)
            if let keys, known == nil, keys.needsAnotherPass(final: result.columns) {
                try sink.restart()
                (result, _) = try write(
                    input, isJSON: isJSON, to: sink, format: format, options: options, provenance: provenance,
                    union: nil, known: result.columns, progress: progress)
            }
            try sink.commit()
            return result
        } catch {
            sink.discard()
            throw error
        }
    }

    /// Every column of the input, in the readers' first-seen order (one read to the end).
    private static func allColumns(of input: String, isJSON: Bool, options: ReadOptions) throws -> [Column] {
        if isJSON {
            // Keys only: the values are neither decoded nor copied.
            let parser = try JSONRecordParser(path: input, options: options, chunkSize: 1 << 20)
            while try parser.nextRaw() != nil {}
            return parser.columns
        }
        let reader = try Readers.open(input, options: options)
        while try reader.next() != nil {}
        return reader.columns
    }

    /// One pass of ``convert(input:output:format:options:provenance:progress:)``: reads the input and
    /// writes every record to `sink`. Returns what was written and, for JSON Lines, the keys the
    /// records got (nil for CSV).
    /// - Parameters:
    ///   - union: the columns of CSV output learnt beforehand (nil when the header fixes them).
    ///   - known: the keys of JSON Lines output when they are known before writing, else nil (they
    ///     grow as records bring them).
    private static func write(
        _ input: String, isJSON: Bool, to sink: OutputSink, format: OutputFormat, options: ReadOptions,
        provenance: Bool, union unionColumns: [Column]?, known: [Column]?, progress: ((Int) -> Void)?
    ) throws -> (ConversionResult, JSONLinesKeys?) {
        if unionColumns == nil, let parser = try Readers.csvParser(input, options: options) {
            var keys = format == .jsonl ? JSONLinesKeys(known ?? parser.columns) : nil
            let count = try convertRaw(
                parser, sink: sink, format: format, provenance: provenance, keys: &keys, progress: progress)
            return (ConversionResult(records: count, columns: parser.columns, warnings: parser.warnings), keys)
        }
        if format == .jsonl && isJSON {
            let parser = try JSONRecordParser(path: input, options: options, chunkSize: 1 << 20)
            var keys = JSONLinesKeys(known ?? parser.columns)
            let count = try convertRaw(parser, sink: sink, provenance: provenance, keys: &keys, progress: progress)
            return (ConversionResult(records: count, columns: parser.columns, warnings: parser.warnings), keys)
        }
        let reader = try Readers.open(input, options: options)
        var count = 0
        var keys: JSONLinesKeys? = nil
        switch format {
        case .csv:
            let writer = CSVWriter(sink: sink)
            let columns = unionColumns ?? reader.columns
            try writer.writeRow(header(columns, provenance: provenance))
            var fields: [String] = []
            while let r = try reader.next() {
                try writeCSV(r, columns: columns, union: unionColumns != nil, provenance: provenance, writer, &fields)
                count += 1
                if count & 0xFFFF == 0 { progress?(count) }
            }
        case .jsonl:
            var layout = JSONLinesKeys(known ?? reader.columns)
            var cache = JSONKeyCache()
            var out = WriteBuffer(capacity: OutputSink.chunkSize + (64 << 10))
            while let r = try reader.next() {
                writeJSON(r, provenance: provenance, keys: &layout, to: &out, &cache)
                if out.count >= OutputSink.chunkSize { try sink.flush(draining: out) }
                count += 1
                if count & 0xFFFF == 0 { progress?(count) }
            }
            try sink.flush(draining: out)
            keys = layout
        }
        return (
            ConversionResult(records: count, columns: unionColumns ?? reader.columns, warnings: reader.warnings), keys
        )
    }

    /// CSV input: each cell's text goes from the read buffer into a batch on the parsing thread,
    /// and from there, escaped, into the output on this one; no `String` per cell. Records that
    /// need fitting (ragged rows) come whole and take the record path.
    private static func convertRaw(
        _ parser: CSVRecordParser, sink: OutputSink, format: OutputFormat, provenance: Bool,
        keys: inout JSONLinesKeys?, progress: ((Int) -> Void)?
    ) throws -> Int {
        if format == .csv {
            try CSVWriter(sink: sink).writeRow(header(parser.columns, provenance: provenance))
        }
        let pipeline = CellTextPipeline { batch in
            while !batch.isFull {
                switch try parser.nextRaw() {
                case .end:
                    return false
                case .record(let r):
                    batch.entries.append(.record(r))
                case .raw(let row):
                    let n = try parser.appendRawTexts(to: batch.bytes, ends: &batch.cellEnds)
                    batch.entries.append(.cells(row: row, count: n, columns: parser.columns))
                }
            }
            return true
        }
        return try writeCells(
            pipeline, sink: sink, format: format, provenance: provenance, file: parser.file, keys: &keys,
            progress: progress)
    }

    /// JSON input to JSON Lines: each value's text goes from the read buffer into a batch on the
    /// parsing thread (strings without escapes are not decoded), and from there, escaped, into the
    /// output on this one; no `String` per value.
    private static func convertRaw(
        _ parser: JSONRecordParser, sink: OutputSink, provenance: Bool, keys: inout JSONLinesKeys,
        progress: ((Int) -> Void)?
    ) throws -> Int {
        let pipeline = CellTextPipeline { batch in
            while !batch.isFull {
                guard let (row, columns) = try parser.nextRaw() else { return false }
                let n = try parser.appendRawTexts(to: batch.bytes, ends: &batch.cellEnds)
                batch.entries.append(.cells(row: row, count: n, columns: columns))
            }
            return true
        }
        var layout: JSONLinesKeys? = keys
        let count = try writeCells(
            pipeline, sink: sink, format: .jsonl, provenance: provenance, file: parser.file, keys: &layout,
            progress: progress)
        if let layout { keys = layout }
        return count
    }

    /// The writing stage: escapes each batch's cell texts into CSV or JSON Lines, appending to a
    /// local buffer (not the sink's, a class property) that goes to the sink in chunks. JSON Lines
    /// objects get every key of `keys` (non-nil for JSON Lines), in its order.
    private static func writeCells(
        _ pipeline: CellTextPipeline, sink: OutputSink, format: OutputFormat, provenance: Bool, file: String,
        keys: inout JSONLinesKeys?, progress: ((Int) -> Void)?
    ) throws -> Int {
        let csv = format == .csv
        var layout = keys ?? JSONLinesKeys([])
        defer { if keys != nil { keys = layout } }
        /// For a record whose keys are out of the header's order: the record's cell in each header slot.
        var cellOf: [Int] = []
        let delimiter = UInt8(ascii: ",")
        let csvWriter = CSVWriter(sink: sink, delimiter: delimiter)
        var cache = JSONKeyCache()
        var fields: [String] = []
        var fileText: [UInt8] = []
        if csv {
            Array(file.utf8).withUnsafeBufferPointer {
                CSVWriter.appendField(bytes: $0, delimiter: delimiter, to: &fileText)
            }
        } else {
            JSONLinesWriter.appendString(file, to: &fileText)
            fileText.append(contentsOf: ",\"_sheet\":null,\"_row\":".utf8)
        }
        var out = WriteBuffer(capacity: OutputSink.chunkSize + (64 << 10))
        var count = 0
        while let batch = pipeline.next() {
            defer { pipeline.recycle(batch) }
            var cell = 0
            var start = 0
            let bytes = batch.bytes.bytes
            let cellEnds = batch.cellEnds
            for entry in batch.entries {
                switch entry {
                case .record(let r):
                    if csv {
                        try sink.flush(draining: out)
                        try writeCSV(r, columns: r.columns, union: false, provenance: provenance, csvWriter, &fields)
                        try sink.flush()
                    } else {
                        writeJSON(r, provenance: provenance, keys: &layout, to: &out, &cache)
                    }
                case .cells(let row, let n, let recordColumns):
                    var written = n
                    // Cell ends are read through a pointer: indexing the batch's array (a class
                    // property) retained and released it per cell.
                    if csv {
                        cellEnds.withUnsafeBufferPointer { ends in
                            for k in 0..<n {
                                let end = ends[cell]
                                if k > 0 { out.append(delimiter) }
                                CSVWriter.appendField(
                                    bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), delimiter: delimiter,
                                    to: &out)
                                start = end
                                cell += 1
                            }
                        }
                    } else {
                        let inOrder = layout.layout(recordColumns)
                        cache.use(layout.columns)
                        out.append(UInt8(ascii: "{"))
                        let first = cell
                        let recordStart = start
                        cellEnds.withUnsafeBufferPointer { ends in
                            cache.withPrefixes { keys in
                                written = keys.count
                                if inOrder {
                                    for k in 0..<keys.count {
                                        if k > 0 { out.append(UInt8(ascii: ",")) }
                                        keys.append(k, to: &out)
                                        if k < n {
                                            let end = ends[cell]
                                            JSONLinesWriter.appendString(
                                                bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]), to: &out)
                                            start = end
                                            cell += 1
                                        } else {
                                            out.append(0x22)
                                            out.append(0x22)
                                        }
                                    }
                                } else {
                                    cellOf.removeAll(keepingCapacity: true)
                                    cellOf.append(contentsOf: repeatElement(-1, count: keys.count))
                                    for k in 0..<n { cellOf[layout.slot(k)] = first + k }
                                    for u in 0..<keys.count {
                                        if u > 0 { out.append(UInt8(ascii: ",")) }
                                        keys.append(u, to: &out)
                                        let c = cellOf[u]
                                        if c >= 0 {
                                            let from = c == first ? recordStart : ends[c - 1]
                                            JSONLinesWriter.appendString(
                                                bytes: UnsafeBufferPointer(rebasing: bytes[from..<ends[c]]), to: &out)
                                        } else {
                                            out.append(0x22)
                                            out.append(0x22)
                                        }
                                    }
                                    if n > 0 { start = ends[first + n - 1] }
                                    cell = first + n
                                }
                            }
                        }
                        layout.recordWritten()
                    }
                    if provenance {
                        if csv {
                            out.append(delimiter)
                        } else if written > 0 {
                            out.append(UInt8(ascii: ","))
                        }
                        if !csv { out.append("\"_file\":") }
                        out.append(fileText)
                        if csv {
                            out.append(delimiter)
                            out.append(delimiter)
                        }
                        out.append(String(row))
                    }
                    out.append(csv ? "\n" : "}\n")
                    if out.count >= OutputSink.chunkSize { try sink.flush(draining: out) }
                }
                count += 1
                if count & 0xFFFF == 0 { progress?(count) }
            }
            if let error = batch.error { throw error }
        }
        try sink.flush(draining: out)
        return count
    }

    private static func header(_ columns: [Column], provenance: Bool) -> [String] {
        columns.map(\.header) + (provenance ? ["_file", "_sheet", "_row"] : [])
    }

    /// One record as a CSV line under `columns` (by header when the record's columns differ).
    private static func writeCSV(
        _ r: Record, columns: [Column], union: Bool, provenance: Bool, _ writer: CSVWriter, _ fields: inout [String]
    ) throws {
        fields.removeAll(keepingCapacity: true)
        if !union && r.columns.count == columns.count {
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
    }

    /// The escaped `"key":` prefixes of the latest columns (records of one file share them), back
    /// to back in one array, read through pointers: an array of key arrays cost a retain and a
    /// release per cell. Serves the record path and the cell-text path alike.
    private struct JSONKeyCache {
        private var columns: [Column] = []
        private var bytes: [UInt8] = []
        private var ends: [Int] = []

        /// How many prefixes there are.
        var count: Int { ends.count }

        /// Makes the prefixes those of `columns` (nothing to do when they are the latest).
        mutating func use(_ columns: [Column]) {
            guard columns != self.columns else { return }
            self.columns = columns
            bytes = []
            ends = []
            for c in columns {
                bytes += JSONLinesWriter.keyPrefix(c.header)
                ends.append(bytes.count)
            }
        }

        /// The prefixes as seen through pointers, valid inside ``withPrefixes(_:)``.
        struct Prefixes {
            let bytes: UnsafeBufferPointer<UInt8>
            let ends: UnsafeBufferPointer<Int>

            /// How many prefixes there are.
            var count: Int { ends.count }

            /// Appends the `k`th prefix (nothing past the last).
            @inline(__always) func append(_ k: Int, to out: inout WriteBuffer) {
                guard k < ends.count else { return }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(k == 0 ? 0 : ends[k - 1])..<ends[k]]))
            }
        }

        /// Calls `body` with the prefixes.
        func withPrefixes<R>(_ body: (Prefixes) -> R) -> R {
            bytes.withUnsafeBufferPointer { b in ends.withUnsafeBufferPointer { e in body(Prefixes(bytes: b, ends: e)) }
            }
        }
    }

    /// One record as a JSON line under every key of `keys`, provenance last, appended to `out`
    /// (cells read in place, strings escaped straight from their UTF-8: no array of texts per row).
    private static func writeJSON(
        _ r: Record, provenance: Bool, keys layout: inout JSONLinesKeys, to out: inout WriteBuffer,
        _ cache: inout JSONKeyCache
    ) {
        let inOrder = layout.layout(r.columns)
        cache.use(layout.columns)
        out.append(UInt8(ascii: "{"))
        let n = min(r.columns.count, r.values.count)
        let count = cache.count
        cache.withPrefixes { keys in
            r.values.withUnsafeBufferPointer { values in
                var byKey: [Int] = []
                if !inOrder {
                    byKey = [Int](repeating: -1, count: count)
                    for i in 0..<n { byKey[layout.slot(i)] = i }
                }
                for u in 0..<count {
                    if u > 0 { out.append(UInt8(ascii: ",")) }
                    keys.append(u, to: &out)
                    let i = inOrder ? (u < n ? u : -1) : byKey[u]
                    if i < 0 {
                        out.append(0x22)
                        out.append(0x22)
                    } else if case .text(let t) = values[i] {
                        JSONLinesWriter.appendString(t, to: &out)
                    } else {
                        JSONLinesWriter.appendString(values[i].canonicalText, to: &out)
                    }
                }
            }
        }
        layout.recordWritten()
        if provenance {
            if count > 0 { out.append(UInt8(ascii: ",")) }
            out.append("\"_file\":")
            JSONLinesWriter.appendString(r.source.file, to: &out)
            out.append(",\"_sheet\":")
            if let sheet = r.source.sheet {
                JSONLinesWriter.appendString(sheet, to: &out)
            } else {
                out.append("null")
            }
            out.append(",\"_row\":")
            out.append(String(r.source.row))
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
    }
}
