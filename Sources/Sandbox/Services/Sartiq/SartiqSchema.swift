import Foundation
import OrderedJSON

/// The field limits of Sartiq's `ProductCreate` and `ProductUpdate` (sartiq-products.md), and a
/// validator that answers as FastAPI with Pydantic v2 does: `{"detail": [{type, loc, msg, input, ctx?}]}`.
///
/// Lengths count Unicode code points, as Python's `len` does. `gender` accepts `UNISEX`, `MALE` and
/// `FEMALE`: the page names only the first two; `FEMALE` is our assumption.
enum SartiqSchema {
    enum Kind: Sendable {
        case string(max: Int?)
        case uuid
        case dateTime
        case integer
        case boolean
        case object
        case image
        case imageList
        case stringList
        case gender
    }

    struct Field: Sendable {
        let name: String
        let kind: Kind
        let nullable: Bool
    }

    static let genders = ["UNISEX", "MALE", "FEMALE"]

    /// ProductCreate in the page's order; `required` are `name` and `cover_image`.
    static let createFields: [Field] = [
        Field(name: "sku", kind: .string(max: nil), nullable: true),
        Field(name: "name", kind: .string(max: 255), nullable: false),
        Field(name: "brand", kind: .string(max: 1000), nullable: true),
        Field(name: "master_item_code", kind: .string(max: 255), nullable: true),
        Field(name: "product_type_id", kind: .uuid, nullable: true),
        Field(name: "gender", kind: .gender, nullable: true),
        Field(name: "age_class", kind: .string(max: nil), nullable: true),
        Field(name: "type", kind: .string(max: nil), nullable: true),
        Field(name: "category", kind: .string(max: nil), nullable: true),
        Field(name: "sleeve_type", kind: .string(max: 100), nullable: true),
        Field(name: "neckline", kind: .string(max: 100), nullable: true),
        Field(name: "closure_type", kind: .string(max: 100), nullable: true),
        Field(name: "fit_type", kind: .string(max: 100), nullable: true),
        Field(name: "length_type", kind: .string(max: 100), nullable: true),
        Field(name: "pattern", kind: .string(max: 255), nullable: true),
        Field(name: "materials", kind: .string(max: 1000), nullable: true),
        Field(name: "colour", kind: .string(max: 255), nullable: true),
        Field(name: "season", kind: .string(max: 100), nullable: true),
        Field(name: "year", kind: .integer, nullable: true),
        Field(name: "style_code", kind: .string(max: 255), nullable: true),
        Field(name: "in_store_date", kind: .dateTime, nullable: true),
        Field(name: "theme", kind: .string(max: 255), nullable: true),
        Field(name: "brand_collection", kind: .string(max: 255), nullable: true),
        Field(name: "description", kind: .string(max: 3000), nullable: true),
        Field(name: "back_description", kind: .string(max: 1000), nullable: true),
        Field(name: "ecommerce_description", kind: .string(max: 5000), nullable: true),
        Field(name: "brand_metadata", kind: .object, nullable: true),
        Field(name: "cover_image", kind: .image, nullable: false),
        Field(name: "back_image", kind: .image, nullable: true),
        Field(name: "reference_images", kind: .imageList, nullable: true),
        Field(name: "data_images", kind: .stringList, nullable: true),
        Field(name: "public", kind: .boolean, nullable: false),
        Field(name: "is_filler", kind: .boolean, nullable: true),
        Field(name: "organization_id", kind: .uuid, nullable: true),
    ]

    /// ProductUpdate: every field optional and nullable; `materials` has no maximum.
    static let updateFields: [Field] = createFields.map { f in
        if f.name == "materials" { return Field(name: f.name, kind: .string(max: nil), nullable: true) }
        return Field(name: f.name, kind: f.kind, nullable: true)
    }

    /// Validates a body; returns the normalised values to store, or the FastAPI error items.
    static func validate(_ body: JSONValue, fields: [Field], required: Set<String>) -> Result<
        [String: JSONValue], ValidationFailure
    > {
        guard let pairs = body.objectValue else {
            return .failure(
                ValidationFailure(items: [
                    error(
                        "model_attributes_type", loc: ["body"],
                        msg: "Input should be a valid dictionary or object to extract fields from", input: body)
                ]))
        }
        var values: [String: JSONValue] = [:]
        for f in pairs { values[f.key] = f.value }
        var errors: [JSONValue] = []
        var result: [String: JSONValue] = [:]
        for field in fields {
            guard let value = values[field.name] else {
                if required.contains(field.name) {
                    errors.append(
                        error("missing", loc: ["body", .string(field.name)], msg: "Field required", input: body))
                }
                continue
            }
            if case .null = value, field.nullable {
                result[field.name] = .null
                continue
            }
            switch check(value, field: field) {
            case .success(let normalised): result[field.name] = normalised
            case .failure(let failure): errors += failure.items
            }
        }
        return errors.isEmpty ? .success(result) : .failure(ValidationFailure(items: errors))
    }

