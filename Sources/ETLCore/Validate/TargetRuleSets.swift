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

/// A target API's documented limits, kept as data next to their source (`../shared/api-docs/`).
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

    /// Every rule set catalog-etl knows, by qualified name.
    public static let all: [String: TargetRuleSet] = {
        var d: [String: TargetRuleSet] = [:]
        for r in [sartiqCreate, sartiqUpdate, pixyleUpload, mixpeekObject, wicksonMedia, scenarioAsset] {
            d[r.name.qualified] = r
        }
        return d
    }()

    /// The rule set names, sorted.
    public static var names: [String] { all.keys.sorted() }

    /// The default rule set of a service (what `against: sartiq` means).
    public static func defaultSet(for service: TargetService) -> TargetRuleSet {
        switch service {
        case .sartiq: return sartiqCreate
        case .pixyle: return pixyleUpload
        case .mixpeek: return mixpeekObject
        case .wickson: return wicksonMedia
        case .scenario: return scenarioAsset
        }
    }

    static let sartiqDoc = "sartiq-products.md ProductCreate"
    static let sartiqStrings255 = ["master_item_code", "pattern", "colour", "style_code", "theme", "brand_collection"]
    static let sartiqStrings100 = ["sleeve_type", "neckline", "closure_type", "fit_type", "length_type", "season"]

    static func sartiqRules(create: Bool) -> [FieldRule] {
        let doc = create ? sartiqDoc : "sartiq-products.md ProductUpdate"
        var r: [FieldRule] = []
        if create {
            r.append(FieldRule("name", .required, source: doc + " required"))
            r.append(FieldRule("cover_image", .required, source: doc + " required"))
        }
        r.append(FieldRule("name", .maxLength(255), source: doc))
        r.append(FieldRule("brand", .maxLength(1000), source: doc))
        if create { r.append(FieldRule("materials", .maxLength(1000), source: doc)) }
        r.append(FieldRule("back_description", .maxLength(1000), source: doc))
        for f in sartiqStrings255 { r.append(FieldRule(f, .maxLength(255), source: doc)) }
        for f in sartiqStrings100 { r.append(FieldRule(f, .maxLength(100), source: doc)) }
        r.append(FieldRule("description", .maxLength(3000), source: doc))
        r.append(FieldRule("ecommerce_description", .maxLength(5000), source: doc))
        r.append(FieldRule("year", .integer(min: nil, max: nil), source: doc))
        r.append(FieldRule("in_store_date", .dateTime, source: doc + " format date-time"))
        r.append(FieldRule("product_type_id", .uuid, source: doc + " format uuid"))
        r.append(FieldRule("organization_id", .uuid, source: doc + " format uuid"))
        // ProductGender: UNISEX (default) and MALE are in the doc; FEMALE is assumed (API-CONTRACTS.md §2 Enums).
        r.append(FieldRule("gender", .oneOf(["UNISEX", "MALE", "FEMALE"]), source: doc + " ProductGender"))
        r.append(FieldRule("brand_metadata", .object, source: doc + " object"))
        r.append(FieldRule("public", .boolean, source: doc + " boolean"))
        r.append(FieldRule("is_filler", .boolean, source: doc + " boolean"))
        r.append(FieldRule("cover_image", .url, source: doc + " (URL form)"))
        r.append(FieldRule("back_image", .url, source: doc + " (URL form)"))
        r.append(FieldRule("reference_images", .urlList, source: doc + " array of URLs"))
        return r
    }

    static let sartiqFields = [
        "name", "cover_image", "sku", "brand", "master_item_code", "product_type_id", "gender", "age_class", "type",
        "category", "sleeve_type", "neckline", "closure_type", "fit_type", "length_type", "pattern", "materials",
        "colour", "season", "year", "style_code", "in_store_date", "theme", "brand_collection", "description",
        "back_description", "ecommerce_description", "brand_metadata", "back_image", "reference_images", "data_images",
        "public", "is_filler", "organization_id",
    ]

    /// Sartiq `ProductCreate` (sartiq-products.md).
    public static let sartiqCreate = TargetRuleSet(
        name: RuleSetName(service: .sartiq, name: "product_create"), requiredFields: ["name", "cover_image"],
        rules: sartiqRules(create: true), knownFields: sartiqFields, keyField: "sku",
        summary:
            "Sartiq ProductCreate: name and cover_image required, documented maxLengths, year integer, in_store_date date-time, uuid fields"
    )

    /// Sartiq `ProductUpdate` (sartiq-products.md): nothing required; materials has no maxLength.
    public static let sartiqUpdate = TargetRuleSet(
        name: RuleSetName(service: .sartiq, name: "product_update"), requiredFields: [],
        rules: sartiqRules(create: false), knownFields: sartiqFields, keyField: "sku",
        summary: "Sartiq ProductUpdate: every field optional, same limits except materials")

    /// Pixyle's collection upload file (upload-file-schema; one bad row fails the whole file).
    public static let pixyleUpload: TargetRuleSet = {
        let doc = "Pixyle upload-file-schema"
        var rules = [
            FieldRule("sku", .required, source: doc + " (mandatory)"),
            FieldRule("image_url_1", .required, source: doc + " (mandatory)"),
            FieldRule("image_url_1", .url, source: doc + " main image URL"),
        ]
        for i in 2...8 { rules.append(FieldRule("image_url_\(i)", .url, source: doc + " (optional)")) }
        return TargetRuleSet(
            name: RuleSetName(service: .pixyle, name: "collection_upload"), requiredFields: ["sku", "image_url_1"],
            rules: rules,
            knownFields: ["sku", "root_sku", "title", "description", "category"] + (1...8).map { "image_url_\($0)" },
            keyField: "sku",
            summary:
                "Pixyle upload file: sku and image_url_1 on every row, image_url_2..8 optional URLs, at most 8 images",
            freeFormFields: true)
    }()

    /// Mixpeek bucket objects (python-sdk CreateObjectRequest / CreateBlobRequest).
    public static let mixpeekObject = TargetRuleSet(
        name: RuleSetName(service: .mixpeek, name: "object"), requiredFields: ["sku", "image_url"],
        rules: [
            FieldRule("sku", .required, source: "bucket unique_key"),
            FieldRule("sku", .maxLength(255), source: "create_upload_request.py filename 1..255"),
            FieldRule("image_url", .required, source: "CreateBlobRequest: exactly one of data or upload_id"),
            FieldRule("image_url", .url, source: "CreateBlobRequest data (URL)"),
        ],
        knownFields: ["sku", "image_url", "title", "description", "metadata"], keyField: "sku",
        summary: "Mixpeek object: sku (the bucket's unique key) and an image URL blob; ≤ 100 objects per batch",
        freeFormFields: true)

    /// Wickson media (one file per request; the product document is named `<sku>.json`).
    public static let wicksonMedia = TargetRuleSet(
        name: RuleSetName(service: .wickson, name: "media"), requiredFields: ["sku"],
        rules: [
            FieldRule("sku", .required, source: "POST /v1/media file (named by key)"),
            FieldRule(
                "sku", .pattern("[^/\\\\\\x00-\\x1f]{1,250}"), source: "file name: no path separators or controls"),
        ],
        knownFields: ["sku", "title", "description", "image_url"], keyField: "sku",
        summary: "Wickson media: one document per product named by its sku", freeFormFields: true)

    /// Scenario assets (`POST /assets` needs `name` and an image; ≤ 49 ids per add-to-collection call).
    public static let scenarioAsset = TargetRuleSet(
        name: RuleSetName(service: .scenario, name: "asset"), requiredFields: ["name", "image_url"],
        rules: [
            FieldRule("name", .required, source: "docs.scenario.com uploading-assets: name required"),
            FieldRule("image_url", .required, source: "docs.scenario.com uploading-assets: image required"),
            FieldRule("image_url", .url, source: "image source URL"),
        ],
        knownFields: ["name", "image_url", "sku", "description"], keyField: "name",
        summary: "Scenario asset: name and image required")
}
