import Foundation
import HTTPTypes
import Hummingbird

/// The Mixpeek stand-in: buckets, objects in batches of at most 100, processing batches and tasks,
/// collections and their documents, all scoped by `X-Namespace`.
///
/// Choices where the pages are silent: an object fails in `objects/batch` (`failed[]`,
/// `error_type: "validation"`) when it has no blobs, a blob has neither or both of `data` and
/// `upload_id`, or a blob `property` is not in the bucket schema; it fails with `error_type:
/// "dependency"` when a blob's `data` contains `/missing/` (the URL answers 404). If every object
/// fails the answer is 422. A batch steps PENDING → IN_PROGRESS → COMPLETED every
/// ``SandboxSettings/mixpeekBatchStepSeconds`` after submit. Documents of a collection are the objects
/// of its source buckets whose batch completed, one document per object (`document_id` = `doc_` +
/// the object id's suffix), carrying the object's `metadata` and the `field_passthrough` fields.
/// The object key (stats, `skip_duplicates`) is `metadata.sku`, else `key_prefix`, else the first blob's data.
/// `POST /v1/buckets/{bucket}/objects?policy=` creates one object; with a bucket `unique_key` (its
/// fields read from the object's `metadata`, else its top level) the policy, else the bucket's
/// `default_policy`, decides: `insert` answers 409 when the key is held, `update` 404 when it is not,
/// `upsert` either; an update keeps the object id and replaces `blobs`, `metadata` and `key_prefix`.
/// Without a policy either way the answer is 400; a bucket without `unique_key` just inserts.
actor MixpeekStore: ServiceStore {
    struct Bucket: Codable, Sendable {
        var id: String
        var namespace: String
        var name: String
        var description: JSONValue
        var schema: JSONValue
        var uniqueKey: JSONValue
        var metadata: JSONValue
        var createdAt: Double
    }

    struct Object: Codable, Sendable {
        var id: String
        var namespace: String
        var bucketID: String
        var keyPrefix: JSONValue
        var blobs: JSONValue
        var metadata: JSONValue
        var createdAt: Double
        var forcedProcessed = false
        var key: String {
            metadata["sku"]?.stringValue ?? keyPrefix.stringValue
                ?? blobs.arrayValue?.first?["data"]?.stringValue ?? id
        }
    }

    struct Batch: Codable, Sendable {
        var id: String
        var namespace: String
        var bucketID: String
        var objectIDs: [String]
        var createdAt: Double
        var submittedAt: Double?
        var taskID: String?
    }

    struct Collection: Codable, Sendable {
        var id: String
        var namespace: String
        var name: String
        var description: JSONValue
        var source: JSONValue
        var featureExtractor: JSONValue
        var enabled: Bool
        var metadata: JSONValue
        var createdAt: Double
    }

    struct State: Codable, Sendable {
        var buckets: [Bucket] = []
        var objects: [Object] = []
        var batches: [Batch] = []
        var collections: [Collection] = []
        var plant = PlantRecord()
    }

    private var state: State
    private let file: StateFile?
    let settings: SandboxSettings
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var limiter: RateWindow

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, file: StateFile?) throws {
        self.settings = settings
        self.plan = plan
        self.file = file
        self.random = SeededGenerator(seed: seed, stream: "plant:mixpeek")
        self.limiter = RateWindow(limit: settings.mixpeekRequestsPerSecond, window: 1.0)
        self.state = try file?.load(State.self) ?? State()
    }

    private func persist() { file?.save(state) }

    func itemCount() -> Int { state.objects.count }
    func duplicateKeyCount() -> Int { duplicateCount(state.objects.lazy.map(\.key)) }
    func plantedReport() -> JSONValue { state.plant.json }

    func admit(key: String) -> (Double?, Int, Double) {
        let now = Timestamp.monotonic()
        let wait = limiter.admit(key, now: now)
        let usage = limiter.usage(key, now: now)
        return (wait, usage.count, usage.resetAt - now)
    }

    // MARK: Buckets

    func bucket(_ ref: String, namespace: String) -> Bucket? {
        state.buckets.first { $0.namespace == namespace && ($0.id == ref || $0.name == ref) }
    }

    func buckets(namespace: String) -> [Bucket] { state.buckets.filter { $0.namespace == namespace } }

    func createBucket(_ b: Bucket) -> Bucket? {
        guard bucket(b.name, namespace: b.namespace) == nil else { return nil }
        state.buckets.append(b)
        persist()
        return b
    }

    func objectCount(bucketID: String) -> Int { state.objects.filter { $0.bucketID == bucketID }.count }

    func objects(bucketID: String) -> [Object] { state.objects.filter { $0.bucketID == bucketID } }

    func addObjects(_ objects: [Object]) {
        state.objects += objects
        persist()
    }

    func existingObject(bucketID: String, key: String) -> Object? {
        state.objects.first { $0.bucketID == bucketID && $0.key == key }
    }

    /// The object of the bucket whose unique-key `fields` hold `values`.
    func object(bucketID: String, fields: [String], values: [JSONValue]) -> Object? {
        state.objects.first { o in
            o.bucketID == bucketID && fields.map { MixpeekRoutes.uniqueValue(of: o, field: $0) } == values
        }
    }

    /// Replaces what an object holds, keeping its id; nil when it is gone.
    func replaceObject(_ id: String, keyPrefix: JSONValue, blobs: JSONValue, metadata: JSONValue) -> Object? {
        guard let i = state.objects.firstIndex(where: { $0.id == id }) else { return nil }
        state.objects[i].keyPrefix = keyPrefix
        state.objects[i].blobs = blobs
        state.objects[i].metadata = metadata
        persist()
        return state.objects[i]
    }

    // MARK: Batches

    func createBatch(_ batch: Batch) -> Batch {
        state.batches.append(batch)
        persist()
        return batch
    }

    func batch(_ id: String, namespace: String) -> Batch? {
        state.batches.first { $0.id == id && $0.namespace == namespace }
    }

    func batch(taskID: String) -> Batch? { state.batches.first { $0.taskID == taskID } }

    func submit(_ id: String) -> Batch? {
        guard let i = state.batches.firstIndex(where: { $0.id == id }), state.batches[i].submittedAt == nil else {
            return nil
        }
        state.batches[i].submittedAt = Timestamp.now()
        state.batches[i].taskID = "task_" + randomHex(16)
        persist()
        return state.batches[i]
    }

    nonisolated func status(_ batch: Batch, now: Double) -> String {
        guard let submitted = batch.submittedAt else { return "DRAFT" }
        let elapsed = now - submitted
        let step = settings.mixpeekBatchStepSeconds
        if elapsed >= 2 * step { return "COMPLETED" }
        if elapsed >= step { return "IN_PROGRESS" }
        return "PENDING"
    }

    // MARK: Collections

    func collection(_ ref: String, namespace: String) -> Collection? {
        state.collections.first { $0.namespace == namespace && ($0.id == ref || $0.name == ref) }
    }

    func collections(namespace: String) -> [Collection] { state.collections.filter { $0.namespace == namespace } }

    func createCollection(_ c: Collection) -> Collection? {
        guard collection(c.name, namespace: c.namespace) == nil else { return nil }
        state.collections.append(c)
        persist()
        return c
    }

    /// The processed objects of a collection's source buckets (planting first on the first call that finds objects).
    func documents(of c: Collection, plantIfDue: Bool) -> [Object] {
        let bucketRefs = Set((c.source["bucket_ids"]?.arrayValue ?? []).compactMap(\.stringValue))
        let bucketIDs = Set(
            state.buckets.filter {
                $0.namespace == c.namespace && (bucketRefs.contains($0.id) || bucketRefs.contains($0.name))
            }
            .map(\.id))
        if plantIfDue && !plan.isEmpty && !state.plant.done
            && state.objects.contains(where: { bucketIDs.contains($0.bucketID) })
        {
            plant(bucketIDs: bucketIDs)
            persist()
        }
        let now = Timestamp.now()
        var processed = Set<String>()
        for b in state.batches where bucketIDs.contains(b.bucketID) && status(b, now: now) == "COMPLETED" {
            processed.formUnion(b.objectIDs)
        }
        return state.objects.filter {
            bucketIDs.contains($0.bucketID) && ($0.forcedProcessed || processed.contains($0.id))
        }
    }

    private func plant(bucketIDs: Set<String>) {
        state.plant.done = true
        let candidates = state.objects.indices.filter { bucketIDs.contains(state.objects[$0].bucketID) }
        let now = Timestamp.now()
        let mutated = pickIndices(plan.mutate, of: candidates.count, using: &random).map { candidates[$0] }
        for i in mutated {
            let title = state.objects[i].metadata["title"]?.stringValue ?? ""
            state.objects[i].metadata =
                state.objects[i].metadata.objectValue == nil
                ? ["title": .string(title + " [planted]")]
                : state.objects[i].metadata.setting("title", .string(title + " [planted]"))
            state.plant.mutate.append(state.objects[i].key)
        }
        let duplicated = pickIndices(plan.duplicate, of: candidates.count, using: &random).map { candidates[$0] }
        for i in duplicated {
            var copy = state.objects[i]
            copy.id = "obj_" + randomHex(16)
            copy.forcedProcessed = true
            state.objects.append(copy)
            state.plant.duplicate.append(copy.key)
        }
        let excluded = Set(mutated + duplicated)
        let droppable = candidates.filter { !excluded.contains($0) }
        let dropped = pickIndices(plan.drop, of: droppable.count, using: &random).map { droppable[$0] }
        for i in dropped.sorted(by: >) {
            state.plant.drop.append(state.objects[i].key)
            state.objects.remove(at: i)
        }
        guard let bucketID = bucketIDs.sorted().first,
            let namespace = state.buckets.first(where: { $0.id == bucketID })?.namespace
        else { return }
        for n in 0..<plan.extra {
            let sku = "PLANTED-EXTRA-\(n + 1)"
            state.objects.append(
                Object(
                    id: "obj_" + randomHex(16), namespace: namespace, bucketID: bucketID, keyPrefix: .null,
                    blobs: [
                        [
                            "property": "image", "type": "image",
                            "data": .string("https://sandbox.invalid/planted/\(n + 1).jpg"),
                        ]
                    ],
                    metadata: ["sku": .string(sku), "title": .string("Planted extra product \(n + 1)")], createdAt: now,
                    forcedProcessed: true))
            state.plant.extra.append(sku)
        }
    }
}