    struct ValidationFailure: Error {
        let items: [JSONValue]
    }

    static func error(_ type: String, loc: [JSONValue], msg: String, input: JSONValue, ctx: JSONValue? = nil)
        -> JSONValue
    {
        var pairs: [(String, JSONValue)] = [
            ("type", .string(type)), ("loc", .array(loc)), ("msg", .string(msg)), ("input", input),
        ]
        if let ctx { pairs.append(("ctx", ctx)) }
        return .obj(pairs)
    }

    private static func check(_ value: JSONValue, field: Field) -> Result<JSONValue, ValidationFailure> {
        let loc: [JSONValue] = ["body", .string(field.name)]
        func fail(_ type: String, _ msg: String, ctx: JSONValue? = nil, at: [JSONValue]? = nil) -> Result<
            JSONValue, ValidationFailure
        > {
            .failure(ValidationFailure(items: [error(type, loc: at ?? loc, msg: msg, input: value, ctx: ctx)]))
        }
        switch field.kind {
        case .string(let max):
            guard case .string(let s) = value else { return fail("string_type", "Input should be a valid string") }
            if let max, s.unicodeScalars.count > max {
                return fail(
                    "string_too_long", "String should have at most \(max) characters", ctx: ["max_length": .int(max)])
            }
            return .success(value)
        case .uuid:
            guard case .string(let s) = value else {
                return fail("uuid_type", "UUID input should be a string, bytes or UUID object")
            }
            if let reason = uuidProblem(s) {
                return fail("uuid_parsing", "Input should be a valid UUID, \(reason)", ctx: ["error": .string(reason)])
            }
            return .success(.string(s.lowercased()))
        case .dateTime:
            switch value {
            case .number: return .success(value)
            case .string(let s):
                switch dateTimeProblem(s) {
                case nil:
                    return .success(.string(s.count == 10 ? s + "T00:00:00" : s))
                case .some((let type, let reason)):
                    let prefix =
                        type == "datetime_from_date_parsing"
                        ? "Input should be a valid datetime or date" : "Input should be a valid datetime"
                    return fail(type, "\(prefix), \(reason)", ctx: ["error": .string(reason)])
                }
            default: return fail("datetime_type", "Input should be a valid datetime")
            }
        case .integer:
            switch value {
            case .number(let n) where Int(n) != nil: return .success(value)
            case .number(let n):
                if let d = Double(n), d == d.rounded(), abs(d) < 1e15 { return .success(.int(Int(d))) }
                return fail("int_from_float", "Input should be a valid integer, got a number with a fractional part")
            case .string(let s):
                if let i = Int(s.trimmingCharacters(in: .whitespaces)) { return .success(.int(i)) }
                return fail("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
            default: return fail("int_type", "Input should be a valid integer")
            }
        case .boolean:
            switch value {
            case .bool: return .success(value)
            case .number(let n) where n == "0" || n == "1": return .success(.bool(n == "1"))
            case .string(let s):
                let t = s.lowercased()
                if ["true", "yes", "on", "1", "t", "y"].contains(t) { return .success(.bool(true)) }
                if ["false", "no", "off", "0", "f", "n"].contains(t) { return .success(.bool(false)) }
                return fail("bool_parsing", "Input should be a valid boolean, unable to interpret input")
            default: return fail("bool_type", "Input should be a valid boolean")
            }
        case .object:
            guard case .object = value else { return fail("dict_type", "Input should be a valid dictionary") }
            return .success(value)
        case .gender:
            guard case .string(let s) = value, genders.contains(s) else {
                let expected = "'UNISEX', 'MALE' or 'FEMALE'"
                return fail("enum", "Input should be \(expected)", ctx: ["expected": .string(expected)])
            }
            return .success(value)
        case .image:
            switch value {
            case .string, .object: return .success(value)
            default:
                return .failure(
                    ValidationFailure(items: [
                        error("string_type", loc: loc + ["str"], msg: "Input should be a valid string", input: value),
                        error(
                            "model_type", loc: loc + ["MediaInput"],
                            msg: "Input should be a valid dictionary or instance of MediaInput", input: value,
                            ctx: ["class_name": "MediaInput"]),
                    ]))
            }
        case .imageList, .stringList:
            guard case .array(let items) = value else { return fail("list_type", "Input should be a valid list") }
            for (i, item) in items.enumerated() {
                switch item {
                case .string: continue
                case .object where field.kind.isImageList: continue
                default:
                    return fail(
                        "string_type", "Input should be a valid string", at: loc + [.int(i)])
                }
            }
            return .success(value)
        }
    }

    /// Why `s` is not a UUID (Pydantic's wording, shortened), or nil.
    static func uuidProblem(_ s: String) -> String? {
        var text = Substring(s)
        if text.lowercased().hasPrefix("urn:uuid:") { text = text.dropFirst(9) }
        let hex = text.filter { $0 != "-" }
        for ch in text where !(ch.isHexDigit || ch == "-") {
            return
                "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `\(ch)`"
        }
        if hex.count != 32 { return "invalid length: expected length 32 for simple format, found \(hex.count)" }
        if text.contains("-") {
            let groups = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
            if groups != [8, 4, 4, 4, 12] { return "invalid group count: expected 5, found \(groups.count)" }
        }
        return nil
    }

    /// Why `s` is not an RFC 3339 date-time or date (Pydantic v2 error type and reason), or nil.
    static func dateTimeProblem(_ s: String) -> (String, String)? {
        let chars = Array(s.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count else { return nil }
            var v = 0
            for i in range {
                guard chars[i] >= 48 && chars[i] <= 57 else { return nil }
                v = v * 10 + Int(chars[i] - 48)
            }
            return v
        }
        guard chars.count >= 10 else { return ("datetime_from_date_parsing", "input is too short") }
        guard digits(0..<4) != nil, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-") else {
            return ("datetime_from_date_parsing", "invalid character in year")
        }
        guard let month = digits(5..<7), (1...12).contains(month) else {
            return ("datetime_from_date_parsing", "month value is outside expected range of 1-12")
        }
        guard let day = digits(8..<10), (1...31).contains(day) else {
            return ("datetime_from_date_parsing", "day value is outside expected range")
        }
        if chars.count == 10 { return nil }
        guard chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: "t") || chars[10] == UInt8(ascii: " ")
        else {
            return ("datetime_from_date_parsing", "unexpected extra characters at the end of the input")
        }
        guard chars.count >= 16, let hour = digits(11..<13), chars[13] == UInt8(ascii: ":"),
            let minute = digits(14..<16)
        else {
            return ("datetime_parsing", "invalid character in hour")
        }
        guard hour < 24 else { return ("datetime_parsing", "hour value is outside expected range of 0-23") }
        guard minute < 60 else { return ("datetime_parsing", "minute value is outside expected range of 0-59") }
        var i = 16
        if i < chars.count, chars[i] == UInt8(ascii: ":") {
            guard let second = digits(17..<19), second < 60 else {
                return ("datetime_parsing", "second value is outside expected range of 0-59")
            }
            i = 19
            if i < chars.count, chars[i] == UInt8(ascii: ".") {
                i += 1
                while i < chars.count, chars[i] >= 48 && chars[i] <= 57 { i += 1 }
            }
        }
        if i == chars.count { return nil }
        if chars[i] == UInt8(ascii: "Z") || chars[i] == UInt8(ascii: "z") {
            return i + 1 == chars.count
                ? nil : ("datetime_parsing", "unexpected extra characters at the end of the input")
        }
        if chars[i] == UInt8(ascii: "+") || chars[i] == UInt8(ascii: "-") {
            if digits((i + 1)..<(i + 3)) != nil {
                let rest = chars.count - (i + 3)
                if rest == 0 { return nil }
                if rest == 3, chars[i + 3] == UInt8(ascii: ":"), digits((i + 4)..<(i + 6)) != nil { return nil }
                if rest == 2, digits((i + 3)..<(i + 5)) != nil { return nil }
            }
            return ("datetime_parsing", "invalid timezone sign")
        }
        return ("datetime_parsing", "unexpected extra characters at the end of the input")
    }
}

extension SartiqSchema.Kind {
    var isImageList: Bool {
        if case .imageList = self { return true }
        return false
    }
}
