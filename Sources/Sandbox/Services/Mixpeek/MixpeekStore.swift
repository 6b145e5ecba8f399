import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

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
    /// A bucket: its schema and, when set, the `unique_key` that `POST …/objects` enforces.
    struct Bucket: Codable, Sendable {
        var id: String
        var namespace: String
        var name: String
        var description: JSONValue
        var schema: JSONValue
        var uniqueKey: JSONValue
        var metadata: JSONValue
        var createdAt: Double
        var uniqueFields: [String] { (uniqueKey["fields"]?.arrayValue ?? []).compactMap(\.stringValue) }
    }

    /// An object of a bucket.
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

    /// A processing batch of objects.
    struct Batch: Codable, Sendable {
        var id: String
        var namespace: String
        var bucketID: String
        var objectIDs: [String]
        var createdAt: Double
        var submittedAt: Double?
        var taskID: String?
    }

    /// A collection whose documents are the processed objects of its source buckets.
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

    private var buckets: StateTable<Bucket>
    private var objects: StateTable<Object>
    private var batches: StateTable<Batch>
    private var collections: StateTable<Collection>
    private var plantTable: StateTable<PlantRecord>
    let settings: SandboxSettings
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var limiter: RateWindow

    /// Bucket id by namespace and name.
    private var bucketNames: [String: String] = [:]
    /// Collection id by namespace and name.
    private var collectionNames: [String: String] = [:]
    private var indexes = Indexes()
    /// Processed object ids per collection, valid while ``Indexes/version`` is unchanged.
    private var documentCache: [String: (version: Int, objectIDs: [String])] = [:]

    /// Lookups of objects and batches by what requests name them by, so that no request scans the objects.
    struct Indexes {
        /// Object ids by bucket and object key (``Object/key``).
        var objectsByKey: [String: [String]] = [:]
        /// Object ids by bucket and unique-key values, for buckets with a `unique_key`.
        var objectsByUniqueKey: [String: [String]] = [:]
        /// Objects held per key across buckets, for the duplicate-key count.
        var keyCounts: [String: Int] = [:]
        /// Objects held per bucket.
        var objectCounts: [String: Int] = [:]
        /// Batch id by task id.
        var batchByTask: [String: String] = [:]
        /// Batch ids that hold an object, by object id.
        var batchesByObject: [String: [String]] = [:]
        /// Changes of objects and batches so far, to know when a cached document list is stale.
        var version = 0
        /// The latest submit, after which batch statuses still change for two steps.
        var lastSubmittedAt = 0.0

        static func uniqueKey(_ o: Object, fields: [String]) -> String? {
            guard !fields.isEmpty else { return nil }
            let values = fields.map { MixpeekRoutes.uniqueValue(of: o, field: $0) }
            return scoped(o.bucketID, JSONValue.array(values).jsonText)
        }

        mutating func add(_ o: Object, uniqueFields: [String]) {
            objectsByKey[scoped(o.bucketID, o.key), default: []].append(o.id)
            if let k = Self.uniqueKey(o, fields: uniqueFields) { objectsByUniqueKey[k, default: []].append(o.id) }
            objectCounts[o.bucketID, default: 0] += 1
            keyCounts[o.key, default: 0] += 1
            version += 1
        }

        mutating func remove(_ o: Object, uniqueFields: [String]) {
            func drop(_ key: String, from index: inout [String: [String]]) {
                index[key]?.removeAll { $0 == o.id }
                if index[key]?.isEmpty == true { index[key] = nil }
            }
            drop(scoped(o.bucketID, o.key), from: &objectsByKey)
            if let k = Self.uniqueKey(o, fields: uniqueFields) { drop(k, from: &objectsByUniqueKey) }
            objectCounts[o.bucketID, default: 1] -= 1
            keyCounts[o.key, default: 1] -= 1
            if keyCounts[o.key] == 0 { keyCounts[o.key] = nil }
            version += 1
        }

        mutating func add(_ b: Batch) {
            if let task = b.taskID { batchByTask[task] = b.id }
            for o in b.objectIDs { batchesByObject[o, default: []].append(b.id) }
            if let submitted = b.submittedAt { lastSubmittedAt = max(lastSubmittedAt, submitted) }
            version += 1
        }

        mutating func submitted(_ b: Batch) {
            if let task = b.taskID { batchByTask[task] = b.id }
            lastSubmittedAt = max(lastSubmittedAt, b.submittedAt ?? 0)
            version += 1
        }
    }

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, folder: StateFolder?) throws {
        self.settings = settings
        self.plan = plan
        self.random = SeededGenerator(seed: seed, stream: "plant:mixpeek")
        self.limiter = RateWindow(limit: settings.mixpeekRequestsPerSecond, window: 1.0)
        buckets = try StateTable("buckets", folder: folder)
        objects = try StateTable("objects", folder: folder)
        batches = try StateTable("batches", folder: folder)
        collections = try StateTable("collections", folder: folder)
        plantTable = try StateTable("plant", folder: folder)
        for b in buckets.values { bucketNames[scoped(b.namespace, b.name)] = b.id }
        for c in collections.values { collectionNames[scoped(c.namespace, c.name)] = c.id }
        var indexes = Indexes()
        for o in objects.values { indexes.add(o, uniqueFields: buckets[o.bucketID]?.uniqueFields ?? []) }
        for b in batches.values { indexes.add(b) }
        self.indexes = indexes
    }

    private var plantRecord: PlantRecord {
        get { plantTable["plant"] ?? PlantRecord() }
        set { plantTable.put("plant", newValue) }
    }

    func itemCount() -> Int { objects.count }
    func duplicateKeyCount() -> Int { indexes.keyCounts.values.filter { $0 > 1 }.count }
    func plantedReport() -> JSONValue { plantRecord.json }

    func admit(key: String) -> (Double?, Int, Double) {
        let now = Timestamp.monotonic()
        let wait = limiter.admit(key, now: now)
        let usage = limiter.usage(key, now: now)
        return (wait, usage.count, usage.resetAt - now)
    }

    // MARK: Indexes

    private func index(_ o: Object) { indexes.add(o, uniqueFields: buckets[o.bucketID]?.uniqueFields ?? []) }

    private func unindex(_ o: Object) { indexes.remove(o, uniqueFields: buckets[o.bucketID]?.uniqueFields ?? []) }

    /// The oldest of `ids` (by insertion order) that is still held.
    private func oldest(_ ids: [String]?) -> Object? {
        (ids ?? []).compactMap { id in objects.position(of: id).map { ($0, id) } }.min { $0.0 < $1.0 }
            .flatMap { objects[$0.1] }
    }

    // MARK: Buckets

    func bucket(_ ref: String, namespace: String) -> Bucket? {
        if let b = buckets[ref], b.namespace == namespace { return b }
        return bucketNames[scoped(namespace, ref)].flatMap { buckets[$0] }
    }

    func buckets(namespace: String) -> [Bucket] { buckets.values.filter { $0.namespace == namespace } }

    func createBucket(_ b: Bucket) -> Bucket? {
        guard bucket(b.name, namespace: b.namespace) == nil else { return nil }
        buckets.put(b.id, b)
        bucketNames[scoped(b.namespace, b.name)] = b.id
        return b
    }

    func objectCount(bucketID: String) -> Int { indexes.objectCounts[bucketID] ?? 0 }

    /// The ids among `ids` that are not objects of the bucket.
    func unknownObjectIDs(_ ids: [String], bucketID: String) -> [String] {
        ids.filter { objects[$0]?.bucketID != bucketID }
    }

    func addObjects(_ added: [Object]) {
        objects.put(added.map { ($0.id, $0) })
        for o in added { index(o) }
    }

    func existingObject(bucketID: String, key: String) -> Object? {
        oldest(indexes.objectsByKey[scoped(bucketID, key)])
    }

    /// The object of the bucket whose unique-key `fields` hold `values`.
    func object(bucketID: String, fields: [String], values: [JSONValue]) -> Object? {
        if buckets[bucketID]?.uniqueFields == fields {
            return oldest(indexes.objectsByUniqueKey[scoped(bucketID, JSONValue.array(values).jsonText)])
        }
        return objects.values.first { o in
            o.bucketID == bucketID && fields.map { MixpeekRoutes.uniqueValue(of: o, field: $0) } == values
        }
    }

    /// Replaces what an object holds, keeping its id; nil when it is gone.
    func replaceObject(_ id: String, keyPrefix: JSONValue, blobs: JSONValue, metadata: JSONValue) -> Object? {
        guard var o = objects[id] else { return nil }
        unindex(o)
        o.keyPrefix = keyPrefix
        o.blobs = blobs
        o.metadata = metadata
        objects.put(id, o)
        index(o)
        return o
    }

    // MARK: Batches

    func createBatch(_ batch: Batch) -> Batch {
        batches.put(batch.id, batch)
        indexes.add(batch)
        return batch
    }

    func batch(_ id: String, namespace: String) -> Batch? {
        guard let b = batches[id], b.namespace == namespace else { return nil }
        return b
    }

    func batch(taskID: String) -> Batch? { indexes.batchByTask[taskID].flatMap { batches[$0] } }

    func submit(_ id: String) -> Batch? {
        guard var b = batches[id], b.submittedAt == nil else { return nil }
        b.submittedAt = Timestamp.now()
        b.taskID = "task_" + randomHex(16)
        batches.put(id, b)
        indexes.submitted(b)
        return b
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
        if let c = collections[ref], c.namespace == namespace { return c }
        return collectionNames[scoped(namespace, ref)].flatMap { collections[$0] }
    }

    func collections(namespace: String) -> [Collection] { collections.values.filter { $0.namespace == namespace } }

    func createCollection(_ c: Collection) -> Collection? {
        guard collection(c.name, namespace: c.namespace) == nil else { return nil }
        collections.put(c.id, c)
        collectionNames[scoped(c.namespace, c.name)] = c.id
        return c
    }

    private func sourceBucketIDs(of c: Collection) -> Set<String> {
        let refs = (c.source["bucket_ids"]?.arrayValue ?? []).compactMap(\.stringValue)
        return Set(refs.compactMap { bucket($0, namespace: c.namespace)?.id })
    }

    /// How many documents a collection has.
    func documentCount(of c: Collection) -> Int { documentIDs(of: c, plantIfDue: false).count }

    /// The processed objects of a collection's source buckets (planting first on the first call that finds objects).
    func documents(of c: Collection, plantIfDue: Bool) -> [Object] {
        documentIDs(of: c, plantIfDue: plantIfDue).compactMap { objects[$0] }
    }

    /// One page of ``documents(of:plantIfDue:)`` and their total.
    func documentPage(of c: Collection, offset: Int, limit: Int) -> (total: Int, page: [Object]) {
        let ids = documentIDs(of: c, plantIfDue: true)
        return (ids.count, ids.dropFirst(offset).prefix(limit).compactMap { objects[$0] })
    }

    /// The ids of ``documents(of:plantIfDue:)``, cached until an object or batch changes, so that paging
    /// through a collection does not rebuild the list for every page.
    private func documentIDs(of c: Collection, plantIfDue: Bool) -> [String] {
        let bucketIDs = sourceBucketIDs(of: c)
        if plantIfDue && !plan.isEmpty && !plantRecord.done
            && bucketIDs.contains(where: { (indexes.objectCounts[$0] ?? 0) > 0 })
        {
            plant(bucketIDs: bucketIDs)
        }
        if let cached = documentCache[c.id], cached.version == indexes.version { return cached.objectIDs }
        let now = Timestamp.now()
        let ids = objects.ids.filter { id in
            guard let o = objects[id], bucketIDs.contains(o.bucketID) else { return false }
            return o.forcedProcessed
                || (indexes.batchesByObject[id] ?? []).contains {
                    batches[$0].map { status($0, now: now) } == "COMPLETED"
                }
        }
        // Statuses change with time for two steps after the latest submit; only then is the list stable.
        if now >= indexes.lastSubmittedAt + 2 * settings.mixpeekBatchStepSeconds {
            documentCache[c.id] = (indexes.version, ids)
        }
        return ids
    }

    private func plant(bucketIDs: Set<String>) {
        var record = plantRecord
        record.done = true
        let candidates = objects.ids.filter { objects[$0].map { bucketIDs.contains($0.bucketID) } ?? false }
        let now = Timestamp.now()
        let mutated = pickIndices(plan.mutate, of: candidates.count, using: &random).map { candidates[$0] }
        for id in mutated {
            guard var o = objects[id] else { continue }
            let title = o.metadata["title"]?.stringValue ?? ""
            unindex(o)
            o.metadata =
                o.metadata.objectValue == nil
                ? ["title": .string(title + " [planted]")]
                : o.metadata.setting("title", .string(title + " [planted]"))
            objects.put(id, o)
            index(o)
            record.mutate.append(o.key)
        }
        let duplicated = pickIndices(plan.duplicate, of: candidates.count, using: &random).map { candidates[$0] }
        for id in duplicated {
            guard var copy = objects[id] else { continue }
            copy.id = "obj_" + randomHex(16)
            copy.forcedProcessed = true
            addObjects([copy])
            record.duplicate.append(copy.key)
        }
        let excluded = Set(mutated + duplicated)
        let droppable = candidates.filter { !excluded.contains($0) }
        let dropped = pickIndices(plan.drop, of: droppable.count, using: &random).map { droppable[$0] }
        for id in dropped.sorted(by: { (objects.position(of: $0) ?? 0) > (objects.position(of: $1) ?? 0) }) {
            guard let o = objects[id] else { continue }
            record.drop.append(o.key)
            unindex(o)
            objects.remove(id)
        }
        defer { plantRecord = record }
        guard let bucketID = bucketIDs.sorted().first, let namespace = buckets[bucketID]?.namespace else { return }
        for n in 0..<plan.extra {
            let sku = "PLANTED-EXTRA-\(n + 1)"
            addObjects([
                Object(
                    id: "obj_" + randomHex(16), namespace: namespace, bucketID: bucketID, keyPrefix: .null,
                    blobs: [
                        [
                            "property": "image", "type": "image",
                            "data": .string("https://sandbox.invalid/planted/\(n + 1).jpg"),
                        ]
                    ],
                    metadata: ["sku": .string(sku), "title": .string("Planted extra product \(n + 1)")], createdAt: now,
                    forcedProcessed: true)
            ])
            record.extra.append(sku)
        }
    }
}

/// `a` and `b` as one dictionary key.
private func scoped(_ a: String, _ b: String) -> String { a + "\u{0}" + b }
