public import OrderedJSON

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
    /// Every source row of a record made of several (the group stage); empty for one row.
    public var rows: [Int] = []

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

/// A client of one target service: it speaks the service's contract through a ``ServiceSession``
/// (pacing, retries, auth and redaction are the session's job, not the client's).
///
/// Every request goes through the session's `send`, with `idempotent: false, upload: true` for
/// creates. A client maps the service's per-item refusals (400/422, per-object failures) to
/// ``ItemResult/rejected(_:)`` and lets ``RemoteError`` propagate otherwise.
///
/// The upload runner calls ``prepare(state:)`` once, then ``create(_:)`` with batches of at most
/// ``batchSize`` items (and ``update(_:remoteID:)`` for changed ones where ``canUpdate``), then
/// ``finish()``. ``find(keys:)`` answers "does the service already hold these keys?" and is how a
/// lost response never becomes a duplicate.
public protocol ServiceClient: AnyObject, Sendable {
    /// The service.
    var service: TargetService { get }
    /// The most items one create request carries (1 for per-item services).
    var batchSize: Int { get }
    /// Whether the service can change an item it holds.
    var canUpdate: Bool { get }

    /// Logs in and makes sure the collection (bucket, …) exists, or learns what to create lazily.
    /// - Parameter state: What an earlier run stored (``state``, e.g. `collection_id`); the client reuses it.
    func prepare(state: [String: String]) async throws

    /// Like ``prepare(state:)``, but creates nothing on the service (a `plan` only reads): a missing
    /// collection stays missing. The default calls ``prepare(state:)``.
    func prepareReadOnly(state: [String: String]) async throws

    /// What to keep for the next run (e.g. the id of the collection it created or found). The runner
    /// stores it in the ledger after ``prepare(state:)`` and after every create.
    var state: [String: String] { get }

    /// Creates the items on the service.
    /// - Returns: a result for every item it could decide, by key.
    /// - Throws: ``RemoteError``: `.ambiguous` when the service may or may not have created them (the
    ///   runner then asks ``find(keys:)`` before it retries), others as documented there.
    func create(_ items: [SendItem]) async throws -> [String: ItemResult]

    /// Replaces the service's copy of an item.
    func update(_ item: SendItem, remoteID: String) async throws -> ItemResult

    /// The service's ids of those `keys` it holds.
    func find(keys: [String]) async throws -> [String: String]

    /// Work after the last create (submit a processing batch, attach assets to the collection).
    func finish() async throws

    /// Reads back what the service holds for this pipeline's collection and saves the raw export
    /// under `directory`.
    func export(into directory: String) async throws -> RemoteSnapshot

    /// Logs in and reads at most one page of the target collection, creating and changing nothing
    /// (`check --connect`).
    /// - Throws: ``RemoteError``: `.fatal` when the credentials are refused or the service is unreachable.
    func probe() async throws -> CollectionProbe
}
