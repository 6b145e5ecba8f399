extension TargetContract {

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
        ], defaultRate: 10.0 / 60, defaultBatchSize: 100, freeFormFields: true)
}

extension TargetRuleSet {
    /// Mixpeek bucket objects (from ``TargetContract/mixpeekObject``).
    public static let mixpeekObject = TargetRuleSet(contract: .mixpeekObject)
}
