/// One valid record on its way to the service, as spooled by the validation stage.
public struct SendItem: Sendable {
    /// The record's key (the pipeline's `read.key`, e.g. the SKU).
    public var key: String
    /// Where the record came from.
    public var file: String
    /// The sheet (XLSX).
    public var sheet: String?
    /// The row as the user sees it.
    public var row: Int
    /// The normalised record (an object, fields in the pipeline's order).
    public var record: JSONValue
    /// The content hash of the normalised record (hex SHA-256 of its JSON text).
    public var hash: String

    /// Creates an item.
    public init(key: String, file: String, sheet: String?, row: Int, record: JSONValue, hash: String) {
        self.key = key
        self.file = file
        self.sheet = sheet
        self.row = row
        self.record = record
        self.hash = hash
    }

    /// The record's field `name` as plain text, or nil when absent or empty.
    public func text(_ name: String) -> String? {
        guard let v = record[name], !v.isEmpty else { return nil }
        return v.plainText
    }
}

/// What the service said about one item of a create or update.
public enum ItemResult: Sendable, Equatable {
    /// Created (or, for an update, updated); the service's id for it.
    case done(remoteID: String)
    /// The service refused this item (its own validation); the message says why. Not retried.
    case rejected(String)
}

/// What the service holds after an upload, as read back by ``ServiceClient/export(into:)``.
public struct RemoteSnapshot: Sendable {
    /// The items, each with its key (nil when the service lost it), its fields in our field names and any
    /// errors the service recorded for it after accepting it (Pixyle's per-product errors).
    public var items: [RemoteItem]
    /// The count the service itself reports for the collection (product_count, item_count, …), if any.
    public var reportedCount: Int?
    /// The name of that count (e.g. `product_count`).
    public var reportedCountName: String?
    /// The files saved in the run folder as the service returned them.
    public var savedFiles: [String]

    /// Creates a snapshot.
    public init(
        items: [RemoteItem], reportedCount: Int? = nil,
        reportedCountName: String? = nil, savedFiles: [String] = []
    ) {
        self.items = items
        self.reportedCount = reportedCount
        self.reportedCountName = reportedCountName
        self.savedFiles = savedFiles
    }
}
