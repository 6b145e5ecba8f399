/// A normalised value as it will be sent: JSON with numbers kept as exact text and objects in order.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number, as its exact JSON text.
    case number(String)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keys in order.
    case object([JSONField])

    /// The value as plain text for messages and comparisons (strings unquoted, lists joined with `|`).
    public var plainText: String {
        switch self {
        case .null: return ""
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return items.map(\.plainText).joined(separator: "|")
        case .object: return jsonText
        }
    }

    /// Whether the value is null, an empty string or an empty list.
    public var isEmpty: Bool {
        switch self {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }

    /// The value of a key, for objects.
    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields.first { $0.key == key }?.value }
        return nil
    }
}

/// One key of a JSON object.
public struct JSONField: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value.
    public var value: JSONValue

    /// Creates a field.
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue {
    /// An object from ordered pairs.
    public static func obj(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(pairs.map { JSONField($0.0, $0.1) }) }

    /// An integer number.
    public static func int(_ n: Int) -> JSONValue { .number(String(n)) }
}
