/// `upload:` — where and how fast to send (used by the upload stage).
public struct UploadStage: Sendable {
    /// The service.
    public var target: TargetService
    /// `sandbox`, or the service's origin URL.
    public var endpoint: String
    /// Credentials by name (`username`, `password`, `token`, `api_key`, `namespace`, `key`, `secret`);
    /// values come from the environment and are never printed.
    public var credentials: [String: String]
    /// The seasonal collection (Pixyle collection name, Sartiq `brand_collection`, Mixpeek bucket, …).
    public var collection: String?
    /// Records per request where the service takes batches.
    public var batchSize: Int?
    /// Requests per second, when set (`5/s`, `1000/h`).
    public var rate: Double?
    /// Requests in flight at once.
    public var concurrency: Int?
    /// Attempts per request before an item fails.
    public var maxAttempts: Int?
    /// The whole-request deadline in seconds (`timeout:`, default 60 s), reading the answer included.
    public var timeoutSeconds: Double?
    /// The longest `Retry-After` waited, in seconds (`max_wait:`, default 10 min); a longer one ends
    /// the upload to this service (exit 4).
    public var maxWaitSeconds: Double?
    /// The stand-in's settings by name (`sandbox: { settings: { pixyleUploadsPerSecond: 20 } }`), for
    /// `endpoint: sandbox` only: the names are the sandbox's `--setting` names, the values as written.
    public var sandboxSettings: [String: String] = [:]
}
