/// A JSON value with numbers kept as their exact text and objects as ordered fields: the records
/// ETLCore sends and reads back, the services' responses, and the sandbox's requests, answers and
/// stored state.
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

    /// A number from a `Double`: an integral value below 10^15 written with `.0` (`100.0`), any
    /// other finite value as Swift prints it, and a non-finite one as `null`.
    public static func double(_ d: Double) -> JSONValue {
        guard d.isFinite else { return .null }
        if d == d.rounded(), abs(d) < 1e15 { return .number(String(Int(d)) + ".0") }
        return .number(String(d))
    }

    /// A string or null.
    public static func optional(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    /// An integer or null.
    public static func optional(_ i: Int?) -> JSONValue { i.map { .int($0) } ?? .null }
}

/// Reading a value's parts.
extension JSONValue {
    /// The string of a `.string`, or nil.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The string of a `.string` or the text of a `.number`, or nil.
    public var textValue: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        default: return nil
        }
    }

    /// The integer of a `.number` whose value is a whole number that fits an `Int` (`3`, `3.0`,
    /// `3e2`), or nil.
    public var intValue: Int? {
        guard case .number(let n) = self else { return nil }
        return Int(n) ?? Double(n).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil }
    }

    /// The integer of a `.number` (as ``intValue``) or of a `.string` holding an integer, or nil.
    public var integerValue: Int? {
        if case .string(let s) = self { return Int(s) }
        return intValue
    }

    /// The number of a `.number`, or nil.
    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }

    /// The value of a `.bool`, or nil.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The items of an `.array`, or nil.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The fields of an `.object`, or nil.
    public var objectValue: [JSONField]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    /// Whether a number's text is an integer: no fraction and no exponent.
    public static func isIntegerText(_ n: String) -> Bool {
        !n.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The name of the value's JSON type, as Pydantic and the JSON-schema spec say it: `integer`
    /// for a number written without fraction or exponent, `number` for any other.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return Self.isIntegerText(n) ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Returns this object with `key` set to `value` (replacing the first such field, or appending).
    /// - Parameters:
    ///   - key: The member name.
    ///   - value: The new value.
    /// - Returns: The updated object; a non-object is returned unchanged.
    public func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = self else { return self }
        if let i = fields.firstIndex(where: { $0.key == key }) {
            fields[i].value = value
        } else {
            fields.append(JSONField(key, value))
        }
        return .object(fields)
    }
}

/// Literals, for building answers and test values: an integer literal is a `.number`, a dictionary
/// literal an object whose fields keep the literal's order.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object literal; keys keep their order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .obj(elements) }
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
}
