extension TargetContract {

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
        ], defaultRate: 2, defaultBatchSize: nil,
        // ScenarioClient sends the record's key as the asset's name (find and reconcile match it).
        sentAsKey: "name")
}

extension TargetRuleSet {
    /// Scenario assets (from ``TargetContract/scenarioAsset``).
    public static let scenarioAsset = TargetRuleSet(contract: .scenarioAsset)
}
