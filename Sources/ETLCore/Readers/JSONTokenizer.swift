import OrderedJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The byte-level JSON scanner behind ``JSONRecordReader``.
///
/// It works on a window of a ``ByteChunkReader`` buffer and parses one record at a time into
/// flattened keys and values. When a record runs past the buffered bytes it throws
/// ``NeedMore``; the reader refills and parses the record again from its start. Line and column
/// are tracked for messages (columns count characters on the line).
struct JSONTokenizer {
    /// Thrown when the bytes end before the token does and more can be read.
    struct NeedMore: Error {}

    /// How string bytes become text.
    enum Decoding {
        /// UTF-8 only; other bytes are an error naming the line.
        case utf8
        /// Windows-1252 throughout.
        case windows1252
    }

    /// The file, for messages.
    let file: String
    /// How string bytes become text.
    let decoding: Decoding
    /// Whether messages name the record (JSON Lines).
    let namesRecords: Bool
    /// The deepest nesting of objects and arrays accepted inside a record.
    static let maxDepth = 512

    /// The buffer window.
    var p: UnsafeMutablePointer<UInt8>
    /// The end of the valid bytes.
    var end = 0
    /// Whether no bytes follow `end`.
    var eof = false
    /// The read position.
    var i = 0
    /// The line at `i`.
    var line = 1
    /// The buffer index where the current line starts (never before the buffer start).
    var lineStart = 0
    /// Characters of the current line that were dropped from the buffer before `lineStart`.
    var lineCharsBefore = 0
    /// The 1-based number of the record being parsed, for messages.
    var recordNumber = 0

    /// Warnings found in the record (committed when it parses completely).
    var warnings: [ReadWarning] = []
    private var depth = 0

    /// One record's flattened keys and values, plus reusable scratch space.
    struct Parts {
        /// The flattened keys of the record, back to back, as UTF-8.
        var keyBytes: [UInt8] = []
        /// The end offset of each key in `keyBytes`.
        var keyEnds: [Int] = []
        /// The record's values, parallel to `keyEnds`, as spans (read with ``JSONTokenizer/values(of:)``
        /// or ``JSONTokenizer/withText(of:in:_:)``; valid until the next record is parsed).
        var leaves: [Leaf] = []
        /// Texts that could not stay spans of the buffer: strings with escapes (decoded), strings
        /// read as Windows-1252 (transcoded), arrays (compact JSON text).
        var valueBytes: [UInt8] = []
        var prefix: [UInt8] = []
        var scratch: [UInt8] = []
        var scratch2: [UInt8] = []
        /// The previous record's keys (`keyBytes` and `keyEnds` as they were), when none of them
        /// holds a byte a JSON string would escape: then a key written exactly as the previous
        /// record's key at the same place is taken by one comparison instead of being scanned.
        var hintBytes: [UInt8] = []
        var hintEnds: [Int] = []
        var hintUsable = false
    }

    /// One value of a record, not yet a `String`.
    struct Leaf {
        enum Kind: UInt8 {
            /// `null`, or an empty object.
            case empty
            /// Text, still to be checked as UTF-8.
            case text
            /// A number's exact source text (ASCII).
            case number
            /// `true`.
            case yes
            /// `false`.
            case no
        }
        var kind: Kind
        /// Whether `start..<end` indexes the read buffer (else `Parts.valueBytes`).
        var inBuffer: Bool
        var start: Int
        var end: Int
        /// The line on which the value starts, for an encoding error.
        var line: Int

        static let empty = Leaf(kind: .empty, inBuffer: true, start: 0, end: 0, line: 0)
    }

    init(file: String, decoding: Decoding, namesRecords: Bool, buffer: UnsafeMutablePointer<UInt8>) {
        self.file = file
        self.decoding = decoding
        self.namesRecords = namesRecords
        p = buffer
    }

    // MARK: Whitespace and single bytes

