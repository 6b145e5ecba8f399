public import OrderedJSON

/// Writes JSON Lines: one object per line, keys in the order given.
public final class JSONLinesWriter {
    private let sink: OutputSink

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
    @inlinable
    public static func appendString<Out: ByteAppender>(_ s: String, to out: inout Out) {
        JSONString.append(s, to: &out)
    }

    /// Appends valid UTF-8 bytes as a JSON string literal (RFC 8259 escaping; non-ASCII kept as is).
    @inlinable
    public static func appendString<Out: ByteAppender>(bytes buf: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        JSONString.append(bytes: buf, to: &out)
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String { JSONString.quoted(s) }
}
