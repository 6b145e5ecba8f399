import Foundation
import OrderedJSON

/// A client of Mixpeek (API-CONTRACTS §3): products become objects in a bucket, up to 100 per
/// `POST /v1/buckets/{bucket}/objects/batch`; ``finish()`` puts the objects created in a processing
/// batch, submits it and waits for it; the collection over the bucket then holds one document per
/// object, which ``find(keys:)`` and ``export(into:)`` read.
///
/// - Auth: `Authorization: Bearer <token>` through ``ServiceSession/setAuth(_:)``; `X-Namespace` is
///   sent with every request but is not a secret, so it is not handed to the redactor.
/// - Bucket and collection: both named after the pipeline's `collection`. ``prepare(state:)`` finds
///   them (saved ids first, then by name); a missing bucket is created with the first batch, because
///   its `bucket_schema` is made from the records (`image_url…` fields are `image` blobs, the rest
///   typed from their values) with `unique_key` = the key field and `default_policy: upsert`.
/// - Safe retries: every object carries `skip_duplicates: true` and the bucket's unique key, so a
///   batch sent again after a lost answer gives back the objects already held instead of copies.
/// - An object is the record: its image fields as blobs (`data` = the URL) and the whole record as
///   `metadata`, so that documents give every field back under our names.
/// - Updates: `POST /v1/buckets/{bucket}/objects?policy=update` replaces the object holding the key
///   (when the bucket's unique key is the key field) and the object is processed again.
/// - Objects created but not yet in a submitted batch are kept in ``state``
///   (`pending_object_ids`), so that a run that stops before ``finish()`` has them processed by the next.
public final class MixpeekClient: ServiceClient, @unchecked Sendable {
    /// The feature extractor a new collection runs. The contract leaves Mixpeek's extractor names
    /// open (the sandbox accepts any); change it here if the account offers another.
    public static let featureExtractor = (
        name: TargetSetting.mixpeekExtractorName.value, version: TargetSetting.mixpeekExtractorVersion.value
    )
    /// `TaskStatusEnum` states after which a batch no longer changes (python-sdk `docs/TaskStatusEnum.md`).
    static let terminalStates: Set<String> = ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED", "CANCELLED"]
    /// Object ids per processing batch (the contract gives no maximum; we keep requests small).
    static let objectsPerProcessingBatch = 1000

    /// The service.
    public let service = TargetService.mixpeek
    /// Objects per `objects/batch` request: at most 100 (python-sdk `create_objects_batch_request.py`).
    public let batchSize: Int
    /// True: ``update(_:remoteID:)`` replaces an object through the bucket's unique key,
    /// `POST /v1/buckets/{bucket}/objects?policy=update` (python-sdk `docs/BucketObjectsApi.md`,
    /// `docs/UniqueKeyConfig.md`), then has it processed again by ``finish()``.
    public let canUpdate = TargetDefinition.mixpeek.capabilities.contains(.update)
    /// How long ``finish()`` waits for its processing batches, in seconds.
    public let processingTimeout: Double

    private let session: ServiceSession
    private let namespace: String
    private let name: String
    private let keyField: String
    private let lock = NSLock()
    private var bucketID: String?
    private var collectionID: String?
    private var schemaFields: [String] = []
    private var keyedOnKeyField = false
    private var pending: [String] = []

    /// Creates a client.
    /// - Parameters:
    ///   - session: The session to the service's origin (e.g. `https://api.mixpeek.com`).
    ///   - stage: The upload stage: `token` and `namespace` credentials, `collection`, `batch_size`.
    ///   - processingTimeout: How long ``finish()`` waits for processing (default 15 minutes).
    /// - Throws: ``ConfigError`` (exit 2) when the token, the namespace or the collection is missing.
    public init(session: ServiceSession, stage: UploadStage, processingTimeout: Double = 900) throws {
        let token = try ClientKit.credential(stage, "token", example: "token: ${MIXPEEK_API_KEY}")
        namespace = try ClientKit.credential(stage, "namespace", example: "namespace: ${MIXPEEK_NAMESPACE}")
        name = try ClientKit.collection(stage, meaning: "the bucket and the collection over it")
        self.session = session
        self.processingTimeout = processingTimeout
        batchSize = max(1, min(100, stage.batchSize ?? 100))
        keyField = TargetRuleSet.mixpeekObject.keyField
        session.setAuth([("Authorization", "Bearer \(token)")])
    }

