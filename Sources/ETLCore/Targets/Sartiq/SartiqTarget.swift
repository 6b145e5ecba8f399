extension TargetService {
    /// Sartiq products.
    public static let sartiq = TargetService(name: "sartiq")
}

extension TargetDefinition {
    /// Sartiq: products, one per request, updated in place.
    public static let sartiq = TargetDefinition(
        service: .sartiq, displayName: "Sartiq", ruleSets: [.sartiqCreate, .sartiqUpdate], batchUnit: "product",
        capabilities: [.update, .find, .export],
        pacing: TargetPacing(
            source: "assumed: 4 requests in flight, reads and uploads under one rate (the docs do not say otherwise)"),
        accountCredentials: ["username", "email"], collectionField: "brand_collection",
        draft: TargetDraft(
            connection: { _, _, _, collection in
                var out: [(String, String, String?)] = [
                    ("endpoint", "${SARTIQ_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("username", "${SARTIQ_USERNAME:-demo@example.com}", nil),
                    ("password", "${SARTIQ_PASSWORD:-sandbox}", "secrets only come from the environment"),
                ]
                if let value = collection.value {
                    out.append(
                        (
                            "collection", TargetDraft.q(value),
                            collection.why ?? "brand_collection of products without one"
                        ))
                }
                return out
            },
            compare: [
                ("name", "exact"), ("colour", "case_insensitive"), ("materials", "exact"), ("season", "exact"),
                ("year", "exact"),
            ], compareWithModes: true),
        makeClient: { try SartiqClient(session: $0.session, stage: $0.stage) })
}
