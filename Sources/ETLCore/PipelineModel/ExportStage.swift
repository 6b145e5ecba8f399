/// `export:` — what to fetch back from the service.
public struct ExportStage: Sendable {
    /// The export format where the service offers several (Pixyle: xlsx, csv, json).
    public var format: String?
    /// How long to wait for processing, in seconds.
    public var waitSeconds: Double?
}
