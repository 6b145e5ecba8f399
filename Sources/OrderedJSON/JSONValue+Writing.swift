/// Writing a ``JSONValue`` as JSON text: compact (``jsonText``, ``append(to:)``) or indented
/// (``prettyText``).
extension JSONValue {
    /// The value as JSON text.
    public var jsonText: String {
        var out: [UInt8] = []
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the value's JSON text to a byte buffer (`[UInt8]`, or a caller's buffer in hot loops).
    ///
    /// Items and fields are read in place through their buffers' pointers: iterating the arrays
    /// copied every element out (a retain and a release per key and per value). Inlinable, so a
    /// caller in another module gets it specialised for its buffer type.
    @inlinable
    public func append<Out: ByteAppender>(to out: inout Out) {
        switch self {
        case .null: Self.append("null", to: &out)
        case .bool(let b): Self.append(b ? "true" : "false", to: &out)
        case .number(let n): Self.append(n, to: &out)
        case .string(let s): JSONString.append(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            items.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for i in 0..<buffer.count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    (base + i).pointee.append(to: &out)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            fields.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for i in 0..<buffer.count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    let field = base + i
                    JSONString.append(field.pointee.key, to: &out)
                    out.append(UInt8(ascii: ":"))
                    field.pointee.value.append(to: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends text that needs no escaping (literals and number texts).
    @inlinable @inline(__always)
    static func append<Out: ByteAppender>(_ text: String, to out: inout Out) {
        var t = text
        t.withUTF8 { out.append(contentsOf: $0) }
    }

    /// The value as indented JSON text (two spaces), for files people read.
    public var prettyText: String {
        var out = ""
        pretty(into: &out, indent: "")
        return out + "\n"
    }

    private func pretty(into out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, v) in items.enumerated() {
                out += inner
                v.pretty(into: &out, indent: inner)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let fields) where !fields.isEmpty:
            out += "{\n"
            for (i, f) in fields.enumerated() {
                out += inner + JSONString.quoted(f.key) + ": "
                f.value.pretty(into: &out, indent: inner)
                out += i == fields.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default: out += jsonText
        }
    }
}