    /// The bucket id, the collection id and the objects still to process.
    public var state: [String: String] {
        lock.withLock {
            var s: [String: String] = [:]
            if let bucketID { s["bucket_id"] = bucketID }
            if let collectionID { s["collection_id"] = collectionID }
            if !pending.isEmpty { s["pending_object_ids"] = ClientKit.joinIDs(pending) }
            return s
        }
    }

    /// Finds the bucket and the collection (saved ids first, then by name) and creates the collection
    /// when only the bucket exists; a missing bucket is created with the first batch.
    /// - Throws: ``RemoteError``: `.fatal` for refused credentials or a same-named collection that
    ///   reads another bucket.
    public func prepare(state: [String: String]) async throws {
        let carried = ClientKit.splitIDs(state["pending_object_ids"])
        lock.withLock { addPending(carried) }
        guard let bucket = try await lookUpBucket(id: state["bucket_id"]),
            let bucketID = bucket["bucket_id"]?.textValue
        else { return }
        let fields = (bucket["bucket_schema"]?["properties"]?.objectValue ?? []).map(\.key)
        let keyed = isKeyedOnKeyField(bucket)
        lock.withLock {
            self.bucketID = bucketID
            schemaFields = fields
            keyedOnKeyField = keyed
        }
        let collectionID: String
        if let found = try await lookUpCollection(id: state["collection_id"], bucketID: bucketID)?["collection_id"]?
            .textValue
        {
            collectionID = found
        } else {
            collectionID = try await createCollection(bucketID: bucketID, fields: fields)
        }
        lock.withLock { self.collectionID = collectionID }
    }

    /// Finds the bucket and the collection (saved ids first, then by name); never creates either.
    /// - Throws: ``RemoteError``: `.fatal` for refused credentials.
    public func prepareReadOnly(state: [String: String]) async throws {
        guard let bucket = try await lookUpBucket(id: state["bucket_id"]),
            let bucketID = bucket["bucket_id"]?.textValue
        else { return }
        let keyed = isKeyedOnKeyField(bucket)
        let collection = try await lookUpCollection(id: state["collection_id"], bucketID: bucketID)?["collection_id"]?
            .textValue
        lock.withLock {
            self.bucketID = bucketID
            schemaFields = (bucket["bucket_schema"]?["properties"]?.objectValue ?? []).map(\.key)
            keyedOnKeyField = keyed
            collectionID = collection
        }
    }

    /// Finds the bucket and the collection by name without creating either.
    public func probe() async throws -> CollectionProbe {
        try await prepareReadOnly(state: [:])
        let (bucket, collection) = lock.withLock { (bucketID, collectionID) }
        return CollectionProbe(
            collection: "bucket and collection \"\(name)\"",
            exists: bucket != nil && collection != nil)
    }

