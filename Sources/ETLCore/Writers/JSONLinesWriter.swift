/// Writes JSON Lines: one object per line, keys in the order given.
public final class JSONLinesWriter {
    private let sink: OutputSink
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Creates a writer on a sink.
    public init(sink: OutputSink) { self.sink = sink }

    /// A JSON value for ``writeObject(_:)``.
    public enum Value {
        /// A JSON string.
        case string(String)
        /// A JSON number, already rendered.
        case number(String)
        /// `null`.
        case null
        /// Raw JSON text inserted as is (must be valid JSON).
        case raw(String)
    }

    /// Writes one object on its own line.
    public func writeObject(_ pairs: [(String, Value)]) throws {
        sink.buffer.append(UInt8(ascii: "{"))
        for (i, (k, v)) in pairs.enumerated() {
            if i > 0 { sink.buffer.append(UInt8(ascii: ",")) }
            Self.appendString(k, to: &sink.buffer)
            sink.buffer.append(UInt8(ascii: ":"))
            switch v {
            case .string(let s): Self.appendString(s, to: &sink.buffer)
            case .number(let n), .raw(let n): sink.buffer.append(contentsOf: n.utf8)
            case .null: sink.buffer.append(contentsOf: "null".utf8)
            }
        }
        sink.buffer.append(contentsOf: "}\n".utf8)
        try sink.flushIfNeeded()
    }

    /// The bytes `"key":` for a key, escaped once so a hot loop can reuse them.
    public static func keyPrefix(_ key: String) -> [UInt8] {
        var out: [UInt8] = []
        appendString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        return out
    }

    /// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8).
    public static func appendString<Out: ByteAppender>(_ s: String, to out: inout Out) {
        var s = s
        s.withUTF8 { appendString(bytes: $0, to: &out) }
    }

    /// Appends valid UTF-8 bytes as a JSON string literal (RFC 8259 escaping; non-ASCII kept as is).
    ///
    /// Runs of bytes that need no escaping are found 8 at a time and copied in bulk.
    public static func appendString<Out: ByteAppender>(bytes buf: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        out.append(0x22)
        guard let base = buf.baseAddress else {
            out.append(0x22)
            return
        }
        let n = buf.count
        var runStart = 0
        var i = 0
        while i < n {
            i = ByteScan.firstJSONSpecial(base, from: i, to: n)
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: i - runStart)) }
            guard i < n else { break }
            let u = base[i]
            switch u {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            default:
                for b in [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(u >> 4)], hex[Int(u & 15)]] { out.append(b) }
            }
            i += 1
            runStart = i
        }
        out.append(0x22)
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
