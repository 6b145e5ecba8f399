#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parser behind ``JSONRecordReader``: JSON documents and JSON Lines, with a tokenizer of its own.
///
/// A `.json` file holds a top-level array of objects, or (with `records_path: data.items`) an object
/// with the array inside it, reached without keeping the members it walks past. A `.jsonl` file holds
/// one object per line; blank lines are skipped. Nested objects are flattened to dotted names
/// (`brand_metadata.fabric`), arrays are kept as compact JSON text, numbers keep their exact source
/// text, `null` is empty. A key repeated within one object is an error, as is a record that is not an
/// object. Syntax errors name the line and column (and the record for JSON Lines). Memory is one
/// record plus a 1 MiB buffer.
final class JSONRecordParser: RecordReader {
    /// The file as the user named it.
    let file: String
    /// Always nil: JSON files have no sheets.
    var sheet: String? { nil }
    /// Every key seen so far, in first-seen order (each record also carries its own columns).
    private(set) var columns: [Column] = []
    /// Warnings recovered from so far.
    private(set) var warnings = WarningLog()
    /// Whether the file is read as JSON Lines.
    let isJSONLines: Bool

    private enum State {
        case lines
        case array(afterFirst: Bool)
        case trailing
        case done
    }

    private let input: ByteChunkReader
    private var tok: JSONTokenizer
    private var parts = JSONTokenizer.Parts()
    private var state: State
    private var enclosingObjects = 0
    private var columnIndex: [String: Int] = [:]
    private var previousKeyBytes: [UInt8] = []
    private var previousKeyEnds: [Int] = []
    private var previousColumns: [Column] = []
    private var lastRecordEndLine = 0
    private var warnedSurrogates = false
    private let maxRecordBytes: Int
    private let maxColumns: Int

