/// `read:` — which file and how.
public struct ReadStage: Sendable {
    /// The input path, resolved against the pipeline's folder.
    public var path: String
    /// Reader options (sheet, header row, delimiter, encoding, policies, records path).
    public var options: ReadOptions
    /// The source column that identifies a product across runs and systems.
    public var key: String?
    /// Whether the file sets `encoding:` itself (then bytes read by its fallback are warnings, not errors).
    public var encodingExplicit = false
}
