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

    /// Creates a field.
    public init(
        _ name: String, _ type: TargetFieldType = .string, required: Bool = false, maxLength: Int? = nil,
        enumValues: [String] = [], pattern: String? = nil, source: String, note: String? = nil
    ) {
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

    /// `service.ruleSet`.
    public var qualifiedName: String { "\(service.rawValue).\(ruleSet)" }

    /// The field with this name, if the target has one.
    public func field(_ name: String) -> TargetField? { fields.first { $0.name == name } }

    /// The names of the fields every record must fill.
    public var requiredFields: [String] { fields.filter(\.required).map(\.name) }

    /// The default (create) contract of each service, in ``TargetService`` order.
    public static var all: [TargetContract] { TargetService.allCases.map { contract(for: $0) } }

    /// Every contract, the update variants included.
    public static var allRuleSets: [TargetContract] { all + [sartiqUpdate] }

    /// The default contract of a service (what `against: sartiq` and `init --target sartiq` mean).
    public static func contract(for service: TargetService) -> TargetContract {
        switch service {
        case .sartiq: return sartiqCreate
        case .pixyle: return pixyleUpload
        case .mixpeek: return mixpeekObject
        case .wickson: return wicksonMedia
        case .scenario: return scenarioAsset
        }
    }

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
            case .url: out.append(FieldRule(f.name, .url, source: f.source))
            case .urlList: out.append(FieldRule(f.name, .urlList, source: f.source))
            case .object: out.append(FieldRule(f.name, .object, source: f.source))
            }
        }
        return out
    }

    // MARK: Sartiq

    static let sartiqPage = "api-docs/sartiq-products.md"

    /// Sartiq's product fields; `create` decides what ProductCreate adds over ProductUpdate.
    static func sartiqFields(create: Bool) -> [TargetField] {
        let schema = "\(sartiqPage), schema \(create ? "ProductCreate" : "ProductUpdate")"
        func f(
            _ name: String, _ type: TargetFieldType = .string, required: Bool = false, max: Int? = nil,
            enumValues: [String] = [], note: String? = nil
        ) -> TargetField {
            TargetField(
                name, type, required: required && create, maxLength: max, enumValues: enumValues,
                source: "\(schema), property \(name)", note: note)
        }
        return [
            f("sku", note: "no maxLength; catalog-etl's key"),
            f("name", required: true, max: 255),
            f("cover_image", .url, required: true, note: "a URL here; base64 and MediaInput also documented"),
            f("brand", max: 1000),
            f("master_item_code", max: 255),
            f("style_code", max: 255),
            f("product_type_id", .uuid),
            TargetField(
                "gender", enumValues: ["UNISEX", "MALE", "FEMALE"],
                source:
                    "\(schema), ProductGender (UNISEX default, MALE in examples); FEMALE assumed: the doc lists no full enum (API-CONTRACTS.md §2 Enums)"
            ),
            f("age_class", note: "AgeClass enum: values not documented"),
            f("type", note: "deprecated: use product_type"),
            f("category", note: "deprecated: use product_type"),
            f("sleeve_type", max: 100),
            f("neckline", max: 100),
            f("closure_type", max: 100),
            f("fit_type", max: 100),
            f("length_type", max: 100),
            f("pattern", max: 255),
            f("materials", max: create ? 1000 : nil, note: create ? nil : "no maxLength in ProductUpdate"),
            f("colour", max: 255),
            f("season", max: 100),
            f("year", .integer),
            f("in_store_date", .dateTime),
            f("theme", max: 255),
            f("brand_collection", max: 255),
            f("description", max: 3000),
            f("back_description", max: 1000),
            f("ecommerce_description", max: 5000),
            f("brand_metadata", .object),
            f("back_image", .url, note: "a URL here; base64 and MediaInput also documented"),
            f("reference_images", .urlList),
            f("data_images", .urlList, note: "deprecated: use reference_images"),
            f("public", .boolean, note: "default false"),
            f("is_filler", .boolean, note: "detected from the SKU when omitted"),
            f("organization_id", .uuid),
        ]
    }

    static func sartiqLimits() -> [TargetLimit] {
        [
            TargetLimit(
                "rate", "5 requests/s",
                source:
                    "assumed: Sartiq publishes no rate limit (API-CONTRACTS.md §2 Rate limits); a conservative choice"),
            TargetLimit("batch size", "1 product per request", source: "\(sartiqPage), POST /api/v1/products/"),
            TargetLimit(
                "page size", "limit 100 (default; maximum not documented)",
                source: "\(sartiqPage), GET /api/v1/products/ query limit"),
            TargetLimit(
                "image upload", "≤ 52,428,800 bytes per file",
                source:
                    "docs.sartiq.com/apis/backend/endpoints/files, presigned-url max_file_size (API-CONTRACTS.md §2)"),
        ]
    }

    /// Sartiq `ProductCreate`.
    public static let sartiqCreate = TargetContract(
        service: .sartiq, ruleSet: "product_create",
        summary:
            "Sartiq ProductCreate: name and cover_image required, documented maxLengths, year integer, in_store_date date-time, uuid fields",
        keyField: "sku", fields: sartiqFields(create: true), extraColumns: .into("brand_metadata"),
        limits: sartiqLimits(), defaultRate: 5, defaultBatchSize: nil)

    /// Sartiq `ProductUpdate`: nothing required; materials has no maxLength.
    public static let sartiqUpdate = TargetContract(
        service: .sartiq, ruleSet: "product_update",
        summary: "Sartiq ProductUpdate: every field optional, same limits except materials",
        keyField: "sku", fields: sartiqFields(create: false), extraColumns: .into("brand_metadata"),
        limits: sartiqLimits(), defaultRate: 5, defaultBatchSize: nil)

    // MARK: Pixyle

    /// Pixyle's collection upload file.
    public static let pixyleUpload: TargetContract = {
        let schema =
            "pixyleai.gitbook.io …/collection-processing-api/upload-file-schema (API-CONTRACTS.md §1 Upload file schema)"
        var fields = [
            TargetField("sku", required: true, source: schema + ", sku (mandatory)"),
            TargetField("root_sku", source: schema + ", root_sku (groups the variants of one product)"),
            TargetField("title", source: schema + ", title"),
            TargetField("description", source: schema + ", description"),
            TargetField(
                "category", source: schema + ", category", note: "should be a Pixyle taxonomy category"),
            TargetField("image_url_1", .url, required: true, source: schema + ", image_url_1 (mandatory main image)"),
        ]
        for i in 2...8 { fields.append(TargetField("image_url_\(i)", .url, source: schema + ", image_url_\(i)")) }
        return TargetContract(
            service: .pixyle, ruleSet: "collection_upload",
            summary:
                "Pixyle upload file: sku and image_url_1 on every row, image_url_2..8 optional URLs, at most 8 images",
            keyField: "sku", fields: fields, extraColumns: .keep,
            limits: [
                TargetLimit(
                    "rate", "1 request/s per client",
                    source: "api-docs/pixyle-collections.md, Upload a collection (API-CONTRACTS.md §1 Limits)"),
                TargetLimit(
                    "batch size", "1 file per request; 100 products per file",
                    source: "assumed: the most products per file is not documented; one bad row fails the whole file"),
                TargetLimit(
                    "page size", "1..20, default 7", source: "api-docs/pixyle-collections.md, Get all collections"),
                TargetLimit(
                    "processing", "≤ 10 collections processing at once",
                    source: "api-docs/pixyle-collections.md (API-CONTRACTS.md §1 Limits)"),
                TargetLimit("images", "≤ 8 per product", source: schema),
            ], defaultRate: 1, defaultBatchSize: 100)
    }()

    // MARK: Mixpeek

    /// Mixpeek bucket objects.
    public static let mixpeekObject = TargetContract(
        service: .mixpeek, ruleSet: "object",
        summary: "Mixpeek object: sku (the bucket's unique key) and an image URL blob; ≤ 100 objects per batch",
        keyField: "sku",
        fields: [
            TargetField(
                "sku", required: true, maxLength: 255,
                source:
                    "mixpeek/python-sdk create_upload_request.py, filename 1..255; the bucket's unique_key (API-CONTRACTS.md §3)"
            ),
            TargetField(
                "image_url", .url, required: true,
                source: "mixpeek/python-sdk docs/CreateBlobRequest.md, data (exactly one of data or upload_id)"),
            TargetField(
                "title", source: "assumed: a bucket_schema text property catalog-etl declares (API-CONTRACTS.md §3)"),
            TargetField(
                "description",
                source: "assumed: a bucket_schema text property catalog-etl declares (API-CONTRACTS.md §3)"),
            TargetField("metadata", .object, source: "mixpeek/python-sdk docs/CreateBlobRequest.md, metadata"),
        ],
        extraColumns: .into("metadata"),
        limits: [
            TargetLimit(
                "rate", "10 requests/min",
                source:
                    "assumed: the docs conflict (10 vs 60 rpm, docs.mixpeek.com troubleshoot/limits and operations/rate-limits-quotas); the lower reading"
            ),
            TargetLimit(
                "batch size", "≤ 100 objects per request",
                source: "mixpeek/python-sdk mixpeek/models/create_objects_batch_request.py, objects max_length=100"),
            TargetLimit(
                "page size", "documents list limit 1..1000, default 10",
                source: "mixpeek/python-sdk mixpeek/models/list_documents_request.py"),
        ], defaultRate: 10.0 / 60, defaultBatchSize: 100)

    // MARK: Wickson

    /// Wickson media: one JSON document per product, named by its sku.
    public static let wicksonMedia = TargetContract(
        service: .wickson, ruleSet: "media",
        summary: "Wickson media: one document per product named by its sku",
        keyField: "sku",
        fields: [
            TargetField(
                "sku", required: true, pattern: "[^/\\\\\\x00-\\x1f]{1,250}",
                source:
                    "docs.wickson.ai/api-reference/media/upload, file (the document is named <sku>.json: no path separators or controls)"
            ),
            TargetField("title", source: "assumed: a key of the JSON document catalog-etl uploads"),
            TargetField("description", source: "assumed: a key of the JSON document catalog-etl uploads"),
            TargetField("image_url", .url, source: "assumed: a key of the JSON document catalog-etl uploads"),
        ],
        extraColumns: .keep,
        limits: [
            TargetLimit(
                "rate", "1,000 requests/h per key",
                source: "docs.wickson.ai/getting-started/rate-limits (API-CONTRACTS.md §4)"),
            TargetLimit(
                "batch size", "1 file per request",
                source: "docs.wickson.ai/api-reference/media/upload (API-CONTRACTS.md §4)"),
            TargetLimit(
                "page size", "page_size default 20, max 100",
                source: "docs.wickson.ai/api-reference/media/list (API-CONTRACTS.md §4)"),
        ], defaultRate: 1000.0 / 3600, defaultBatchSize: nil)

    // MARK: Scenario

    /// Scenario image assets.
    public static let scenarioAsset = TargetContract(
        service: .scenario, ruleSet: "asset",
        summary: "Scenario asset: name and image required",
        keyField: "name",
        fields: [
            TargetField(
                "name", required: true, source: "docs.scenario.com/docs/uploading-assets, POST /assets name (required)"),
            TargetField(
                "image_url", .url, required: true,
                source: "docs.scenario.com/docs/uploading-assets, POST /assets image (required; < 6 MB)"),
            TargetField("sku", source: "assumed: catalog-etl's key, kept in the ledger (assets carry no metadata)"),
            TargetField("description", source: "assumed: kept in the ledger (assets carry no metadata)"),
        ],
        extraColumns: .drop,
        limits: [
            TargetLimit(
                "rate", "2 requests/s",
                source:
                    "assumed: Scenario answers 429 but publishes no numbers (docs.scenario.com key-concepts-terminology)"
            ),
            TargetLimit(
                "batch size", "1 image per POST /assets; ≤ 49 asset ids per add-to-collection call",
                source: "docs.scenario.com/api/resources/collections/subresources/assets (API-CONTRACTS.md §5)"),
            TargetLimit(
                "page size", "assets pageSize 1..100, default 50",
                source: "docs.scenario.com/api/resources/assets/methods/list (API-CONTRACTS.md §5)"),
            TargetLimit("image size", "< 6 MB per image", source: "docs.scenario.com/docs/uploading-assets"),
        ], defaultRate: 2, defaultBatchSize: nil)
}
