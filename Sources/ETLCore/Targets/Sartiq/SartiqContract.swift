extension TargetContract {

    static let sartiqPage = "api-docs/sartiq-products.md"

    /// Sartiq's product fields; `create` decides what ProductCreate adds over ProductUpdate.
    static func sartiqFields(create: Bool) -> [TargetField] {
        let schema = "\(sartiqPage), schema \(create ? "ProductCreate" : "ProductUpdate")"
        func f(
            _ name: String, _ type: TargetFieldType = .string, required: Bool = false, max: Int? = nil,
            enumValues: [String] = [], note: String? = nil, imageData: Bool = false
        ) -> TargetField {
            TargetField(
                name, type, required: required && create, maxLength: max, enumValues: enumValues,
                source: "\(schema), property \(name)", note: note, takesImageData: imageData)
        }
        // The page: "URL, base64 string, or MediaInput" (anyOf string | MediaInput); sent as given.
        let image = "a URL, base64 image data (or a data: URL) or a MediaInput object"
        return [
            f("sku", note: "no maxLength; catalog-etl's key"),
            f("name", required: true, max: 255),
            f("cover_image", .url, required: true, note: image, imageData: true),
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
            f("back_image", .url, note: image, imageData: true),
            f("reference_images", .urlList, note: "each: " + image, imageData: true),
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
}

extension TargetRuleSet {
    /// Sartiq `ProductCreate` (from ``TargetContract/sartiqCreate``).
    public static let sartiqCreate = TargetRuleSet(contract: .sartiqCreate)
    /// Sartiq `ProductUpdate` (from ``TargetContract/sartiqUpdate``).
    public static let sartiqUpdate = TargetRuleSet(contract: .sartiqUpdate)
}