enum MixpeekRoutes {
    static func bucketJSON(_ b: MixpeekStore.Bucket, objectCount: Int) -> JSONValue {
        [
            "bucket_id": .string(b.id), "bucket_name": .string(b.name), "description": b.description,
            "bucket_schema": b.schema, "unique_key": b.uniqueKey, "metadata": b.metadata,
            "object_count": .int(objectCount), "created_at": .string(Timestamp.iso(b.createdAt)),
            "updated_at": .string(Timestamp.iso(b.createdAt)),
        ]
    }

    static func objectJSON(_ o: MixpeekStore.Object) -> JSONValue {
        [
            "object_id": .string(o.id), "bucket_id": .string(o.bucketID), "key_prefix": o.keyPrefix, "blobs": o.blobs,
            "metadata": o.metadata, "status": "PENDING", "created_at": .string(Timestamp.iso(o.createdAt)),
            "updated_at": .string(Timestamp.iso(o.createdAt)),
        ]
    }

    static func collectionJSON(_ c: MixpeekStore.Collection, documentCount: Int) -> JSONValue {
        [
            "collection_id": .string(c.id), "collection_name": .string(c.name), "description": c.description,
            "input_schema": ["properties": [:]], "output_schema": ["properties": [:]],
            "feature_extractor": c.featureExtractor, "source": c.source, "enabled": .bool(c.enabled),
            "metadata": c.metadata, "created_at": .string(Timestamp.iso(c.createdAt)),
            "updated_at": .string(Timestamp.iso(c.createdAt)), "document_count": .int(documentCount),
            "schema_version": 1, "taxonomy_count": 0, "retriever_count": 0,
        ]
    }

