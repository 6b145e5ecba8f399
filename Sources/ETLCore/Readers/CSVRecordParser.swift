#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parser behind ``CSVRecordReader``: RFC 4180 with the tolerance real files need.
///
/// Quoted fields, doubled quotes, quoted line breaks and CRLF / LF / CR line ends are read as the
/// RFC says. A bare `"` inside an unquoted field (`55" TV`) is kept with a warning; a quote left open
/// at the end of the file is an error naming the line where the field began. The delimiter is
/// detected among `, ; \t |` unless given. Text is UTF-8 (with or without a byte order mark) or
/// UTF-16 with a byte order mark; by default bytes that are not valid UTF-8 are read as
/// Windows-1252 with one warning. Row numbers are the line on which a record starts, as an editor
/// shows it; entirely empty rows are skipped.
///
/// The file is read in 1 MiB chunks and parsed in place, so memory is one record plus the buffer.
final class CSVRecordParser: RecordReader {
    /// The file as the user named it.
    let file: String
    /// Always nil: CSV files have no sheets.
    var sheet: String? { nil }
    /// The header row's columns (or the column letters without a header), plus any columns that
    /// padded ragged rows added.
    private(set) var columns: [Column] = []
    /// Warnings recovered from so far.
    private(set) var warnings = WarningLog()
    /// The delimiter in use: the one given, or the one detected.
    let delimiter: UInt8
    /// The line of the header row; nil when reading without one.
    private(set) var headerLine: Int?

    private enum Decoding {
        /// Valid UTF-8; other bytes read as Windows-1252 with a warning.
        case utf8Fallback
        /// Valid UTF-8 only; other bytes are an error.
        case utf8Strict
        /// Windows-1252 throughout.
        case windows1252
    }

    /// One field of the record parsed last: a span of the buffer, or an index into `owned`.
    private struct RawField {
        enum Kind: UInt8 {
            /// Nothing between the delimiters (or `""`).
            case empty
            /// Bytes to read as they are.
            case plain
            /// A quoted field's content with doubled quotes still in it.
            case quoted
            /// A text assembled while parsing; `start` indexes `owned`.
            case owned
        }
        var start: Int
        var count: Int
        var line: Int
        var kind: Kind
    }

    /// What ``nextRaw()`` found.
    enum RawNext {
        /// The end of the file.
        case end
        /// A record whose fields match the columns one for one, readable with ``appendRawTexts(to:ends:)``.
        case raw(row: Int)
        /// A record that needed fitting or was read ahead, whole.
        case record(Record)
    }

    private enum Step {
        case record(line: Int)
        case needMore
        case end
    }

    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    private let input: ByteChunkReader
    private let options: ReadOptions
    private let decoding: Decoding
    private let maxFieldBytes: Int
    private let maxRecordBytes: Int
    /// Parse position in `input.base`.
    private var pos = 0
    /// The line at `pos`.
    private var line = 1
    /// How many columns the header row has (before ragged rows add any).
    private var headerCount = 0
    /// The first record, read ahead to count columns when there is no header row.
    private var readAhead: Record?
    private var scratch: [UInt8] = []
    private var recordWarnings: [ReadWarning] = []
    private var recordFallbackLine: Int?
    /// The fields of the record read last whose bytes were not UTF-8 (read as Windows-1252).
    private(set) var encodingProblems: [TextEncodingProblem] = []
    /// The fields of the record parsed last, as spans of `input.base` (valid until the next refill).
    private var raw: [RawField] = []
    /// Texts of fields that could not stay spans (text after a closing quote), indexed by `RawField.start`.
    private var owned: [String] = []
    private var warnedFallback = false
    private var warnedSurrogates = false
    private var takenHeaders: Set<String>?

