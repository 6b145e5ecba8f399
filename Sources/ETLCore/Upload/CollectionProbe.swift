/// What `catalog-etl check --connect` learnt from one read of the service: the credentials were taken
/// (a probe that comes back at all logged in), and whether the target collection exists yet.
public struct CollectionProbe: Sendable, Equatable {
    /// The collection as the service names it (`brand collection "SS26 Riviera"`, `bucket "…"` …).
    public var collection: String
    /// Whether the service holds the collection; false for one nothing was uploaded to yet.
    public var exists: Bool
    /// Items on the first page read (at most one page is read).
    public var itemsOnFirstPage: Int?
    /// The count the service reports for the collection, when it reports one.
    public var reportedCount: Int?

    /// Creates a probe's result.
    public init(collection: String, exists: Bool, itemsOnFirstPage: Int? = nil, reportedCount: Int? = nil) {
        self.collection = collection
        self.exists = exists
        self.itemsOnFirstPage = itemsOnFirstPage
        self.reportedCount = reportedCount
    }
}