    static func documentJSON(_ o: MixpeekStore.Object, collection c: MixpeekStore.Collection) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("document_id", .string("doc_" + o.id.dropFirst(4))), ("collection_id", .string(c.id)),
            ("source_object_id", .string(o.id)), ("bucket_id", .string(o.bucketID)), ("metadata", o.metadata),
        ]
        for rule in c.featureExtractor["field_passthrough"]?.arrayValue ?? [] {
            guard let source = rule["source_path"]?.stringValue else { continue }
            let target = rule["target_path"]?.stringValue ?? source
            var value = o.metadata[source] ?? rule["default"] ?? .null
            if source == "key_prefix" { value = o.keyPrefix }
            if !pairs.contains(where: { $0.0 == target }) { pairs.append((target, value)) }
        }
        return .object(pairs)
    }

    /// What is wrong with an object's blobs (message, `error_type`), or nil when they are fine.
    static func blobProblem(_ object: JSONValue, properties: Set<String>) -> (String, String)? {
        guard case .object = object, let blobs = object["blobs"]?.arrayValue, !blobs.isEmpty else {
            return ("blobs: at least one blob is required", "validation")
        }
        for (b, blob) in blobs.enumerated() {
            let property = blob["property"]?.stringValue ?? ""
            let hasData = blob["data"].map { $0 != .null } ?? false
            let hasUpload = blob["upload_id"].map { $0 != .null } ?? false
            if property.isEmpty || (!properties.isEmpty && !properties.contains(property)) {
                return ("blobs[\(b)].property \"\(property)\" is not a field of the bucket schema", "validation")
            } else if hasData == hasUpload {
                return ("blobs[\(b)]: exactly one of data or upload_id is required", "validation")
            } else if let data = blob["data"]?.stringValue, data.contains("/missing/") {
                return ("blobs[\(b)].data could not be fetched: HTTP 404 for \(data)", "dependency")
            }
        }
        return nil
    }

    /// The value of a unique-key field of an object: from its metadata, else `key_prefix` by name.
    static func uniqueValue(of o: MixpeekStore.Object, field: String) -> JSONValue {
        if let v = o.metadata[field], v != .null { return v }
        return field == "key_prefix" ? o.keyPrefix : .null
    }

    static func batchJSON(_ b: MixpeekStore.Batch, status: String) -> JSONValue {
        [
            "batch_id": .string(b.id), "bucket_id": .string(b.bucketID), "status": .string(status),
            "object_ids": .array(b.objectIDs.map { .string($0) }), "task_id": .optional(b.taskID),
            "current_tier": .int(status == "COMPLETED" ? 1 : 0), "total_tiers": 1, "error_summary": .null,
            "created_at": .string(Timestamp.iso(b.createdAt)),
            "updated_at": .string(Timestamp.iso(b.submittedAt ?? b.createdAt)),
        ]
    }

    /// Filters `{"AND"|"OR": [{field, operator, value}]}` on dotted paths; operators eq, ne, in, nin, contains.
    static func matches(_ item: JSONValue, filters: JSONValue?, caseSensitive: Bool) -> Bool {
        guard let filters, case .object(let groups) = filters, !groups.isEmpty else { return true }
        func value(at path: String) -> JSONValue? {
            var current: JSONValue? = item
            for part in path.split(separator: ".") { current = current?[String(part)] }
            return current
        }
        func norm(_ v: JSONValue?) -> JSONValue? {
            if !caseSensitive, case .string(let s)? = v { return .string(s.lowercased()) }
            return v
        }
        func test(_ condition: JSONValue) -> Bool {
            guard let field = condition["field"]?.stringValue else { return true }
            let op = condition["operator"]?.stringValue ?? "eq"
            let actual = norm(value(at: field))
            let expected = condition["value"]
            switch op {
            case "eq": return actual == norm(expected)
            case "ne": return actual != norm(expected)
            case "in": return (expected?.arrayValue ?? []).map { norm($0) }.contains(actual)
            case "nin": return !(expected?.arrayValue ?? []).map { norm($0) }.contains(actual)
            case "contains":
                if case .string(let a)? = actual, case .string(let e)? = norm(expected) { return a.contains(e) }
                return false
            default: return false
            }
        }
        for (key, conditions) in groups {
            let list = conditions.arrayValue ?? [conditions]
            switch key {
            case "AND": if !list.allSatisfy(test) { return false }
            case "OR": if !list.contains(where: test) { return false }
            case "NOT": if list.contains(where: test) { return false }
            default: if !test(["field": .string(key), "operator": "eq", "value": conditions]) { return false }
            }
        }
        return true
    }

    static func pagination(total: Int, limit: Int, offset: Int) -> JSONValue {
        let page = limit > 0 ? offset / limit + 1 : 1
        let pages = limit > 0 ? (total + limit - 1) / limit : 1
        return [
            "total": .int(total), "page": .int(page), "page_size": .int(limit), "total_pages": .int(pages),
            "next_page": offset + limit < total ? .string(String(page + 1)) : .null,
            "previous_page": page > 1 ? .string(String(page - 1)) : .null,
        ]
    }

    static func register(
        on router: Router<SandboxRequestContext>, store: MixpeekStore, runtime: ServiceRuntime,
        settings: SandboxSettings
    ) {
        let api = router.group("mixpeek/v1").add(middleware: ServiceMiddleware(runtime: runtime))

        /// Checks the key, the namespace and the rate; returns the namespace or an error response.
        @Sendable func gate(_ request: Request) async -> Result<String, GateFailure> {
            guard let token = bearerToken(request), SandboxCredentials.acceptsMixpeekKey(token) else {
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .unauthorized, "Invalid or missing API key; send Authorization: Bearer sk_...",
                            type: "AuthenticationError")))
            }
            guard let namespace = request.headers[.xNamespace], !namespace.isEmpty else {
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .badRequest, "The X-Namespace header is required", type: "BadRequestError")))
            }
            let (wait, _, _) = await store.admit(key: token)
            if let wait {
                runtime.recordOwnRateLimit()
                var headers = retryAfterHeader(wait)
                headers[.xRateLimitLimit] = String(settings.mixpeekRequestsPerSecond)
                headers[.xRateLimitRemaining] = "0"
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .tooManyRequests, "Rate limit exceeded", type: "TooManyRequestsError", headers: headers)))
            }
            return .success(namespace)
        }

        @Sendable func jsonBody(_ request: Request, _ context: SandboxRequestContext, allowEmpty: Bool) async throws
            -> Result<JSONValue, GateFailure>
        {
            let bytes = try await readBody(request, context: context)
            if bytes.isEmpty && allowEmpty { return .success([:]) }
            guard let json = JSONValue.parse(bytes), case .object = json else {
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .unprocessableContent, "The request body must be a JSON object", type: "ValidationError")))
            }
            return .success(json)
        }

        /// The preamble of the bucket routes: auth and namespace, the bucket named in the path, a JSON body.
        @Sendable func bucketRequest(_ request: Request, _ context: SandboxRequestContext) async throws
            -> Result<(namespace: String, bucket: MixpeekStore.Bucket, body: JSONValue), GateFailure>
        {
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return .failure(f)
            case .success(let n): namespace = n
            }
            guard let bucket = await store.bucket(context.parameters.get("bucket") ?? "", namespace: namespace) else {
                return .failure(
                    GateFailure(response: Reply.mixpeekError(.notFound, "Bucket not found", type: "NotFoundError")))
            }
            switch try await jsonBody(request, context, allowEmpty: false) {
            case .failure(let f): return .failure(f)
            case .success(let body): return .success((namespace, bucket, body))
            }
        }

        @Sendable func missing(_ field: String) -> Response {
            Reply.mixpeekError(
                .unprocessableContent, "\(field): field required", type: "ValidationError",
                details: ["field": .string(field)])
        }

        @Sendable func limitOffset(_ query: Query, defaultLimit: Int, maxLimit: Int, body: JSONValue? = nil) -> Result<
            (Int, Int), GateFailure
        > {
            let limitText = query["limit"] ?? body?["limit"].flatMap { $0.intValue.map(String.init) }
            let offsetText = query["offset"] ?? body?["offset"].flatMap { $0.intValue.map(String.init) }
            let limit = limitText.flatMap { Int($0) } ?? defaultLimit
            let offset = offsetText.flatMap { Int($0) } ?? 0
            if (limitText != nil && Int(limitText ?? "") == nil) || !(1...maxLimit).contains(limit) {
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .unprocessableContent, "limit: must be an integer from 1 to \(maxLimit)",
                            type: "ValidationError")))
            }
            if offset < 0 {
                return .failure(
                    GateFailure(
                        response: Reply.mixpeekError(
                            .unprocessableContent, "offset: must be ≥ 0", type: "ValidationError")))
            }
            return .success((limit, offset))
        }

        api.post("buckets") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            let body: JSONValue
            switch try await jsonBody(request, context, allowEmpty: false) {
            case .failure(let f): return f.response
            case .success(let b): body = b
            }
            guard let name = body["bucket_name"]?.stringValue, !name.isEmpty else { return missing("bucket_name") }
            guard let schema = body["bucket_schema"], case .object = schema else { return missing("bucket_schema") }
            let bucket = MixpeekStore.Bucket(
                id: "bkt_" + randomHex(12), namespace: namespace, name: name, description: body["description"] ?? .null,
                schema: schema, uniqueKey: body["unique_key"] ?? .null, metadata: body["metadata"] ?? [:],
                createdAt: Timestamp.now())
            guard let created = await store.createBucket(bucket) else {
                return Reply.mixpeekError(.conflict, "A bucket named \"\(name)\" already exists", type: "ConflictError")
            }
            return Reply.json(.ok, bucketJSON(created, objectCount: 0))
        }

        api.post("buckets/list") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            let body: JSONValue
            switch try await jsonBody(request, context, allowEmpty: true) {
            case .failure(let f): return f.response
            case .success(let b): body = b
            }
            let (limit, offset): (Int, Int)
            switch limitOffset(Query(request), defaultLimit: 10, maxLimit: settings.mixpeekMaxListLimit) {
            case .failure(let f): return f.response
            case .success(let v): (limit, offset) = v
            }
            var items: [JSONValue] = []
            for b in await store.buckets(namespace: namespace) {
                items.append(bucketJSON(b, objectCount: await store.objectCount(bucketID: b.id)))
            }
            let search = body["search"]?.stringValue?.lowercased()
            items = items.filter { item in
                matches(item, filters: body["filters"], caseSensitive: false)
                    && (search == nil || (item["bucket_name"]?.stringValue ?? "").lowercased().contains(search ?? ""))
            }
            let page = Array(items.dropFirst(offset).prefix(limit))
            return Reply.json(
                .ok,
                [
                    "results": .array(page), "pagination": pagination(total: items.count, limit: limit, offset: offset),
                    "total_count": .int(items.count),
                ])
        }

        api.post("buckets/:bucket/objects/batch") { request, context -> Response in
            let (namespace, bucket, body): (String, MixpeekStore.Bucket, JSONValue)
            switch try await bucketRequest(request, context) {
            case .failure(let f): return f.response
            case .success(let r): (namespace, bucket, body) = r
            }
            guard let objects = body["objects"]?.arrayValue else { return missing("objects") }
            if objects.isEmpty || objects.count > 100 {
                return Reply.mixpeekError(
                    .unprocessableContent, "objects: between 1 and 100 objects per request, got \(objects.count)",
                    type: "ValidationError", details: ["max_items": 100, "received": .int(objects.count)])
            }
            let properties = Set((bucket.schema["properties"]?.objectValue ?? []).map(\.0))
            var succeeded: [JSONValue] = []
            var failed: [JSONValue] = []
            var created: [MixpeekStore.Object] = []
            let now = Timestamp.now()
            for (index, object) in objects.enumerated() {
                func fail(_ message: String, _ type: String) {
                    failed.append(["object_index": .int(index), "error": .string(message), "error_type": .string(type)])
                }
                if let (message, type) = blobProblem(object, properties: properties) {
                    fail(message, type)
                    continue
                }
                var item = MixpeekStore.Object(
                    id: "obj_" + randomHex(16), namespace: namespace, bucketID: bucket.id,
                    keyPrefix: object["key_prefix"] ?? .null, blobs: object["blobs"] ?? [],
                    metadata: object["metadata"] ?? [:], createdAt: now)
                if case .bool(true)? = object["skip_duplicates"] {
                    if let existing = await store.existingObject(bucketID: bucket.id, key: item.key)
                        ?? created.first(where: { $0.key == item.key })
                    {
                        succeeded.append(objectJSON(existing))
                        continue
                    }
                }
                item.forcedProcessed = false
                created.append(item)
                succeeded.append(objectJSON(item))
            }
            await store.addObjects(created)
            let result: JSONValue = [
                "succeeded": .array(succeeded), "failed": .array(failed), "total_requested": .int(objects.count),
                "succeeded_count": .int(succeeded.count), "failed_count": .int(failed.count),
            ]
            if succeeded.isEmpty {
                return Reply.mixpeekError(
                    .unprocessableContent, "All \(objects.count) objects failed", type: "ValidationError",
                    details: result)
            }
            return Reply.json(.ok, result)
        }

        api.post("buckets/:bucket/objects") { request, context -> Response in
            let (namespace, bucket, object): (String, MixpeekStore.Bucket, JSONValue)
            switch try await bucketRequest(request, context) {
            case .failure(let f): return f.response
            case .success(let r): (namespace, bucket, object) = r
            }
            let properties = Set((bucket.schema["properties"]?.objectValue ?? []).map(\.0))
            if let (message, type) = blobProblem(object, properties: properties) {
                return Reply.mixpeekError(
                    .unprocessableContent, message, type: "ValidationError", details: ["error_type": .string(type)])
            }
            var item = MixpeekStore.Object(
                id: "obj_" + randomHex(16), namespace: namespace, bucketID: bucket.id,
                keyPrefix: object["key_prefix"] ?? .null, blobs: object["blobs"] ?? [],
                metadata: object["metadata"] ?? [:], createdAt: Timestamp.now())
            let fields = (bucket.uniqueKey["fields"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard !fields.isEmpty else {
                await store.addObjects([item])
                return Reply.json(.ok, objectJSON(item))
            }
            let policies = ["insert", "update", "upsert"]
            guard let policy = Query(request)["policy"] ?? bucket.uniqueKey["default_policy"]?.stringValue,
                policies.contains(policy)
            else {
                return Reply.mixpeekError(
                    .badRequest,
                    "policy: send ?policy=insert, update or upsert; the bucket has a unique_key and no default_policy",
                    type: "BadRequestError")
            }
            let values = fields.map { uniqueValue(of: item, field: $0) }
            if let empty = zip(fields, values).first(where: { $0.1 == .null || $0.1.stringValue == "" }) {
                return Reply.mixpeekError(
                    .unprocessableContent, "unique key field \"\(empty.0)\" is missing or empty",
                    type: "ValidationError")
            }
            let existing = await store.object(bucketID: bucket.id, fields: fields, values: values)
            switch (policy, existing) {
            case ("insert", let held?):
                return Reply.mixpeekError(
                    .conflict, "An object with this unique key already exists: \(held.id)", type: "ConflictError",
                    details: ["object_id": .string(held.id)])
            case ("update", nil):
                return Reply.mixpeekError(.notFound, "No object with this unique key to update", type: "NotFoundError")
            case (_, let held?):
                guard
                    let replaced = await store.replaceObject(
                        held.id, keyPrefix: item.keyPrefix, blobs: item.blobs, metadata: item.metadata)
                else { return Reply.mixpeekError(.notFound, "Object not found", type: "NotFoundError") }
                return Reply.json(.ok, objectJSON(replaced))
            case (_, nil):
                item.forcedProcessed = false
                await store.addObjects([item])
                return Reply.json(.ok, objectJSON(item))
            }
        }

        api.post("buckets/:bucket/batches") { request, context -> Response in
            let (namespace, bucket, body): (String, MixpeekStore.Bucket, JSONValue)
            switch try await bucketRequest(request, context) {
            case .failure(let f): return f.response
            case .success(let r): (namespace, bucket, body) = r
            }
            guard let ids = body["object_ids"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty else {
                return Reply.mixpeekError(
                    .unprocessableContent, "object_ids: at least 1 item is required", type: "ValidationError")
            }
            let held = Set(await store.objects(bucketID: bucket.id).map(\.id))
            let unknown = ids.filter { !held.contains($0) }
            if !unknown.isEmpty {
                return Reply.mixpeekError(
                    .notFound, "Objects not found in bucket: \(unknown.prefix(5).joined(separator: ", "))",
                    type: "NotFoundError", details: ["object_ids": .array(unknown.map { .string($0) })])
            }
            let batch = await store.createBatch(
                MixpeekStore.Batch(
                    id: "btch_" + randomHex(12), namespace: namespace, bucketID: bucket.id, objectIDs: ids,
                    createdAt: Timestamp.now()))
            return Reply.json(.ok, batchJSON(batch, status: "DRAFT"))
        }

        api.post("buckets/:bucket/batches/:batch_id/submit") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            guard let batch = await store.batch(context.parameters.get("batch_id") ?? "", namespace: namespace) else {
                return Reply.mixpeekError(.notFound, "Batch not found", type: "NotFoundError")
            }
            guard let submitted = await store.submit(batch.id) else {
                return Reply.mixpeekError(.conflict, "Batch \(batch.id) was already submitted", type: "ConflictError")
            }
            return Reply.json(
                .ok,
                [
                    "batch_id": .string(submitted.id), "status": "PENDING", "task_id": .optional(submitted.taskID),
                    "message": "Batch submitted for processing",
                ])
        }

        api.get("buckets/:bucket/batches/:batch_id") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            guard let batch = await store.batch(context.parameters.get("batch_id") ?? "", namespace: namespace) else {
                return Reply.mixpeekError(.notFound, "Batch not found", type: "NotFoundError")
            }
            return Reply.json(.ok, batchJSON(batch, status: store.status(batch, now: Timestamp.now())))
        }

        api.get("tasks/:task_id") { request, context -> Response in
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success: break
            }
            let id = context.parameters.get("task_id") ?? ""
            guard let batch = await store.batch(taskID: id) else {
                return Reply.mixpeekError(.notFound, "Task not found", type: "NotFoundError")
            }
            let status = store.status(batch, now: Timestamp.now())
            return Reply.json(
                .ok,
                [
                    "task_id": .string(id), "task_type": "api_buckets_batches_submit", "status": .string(status),
                    "inputs": [.string(batch.id)], "outputs": status == "COMPLETED" ? [.string(batch.id)] : [],
                    "additional_data": ["batch_id": .string(batch.id), "bucket_id": .string(batch.bucketID)],
                    "error_message": .null,
                ])
        }

        api.post("collections") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            let body: JSONValue
            switch try await jsonBody(request, context, allowEmpty: false) {
            case .failure(let f): return f.response
            case .success(let b): body = b
            }
            guard let name = body["collection_name"]?.stringValue, !name.isEmpty else {
                return missing("collection_name")
            }
            guard let source = body["source"], case .object = source else { return missing("source") }
            guard let extractor = body["feature_extractor"], case .object = extractor else {
                return missing("feature_extractor")
            }
            for ref in (source["bucket_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
            where await store.bucket(ref, namespace: namespace) == nil {
                return Reply.mixpeekError(.notFound, "Source bucket \"\(ref)\" not found", type: "NotFoundError")
            }
            var enabled = true
            if case .bool(let b)? = body["enabled"] { enabled = b }
            let collection = MixpeekStore.Collection(
                id: "col_" + randomHex(12), namespace: namespace, name: name, description: body["description"] ?? .null,
                source: source, featureExtractor: extractor, enabled: enabled, metadata: body["metadata"] ?? [:],
                createdAt: Timestamp.now())
            guard let created = await store.createCollection(collection) else {
                return Reply.mixpeekError(
                    .conflict, "A collection named \"\(name)\" already exists", type: "ConflictError")
            }
            return Reply.json(.ok, collectionJSON(created, documentCount: 0))
        }

        api.post("collections/list") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            let body: JSONValue
            switch try await jsonBody(request, context, allowEmpty: true) {
            case .failure(let f): return f.response
            case .success(let b): body = b
            }
            let (limit, offset): (Int, Int)
            switch limitOffset(Query(request), defaultLimit: 10, maxLimit: settings.mixpeekMaxListLimit) {
            case .failure(let f): return f.response
            case .success(let v): (limit, offset) = v
            }
            var caseSensitive = false
            if case .bool(let b)? = body["case_sensitive"] { caseSensitive = b }
            var items: [JSONValue] = []
            for c in await store.collections(namespace: namespace) {
                items.append(collectionJSON(c, documentCount: await store.documents(of: c, plantIfDue: false).count))
            }
            if let search = body["search"]?.stringValue, !search.isEmpty {
                let needle = caseSensitive ? search : search.lowercased()
                items = items.filter { item in
                    let text =
                        (item["collection_name"]?.stringValue ?? "") + " " + (item["description"]?.stringValue ?? "")
                    return (caseSensitive ? text : text.lowercased()).contains(needle)
                }
            }
            items = items.filter { matches($0, filters: body["filters"], caseSensitive: caseSensitive) }
            let field = body["sort"]?["field"]?.stringValue ?? "created_at"
            let descending = (body["sort"]?["direction"]?.stringValue ?? "desc") != "asc"
            items = items.enumerated().sorted { a, b in
                let (x, y) = (a.element[field] ?? .null, b.element[field] ?? .null)
                let less: Bool
                switch (x, y) {
                case (.int(let i), .int(let j)): less = i < j
                default: less = (x.stringValue ?? x.serialized) < (y.stringValue ?? y.serialized)
                }
                let greater: Bool
                switch (x, y) {
                case (.int(let i), .int(let j)): greater = i > j
                default: greater = (x.stringValue ?? x.serialized) > (y.stringValue ?? y.serialized)
                }
                if !less && !greater { return descending ? a.offset > b.offset : a.offset < b.offset }
                return descending ? greater : less
            }.map(\.element)
            let page = Array(items.dropFirst(offset).prefix(limit))
            let documents = items.reduce(0) { $0 + ($1["document_count"]?.intValue ?? 0) }
            return Reply.json(
                .ok,
                [
                    "results": .array(page), "pagination": pagination(total: items.count, limit: limit, offset: offset),
                    "total_count": .int(items.count),
                    "stats": [
                        "total_documents": .int(documents),
                        "avg_documents_per_collection": .double(
                            items.isEmpty ? 0 : Double(documents) / Double(items.count)),
                        "collections_with_taxonomies": 0, "total_feature_extractors": .int(items.count),
                        "total_taxonomies": 0, "total_retrievers": 0,
                    ],
                ])
        }

        api.post("collections/:collection/documents/list") { request, context -> Response in
            let namespace: String
            switch await gate(request) {
            case .failure(let f): return f.response
            case .success(let n): namespace = n
            }
            guard
                let collection = await store.collection(
                    context.parameters.get("collection") ?? "", namespace: namespace)
            else {
                return Reply.mixpeekError(.notFound, "Collection not found", type: "NotFoundError")
            }
            let body: JSONValue
            switch try await jsonBody(request, context, allowEmpty: true) {
            case .failure(let f): return f.response
            case .success(let b): body = b
            }
            var (limit, offset): (Int, Int)
            switch limitOffset(Query(request), defaultLimit: 10, maxLimit: 1000, body: body) {
            case .failure(let f): return f.response
            case .success(let v): (limit, offset) = v
            }
            if let cursor = body["cursor"]?.stringValue {
                guard cursor.hasPrefix("cur_"), let n = Int(cursor.dropFirst(4)), n >= 0 else {
                    return Reply.mixpeekError(
                        .badRequest, "cursor: not a cursor this service issued", type: "BadRequestError")
                }
                offset = n
            }
            _ = limit
            var documents = await store.documents(of: collection, plantIfDue: true).map {
                documentJSON($0, collection: collection)
            }
            documents = documents.filter { matches($0, filters: body["filters"], caseSensitive: false) }
            if let search = body["search"]?.stringValue?.lowercased(), !search.isEmpty {
                documents = documents.filter { $0.serialized.lowercased().contains(search) }
            }
            if let select = body["select"]?.arrayValue?.compactMap(\.stringValue), !select.isEmpty {
                documents = documents.map { d in
                    .object((d.objectValue ?? []).filter { select.contains($0.0) || $0.0 == "document_id" })
                }
            }
            let page = Array(documents.dropFirst(offset).prefix(limit))
            var paging = pagination(total: documents.count, limit: limit, offset: offset)
            paging = paging.setting(
                "next_cursor", offset + limit < documents.count ? .string("cur_\(offset + limit)") : .null)
            return Reply.json(
                .ok, ["results": .array(page), "pagination": paging, "total_count": .int(documents.count)])
        }
    }
}

struct GateFailure: Error {
    let response: Response
}