    /// Opens a CSV file and reads up to its header row.
    /// - Parameters:
    ///   - path: the file.
    ///   - options: the delimiter, header row, encoding, header and ragged-row policies.
    /// - Throws: ``ReadError``: `unreadable`, `encoding`, `malformed`, `badHeader`, or `usage` when the
    ///   header row is beyond the data.
    init(path: String, options: ReadOptions, chunkSize: Int) throws {
        file = path
        self.options = options
        input = try ByteChunkReader(path: path, encoding: options.encoding, chunkSize: chunkSize)
        if input.guessedUTF16 {
            warnings.add(
                ReadWarning(
                    file: path, line: 1,
                    message:
                        "the file has no byte order mark, but every other byte is zero, so it was read as UTF-16 \(input.transcoding == .utf16BE ? "big" : "little")-endian; save it as UTF-8 (or UTF-16 with a byte order mark) to be sure"
                ))
        }
        if let d = options.delimiter {
            delimiter = d
        } else {
            delimiter = Self.detectDelimiter(
                UnsafeBufferPointer(start: input.base, count: input.end), complete: input.atEOF)
        }
        if input.transcoding != .none {
            decoding = .utf8Strict
        } else {
            switch options.encoding {
            case .auto, .utf16: decoding = .utf8Fallback
            case .utf8: decoding = .utf8Strict
            case .windows1252: decoding = .windows1252
            }
        }
        maxFieldBytes = max(options.limits.maxCellBytes, 1024)
        maxRecordBytes = maxFieldBytes * 16
        try readHeader()
    }

    /// The next record, or nil at the end of the file.
    /// - Throws: ``ReadError``: `malformed` (a quote never closed), `encoding` (with `encoding: utf-8`),
    ///   `raggedRow` (with `ragged_rows: error`).
    func next() throws -> Record? {
        if let r = readAhead {
            readAhead = nil
            return r
        }
        while true {
            switch try parseRecord() {
            case .end:
                return nil
            case .needMore:
                try refill()
            case .record(let row):
                if allEmptyRaw() { continue }
                return try materialise(row: row)
            }
        }
    }

    /// The next record's fields as byte spans, for writers that copy cells without a `String` each
    /// (``Converter``). `.raw` leaves the fields readable through ``appendRawTexts(to:ends:)`` until
    /// the next call; a record that needs more than copying (a ragged
    /// row, the read-ahead first row) comes back whole as `.record`.
    func nextRaw() throws -> RawNext {
        if let r = readAhead {
            readAhead = nil
            return .record(r)
        }
        while true {
            switch try parseRecord() {
            case .end:
                return .end
            case .needMore:
                try refill()
            case .record(let row):
                if allEmptyRaw() { continue }
                if raw.count != columns.count { return .record(try materialise(row: row)) }
                return .raw(row: row)
            }
        }
    }

    /// Appends the text of each field of the record from ``nextRaw()`` to `bytes` (as
    /// ``withRawField(_:_:)`` gives it), and each one's end offset to `ends`; returns how many fields
    /// there are.
    /// - Throws: ``ReadError`` (`encoding`) for bytes that are not UTF-8 under `encoding: utf-8`.
    func appendRawTexts(to bytes: WriteBuffer, ends: inout [Int]) throws -> Int {
        let base = input.base
        let direct = decoding != .windows1252
        let n = raw.count
        for i in 0..<n {
            let f = raw[i]
            if f.kind == .plain && direct {
                // The common case, without a closure per field: bytes that are already UTF-8.
                let span = UnsafeBufferPointer(start: base + f.start, count: f.count)
                if TextDecoding.isValidUTF8(span) {
                    bytes.append(contentsOf: span)
                    ends.append(bytes.count)
                    continue
                }
            }
            if f.kind != .empty { try withRawField(i) { bytes.append(contentsOf: $0) } }
            ends.append(bytes.count)
        }
        return n
    }

