extension TargetService {
    /// Mixpeek buckets and collections.
    public static let mixpeek = TargetService(name: "mixpeek")
}

extension TargetDefinition {
    /// Mixpeek: bucket objects in batches, processed by a collection's feature extractor.
    public static let mixpeek = TargetDefinition(
        service: .mixpeek, displayName: "Mixpeek", ruleSets: [.mixpeekObject], batchUnit: "batch of objects",
        capabilities: [.update, .find, .export],
        pacing: TargetPacing(
            source: "assumed: 4 requests in flight, reads and uploads under one rate (the docs do not say otherwise)"),
        accountCredentials: ["namespace"], settings: [.mixpeekExtractorName, .mixpeekExtractorVersion],
        draft: TargetDraft(
            connection: { contract, _, slug, _ in
                [
                    ("endpoint", "${MIXPEEK_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("token", "${MIXPEEK_API_KEY:-sk_sandbox}", "secrets only come from the environment"),
                    ("namespace", "${MIXPEEK_NAMESPACE:-\(slug)}", nil),
                    ("collection", TargetDraft.q(slug), nil),
                    ("batch_size", String(contract.defaultBatchSize ?? 100), "≤ 100 objects per request (documented)"),
                ]
            }, compare: [("title", "exact")]),
        makeClient: { try MixpeekClient(session: $0.session, stage: $0.stage) })
}

extension TargetSetting {
    /// The feature extractor catalog-etl's collections run.
    static let mixpeekExtractorName = TargetSetting(
        "feature extractor", "multimodal_extractor",
        source:
            "assumed: an extractor that takes an image blob; the docs list several and name none for products (API-CONTRACTS.md §3)"
    )
    /// Its version.
    static let mixpeekExtractorVersion = TargetSetting(
        "feature extractor version", "v1", source: "assumed: the only version the SDK examples show")
}
