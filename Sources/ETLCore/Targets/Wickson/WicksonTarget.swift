extension TargetService {
    /// Wickson media collections.
    public static let wickson = TargetService(name: "wickson")
}

extension TargetDefinition {
    /// Wickson: one JSON document per product.
    public static let wickson = TargetDefinition(
        service: .wickson, displayName: "Wickson", ruleSets: [.wicksonMedia], batchUnit: "document",
        capabilities: [.find, .export],
        pacing: TargetPacing(
            source:
                "assumed: 4 requests in flight; reads and uploads under one rate (docs.wickson.ai/getting-started/rate-limits counts reads against the same limit)"
        ),
        accountCredentials: ["api_key"], settings: [.wicksonUploadForm],
        draft: TargetDraft(
            connection: { _, _, slug, _ in
                [
                    ("endpoint", "${WICKSON_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("api_key", "${WICKSON_API_KEY:-wk_sandbox}", "secrets only come from the environment"),
                    ("collection", TargetDraft.q(slug), nil),
                ]
            }),
        makeClient: { try WicksonClient(session: $0.session, stage: $0.stage) })
}

extension TargetSetting {
    /// What one upload sends.
    static let wicksonUploadForm = TargetSetting(
        "upload form", "file <key>.json (the normalised record as JSON) and collection_id",
        source:
            "docs.wickson.ai/api-reference/media/upload (file, collection_id); sending each product as a JSON document is assumed: Wickson takes files, not products"
    )
}
