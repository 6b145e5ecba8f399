/// One documented limit on one field of a target API.
public struct FieldRule: Sendable {
    /// The target field.
    public var field: String
    /// The check.
    public var check: FieldCheck
    /// Where the limit is documented (for reports and maintainers).
    public var source: String

    /// Creates a rule.
    public init(_ field: String, _ check: FieldCheck, source: String) {
        self.field = field
        self.check = check
        self.source = source
    }
}

/// A target API's documented limits as validation reads them, derived from its ``TargetContract`` (the one
/// place that owns the fields, limits and sources).
public struct TargetRuleSet: Sendable {
    /// `service.name`.
    public var name: RuleSetName
    /// Fields the service requires on every record.
    public var requiredFields: [String]
    /// Every documented field rule.
    public var rules: [FieldRule]
    /// Fields the service knows (others are sent as metadata or refused, per target).
    public var knownFields: [String]
    /// The field that identifies a product on the service (for uniqueness and reconciliation).
    public var keyField: String
    /// A one-line description for `check` and reports.
    public var summary: String
    /// Whether the service takes fields it does not list (Pixyle's extra columns, Mixpeek metadata,
    /// Wickson's JSON document); when not, a field outside ``knownFields`` is a `check` error.
    public var freeFormFields = false
    /// The field the client sends as the record's key (``TargetContract/sentAsKey``): its rules are
    /// checked on the record's key.
    public var sentAsKey: String?

    /// The rule set a contract implies: its required fields, its rules, its known fields and key.
    public init(contract: TargetContract) {
        self.init(
            name: RuleSetName(service: contract.service, name: contract.ruleSet),
            requiredFields: contract.requiredFields, rules: contract.rules, knownFields: contract.fields.map(\.name),
            keyField: contract.keyField, summary: contract.summary)
        freeFormFields = contract.freeFormFields
        sentAsKey = contract.sentAsKey
    }

    /// Creates a rule set from its parts.
    public init(
        name: RuleSetName, requiredFields: [String], rules: [FieldRule], knownFields: [String], keyField: String,
        summary: String
    ) {
        self.name = name
        self.requiredFields = requiredFields
        self.rules = rules
        self.knownFields = knownFields
        self.keyField = keyField
        self.summary = summary
    }
}