    /// Creates up to ``batchSize`` objects in one request; per-object failures become rejections.
    /// - Throws: ``RemoteError``: `.ambiguous` when the answer was lost.
    public func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        guard !items.isEmpty else { return [:] }
        let bucketID = try await ensureContainers(for: items)
        let body = JSONValue.obj([("objects", .array(items.map { object(for: $0) }))])
        let path = "/v1/buckets/\(FormEncoding.escape(bucketID))/objects/batch"
        let response = try await send("POST", path, body, idempotent: false, upload: true)
        switch response.status {
        case 200, 201, 207:
            return outcome(response.json ?? .null, items: items)
        case 400, 422:
            if let details = response.json?["error"]?["details"], details["failed"] != nil {
                return outcome(details, items: items)
            }
            let why = "Mixpeek refused the batch: \(ClientKit.message(response, session))"
            return Dictionary(items.map { ($0.key, ItemResult.rejected(why)) }, uniquingKeysWith: { a, _ in a })
        case 404:
            lock.withLock {
                self.bucketID = nil
                collectionID = nil
            }
            throw RemoteError.failed(
                session.redactor.redact(
                    "Mixpeek POST \(path): \(ClientKit.message(response, session)); the bucket is gone, the next batch creates it again"
                ))
        default:
            throw failure("POST \(path)", response)
        }
    }

    /// Replaces the object that holds the item's key (`?policy=update`, by the bucket's unique key)
    /// and queues it for processing again in ``finish()``.
    /// - Returns: `.done` with the object id; `.rejected` when the service holds no such object, the
    ///   bucket has no unique key on the key field, or the object is refused.
    public func update(_ item: SendItem, remoteID: String) async throws -> ItemResult {
        let (bucket, keyed) = lock.withLock { (bucketID, keyedOnKeyField) }
        guard let bucket else {
            throw RemoteError.failed(
                "Mixpeek: no bucket \"\(name)\" to update \(item.key) in; prepare(state:) found none")
        }
        guard keyed else {
            return .rejected(
                "Mixpeek: the bucket \"\(name)\" has no unique_key on \(keyField), so \(remoteID) cannot be replaced in place"
            )
        }
        let path = "/v1/buckets/\(FormEncoding.escape(bucket))/objects" + ClientKit.query([("policy", "update")])
        // Sending the same update twice leaves the same object: safe to retry.
        let body = object(for: item, skipDuplicates: false)
        let response = try await send("POST", path, body, idempotent: true, upload: true)
        switch response.status {
        case 200, 201:
            let id = response.json?["object_id"]?.textValue ?? remoteID
            lock.withLock { addPending([id]) }
            return .done(remoteID: id)
        case 404:
            return .rejected(
                "Mixpeek holds no object with \(keyField) \"\(item.key)\" to update: \(ClientKit.message(response, session))"
            )
        case 400, 409, 422:
            return .rejected("Mixpeek refused the update of \"\(item.key)\": \(ClientKit.message(response, session))")
        default:
            throw failure("POST \(path)", response)
        }
    }

    /// The object ids of those `keys` the collection holds a document for.
    ///
    /// Only processed objects have documents; an object created by a lost request but not yet
    /// processed is not found here, and sending it again is still safe (`skip_duplicates`).
    public func find(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty, let collectionID = lock.withLock({ collectionID }) else { return [:] }
        let wanted = Set(keys)
        let filters = JSONValue.obj([
            (
                "AND",
                .array([
                    .obj([
                        ("field", .string("metadata.\(keyField)")), ("operator", .string("in")),
                        ("value", .array(keys.map { .string($0) })),
                    ])
                ])
            )
        ])
        var found: [String: String] = [:]
        for document in try await documents(collectionID, filters: filters) {
            guard let key = key(of: document), wanted.contains(key), found[key] == nil,
                let id = Self.remoteID(of: document)
            else { continue }
            found[key] = id
        }
        return found
    }

    /// Puts the objects not yet processed in batches, submits them and waits until each ends
    /// (at most ``processingTimeout`` seconds).
    /// - Throws: ``RemoteError/failed(_:)`` when a batch ends `FAILED` or `CANCELED`, or is still
    ///   running at the deadline.
    public func finish() async throws {
        let (bucket, ids) = lock.withLock { (bucketID, pending) }
        guard let bucket, !ids.isEmpty else { return }
        var submitted: [String] = []
        for chunk in ClientKit.chunks(ids, of: Self.objectsPerProcessingBatch) {
            guard let batchID = try await makeBatch(bucket: bucket, objectIDs: chunk) else { continue }
            try await submit(bucket: bucket, batchID: batchID)
            lock.withLock {
                let done = Set(chunk)
                pending.removeAll { done.contains($0) }
            }
            submitted.append(batchID)
        }
        try await wait(for: submitted, bucket: bucket)
    }

    /// Reads every document of the collection (cursor paging, 1,000 a page) and saves them as
    /// `export-mixpeek.json`; the reported count is the collection's `document_count`.
    public func export(into directory: String) async throws -> RemoteSnapshot {
        var collection = lock.withLock { collectionID }
        if collection == nil, let bucket = lock.withLock({ bucketID }) {
            collection = try await lookUpCollection(id: nil, bucketID: bucket)?["collection_id"]?.textValue
        }
        guard let collection else {
            let path = try ClientKit.saveExport([], directory: directory, name: "export-mixpeek.json")
            return RemoteSnapshot(items: [], reportedCountName: "document_count", savedFiles: [path])
        }
        let documents = try await documents(collection, filters: nil)
        let path = try ClientKit.saveExport(documents, directory: directory, name: "export-mixpeek.json")
        let items = documents.map { document in
            RemoteItem(
                key: key(of: document), remoteID: Self.remoteID(of: document) ?? "", fields: Self.fields(of: document))
        }
        let reported = try await lookUpCollection(id: collection, bucketID: nil)?["document_count"]?.integerValue
        return RemoteSnapshot(
            items: items, reportedCount: reported, reportedCountName: "document_count", savedFiles: [path])
    }

    // MARK: Requests

    private func send(_ method: String, _ path: String, _ body: JSONValue?, idempotent: Bool, upload: Bool = false)
        async throws -> HTTPResult
    {
        var request =
            body.map { HTTPRequestSpec.json(method, session.url(path), $0) }
            ?? HTTPRequestSpec(method: method, url: session.url(path))
        request.headers.append(("X-Namespace", namespace))
        return try await session.send(request, idempotent: idempotent, upload: upload)
    }

    private func failure(_ what: String, _ response: HTTPResult) -> RemoteError {
        let text = session.redactor.redact("Mixpeek \(what): \(ClientKit.message(response, session))")
        if response.status == 403 { return .fatal(text + "; check the API key's permissions and the namespace") }
        return .failed(text)
    }

    /// Every result of a `…/list` endpoint paged by `limit`/`offset`.
    private func listAll(_ path: String, body: JSONValue) async throws -> [JSONValue] {
        let limit = 100
        var results: [JSONValue] = []
        while true {
            let query = ClientKit.query([("limit", String(limit)), ("offset", String(results.count))])
            let response = try await send("POST", path + query, body, idempotent: true)
            guard response.status == 200, let json = response.json else { throw failure("POST \(path)", response) }
            let page = json["results"]?.arrayValue ?? []
            results += page
            let total = json["total_count"]?.integerValue ?? json["pagination"]?["total"]?.integerValue
            if page.count < limit || total.map({ results.count >= $0 }) == true || results.count >= 1_000_000 {
                return results
            }
        }
    }

    /// The bucket with the saved id, else the one named like the collection.
    private func lookUpBucket(id: String?) async throws -> JSONValue? {
        let all = try await listAll("/v1/buckets/list", body: .obj([("search", .string(name))]))
        if let id, let bucket = all.first(where: { $0["bucket_id"]?.textValue == id }) { return bucket }
        return all.first { $0["bucket_name"]?.textValue == name }
    }

    /// The collection with the saved id, else the one with our name; it must read `bucketID`.
    private func lookUpCollection(id: String?, bucketID: String?) async throws -> JSONValue? {
        let all = try await listAll("/v1/collections/list", body: .obj([("search", .string(name))]))
        let match =
            id.flatMap { id in all.first { $0["collection_id"]?.textValue == id } }
            ?? all.first { $0["collection_name"]?.textValue == name }
        guard let match, let bucketID else { return match }
        let sources = (match["source"]?["bucket_ids"]?.arrayValue ?? []).compactMap(\.textValue)
        guard sources.isEmpty || sources.contains(bucketID) || sources.contains(name) else {
            throw RemoteError.fatal(
                "Mixpeek: the collection \"\(match["collection_name"]?.textValue ?? name)\" reads bucket(s) "
                    + "\(sources.joined(separator: ", ")), not \(bucketID); rename the pipeline's collection or delete that collection"
            )
        }
        return match
    }

    /// The bucket id, creating the bucket and the collection on first use.
    private func ensureContainers(for items: [SendItem]) async throws -> String {
        let (known, collection) = lock.withLock { (self.bucketID, self.collectionID) }
        if let known, collection != nil { return known }
        var bucket = known
        if bucket == nil {
            if let existing = try await lookUpBucket(id: nil), let id = existing["bucket_id"]?.textValue {
                let fields = (existing["bucket_schema"]?["properties"]?.objectValue ?? []).map(\.key)
                let keyed = isKeyedOnKeyField(existing)
                lock.withLock {
                    schemaFields = fields
                    keyedOnKeyField = keyed
                }
                bucket = id
            } else {
                let schema = Self.schema(for: items, keyField: keyField)
                bucket = try await createBucket(schema: schema)
                lock.withLock {
                    schemaFields = schema.map(\.name)
                    keyedOnKeyField = true
                }
            }
        }
        guard let bucket else { throw RemoteError.failed("Mixpeek: no bucket id for \"\(name)\"") }
        var found = collection
        if found == nil {
            found = try await lookUpCollection(id: nil, bucketID: bucket)?["collection_id"]?.textValue
        }
        if found == nil {
            let fields = lock.withLock { schemaFields }
            found = try await createCollection(bucketID: bucket, fields: fields)
        }
        lock.withLock {
            bucketID = bucket
            collectionID = found
        }
        return bucket
    }

    /// Creates the bucket; a 409 (made meanwhile, or by a lost earlier answer) finds it by name.
    private func createBucket(schema: [(name: String, type: String)]) async throws -> String {
        let properties = JSONValue.object(schema.map { JSONField($0.name, .obj([("type", .string($0.type))])) })
        let body = JSONValue.obj([
            ("bucket_name", .string(name)), ("description", .string("catalog-etl: products of \(name)")),
            ("bucket_schema", .obj([("properties", properties)])),
            ("unique_key", .obj([("fields", .array([.string(keyField)])), ("default_policy", .string("upsert"))])),
        ])
        // Idempotent by name: a second POST answers 409 and the bucket is then looked up.
        let response = try await send("POST", "/v1/buckets", body, idempotent: true, upload: true)
        switch response.status {
        case 200, 201:
            if let id = response.json?["bucket_id"]?.textValue { return id }
        case 409:
            if let id = try await lookUpBucket(id: nil)?["bucket_id"]?.textValue { return id }
        case 400, 422:
            throw RemoteError.fatal(
                session.redactor.redact(
                    "Mixpeek POST /v1/buckets: \(ClientKit.message(response, session)); the bucket \"\(name)\" cannot be created with this schema"
                ))
        default:
            break
        }
        throw failure("POST /v1/buckets", response)
    }

    /// Creates the collection over the bucket; a 409 finds it by name.
    private func createCollection(bucketID: String, fields: [String]) async throws -> String {
        let image = fields.first(where: Self.isImageField)
        let passthrough = fields.filter { !Self.isImageField($0) }.map { JSONValue.obj([("source_path", .string($0))]) }
        let body = JSONValue.obj([
            ("collection_name", .string(name)), ("description", .string("catalog-etl: products of \(name)")),
            ("source", .obj([("type", .string("bucket")), ("bucket_ids", .array([.string(bucketID)]))])),
            (
                "feature_extractor",
                .obj([
                    ("feature_extractor_name", .string(Self.featureExtractor.name)),
                    ("version", .string(Self.featureExtractor.version)),
                    ("input_mappings", .object(image.map { [JSONField("image", .string($0))] } ?? [])),
                    ("field_passthrough", .array(passthrough)), ("include_all_source_fields", .bool(true)),
                ])
            ),
            ("enabled", .bool(true)),
        ])
        let response = try await send("POST", "/v1/collections", body, idempotent: true, upload: true)
        switch response.status {
        case 200, 201:
            if let id = response.json?["collection_id"]?.textValue { return id }
        case 409:
            if let id = try await lookUpCollection(id: nil, bucketID: bucketID)?["collection_id"]?.textValue {
                return id
            }
        case 400, 422:
            throw RemoteError.fatal(
                session.redactor.redact(
                    "Mixpeek POST /v1/collections: \(ClientKit.message(response, session)); the collection \"\(name)\" cannot be created"
                ))
        default:
            break
        }
        throw failure("POST /v1/collections", response)
    }

    /// A draft batch of `objectIDs`; ids the bucket no longer holds are dropped (nil when none is left).
    private func makeBatch(bucket: String, objectIDs: [String]) async throws -> String? {
        var ids = objectIDs
        let path = "/v1/buckets/\(FormEncoding.escape(bucket))/batches"
        for _ in 0..<3 where !ids.isEmpty {
            // Sending it twice leaves at most an unsubmitted draft, so a retry is harmless.
            let body = JSONValue.obj([("object_ids", .array(ids.map { .string($0) }))])
            let response = try await send("POST", path, body, idempotent: true, upload: true)
            if response.status == 200 || response.status == 201, let id = response.json?["batch_id"]?.textValue {
                return id
            }
            let unknown = Set(
                (response.json?["error"]?["details"]?["object_ids"]?.arrayValue ?? []).compactMap(\.textValue))
            guard response.status == 404, !unknown.isEmpty else { throw failure("POST \(path)", response) }
            ids.removeAll { unknown.contains($0) }
            lock.withLock { pending.removeAll { unknown.contains($0) } }
        }
        return nil
    }

    /// Submits a batch; a 409 means an earlier (lost) submit already did.
    private func submit(bucket: String, batchID: String) async throws {
        let path = "/v1/buckets/\(FormEncoding.escape(bucket))/batches/\(FormEncoding.escape(batchID))/submit"
        let response = try await send("POST", path, nil, idempotent: true, upload: true)
        guard (200...299).contains(response.status) || response.status == 409 else {
            throw failure("POST \(path)", response)
        }
    }

    /// Polls the batches (0.2 s, growing to 5 s) until each is terminal or the deadline passes.
    private func wait(for batches: [String], bucket: String) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(processingTimeout))
        var open = batches
        var failed: [String] = []
        var delay = 0.2
        while !open.isEmpty {
            var still: [String] = []
            for id in open {
                let path = "/v1/buckets/\(FormEncoding.escape(bucket))/batches/\(FormEncoding.escape(id))"
                let response = try await send("GET", path, nil, idempotent: true)
                guard response.status == 200, let json = response.json else { throw failure("GET \(path)", response) }
                let status = (json["status"]?.textValue ?? "UNKNOWN").uppercased()
                if !Self.terminalStates.contains(status) {
                    still.append(id)
                } else if status == "FAILED" || status == "CANCELED" || status == "CANCELLED" {
                    let summary = json["error_summary"].flatMap { $0 == .null ? nil : $0.plainText }
                    failed.append("batch \(id) ended \(status)" + (summary.map { " (\($0))" } ?? ""))
                }
            }
            open = still
            if open.isEmpty { break }
            if ContinuousClock.now.advanced(by: .seconds(delay)) > deadline {
                throw RemoteError.failed(
                    "Mixpeek: processing batch(es) \(open.joined(separator: ", ")) still running after "
                        + "\(Int(processingTimeout)) s; their documents appear when processing ends, export again later"
                )
            }
            try await Task.sleep(for: .seconds(delay))
            delay = min(5, delay * 1.5)
        }
        if !failed.isEmpty {
            throw RemoteError.failed(
                "Mixpeek: \(failed.joined(separator: "; ")); see GET …/batches/{id}/failed-documents")
        }
    }

    /// Every document of a collection, following `pagination.next_cursor`.
    private func documents(_ collection: String, filters: JSONValue?) async throws -> [JSONValue] {
        let path = "/v1/collections/\(FormEncoding.escape(collection))/documents/list"
        var documents: [JSONValue] = []
        var cursor: String? = nil
        var seen = Set<String>()
        repeat {
            var body: [(String, JSONValue)] = [("limit", .int(1000))]
            if let filters { body.append(("filters", filters)) }
            if let cursor { body.append(("cursor", .string(cursor))) }
            let response = try await send("POST", path, .obj(body), idempotent: true)
            guard response.status == 200, let json = response.json else { throw failure("POST \(path)", response) }
            let page = json["results"]?.arrayValue ?? []
            documents += page
            cursor = page.isEmpty ? nil : json["pagination"]?["next_cursor"]?.textValue
            if let c = cursor, !seen.insert(c).inserted { cursor = nil }
        } while cursor != nil
        return documents
    }

    // MARK: Records and documents

    private func addPending(_ ids: [String]) {
        var known = Set(pending)
        for id in ids where known.insert(id).inserted { pending.append(id) }
    }

    /// One `CreateObjectRequest`: image fields as blobs, the whole record (with the key) as metadata.
    func object(for item: SendItem, skipDuplicates: Bool = true) -> JSONValue {
        var blobs: [JSONValue] = []
        var metadata = item.record.objectValue ?? []
        for field in metadata where Self.isImageField(field.key) {
            guard let url = field.value.textValue, !url.isEmpty else { continue }
            blobs.append(.obj([("property", .string(field.key)), ("type", .string("image")), ("data", .string(url))]))
        }
        if !metadata.contains(where: { $0.key == keyField }) {
            metadata.insert(JSONField(keyField, .string(item.key)), at: 0)
        }
        var fields: [(String, JSONValue)] = [("blobs", .array(blobs)), ("metadata", .object(metadata))]
        if skipDuplicates { fields.append(("skip_duplicates", .bool(true))) }
        return .obj(fields)
    }

    /// Maps a `CreateObjectsBatchResponse` (`succeeded`, `failed[{object_index, error, error_type}]`).
    private func outcome(_ json: JSONValue, items: [SendItem]) -> [String: ItemResult] {
        var results: [String: ItemResult] = [:]
        var failedIndexes = Set<Int>()
        for failure in json["failed"]?.arrayValue ?? [] {
            guard let index = failure["object_index"]?.integerValue, items.indices.contains(index) else { continue }
            failedIndexes.insert(index)
            let error = failure["error"]?.textValue ?? "refused without a reason"
            let type = failure["error_type"]?.textValue
            results[items[index].key] = .rejected(type.map { "Mixpeek \($0) error: \(error)" } ?? "Mixpeek: \(error)")
        }
        let succeeded = json["succeeded"]?.arrayValue ?? []
        var byKey: [String: String] = [:]
        for object in succeeded {
            guard let id = object["object_id"]?.textValue, let key = object["metadata"]?[keyField]?.textValue
            else { continue }
            if byKey[key] == nil { byKey[key] = id }
        }
        let accepted = items.indices.filter { !failedIndexes.contains($0) }
        var created: [String] = []
        for (n, index) in accepted.enumerated() {
            let item = items[index]
            let byOrder = succeeded.count == accepted.count ? succeeded[n]["object_id"]?.textValue : nil
            guard let id = byKey[item.key] ?? byOrder else { continue }
            results[item.key] = .done(remoteID: id)
            created.append(id)
        }
        lock.withLock { addPending(created) }
        return results
    }

    /// Whether a bucket's `unique_key` is exactly our key field.
    private func isKeyedOnKeyField(_ bucket: JSONValue) -> Bool {
        (bucket["unique_key"]?["fields"]?.arrayValue ?? []).compactMap(\.textValue) == [keyField]
    }

    private func key(of document: JSONValue) -> String? {
        document["metadata"]?[keyField]?.textValue ?? document[keyField]?.textValue
    }

    static func remoteID(of document: JSONValue) -> String? {
        document["source_object_id"]?.textValue ?? document["document_id"]?.textValue
    }

    /// A document's fields in our names: its `metadata`, then passed-through top-level fields.
    static func fields(of document: JSONValue) -> [String: JSONValue] {
        var fields = ClientKit.dictionary(document["metadata"])
        let system: Set<String> = ["document_id", "collection_id", "source_object_id", "bucket_id", "metadata"]
        for field in document.objectValue ?? [] where !system.contains(field.key) && fields[field.key] == nil {
            fields[field.key] = field.value
        }
        return fields
    }

    /// Whether a record field holds an image URL (`image_url`, `image_url_2`, …).
    static func isImageField(_ name: String) -> Bool { name.hasPrefix("image_url") }

    /// A `bucket_schema` for the records: the key first, image fields as `image`, others by value.
    static func schema(for items: [SendItem], keyField: String) -> [(name: String, type: String)] {
        var schema: [(name: String, type: String)] = [(keyField, "string")]
        var types: [String: String] = [keyField: "string"]
        for item in items {
            for field in item.record.objectValue ?? [] {
                let type: String?
                if isImageField(field.key) {
                    type = "image"
                } else {
                    switch field.value {
                    case .null: type = nil
                    case .string: type = "string"
                    case .number(let n):
                        type = n.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? "number" : "integer"
                    case .bool: type = "boolean"
                    case .array: type = "array"
                    case .object: type = "object"
                    }
                }
                if let existing = types[field.key] {
                    if existing == "integer" && type == "number" {
                        types[field.key] = "number"
                        if let i = schema.firstIndex(where: { $0.name == field.key }) { schema[i].type = "number" }
                    }
                    continue
                }
                guard let type else { continue }
                types[field.key] = type
                schema.append((field.key, type))
            }
        }
        for item in items {
            for field in item.record.objectValue ?? [] where types[field.key] == nil {
                types[field.key] = "string"
                schema.append((field.key, "string"))
            }
        }
        return schema
    }
}