    /// Calls `body` with field `index` of the record from ``nextRaw()`` as valid UTF-8 bytes (doubled
    /// quotes undone, Windows-1252 transcoded, as ``next()`` would read the text).
    /// - Throws: ``ReadError`` (`encoding`) for bytes that are not UTF-8 under `encoding: utf-8`.
    private func withRawField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        let f = raw[index]
        switch f.kind {
        case .empty:
            return try body(UnsafeBufferPointer(start: nil, count: 0))
        case .owned:
            noteFallback()
            var s = owned[f.start]
            return try s.withUTF8 { try body($0) }
        case .plain:
            return try emit(UnsafeBufferPointer(start: input.base + f.start, count: f.count), f, index, body)
        case .quoted:
            unescapeQuotes(input.base + f.start, count: f.count)
            return try scratch.withUnsafeBufferPointer { try emit($0, f, index, body) }
        }
    }

    /// Hands over bytes that are already valid UTF-8 as they are, others decoded by the file's encoding.
    @inline(__always)
    private func emit<R>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ f: RawField, _ column: Int,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) throws -> R {
        let direct =
            decoding == .windows1252 ? TextDecoding.isASCII(bytes) : TextDecoding.isValidUTF8(bytes)
        if direct { return try body(bytes) }
        var text = try decode(bytes, line: f.line, column: column)
        noteFallback()
        return try text.withUTF8 { try body($0) }
    }

    /// The record from ``nextRaw()`` as cell values, fitted to the columns.
    private func materialise(row: Int) throws -> Record {
        var values = try rawValues()
        try fitToColumns(&values, row: row)
        return Record(source: RowSource(file: file, row: row), columns: columns, values: values)
    }

    /// The fields of the record parsed last as cell values, as many as the line has.
    private func rawValues() throws -> [CellValue] {
        var values: [CellValue] = []
        values.reserveCapacity(max(raw.count, columns.count) + 1)
        for (column, f) in raw.enumerated() {
            switch f.kind {
            case .empty: values.append(.empty)
            case .owned: values.append(.text(owned[f.start]))
            case .plain, .quoted:
                values.append(
                    try makeValue(
                        input.base + f.start, count: f.count, unescape: f.kind == .quoted, line: f.line, column: column)
                )
            }
        }
        noteFallback()
        return values
    }

    private func allEmptyRaw() -> Bool {
        for f in raw where f.kind != .empty { return false }
        return true
    }

    // MARK: Header

    private func readHeader() throws {
        var sawData = false
        var lastRow = 0
        while true {
            switch try parseRecord() {
            case .needMore:
                try refill()
            case .end:
                if sawData && options.headerRow > 0 {
                    throw ReadError(
                        .usage, file: file,
                        message:
                            "header row \(options.headerRow) is beyond the data (the last row is on line \(lastRow)); give a smaller --header-row (header_row), or 0 for a file without a header"
                    )
                }
                return
            case .record(let row):
                if allEmptyRaw() { continue }
                sawData = true
                lastRow = row
                if options.headerRow == 0 {
                    var values = try rawValues()
                    var count = values.count
                    while count > 0 && values[count - 1] == .empty { count -= 1 }
                    columns = HeaderBuilder.letterColumns(count: count)
                    headerCount = count
                    try fitToColumns(&values, row: row)
                    readAhead = Record(source: RowSource(file: file, row: row), columns: columns, values: values)
                    return
                }
                if row < options.headerRow { continue }
                headerLine = row
                let values = try rawValues()
                columns = try HeaderBuilder.columns(
                    from: values.map(\.canonicalText), policy: options.duplicateHeaders, file: file, part: nil,
                    row: row, warnings: &warnings)
                headerCount = columns.count
                return
            }
        }
    }

    /// Checks a record's field count against the columns; pads or extends under `ragged_rows: pad`.
    private func fitToColumns(_ values: inout [CellValue], row: Int) throws {
        let found = values.count
        let width = columns.count
        if found == width { return }
        if found > width {
            var n = found
            while n > width && values[n - 1] == .empty { n -= 1 }
            if n < found { values.removeLast(found - n) }
            if n == width { return }
            if options.raggedRows == .error { throw raggedError(row: row, found: found) }
            warnings.add(
                ReadWarning(
                    file: file, line: row,
                    message:
                        "row \(row) has \(found) fields, but the header has \(headerCount) columns; kept the extra fields under their column letters"
                ))
            extendColumns(to: n)
            return
        }
        if found < headerCount {
            if options.raggedRows == .error { throw raggedError(row: row, found: found) }
            warnings.add(
                ReadWarning(
                    file: file, line: row,
                    message:
                        "row \(row) has \(found) field\(found == 1 ? "" : "s"), but the header has \(headerCount) columns; padded it with empty cells"
                ))
        }
        values.append(contentsOf: repeatElement(CellValue.empty, count: width - found))
    }

    private func raggedError(row: Int, found: Int) -> ReadError {
        let header =
            headerLine.map { "the header (row \($0)) has \(headerCount) columns" }
            ?? "the first row has \(headerCount) fields"
        return ReadError(
            .raggedRow, file: file, line: row,
            message:
                "row \(row) has \(found) field\(found == 1 ? "" : "s"), but \(header); fix the row (a delimiter inside an unquoted field, or a missing quote?), or pass --allow-ragged (ragged_rows: pad) to pad short rows and keep extra fields"
        )
    }

    private func extendColumns(to count: Int) {
        var taken = takenHeaders ?? Set(columns.map(\.header))
        for i in columns.count..<count {
            let letter = ColumnName.letter(i)
            var name = letter
            var k = 2
            while taken.contains(name) {
                name = "\(letter)_\(k)"
                k += 1
            }
            taken.insert(name)
            columns.append(Column(header: name, letter: letter))
        }
        takenHeaders = taken
    }

    // MARK: Buffering

    private func refill() throws {
        let keep = pos
        let pending = input.end - keep
        if pending > maxRecordBytes {
            throw ReadError(
                .unsafe, file: file, line: line,
                message:
                    "the record that begins on line \(line) is longer than \(maxRecordBytes >> 20) MiB; check the delimiter and the quotes, or raise limits.maxCellBytes (records may be 16 times as long)"
            )
        }
        try input.refill(keepingFrom: keep)
        pos = 0
        if input.loneSurrogates > 0 && !warnedSurrogates {
            warnedSurrogates = true
            warnings.add(
                ReadWarning(
                    file: file, line: line,
                    message:
                        "the UTF-16 text holds unpaired surrogates (first before line \(line + 1)); read them as U+FFFD"
                ))
        }
    }

    // MARK: Parsing

    /// Parses one record at `pos` into `raw` (spans of the buffer; nothing is decoded yet).
    ///
    /// Returns `.needMore` without consuming anything when the record runs past the buffered bytes;
    /// the caller refills and calls again, and the record is parsed from its start.
    private func parseRecord() throws -> Step {
        let p = input.base
        let end = input.end
        let eof = input.atEOF
        var i = pos
        if i >= end { return eof ? .end : .needMore }
        let startLine = line
        var curLine = line
        let d = delimiter
        raw.removeAll(keepingCapacity: true)
        owned.removeAll(keepingCapacity: true)
        recordWarnings.removeAll(keepingCapacity: true)
        recordFallbackLine = nil
        if !encodingProblems.isEmpty { encodingProblems.removeAll(keepingCapacity: true) }
        while true {
            var field: RawField
            if p[i] == Self.quote {
                let fieldLine = curLine
                let contentStart = i + 1
                var j = contentStart
                var escaped = false
                var close = 0
                var breaks = 0
                while true {
                    j = Self.scanQuoted(p, from: j, to: end)
                    if j >= end {
                        if end - contentStart > maxFieldBytes { throw unclosedQuote(line: fieldLine, long: true) }
                        if !eof { return .needMore }
                        throw unclosedQuote(line: fieldLine, long: false)
                    }
                    let c = p[j]
                    if c == Self.quote {
                        if j + 1 < end {
                            if p[j + 1] == Self.quote {
                                escaped = true
                                j += 2
                                continue
                            }
                        } else if !eof {
                            return .needMore
                        }
                        close = j
                        break
                    }
                    // A line break inside the field: LF, CRLF (counted at its LF) or a lone CR.
                    if c == Self.lf || (j + 1 < end && p[j + 1] != Self.lf) {
                        breaks += 1
                    } else if j + 1 >= end && !eof {
                        return .needMore
                    }
                    j += 1
                }
                if close - contentStart > maxFieldBytes { throw unclosedQuote(line: fieldLine, long: true) }
                curLine += breaks
                let length = close - contentStart
                field = RawField(
                    start: contentStart, count: length, line: fieldLine,
                    kind: length == 0 ? .empty : escaped ? .quoted : .plain)
                i = close + 1
                if i < end {
                    let c = p[i]
                    if c != d && c != Self.lf && c != Self.cr {
                        let s = i
                        i = Self.scanUnquoted(p, from: i, to: end, delimiter: d)
                        while i < end && p[i] == Self.quote {
                            i = Self.scanUnquoted(p, from: i + 1, to: end, delimiter: d)
                        }
                        if i == end && !eof { return .needMore }
                        let column = raw.count
                        let head = try makeValue(
                            p + contentStart, count: length, unescape: escaped, line: fieldLine, column: column)
                        let rest = try decode(
                            UnsafeBufferPointer(start: p + s, count: i - s), line: curLine, column: column)
                        owned.append(head.canonicalText + rest)
                        field = RawField(start: owned.count - 1, count: 0, line: fieldLine, kind: .owned)
                        let letter = ColumnName.letter(column)
                        recordWarnings.append(
                            ReadWarning(
                                file: file, line: curLine, column: letter,
                                message:
                                    "line \(curLine), column \(letter): text after the closing quote of a field was kept as part of the field; quote the whole field and double any quote inside it"
                            ))
                    }
                }
            } else {
                let s = i
                i = Self.scanUnquoted(p, from: i, to: end, delimiter: d)
                if i < end && p[i] == Self.quote {
                    let letter = ColumnName.letter(raw.count)
                    recordWarnings.append(
                        ReadWarning(
                            file: file, line: curLine, column: letter,
                            message:
                                "line \(curLine), column \(letter): a bare \" inside an unquoted field was kept as a literal character; to be exact, quote the field and double the quote (\"55\"\" TV\")"
                        ))
                    repeat {
                        i = Self.scanUnquoted(p, from: i + 1, to: end, delimiter: d)
                    } while i < end && p[i] == Self.quote
                }
                if i == end && !eof { return .needMore }
                if i - s > maxFieldBytes { throw fieldTooLong(line: curLine) }
                field = RawField(start: s, count: i - s, line: curLine, kind: i == s ? .empty : .plain)
            }
            raw.append(field)
            if i >= end { break }
            let c = p[i]
            if c == d {
                i += 1
                if i == end {
                    if !eof { return .needMore }
                    raw.append(RawField(start: i, count: 0, line: curLine, kind: .empty))
                    break
                }
                continue
            }
            if c == Self.lf {
                i += 1
            } else if i + 1 < end {
                i += p[i + 1] == Self.lf ? 2 : 1
            } else if eof {
                i += 1
            } else {
                return .needMore
            }
            curLine += 1
            break
        }
        pos = i
        line = curLine
        if !recordWarnings.isEmpty {
            for w in recordWarnings { warnings.add(w) }
        }
        return .record(line: startLine)
    }

    /// Adds the one warning about Windows-1252 fallback, the first time a field needed it.
    private func noteFallback() {
        guard let l = recordFallbackLine, !warnedFallback else { return }
        warnedFallback = true
        warnings.add(
            ReadWarning(
                file: file, line: l,
                message:
                    "line \(l) holds bytes that are not valid UTF-8; read them (and any later ones, without further warnings) as Windows-1252; save the file as UTF-8, or pass --encoding windows-1252 (encoding: windows-1252) to read all of it that way"
            ))
    }

    /// The index of the first delimiter, quote, CR or LF at or after `from`, or `to`.
    @inline(__always)
    private static func scanUnquoted(
        _ p: UnsafeMutablePointer<UInt8>, from: Int, to end: Int, delimiter d: UInt8
    ) -> Int {
        ByteScan.first(p, from: from, to: end, d, quote, lf, cr)
    }

    /// The index of the first quote, CR or LF at or after `from`, or `to`.
    @inline(__always)
    private static func scanQuoted(_ p: UnsafeMutablePointer<UInt8>, from: Int, to end: Int) -> Int {
        ByteScan.first(p, from: from, to: end, quote, quote, lf, cr)
    }

    /// A field's value: its text (doubled quotes undone when `unescape`), or `.empty`.
    @inline(__always)
    private func makeValue(
        _ p: UnsafeMutablePointer<UInt8>, count: Int, unescape: Bool, line: Int, column: Int
    ) throws -> CellValue {
        if count == 0 { return .empty }
        if !unescape {
            return .text(try decode(UnsafeBufferPointer(start: p, count: count), line: line, column: column))
        }
        unescapeQuotes(p, count: count)
        let text = try scratch.withUnsafeBufferPointer { b in try decode(b, line: line, column: column) }
        return .text(text)
    }

    /// Copies a quoted field's content into `scratch` with its doubled quotes undone.
    private func unescapeQuotes(_ p: UnsafeMutablePointer<UInt8>, count: Int) {
        scratch.removeAll(keepingCapacity: true)
        var j = 0
        while j < count {
            guard let hit = memchr(p + j, Int32(Self.quote), count - j) else {
                scratch.append(contentsOf: UnsafeBufferPointer(start: p + j, count: count - j))
                break
            }
            let q = UnsafeMutableRawPointer(p).distance(to: hit)
            scratch.append(contentsOf: UnsafeBufferPointer(start: p + j, count: q + 1 - j))
            j = q + 2
        }
    }

    /// Decodes a field's bytes by the file's encoding.
    @inline(__always)
    private func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int, column: Int) throws -> String {
        switch decoding {
        case .utf8Fallback:
            if let s = TextDecoding.utf8(bytes) { return s }
            if recordFallbackLine == nil { recordFallbackLine = line }
            let bad = TextDecoding.firstInvalidUTF8(bytes).map { bytes[$0] } ?? 0
            encodingProblems.append(TextEncodingProblem(column: column, line: line, byte: bad))
            return TextDecoding.windows1252(bytes)
        case .utf8Strict:
            if let s = TextDecoding.utf8(bytes) { return s }
            let bad = TextDecoding.firstInvalidUTF8(bytes).map { bytes[$0] } ?? 0
            let letter = ColumnName.letter(column)
            throw ReadError(
                .encoding, file: file, line: line, column: letter,
                message:
                    "line \(line), column \(letter): byte \(TextDecoding.hex(bad)) is not valid UTF-8; the file is probably Windows-1252 (as Excel on Windows saves CSV): pass --encoding windows-1252 (encoding: windows-1252), or save the file as UTF-8"
            )
        case .windows1252:
            return TextDecoding.windows1252(bytes)
        }
    }

    private func unclosedQuote(line fieldLine: Int, long: Bool) -> ReadError {
        if long {
            return ReadError(
                .malformed, file: file, line: fieldLine,
                message:
                    "the quoted field that begins on line \(fieldLine) runs on for more than \(maxFieldBytes) bytes; its closing quote is probably missing: close it, and double any quote inside the field (\"\")"
            )
        }
        return ReadError(
            .malformed, file: file, line: fieldLine,
            message:
                "the quoted field that begins on line \(fieldLine) is never closed (the file ends inside it); add the closing quote, and double any quote inside the field (\"\")"
        )
    }

    private func fieldTooLong(line l: Int) -> ReadError {
        ReadError(
            .malformed, file: file, line: l,
            message:
                "line \(l) holds a field longer than \(maxFieldBytes) bytes; check the delimiter (--delimiter), or raise limits.maxCellBytes"
        )
    }

    // MARK: Delimiter detection

    /// The most consistent of `, ; \t |` over the first lines (outside quotes); `,` when none occurs.
    static func detectDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, complete: Bool) -> UInt8 {
        let candidates: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]
        var lines: [[Int]] = []
        var counts = [0, 0, 0, 0]
        var content = false
        var inQuotes = false
        var previous: UInt8 = lf
        var i = 0
        let n = bytes.count
        while i < n && lines.count < 50 {
            let c = bytes[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < n && bytes[i + 1] == quote {
                        i += 1
                    } else {
                        inQuotes = false
                    }
                }
            } else if c == lf || c == cr {
                if content { lines.append(counts) }
                counts = [0, 0, 0, 0]
                content = false
            } else {
                content = true
                if c == quote && (previous == lf || previous == cr || candidates.contains(previous)) {
                    inQuotes = true
                } else if let k = candidates.firstIndex(of: c) {
                    counts[k] += 1
                }
            }
            previous = c
            i += 1
        }
        if complete && content && lines.count < 50 { lines.append(counts) }
        var best: (score: Int, mode: Int, index: Int)?
        for k in 0..<candidates.count {
            var frequency: [Int: Int] = [:]
            for l in lines where l[k] > 0 { frequency[l[k], default: 0] += 1 }
            guard let top = frequency.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else { continue }
            if let b = best, (top.value, top.key) <= (b.score, b.mode) { continue }
            best = (top.value, top.key, k)
        }
        return best.map { candidates[$0.index] } ?? 0x2C
    }
}
