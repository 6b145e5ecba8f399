/// `Codable` through a `Decoder`/`Encoder` (the sandbox's state files go through Foundation's
/// `JSONEncoder`/`JSONDecoder`): booleans are never taken for numbers; an integer is decoded as
/// its decimal text and any other number as ``JSONValue/double(_:)`` writes it; an object's keys
/// come back sorted, since a keyed container does not keep their order.
extension JSONValue: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            let keyed = try decoder.container(keyedBy: Key.self)
            var fields: [JSONField] = []
            for key in keyed.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                fields.append(JSONField(key.stringValue, try keyed.decode(JSONValue.self, forKey: key)))
            }
            self = .object(fields)
        }
    }

    /// Encodes the value, fields in order; a number as an `Int` when its text is one, else as a
    /// `Double`.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .number(let n):
            var c = encoder.singleValueContainer()
            if let i = Int(n) { try c.encode(i) } else { try c.encode(Double(n) ?? 0) }
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let a):
            var c = encoder.unkeyedContainer()
            for v in a { try c.encode(v) }
        case .object(let fields):
            var c = encoder.container(keyedBy: Key.self)
            for f in fields { try c.encode(f.value, forKey: Key(f.key)) }
        }
    }
}
