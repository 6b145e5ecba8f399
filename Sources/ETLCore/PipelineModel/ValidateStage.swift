/// A documented rule set of a target API.
public struct RuleSetName: Sendable, Hashable {
    /// The service.
    public var service: TargetService
    /// The rule set (`product_create`).
    public var name: String
    /// `service.name`.
    public var qualified: String { "\(service.rawValue).\(name)" }
}

/// A rule the user adds in the pipeline on top of the target's documented limits.
public struct UserRule: Sendable {
    /// The field it checks.
    public var field: String
    /// What it checks.
    public var check: FieldCheck
    /// error (quarantine) or warning.
    public var severity: Severity
}

/// One check on a field value.
public enum FieldCheck: Sendable {
    /// Not empty.
    case required
    /// At least n code points.
    case minLength(Int)
    /// At most n code points.
    case maxLength(Int)
    /// Matches the regex (whole value).
    case pattern(String)
    /// One of the listed values.
    case oneOf([String])
    /// A whole number within bounds.
    case integer(min: Double?, max: Double?)
    /// A number within bounds.
    case number(min: Double?, max: Double?)
    /// An absolute http(s) URL.
    case url
    /// A UUID.
    case uuid
    /// An RFC 3339 date-time.
    case dateTime
    /// true / false.
    case boolean
    /// Unique across the catalog.
    case unique
    /// A JSON object.
    case object
    /// A list whose items are absolute http(s) URLs.
    case urlList
    /// An image as Sartiq's page takes one ("URL, base64 string, or MediaInput"): an absolute http(s)
    /// URL, base64 image data (bare, or a `data:image/…;base64,` URL) or a MediaInput object (see
    /// ``RecordValidator/isImageInput(_:)``).
    case image
    /// A list whose items are images as ``image`` takes them.
    case imageList
    /// A list with at most n items.
    case maxItems(Int)
    /// Empty or equal to the upload stage's `collection` (Sartiq's `brand_collection`): a run lists,
    /// adopts and reconciles that one collection, so a product sent to another would be outside
    /// every listing and created again by the next run.
    case collection(String)

    /// The rule's name in reports (`max_length`).
    public var ruleName: String {
        switch self {
        case .required: return "required"
        case .minLength: return "min_length"
        case .maxLength: return "max_length"
        case .pattern: return "pattern"
        case .oneOf: return "one_of"
        case .integer: return "integer"
        case .number: return "number"
        case .url: return "url"
        case .uuid: return "uuid"
        case .dateTime: return "date_time"
        case .boolean: return "boolean"
        case .unique: return "unique"
        case .object: return "object"
        case .urlList: return "url"
        // Reported under the same rule as a URL: the image reference check, widened.
        case .image, .imageList: return "url"
        case .maxItems: return "max_items"
        case .collection: return "collection"
        }
    }
}

/// What a validate stage does with a row that has an error.
public enum ErrorPolicy: String, Sendable, CaseIterable {
    /// Put the row in the quarantine file; the others go on.
    case quarantine
    /// Stop the run.
    case fail
}

/// `validate:` — the target limits and the user's rules.
public struct ValidateStage: Sendable {
    /// The documented rule sets to apply.
    public var ruleSets: [RuleSetName]
    /// Fields whose values must be unique across the catalog.
    public var unique: [String]
    /// The user's rules.
    public var rules: [UserRule]
    /// Quarantine or fail.
    public var onError: ErrorPolicy
    /// The most quarantined rows a run may have and still exit 0 (`max_quarantined`, default 0).
    public var maxQuarantined = 0
}