    /// Opens a JSON or JSON Lines file and walks to its first record.
    /// - Parameters:
    ///   - path: the file; `.jsonl` / `.ndjson` (or `options.format == .jsonl`) means JSON Lines.
    ///   - options: the encoding and `records_path`.
    /// - Throws: ``ReadError``: `unreadable`, `malformed` (syntax, or a top level that is not an array),
    ///   `encoding`, `notFound` (a `records_path` that is not there), `usage`.
    init(path: String, options: ReadOptions, chunkSize: Int) throws {
        file = path
        let format = try Readers.format(of: path, options: options)
        isJSONLines = format == .jsonl
        maxRecordBytes = max(options.limits.maxCellBytes, 1024) * 16
        maxColumns = options.limits.maxColumns
        input = try ByteChunkReader(path: path, encoding: options.encoding, chunkSize: chunkSize)
        if input.guessedUTF16 {
            warnings.add(
                ReadWarning(
                    file: path, line: 1,
                    message:
                        "the file has no byte order mark, but every other byte is zero, so it was read as UTF-16 \(input.transcoding == .utf16BE ? "big" : "little")-endian; save it as UTF-8 (or UTF-16 with a byte order mark) to be sure"
                ))
        }
        let decoding: JSONTokenizer.Decoding =
            input.transcoding == .none && options.encoding == .windows1252 ? .windows1252 : .utf8
        tok = JSONTokenizer(file: path, decoding: decoding, namesRecords: isJSONLines, buffer: input.base)
        tok.end = input.end
        tok.eof = input.atEOF
        if isJSONLines {
            if let p = options.recordsPath {
                throw ReadError(
                    .usage, file: path,
                    message:
                        "records_path \"\(p)\" applies to a JSON document, but this is JSON Lines (one record per line); remove records_path"
                )
            }
            state = .lines
            return
        }
        state = .done
        guard let c = try peek() else {
            throw ReadError(
                .malformed, file: path, line: tok.line,
                message:
                    "the file is empty; expected a JSON array of records (or one object per line in a .jsonl file)")
        }
        if let recordsPath = options.recordsPath {
            try walk(to: recordsPath, first: c)
        } else if c == UInt8(ascii: "[") {
            tok.i += 1
            state = .array(afterFirst: false)
        } else if c == UInt8(ascii: "{") {
            let arrays = try arrayMembers()
            let hint =
                arrays.isEmpty
                ? "set records_path (--records-path) to the array of records inside it"
                : "set records_path (--records-path) to the array of records inside it (its arrays: \(arrays.map { "\"\($0)\"" }.joined(separator: ", ")))"
            throw ReadError(
                .malformed, file: path, line: 1,
                message:
                    "line 1: the top level is an object, not an array of records; \(hint), or name the file .jsonl if it holds one object per line"
            )
        } else {
            throw ReadError(
                .malformed, file: path, line: tok.line,
                message:
                    "line \(tok.line): the top level is \(Self.kindPhrase(c)), not an array of records; a JSON input must be an array of objects, or set records_path"
            )
        }
    }

    /// The next record, or nil at the end of the input.
    /// - Throws: ``ReadError``: `malformed` (syntax, a duplicate key, a record that is not an object),
    ///   `encoding`, `unsafe` (nesting deeper than 512 levels).
    func next() throws -> Record? {
        guard let (row, recordColumns) = try step() else { return nil }
        return Record(
            source: RowSource(file: file, row: row, record: tok.recordNumber), columns: recordColumns,
            values: try tok.values(of: parts))
    }

    /// Parses the next record that is not entirely empty without making `String`s of its values
    /// (for ``Converter``): its row and columns, its values left for ``appendRawTexts(to:ends:)``.
    /// nil at the end of the input.
    func nextRaw() throws -> (row: Int, columns: [Column])? {
        try step()
    }

    /// Appends the canonical text of each value of the record from ``nextRaw()`` to `bytes`, and
    /// each one's end offset to `ends`; returns how many values there are.
    /// - Throws: ``ReadError`` (`encoding`) when a string's bytes are not UTF-8.
    func appendRawTexts(to bytes: WriteBuffer, ends: inout [Int]) throws -> Int {
        try tok.forEachText(in: parts) { _, text in
            bytes.append(contentsOf: text)
            ends.append(bytes.count)
        }
        return parts.leaves.count
    }

    /// Walks to the next record that is not entirely empty and parses it.
    private func step() throws -> (row: Int, columns: [Column])? {
        while true {
            switch state {
            case .done:
                return nil
            case .trailing:
                try finishDocument()
                state = .done
                return nil
            case .lines:
                guard let c = try peek() else {
                    state = .done
                    return nil
                }
                if tok.recordNumber > 0 && tok.line == lastRecordEndLine {
                    throw tok.syntax("expected a line break after the record (one object per line)")
                }
                tok.recordNumber += 1
                guard c == UInt8(ascii: "{") else { throw notAnObject(c) }
                let r = try readRecord()
                lastRecordEndLine = tok.line
                if let r { return r }
            case .array(let afterFirst):
                guard var c = try peek() else { throw tok.syntax("the file ends inside the array of records") }
                if c == UInt8(ascii: "]") {
                    tok.i += 1
                    state = .trailing
                    continue
                }
                if afterFirst {
                    guard c == UInt8(ascii: ",") else {
                        throw tok.syntax("expected \",\" or \"]\" after record \(tok.recordNumber)")
                    }
                    tok.i += 1
                    guard let d = try peek(), d != UInt8(ascii: "]") else {
                        throw tok.syntax("expected a record after \",\"")
                    }
                    c = d
                }
                state = .array(afterFirst: true)
                tok.recordNumber += 1
                guard c == UInt8(ascii: "{") else { throw notAnObject(c) }
                if let r = try readRecord() { return r }
            }
        }
    }

    // MARK: Records

    /// Parses the object at the read position (restarting it after a refill when it runs past the
    /// buffer); its row and columns, or nil when all its values are empty.
    private func readRecord() throws -> (row: Int, columns: [Column])? {
        let startLine = tok.line
        while true {
            let saved = (tok.i, tok.line, tok.lineStart, tok.lineCharsBefore)
            do {
                try tok.parseRecord(into: &parts)
                break
            } catch is JSONTokenizer.NeedMore {
                (tok.i, tok.line, tok.lineStart, tok.lineCharsBefore) = saved
                if tok.end - tok.i > maxRecordBytes {
                    throw ReadError(
                        .unsafe, file: file, line: startLine,
                        message:
                            "record \(tok.recordNumber) (line \(startLine)) is longer than \(maxRecordBytes >> 20) MiB; check that the file is what it should be, or raise limits.maxCellBytes (records may be 16 times as long)"
                    )
                }
                try refill(keepingFrom: tok.i)
            }
        }
        for w in tok.warnings { warnings.add(w) }
        let recordColumns: [Column]
        if sameKeysAsPrevious() {
            recordColumns = previousColumns
        } else {
            recordColumns = try newColumns(line: startLine)
        }
        for leaf in parts.leaves where leaf.kind != .empty && (leaf.kind != .text || leaf.end > leaf.start) {
            return (startLine, recordColumns)
        }
        return nil
    }

    /// Whether this record's keys are byte for byte the previous record's (the common case).
    private func sameKeysAsPrevious() -> Bool {
        guard parts.keyEnds.count == previousKeyEnds.count, parts.keyBytes.count == previousKeyBytes.count,
            !previousColumns.isEmpty || parts.keyEnds.isEmpty
        else { return false }
        let n = parts.keyBytes.count
        let same = parts.keyBytes.withUnsafeBytes { a in
            previousKeyBytes.withUnsafeBytes { b in
                guard n > 0, let x = a.baseAddress, let y = b.baseAddress else { return true }
                return memcmp(x, y, n) == 0
            }
        }
        return same && parts.keyEnds == previousKeyEnds
    }

    /// The columns of a record whose keys differ from the previous one's: checks for repeated keys and
    /// adds new keys to ``columns``.
    private func newColumns(line: Int) throws -> [Column] {
        var result: [Column] = []
        result.reserveCapacity(parts.keyEnds.count)
        var seen = Set<String>(minimumCapacity: parts.keyEnds.count)
        var start = 0
        for end in parts.keyEnds {
            let key = try parts.keyBytes[start..<end].withUnsafeBufferPointer { b -> String in
                if let s = TextDecoding.utf8(b) { return s }
                let bad = TextDecoding.firstInvalidUTF8(b).map { b[$0] } ?? 0
                throw ReadError(
                    .encoding, file: file, line: line,
                    message:
                        "\(recordText(line: line)): a key holds byte \(TextDecoding.hex(bad)), which is not valid UTF-8 as JSON requires; save the file as UTF-8, or pass --encoding windows-1252 (encoding: windows-1252) if it was written that way"
                )
            }
            start = end
            guard seen.insert(key).inserted else {
                let flattened =
                    key.contains(".")
                    ? " (nested objects are flattened to dotted names, so \"a\": {\"b\"} and \"a.b\" collide)" : ""
                throw ReadError(
                    .malformed, file: file, line: line,
                    message:
                        "\(recordText(line: line)) has the key \"\(key)\" twice\(flattened); JSON parsers disagree on which value wins, so keep only one"
                )
            }
            let column = Column(header: key, letter: nil)
            result.append(column)
            if columnIndex[key] == nil {
                guard columns.count < maxColumns else {
                    throw ReadError(
                        .unsafe, file: file, line: line,
                        message:
                            "\(recordText(line: line)) brings key number \(columns.count + 1) (\"\(key.prefix(60))\"); a file may have at most \(maxColumns) distinct keys (Excel's column limit), and each would become a column of every row: check that the keys are names, not data"
                    )
                }
                columnIndex[key] = columns.count
                columns.append(column)
            }
        }
        swap(&previousKeyBytes, &parts.keyBytes)
        swap(&previousKeyEnds, &parts.keyEnds)
        previousColumns = result
        return result
    }

    private func recordText(line: Int) -> String {
        "record \(tok.recordNumber) (line \(line))"
    }

    private func notAnObject(_ c: UInt8) -> ReadError {
        switch c {
        case 0x22, UInt8(ascii: "["), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"),
            UInt8(ascii: "f"), UInt8(ascii: "n"):
            return ReadError(
                .malformed, file: file, line: tok.line,
                column: String(tok.columnNumber(at: tok.i)),
                message:
                    "\(recordText(line: tok.line)) is \(Self.kindPhrase(c)), not an object; every record must be a JSON object (\"{...}\")"
            )
        default:
            return tok.syntax("expected a record (a JSON object)")
        }
    }

    static func kindPhrase(_ c: UInt8) -> String {
        switch c {
        case 0x22: return "a string"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        default: return "not JSON (it starts with \"\(JSONTokenizer.show(c))\")"
        }
    }

    // MARK: Streaming helpers

    /// Moves the unread bytes from `keep` to the front of the buffer and reads more.
    private func refill(keepingFrom keep: Int) throws {
        if tok.lineStart < keep {
            tok.lineCharsBefore += TextDecoding.characterCount(
                UnsafeBufferPointer(start: UnsafePointer(tok.p + tok.lineStart), count: keep - tok.lineStart))
            tok.lineStart = keep
        }
        try input.refill(keepingFrom: keep)
        tok.p = input.base
        tok.end = input.end
        tok.eof = input.atEOF
        tok.i -= keep
        tok.lineStart -= keep
        if input.loneSurrogates > 0 && !warnedSurrogates {
            warnedSurrogates = true
            warnings.add(
                ReadWarning(
                    file: file, line: tok.line,
                    message:
                        "the UTF-16 text holds unpaired surrogates (first after line \(tok.line)); read them as U+FFFD"
                ))
        }
    }

    /// Skips whitespace (refilling as needed) and returns the next byte, or nil at the end of the file.
    private func peek() throws -> UInt8? {
        while true {
            tok.skipWhitespace()
            if tok.i < tok.end { return tok.p[tok.i] }
            if tok.eof { return nil }
            try refill(keepingFrom: tok.i)
        }
    }

    /// Reads the key at the read position (an opening quote).
    private func readKey() throws -> String {
        while true {
            let saved = (tok.i, tok.line, tok.lineStart, tok.lineCharsBefore)
            do {
                return try tok.parseKey()
            } catch is JSONTokenizer.NeedMore {
                (tok.i, tok.line, tok.lineStart, tok.lineCharsBefore) = saved
                try refill(keepingFrom: tok.i)
            }
        }
    }

    /// Skips the value at the read position without keeping it.
    private func skipValue() throws {
        var state = JSONTokenizer.SkipState()
        while try !tok.skipValue(&state) {
            try refill(keepingFrom: tok.i)
        }
    }

    /// Reads `"key": value` after an object's `{` or `,`; returns the key and the value's first byte.
    private func member() throws -> (key: String, first: UInt8) {
        guard try peek() == 0x22 else { throw tok.syntax("expected a key in quotes") }
        let key = try readKey()
        guard try peek() == UInt8(ascii: ":") else { throw tok.syntax("expected \":\" after the key") }
        tok.i += 1
        guard let v = try peek() else { throw tok.syntax("expected a value") }
        return (key, v)
    }

    /// Walks from the top-level object to the array at `path`, skipping the members on the way.
    private func walk(to path: String, first: UInt8) throws {
        let names = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !names.contains(where: \.isEmpty) else {
            throw ReadError(
                .usage, file: file,
                message:
                    "records_path \"\(path)\" has an empty part; write the keys separated by single dots (data.items)")
        }
        var c = first
        var walked: [String] = []
        for name in names {
            let here = walked.isEmpty ? "the top level" : "\"\(walked.joined(separator: "."))\""
            guard c == UInt8(ascii: "{") else {
                throw ReadError(
                    .notFound, file: file, line: tok.line,
                    message: "records_path \"\(path)\": \(here) is \(Self.kindPhrase(c)), not an object; check the path"
                )
            }
            tok.i += 1
            var seen: [String] = []
            var firstMember = true
            while true {
                guard let b = try peek() else { throw tok.syntax("the file ends inside an object") }
                if b == UInt8(ascii: "}") {
                    let has =
                        seen.isEmpty ? "it is empty" : "it has \(seen.map { "\"\($0)\"" }.joined(separator: ", "))"
                    throw ReadError(
                        .notFound, file: file, line: tok.line,
                        message: "records_path \"\(path)\": \(here) has no member \"\(name)\" (\(has)); check the path")
                }
                if !firstMember {
                    guard b == UInt8(ascii: ",") else { throw tok.syntax("expected \",\" or \"}\"") }
                    tok.i += 1
                }
                firstMember = false
                let m = try member()
                if m.key == name {
                    c = m.first
                    break
                }
                if seen.count < 12 { seen.append(m.key) }
                try skipValue()
            }
            walked.append(name)
        }
        guard c == UInt8(ascii: "[") else {
            throw ReadError(
                .notFound, file: file, line: tok.line,
                message:
                    "records_path \"\(path)\" is \(Self.kindPhrase(c)), not an array of records; point it at the array")
        }
        tok.i += 1
        enclosingObjects = names.count
        state = .array(afterFirst: false)
    }

    /// The names of the top-level members whose values are arrays (for the "not an array" message).
    private func arrayMembers() throws -> [String] {
        tok.i += 1
        var arrays: [String] = []
        var firstMember = true
        while let b = try peek(), b != UInt8(ascii: "}") {
            if !firstMember {
                guard b == UInt8(ascii: ",") else { throw tok.syntax("expected \",\" or \"}\"") }
                tok.i += 1
            }
            firstMember = false
            let m = try member()
            if m.first == UInt8(ascii: "[") && arrays.count < 10 { arrays.append(m.key) }
            try skipValue()
        }
        return arrays
    }

    /// After the records array: closes the objects around it and checks that nothing follows.
    private func finishDocument() throws {
        for _ in 0..<enclosingObjects {
            while true {
                guard let b = try peek() else { throw tok.syntax("the file ends inside an object") }
                if b == UInt8(ascii: "}") {
                    tok.i += 1
                    break
                }
                guard b == UInt8(ascii: ",") else { throw tok.syntax("expected \",\" or \"}\"") }
                tok.i += 1
                _ = try member()
                try skipValue()
            }
        }
        if try peek() != nil {
            throw tok.syntax("expected the end of the file after the array of records")
        }
    }
}
