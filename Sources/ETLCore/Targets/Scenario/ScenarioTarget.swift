extension TargetService {
    /// Scenario image assets.
    public static let scenario = TargetService(name: "scenario")
}

extension TargetDefinition {
    /// Scenario: one image asset per request, gathered into a collection.
    public static let scenario = TargetDefinition(
        service: .scenario, displayName: "Scenario", ruleSets: [.scenarioAsset], batchUnit: "image asset",
        capabilities: [.find, .export],
        pacing: TargetPacing(
            source: "assumed: 4 requests in flight, reads and uploads under one rate (the docs do not say otherwise)"),
        accountCredentials: ["key", "project_id"], settings: [.scenarioProject],
        draft: TargetDraft(
            connection: { _, name, _, _ in
                [
                    ("endpoint", "${SCENARIO_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("key", "${SCENARIO_API_KEY:-sandbox}", "secrets only come from the environment"),
                    ("secret", "${SCENARIO_API_SECRET:-sandbox}", nil),
                    ("collection", TargetDraft.q(name), nil),
                ]
            }),
        // Against a stand-in, the sample's images (reserved .example hosts that never resolve) come
        // from the stand-in's image CDN.
        makeClient: { try ScenarioClient(session: $0.session, stage: $0.stage, imageLoader: $0.standInImages) })
}

extension TargetSetting {
    /// Which project assets go to.
    static let scenarioProject = TargetSetting(
        "project", "query projectId = the stage's project_id credential, left out when it is empty",
        source:
            "docs.scenario.com/docs/uploading-assets, POST /assets?projectId=…; leaving it out is assumed: the key's default project"
    )
}
