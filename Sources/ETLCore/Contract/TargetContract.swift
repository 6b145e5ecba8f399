/// The kind of value a target field takes, as the service documents it.
public enum TargetFieldType: String, Sendable, Hashable, CaseIterable {
    /// Text.
    case string
    /// A whole number.
    case integer
    /// true / false.
    case boolean
    /// An RFC 3339 date-time.
    case dateTime = "date-time"
    /// A UUID.
    case uuid
    /// An absolute http(s) URL.
    case url
    /// A list of absolute http(s) URLs.
    case urlList = "list of url"
    /// A JSON object (free-form keys).
    case object

    /// Whether values of this type are lists.
    public var isList: Bool { self == .urlList }
    /// Whether values of this type are objects.
    public var isObject: Bool { self == .object }
}

/// One field of a target service's product, with every documented limit and where it is documented.
public struct TargetField: Sendable, Hashable {
    /// The field's name on the wire (`cover_image`).
    public var name: String
    /// The value's type.
    public var type: TargetFieldType
    /// Whether every record must fill it.
    public var required: Bool
    /// The longest value in Unicode code points, when documented.
    public var maxLength: Int?
    /// The values the service accepts, when it is an enumeration.
    public var enumValues: [String]
    /// A whole-value regular expression the value must match, when there is one.
    public var pattern: String?
    /// Where the field and its limits come from: the documentation page and section, or
    /// `assumed: <reason>`.
    public var source: String
    /// A remark for people (deprecations, unknowns), if any.
    public var note: String?
    /// Whether a `url` (or `list of url`) field also takes base64 image data (bare or a `data:` URL)
    /// and MediaInput objects, as Sartiq's images do; its check is then ``FieldCheck/image``
    /// (``FieldCheck/imageList``) instead of the URL check.
    public var takesImageData: Bool

    /// Creates a field.
    public init(
        _ name: String, _ type: TargetFieldType = .string, required: Bool = false, maxLength: Int? = nil,
        enumValues: [String] = [], pattern: String? = nil, source: String, note: String? = nil,
        takesImageData: Bool = false
    ) {
        self.takesImageData = takesImageData
        self.name = name
        self.type = type
        self.required = required
        self.maxLength = maxLength
        self.enumValues = enumValues
        self.pattern = pattern
        self.source = source
        self.note = note
    }
}

/// A service-wide limit (rate, batch size, page size, …) and its source.
public struct TargetLimit: Sendable, Hashable {
    /// What is limited (`rate`, `batch size`, `page size`).
    public var name: String
    /// The limit as people read it (`1 request/s per client`).
    public var value: String
    /// Where it comes from: the documentation page and section, or `assumed: <reason>`.
    public var source: String

    /// Creates a limit.
    public init(_ name: String, _ value: String, source: String) {
        self.name = name
        self.value = value
        self.source = source
    }
}

/// What a target does with source columns no field maps.
public enum TargetExtraColumns: Sendable, Hashable {
    /// They go into one object field (`brand_metadata`, Mixpeek's `metadata`).
    case into(String)
    /// The service takes free-form top-level fields (Pixyle's metadata columns, Wickson's document).
    case keep
    /// The service has nowhere to put them.
    case drop

    /// The value of `normalise.unmapped` that says this.
    public var unmappedSetting: String {
        switch self {
        case .into(let f): return f
        case .keep: return "keep"
        case .drop: return "drop"
        }
    }
}

/// Everything catalog-etl knows about one target's product: its fields with their documented limits,
/// the service-wide limits, the key and where extra columns go, each fact with its source.
///
/// This is the one owner of these facts: validation (``TargetRuleSet``), `catalog-etl targets`, the
/// report's "target contract" section and `init`'s mapping all read it.
public struct TargetContract: Sendable {
    /// The service.
    public var service: TargetService
    /// The rule set's name within the service (`product_create`).
    public var ruleSet: String
    /// A one-line description.
    public var summary: String
    /// The field that identifies a product on the service.
    public var keyField: String
    /// The fields, in the order a pipeline usually lists them.
    public var fields: [TargetField]
    /// Where columns no field maps go.
    public var extraColumns: TargetExtraColumns
    /// Service-wide limits.
    public var limits: [TargetLimit]
    /// The default request rate, in requests per second (the documented one, else a conservative
    /// choice named in ``limits``).
    public var defaultRate: Double
    /// The default records per request where the service takes batches.
    public var defaultBatchSize: Int?
    /// Whether the service takes fields it does not list (Pixyle's extra columns, Mixpeek's
    /// metadata, Wickson's JSON document); when not, a field outside ``fields`` is a `check` error.
    public var freeFormFields = false
    /// The field whose value the client sends as the record's key rather than the record's own value
    /// (Scenario names each asset by the key: the read stage's `key:` column, else this field), or nil;
    /// validation checks this field's rules on the record's key, the value that is really sent.
    public var sentAsKey: String? = nil

    /// `service.ruleSet`.
    public var qualifiedName: String { "\(service.rawValue).\(ruleSet)" }

    /// The field with this name, if the target has one.
    public func field(_ name: String) -> TargetField? { fields.first { $0.name == name } }

    /// The names of the fields every record must fill.
    public var requiredFields: [String] { fields.filter(\.required).map(\.name) }

    /// The rules validation applies: required first, then each field's length, enumeration, pattern
    /// and type, each carrying the field's source.
    public var rules: [FieldRule] {
        var out: [FieldRule] = []
        for f in fields where f.required { out.append(FieldRule(f.name, .required, source: f.source)) }
        for f in fields {
            if let n = f.maxLength { out.append(FieldRule(f.name, .maxLength(n), source: f.source)) }
            if !f.enumValues.isEmpty { out.append(FieldRule(f.name, .oneOf(f.enumValues), source: f.source)) }
            if let p = f.pattern { out.append(FieldRule(f.name, .pattern(p), source: f.source)) }
            switch f.type {
            case .string: break
            case .integer: out.append(FieldRule(f.name, .integer(min: nil, max: nil), source: f.source))
            case .boolean: out.append(FieldRule(f.name, .boolean, source: f.source))
            case .dateTime: out.append(FieldRule(f.name, .dateTime, source: f.source))
            case .uuid: out.append(FieldRule(f.name, .uuid, source: f.source))
            case .url: out.append(FieldRule(f.name, f.takesImageData ? .image : .url, source: f.source))
            case .urlList: out.append(FieldRule(f.name, f.takesImageData ? .imageList : .urlList, source: f.source))
            case .object: out.append(FieldRule(f.name, .object, source: f.source))
            }
        }
        return out
    }
}
