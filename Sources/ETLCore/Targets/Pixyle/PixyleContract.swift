extension TargetContract {

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
            ], defaultRate: 1, defaultBatchSize: 100, freeFormFields: true)
    }()
}

extension TargetRuleSet {
    /// Pixyle's collection upload file (from ``TargetContract/pixyleUpload``).
    public static let pixyleUpload = TargetRuleSet(contract: .pixyleUpload)
}
