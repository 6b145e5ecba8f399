extension TargetContract {

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
        ], defaultRate: 1000.0 / 3600, defaultBatchSize: nil, freeFormFields: true)
}

extension TargetRuleSet {
    /// Wickson media (from ``TargetContract/wicksonMedia``).
    public static let wicksonMedia = TargetRuleSet(contract: .wicksonMedia)
}
