import Foundation
import OrderedJSON

@testable import Sandbox

/// A small JSON-schema checker for the schemas the API pages carry: `type`, `required`,
/// `properties`, `items`, `anyOf`, `allOf`, `enum`, `format` (uuid, date-time), `maxLength` and
/// local `$ref`s to `#/components/schemas/<Name>`.
struct SchemaChecker {
    let schemas: [String: JSONValue]

    /// Loads `components.schemas` of a fixture file.
    init(fixture name: String) throws {
        let data = try fixture(name, "json")
        guard let root = JSONValue.decoded(Array(data)), let components = root["components"]?["schemas"]?.objectValue
        else {
            throw CheckerError(message: "\(name).json has no components.schemas")
        }
        var map: [String: JSONValue] = [:]
        for f in components { map[f.key] = f.value }
        schemas = map
    }

    struct CheckerError: Error { let message: String }

    /// The problems of `value` against the named schema (empty when it conforms).
    func problems(_ value: JSONValue, against name: String) -> [String] {
        guard let schema = schemas[name] else { return ["no schema named \(name)"] }
        var out: [String] = []
        check(value, schema, path: "$", into: &out)
        return out
    }

    private func check(_ value: JSONValue, _ schema: JSONValue, path: String, into out: inout [String]) {
        if let ref = schema["$ref"]?.stringValue {
            let name = String(ref.split(separator: "/").last ?? "")
            guard let target = schemas[name] else {
                out.append("\(path): unresolved $ref \(ref)")
                return
            }
            check(value, target, path: path, into: &out)
            return
        }
        if let all = schema["allOf"]?.arrayValue {
            for s in all { check(value, s, path: path, into: &out) }
        }
        if let any = schema["anyOf"]?.arrayValue {
            let matched = any.contains { s in
                var scratch: [String] = []
                check(value, s, path: path, into: &scratch)
                return scratch.isEmpty
            }
            if !matched { out.append("\(path): matches none of anyOf (\(value.jsonText.prefix(80)))") }
        }
        if let type = schema["type"]?.stringValue, !matches(value, type: type) {
            out.append("\(path): expected \(type), found \(value.typeName)")
            return
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            out.append("\(path): \(value.jsonText) is not one of \(JSONValue.array(options).jsonText)")
        }
        if case .string(let s) = value {
            if let max = schema["maxLength"]?.intValue, s.unicodeScalars.count > max {
                out.append("\(path): longer than \(max) characters")
            }
            switch schema["format"]?.stringValue {
            case "uuid"?:
                if s.range(
                    of: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                    options: .regularExpression) == nil
                {
                    out.append("\(path): \"\(s)\" is not a uuid")
                }
            case "date-time"?:
                let pattern = "^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:?\\d{2})?$"
                if s.range(of: pattern, options: .regularExpression) == nil {
                    out.append("\(path): \"\(s)\" is not a date-time")
                }
            default: break
            }
        }
        if case .object(let pairs) = value {
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            where !pairs.contains(where: { $0.key == required }) {
                out.append("\(path): missing required \(required)")
            }
            for (key, sub) in (schema["properties"]?.objectValue ?? []).map({ ($0.key, $0.value) }) {
                if let member = pairs.first(where: { $0.key == key })?.value {
                    check(member, sub, path: "\(path).\(key)", into: &out)
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { check(item, itemSchema, path: "\(path)[\(i)]", into: &out) }
        }
    }

    private func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
            ("number", .number):
            return true
        case ("integer", .number(let n)): return Double(n).map { $0 == $0.rounded() } ?? false
        default: return false
        }
    }
}