    /// Skips JSON whitespace, counting lines. Stops at the end of the window (check ``atEnd``).
    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let c = p[i]
            if c == 0x20 || c == 0x09 || c == 0x0D {
                i += 1
            } else if c == 0x0A {
                i += 1
                line += 1
                lineStart = i
                lineCharsBefore = 0
            } else {
                return
            }
        }
    }

    /// Skips whitespace; throws ``NeedMore`` at the end of the window unless the file ends there.
    /// - Returns: the next byte, or nil at the end of the file.
    @inline(__always)
    mutating func nextByte() throws -> UInt8? {
        skipWhitespace()
        if i < end { return p[i] }
        if eof { return nil }
        throw NeedMore()
    }

    // MARK: Records

    /// Parses the object at `i` (which must be `{`) into `keyBytes`, `keyEnds` and `values`.
    /// - Throws: ``NeedMore`` or ``ReadError``.
    mutating func parseRecord(into o: inout Parts) throws {
        // The keys parsed last become the hint (a record parsed again after a refill hints with its
        // own first keys, which are still right).
        swap(&o.hintBytes, &o.keyBytes)
        swap(&o.hintEnds, &o.keyEnds)
        o.hintUsable = o.hintBytes.withUnsafeBufferPointer { h in
            guard let base = h.baseAddress else { return false }
            return JSONString.firstSpecial(base, from: 0, to: h.count) == h.count
        }
        o.keyBytes.removeAll(keepingCapacity: true)
        o.keyEnds.removeAll(keepingCapacity: true)
        o.leaves.removeAll(keepingCapacity: true)
        o.valueBytes.removeAll(keepingCapacity: true)
        o.prefix.removeAll(keepingCapacity: true)
        warnings.removeAll(keepingCapacity: true)
        depth = 0
        i += 1
        _ = try parseMembers(&o)
    }

    /// Parses members after `{` up to and including `}`; returns how many leaves it added.
    private mutating func parseMembers(_ o: inout Parts) throws -> Int {
        depth += 1
        if depth > Self.maxDepth { throw tooDeep() }
        defer { depth -= 1 }
        var leaves = 0
        guard let first = try nextByte() else { throw syntax("expected a key or \"}\"") }
        if first == UInt8(ascii: "}") {
            i += 1
            return 0
        }
        while true {
            guard try nextByte() == 0x22 else { throw syntax("expected a key in quotes") }
            let keyStart = o.keyBytes.count
            if !o.prefix.isEmpty {
                o.keyBytes.append(contentsOf: o.prefix)
                try appendStringContent(to: &o.keyBytes)
            } else if !takeHintedKey(&o) {
                try appendStringContent(to: &o.keyBytes)
            }
            guard try nextByte() == UInt8(ascii: ":") else { throw syntax("expected \":\" after the key") }
            i += 1
            guard let v = try nextByte() else { throw syntax("expected a value") }
            if v == UInt8(ascii: "{") {
                // A nested object: its keys become `key.member`.
                let saved = o.prefix.count
                o.prefix.append(contentsOf: o.keyBytes[(keyStart + saved)...])
                o.prefix.append(UInt8(ascii: "."))
                o.keyBytes.removeSubrange(keyStart...)
                i += 1
                let added = try parseMembers(&o)
                if added == 0 {
                    // An empty object keeps its key, with no value.
                    o.keyBytes.append(contentsOf: o.prefix[..<(o.prefix.count - 1)])
                    o.keyEnds.append(o.keyBytes.count)
                    o.leaves.append(.empty)
                    leaves += 1
                } else {
                    leaves += added
                }
                o.prefix.removeSubrange(saved...)
            } else {
                o.keyEnds.append(o.keyBytes.count)
                o.leaves.append(try parseLeaf(v, &o))
                leaves += 1
            }
            guard let sep = try nextByte() else { throw syntax("expected \",\" or \"}\"") }
            if sep == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if sep == UInt8(ascii: "}") {
                i += 1
                return leaves
            }
            throw syntax("expected \",\" or \"}\" after a value")
        }
    }

    /// Takes the key at `i` (an opening quote) when its bytes are exactly the previous record's key
    /// at this position followed by a closing quote; the hint holds no quote, backslash or control
    /// byte, so those bytes are the whole string with nothing to unescape or check. In UTF-8 mode
    /// only (Windows-1252 keys are transcoded, so their bytes differ from the hint's).
    @inline(__always)
    private mutating func takeHintedKey(_ o: inout Parts) -> Bool {
        let k = o.keyEnds.count
        guard o.hintUsable, decoding == .utf8, k < o.hintEnds.count else { return false }
        let from = k == 0 ? 0 : o.hintEnds[k - 1]
        let n = o.hintEnds[k] - from
        guard n > 0, i + n + 2 <= end, p[i + n + 1] == 0x22 else { return false }
        let start = i + 1
        let same = o.hintBytes.withUnsafeBufferPointer { h in
            guard let base = h.baseAddress else { return false }
            return memcmp(p + start, base + from, n) == 0
        }
        guard same else { return false }
        o.keyBytes.append(contentsOf: UnsafeBufferPointer(start: UnsafePointer(p + start), count: n))
        i = start + n + 1
        return true
    }

    /// A value that is not an object.
    private mutating func parseLeaf(_ c: UInt8, _ o: inout Parts) throws -> Leaf {
        let startLine = line
        switch c {
        case 0x22:
            let s = try findString()
            if !s.escaped && decoding == .utf8 {
                return Leaf(kind: .text, inBuffer: true, start: s.start, end: s.end, line: startLine)
            }
            let from = o.valueBytes.count
            if s.escaped {
                unescape(from: s.start, to: s.end, into: &o.valueBytes)
            } else {
                appendRaw(from: s.start, to: s.end, into: &o.valueBytes)
            }
            return Leaf(kind: .text, inBuffer: false, start: from, end: o.valueBytes.count, line: startLine)
        case UInt8(ascii: "["):
            let from = o.valueBytes.count
            try serialiseValue(into: &o.valueBytes, temp: &o.scratch2)
            return Leaf(kind: .text, inBuffer: false, start: from, end: o.valueBytes.count, line: startLine)
        case UInt8(ascii: "t"):
            try literal("true")
            return Leaf(kind: .yes, inBuffer: true, start: 0, end: 0, line: startLine)
        case UInt8(ascii: "f"):
            try literal("false")
            return Leaf(kind: .no, inBuffer: true, start: 0, end: 0, line: startLine)
        case UInt8(ascii: "n"):
            try literal("null")
            return .empty
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let s = i
            try scanNumber()
            return Leaf(kind: .number, inBuffer: true, start: s, end: i, line: startLine)
        default:
            throw syntax("expected a value")
        }
    }

    /// Calls `body` with the kind and the canonical text of each value of `o`, in order, as valid
    /// UTF-8: a string's text, a number's exact source, `TRUE` / `FALSE`, nothing for empty. The
    /// one place a value's bytes are found and checked, for ``values(of:)`` and for `convert`.
    /// - Throws: ``ReadError`` (`encoding`) when a string's bytes are not UTF-8.
    func forEachText(in o: Parts, _ body: (Leaf.Kind, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let base = UnsafePointer(p)
        try o.leaves.withUnsafeBufferPointer { leaves in
            try o.valueBytes.withUnsafeBufferPointer { side in
                for leaf in leaves {
                    let text: UnsafeBufferPointer<UInt8>
                    switch leaf.kind {
                    case .empty: text = UnsafeBufferPointer(start: nil, count: 0)
                    case .yes: text = Self.bytes(of: "TRUE")
                    case .no: text = Self.bytes(of: "FALSE")
                    case .number: text = UnsafeBufferPointer(start: base + leaf.start, count: leaf.end - leaf.start)
                    case .text:
                        text =
                            leaf.inBuffer
                            ? UnsafeBufferPointer(start: base + leaf.start, count: leaf.end - leaf.start)
                            : UnsafeBufferPointer(rebasing: side[leaf.start..<leaf.end])
                        guard TextDecoding.isValidUTF8(text) else { throw encodingError(text, line: leaf.line) }
                    }
                    try body(leaf.kind, text)
                }
            }
        }
    }

    @inline(__always) private static func bytes(of s: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }

    /// The record's values as cells.
    /// - Throws: ``ReadError`` (`encoding`) when a string's bytes are not UTF-8.
    func values(of o: Parts) throws -> [CellValue] {
        var values: [CellValue] = []
        values.reserveCapacity(o.leaves.count)
        try forEachText(in: o) { kind, text in
            switch kind {
            case .empty: values.append(.empty)
            case .yes: values.append(.bool(true))
            case .no: values.append(.bool(false))
            case .number: values.append(.decimal(String(decoding: text, as: UTF8.self)))
            case .text: values.append(.text(String(decoding: text, as: UTF8.self)))
            }
        }
        return values
    }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        var k = 0
        while k < n {
            if i + k >= end {
                if !eof { throw NeedMore() }
                i += k
                throw syntax("expected \(word)")
            }
            if p[i + k] != w[k] {
                i += k
                throw syntax("expected \(word)")
            }
            k += 1
        }
        i += n
    }

    /// Scans a number per RFC 8259 (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    private mutating func scanNumber() throws {
        var j = i
        @inline(__always) func byte(_ j: Int) throws -> UInt8? {
            if j < end { return p[j] }
            if eof { return nil }
            throw NeedMore()
        }
        @inline(__always) func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if try byte(j) == UInt8(ascii: "-") { j += 1 }
        let first = try byte(j)
        if first == UInt8(ascii: "0") {
            j += 1
        } else if isDigit(first) {
            j += 1
            while isDigit(try byte(j)) { j += 1 }
        } else {
            i = j
            throw syntax("expected a digit in the number")
        }
        if try byte(j) == UInt8(ascii: ".") {
            j += 1
            guard isDigit(try byte(j)) else {
                i = j
                throw syntax("expected a digit after the decimal point")
            }
            while isDigit(try byte(j)) { j += 1 }
        }
        if let e = try byte(j), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            j += 1
            if let s = try byte(j), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { j += 1 }
            guard isDigit(try byte(j)) else {
                i = j
                throw syntax("expected a digit in the exponent")
            }
            while isDigit(try byte(j)) { j += 1 }
        }
        i = j
    }

    // MARK: Strings

    /// The end of the plain run at `from`: the first `"`, `\` or control byte, or `end`.
    @inline(__always)
    private func scanString(from: Int) -> Int {
        JSONString.firstSpecial(p, from: from, to: end)
    }

    /// Finds the string at `i` (an opening quote); returns its content range and whether it has escapes,
    /// leaving `i` after the closing quote.
    private mutating func findString() throws -> (start: Int, end: Int, escaped: Bool) {
        let start = i + 1
        var j = start
        var escaped = false
        while true {
            j = scanString(from: j)
            if j >= end {
                if !eof { throw NeedMore() }
                i = end
                throw syntax("the file ends inside a string")
            }
            let c = p[j]
            if c == 0x22 {
                i = j + 1
                return (start, j, escaped)
            }
            if c == 0x5C {
                escaped = true
                if j + 1 >= end {
                    if !eof { throw NeedMore() }
                    i = end
                    throw syntax("the file ends inside a string")
                }
                let e = p[j + 1]
                switch e {
                case _ where JSONString.unescapedByte(e) != nil:
                    j += 2
                case UInt8(ascii: "u"):
                    if j + 6 > end {
                        if !eof { throw NeedMore() }
                        i = end
                        throw syntax("the file ends inside a string")
                    }
                    for k in 2..<6 where Self.hexValue(p[j + k]) == nil {
                        i = j
                        throw syntax("expected 4 hex digits after \\u")
                    }
                    j += 6
                default:
                    i = j
                    throw syntax("unknown escape \\\(Self.show(e)) in a string; escape a backslash as \\\\")
                }
                continue
            }
            i = j
            throw syntax(
                c == 0x0A
                    ? "a line break inside a string (the string is not closed, or the break must be written \\n)"
                    : "control character \(TextDecoding.hex(c)) inside a string; escape it (\\u00XX)")
        }
    }

    /// Parses the string at `i` and appends its content as UTF-8 (escapes decoded).
    private mutating func appendStringContent(to out: inout [UInt8]) throws {
        let s = try findString()
        if s.escaped {
            unescape(from: s.start, to: s.end, into: &out)
        } else {
            appendRaw(from: s.start, to: s.end, into: &out)
        }
    }

    /// Parses a key at `i` (an opening quote) as a `String`, for walking to `records_path`.
    mutating func parseKey() throws -> String {
        var bytes: [UInt8] = []
        let startLine = line
        try appendStringContent(to: &bytes)
        return try text(of: bytes, line: startLine)
    }

    /// Appends raw string bytes, transcoding from Windows-1252 when that is the encoding.
    @inline(__always)
    private func appendRaw(from: Int, to: Int, into out: inout [UInt8]) {
        let bytes = UnsafeBufferPointer(start: UnsafePointer(p + from), count: to - from)
        if decoding == .windows1252 {
            TextDecoding.appendWindows1252(bytes, to: &out)
        } else {
            out.append(contentsOf: bytes)
        }
    }

    /// Decodes escapes in `p[from..<to]` (already checked by `findString`) and appends UTF-8.
    private mutating func unescape(from: Int, to: Int, into out: inout [UInt8]) {
        var j = from
        while j < to {
            var k = j
            while k < to && p[k] != 0x5C { k += 1 }
            if k > j { appendRaw(from: j, to: k, into: &out) }
            if k >= to { break }
            let e = p[k + 1]
            switch e {
            case UInt8(ascii: "u"):
                var scalar = hex4(at: k + 2)
                var consumed = 6
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    if k + 12 <= to && p[k + 6] == 0x5C && p[k + 7] == UInt8(ascii: "u") {
                        let low = hex4(at: k + 8)
                        if low >= 0xDC00 && low <= 0xDFFF {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            consumed = 12
                        }
                    }
                }
                if scalar >= 0xD800 && scalar <= 0xDFFF {
                    warnLoneSurrogate(scalar, at: k)
                    scalar = 0xFFFD
                }
                TextDecoding.appendUTF8(scalar, to: &out)
                j = k + consumed
                continue
            default: out.append(JSONString.unescapedByte(e) ?? e)
            }
            j = k + 2
        }
    }

    private mutating func warnLoneSurrogate(_ unit: UInt32, at index: Int) {
        let column = columnNumber(at: index)
        let digits = Array("0123456789ABCDEF".utf8)
        let hex = (0..<4).map { digits[Int((unit >> (12 - 4 * UInt32($0))) & 15)] }
        var at = "line \(line), column \(column)"
        if namesRecords && recordNumber > 0 { at = "record \(recordNumber) (\(at))" }
        warnings.append(
            ReadWarning(
                file: file, line: line, column: String(column),
                message:
                    "\(at): \\u\(String(decoding: hex, as: UTF8.self)) is an unpaired surrogate; read it as U+FFFD (the replacement character)"
            ))
    }

    @inline(__always)
    private func hex4(at j: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(Self.hexValue(p[j + k]) ?? 0) }
        return v
    }

    @inline(__always)
    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// `buffer` as a `String`, checking UTF-8 (only raw bytes can be invalid; escapes never are).
    private func text(of buffer: [UInt8], line l: Int) throws -> String {
        try buffer.withUnsafeBufferPointer { b in
            if let t = TextDecoding.utf8(b) { return t }
            throw encodingError(b, line: l)
        }
    }

    // MARK: Arrays as JSON text

    /// Re-serialises the value at `i` compactly into `out` (strings re-escaped minimally, numbers
    /// with their exact text, key order kept).
    private mutating func serialiseValue(into out: inout [UInt8], temp: inout [UInt8]) throws {
        guard let c = try nextByte() else { throw syntax("expected a value") }
        switch c {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let isArray = c == UInt8(ascii: "[")
            let close = isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")
            depth += 1
            if depth > Self.maxDepth { throw tooDeep() }
            defer { depth -= 1 }
            i += 1
            out.append(c)
            if try nextByte() == close {
                i += 1
                out.append(close)
                return
            }
            while true {
                if !isArray {
                    guard try nextByte() == 0x22 else { throw syntax("expected a key in quotes") }
                    try serialiseString(into: &out, temp: &temp)
                    guard try nextByte() == UInt8(ascii: ":") else { throw syntax("expected \":\" after the key") }
                    i += 1
                    out.append(UInt8(ascii: ":"))
                }
                try serialiseValue(into: &out, temp: &temp)
                guard let sep = try nextByte() else {
                    throw syntax(isArray ? "expected \",\" or \"]\"" : "expected \",\" or \"}\"")
                }
                if sep == UInt8(ascii: ",") {
                    i += 1
                    out.append(sep)
                    continue
                }
                if sep == close {
                    i += 1
                    out.append(sep)
                    return
                }
                throw syntax(isArray ? "expected \",\" or \"]\" in an array" : "expected \",\" or \"}\" in an object")
            }
        case 0x22:
            try serialiseString(into: &out, temp: &temp)
        case UInt8(ascii: "t"):
            try literal("true")
            out.append(contentsOf: "true".utf8)
        case UInt8(ascii: "f"):
            try literal("false")
            out.append(contentsOf: "false".utf8)
        case UInt8(ascii: "n"):
            try literal("null")
            out.append(contentsOf: "null".utf8)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let s = i
            try scanNumber()
            out.append(contentsOf: UnsafeBufferPointer(start: p + s, count: i - s))
        default:
            throw syntax("expected a value")
        }
    }

    /// Writes the string at `i` as a minimal JSON string literal.
    private mutating func serialiseString(into out: inout [UInt8], temp scratch2: inout [UInt8]) throws {
        let s = try findString()
        out.append(0x22)
        if !s.escaped {
            // Without escapes the source holds no quote, backslash or control byte: copy it.
            appendRaw(from: s.start, to: s.end, into: &out)
        } else {
            scratch2.removeAll(keepingCapacity: true)
            unescape(from: s.start, to: s.end, into: &scratch2)
            for u in scratch2 {
                switch u {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0..<0x20:
                    let digits = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [
                        0x5C, UInt8(ascii: "u"), 0x30, 0x30, digits[Int(u >> 4)], digits[Int(u & 15)],
                    ])
                default: out.append(u)
                }
            }
        }
        out.append(0x22)
    }

    // MARK: Skipping

    /// State of a value being skipped across buffer refills.
    struct SkipState {
        var depth = 0
        var inString = false
        var escape = false
        var started = false
    }

    /// Skips (part of) a value without keeping it: brackets and strings are matched, nothing else
    /// is checked. Returns true when the value is over; false when the window ran out first (refill
    /// and call again with the same state).
    mutating func skipValue(_ s: inout SkipState) throws -> Bool {
        while i < end {
            let b = p[i]
            if s.inString {
                if s.escape {
                    s.escape = false
                } else if b == 0x5C {
                    s.escape = true
                } else if b == 0x22 {
                    s.inString = false
                    if s.depth == 0 {
                        i += 1
                        return true
                    }
                } else if b == 0x0A {
                    i += 1
                    throw syntax("a line break inside a string")
                }
                i += 1
                continue
            }
            switch b {
            case 0x22:
                s.inString = true
                s.started = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                s.depth += 1
                s.started = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if s.depth == 0 { return true }
                s.depth -= 1
                if s.depth == 0 {
                    i += 1
                    return true
                }
            case UInt8(ascii: ","):
                if s.depth == 0 { return true }
            case 0x20, 0x09, 0x0D:
                if s.depth == 0 && s.started { return true }
            case 0x0A:
                if s.depth == 0 && s.started { return true }
                line += 1
                lineStart = i + 1
                lineCharsBefore = 0
            default:
                s.started = true
            }
            i += 1
        }
        if eof {
            if s.depth > 0 || s.inString { throw syntax("the file ends inside a value") }
            return true
        }
        return false
    }

    // MARK: Messages

    /// The 1-based character column of buffer index `index` on the current line.
    func columnNumber(at index: Int) -> Int {
        let from = min(lineStart, index)
        return lineCharsBefore
            + TextDecoding.characterCount(UnsafeBufferPointer(start: UnsafePointer(p + from), count: index - from)) + 1
    }

    /// `line 3, column 17` (with `record 2` for JSON Lines).
    func whereText() -> String {
        var s = "line \(line), column \(columnNumber(at: min(i, end)))"
        if namesRecords && recordNumber > 0 { s = "record \(recordNumber) (\(s))" }
        return s
    }

    /// A syntax error at `i`: what was expected and what was found.
    func syntax(_ expected: String) -> ReadError {
        let found: String
        if i >= end {
            found = eof ? "the end of the file" : "the end of the buffered text"
        } else {
            found = "\"\(Self.show(p[i]))\""
        }
        let message =
            expected.hasPrefix("the file ends") || expected.hasPrefix("a line break") || expected.hasPrefix("control")
                || expected.hasPrefix("unknown escape")
            ? "\(whereText()): \(expected); fix the JSON there"
            : "\(whereText()): \(expected), found \(found); fix the JSON there"
        return ReadError(
            .malformed, file: file, line: line, column: String(columnNumber(at: min(i, end))), message: message)
    }

    private func tooDeep() -> ReadError {
        ReadError(
            .unsafe, file: file, line: line, column: String(columnNumber(at: min(i, end))),
            message:
                "\(whereText()): objects and arrays nest deeper than \(Self.maxDepth) levels; flatten the data before reading it"
        )
    }

    private func encodingError(_ bytes: UnsafeBufferPointer<UInt8>, line l: Int) -> ReadError {
        let bad = TextDecoding.firstInvalidUTF8(bytes).map { bytes[$0] } ?? 0
        var at = "line \(l)"
        if namesRecords && recordNumber > 0 { at = "record \(recordNumber) (line \(l))" }
        return ReadError(
            .encoding, file: file, line: l,
            message:
                "\(at): byte \(TextDecoding.hex(bad)) is not valid UTF-8, which JSON requires; save the file as UTF-8, or pass --encoding windows-1252 (encoding: windows-1252) if it was written that way"
        )
    }

    /// A byte for messages: itself when printable ASCII, else its hex value.
    static func show(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F && b != 0x22 {
            return String(decoding: [b], as: UTF8.self)
        }
        if b == 0x22 { return "\\\"" }
        return TextDecoding.hex(b)
    }
}
