extension TargetService {
    /// Pixyle.ai collections.
    public static let pixyle = TargetService(name: "pixyle")
}

extension TargetDefinition {
    /// Pixyle: upload files of rows, one at a time; products cannot be changed.
    public static let pixyle = TargetDefinition(
        service: .pixyle, displayName: "Pixyle", ruleSets: [.pixyleUpload], batchUnit: "upload file of products",
        capabilities: [.find, .export],
        // Uploads are whole files of rows, one at a time at 1/s: bodies of different sizes make their
        // arrival times jitter by tens of milliseconds on a busy machine, more than a 2% margin absorbs,
        // so they go 10% under the limit. The documented 1/s is for uploads only: reads are paced apart.
        pacing: TargetPacing(
            concurrency: 1, margin: 0.10, readRate: 5, readConcurrency: 2,
            source:
                "assumed: one upload at a time, 10% under the documented 1 request/s (api-docs/pixyle-collections.md, Upload a collection); reads at 5/s, 2 in flight, since no read limit is documented"
        ),
        accountCredentials: ["username", "email"],
        settings: [.pixyleCollectionName, .pixyleExportKeyColumn, .pixyleExportIDColumn],
        draft: TargetDraft(
            connection: { contract, name, _, _ in
                [
                    ("endpoint", "${PIXYLE_URL:-sandbox}", "\"sandbox\" = the built-in stand-in"),
                    ("username", "${PIXYLE_EMAIL:-demo@example.com}", nil),
                    ("password", "${PIXYLE_PASSWORD:-sandbox}", "secrets only come from the environment"),
                    ("collection", TargetDraft.q(name), nil),
                    ("batch_size", String(contract.defaultBatchSize ?? 100), "products per upload file"),
                ]
            }, export: "{ format: xlsx, wait: 10m }", compare: [("title", "exact")]),
        makeClient: { context in
            let pixyle = try PixyleClient(session: context.session, stage: context.stage)
            if let format = context.pipeline.export?.format { pixyle.exportFormat = format }
            if let wait = context.pipeline.export?.waitSeconds { pixyle.exportWaitSeconds = wait }
            return pixyle
        })
}

extension TargetSetting {
    /// What Pixyle's collection is called.
    static let pixyleCollectionName = TargetSetting(
        "collection name", "the stage's collection (the upload file is <collection>.csv)",
        source:
            "assumed: Pixyle names a collection after its upload file and may change the name to resolve duplicates (api-docs/pixyle-collections.md, Upload a collection)"
    )
    /// The export column that carries our key.
    static let pixyleExportKeyColumn = TargetSetting(
        "export key column", "sku",
        source: "assumed: the export echoes the upload file's sku column (the export's columns are not documented)")
    /// The export column that carries Pixyle's product id.
    static let pixyleExportIDColumn = TargetSetting(
        "export id column", "product_id",
        source:
            "assumed: the column the collection's per-product errors name (api-docs/pixyle-collections.md, Get a collection)"
    )
}
