extension TargetService {
    /// Wickson media collections.
    public static let wickson = TargetService(name: "wickson")
}

extension TargetDefinition {
    /// Wickson: one JSON document per product.
    public static let wickson = TargetDefinition(
        service: .wickson, displayName: "Wickson", ruleSets: [.wicksonMedia], batchUnit: "document",
        capabilities: [.update, .find, .export],
        pacing: TargetPacing(source: "docs.wickson.ai/getting-started/rate-limits: reads count against the same limit"),
        accountCredentials: ["api_key"],
        draft: TargetDraft(
            connection: { _, _, slug, _ in
                [
                    ("endpoint", "${WICKSON_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("api_key", "${WICKSON_API_KEY:-wk_sandbox}", "secrets only come from the environment"),
                    ("collection", PipelineDraft.q(slug), nil),
                ]
            }),
        makeClient: { try WicksonClient(session: $0.session, stage: $0.stage) })
}
