import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension MixpeekRoutes {
    /// Registers the objects routes.
    func registerObjects(on api: RouterGroup<SandboxRequestContext>) {
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
            let properties = Set((bucket.schema["properties"]?.objectValue ?? []).map(\.key))
            var succeeded: [JSONValue] = []
            var failed: [JSONValue] = []
            var created: [MixpeekStore.Object] = []
            let now = Timestamp.now()
            for (index, object) in objects.enumerated() {
                func fail(_ message: String, _ type: String) {
                    failed.append(["object_index": .int(index), "error": .string(message), "error_type": .string(type)])
                }
                if let (message, type) = Self.blobProblem(object, properties: properties) {
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
                        succeeded.append(Self.objectJSON(existing))
                        continue
                    }
                }
                item.forcedProcessed = false
                created.append(item)
                succeeded.append(Self.objectJSON(item))
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
            let properties = Set((bucket.schema["properties"]?.objectValue ?? []).map(\.key))
            if let (message, type) = Self.blobProblem(object, properties: properties) {
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
                return Reply.json(.ok, Self.objectJSON(item))
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
            let values = fields.map { Self.uniqueValue(of: item, field: $0) }
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
                return Reply.json(.ok, Self.objectJSON(replaced))
            case (_, nil):
                item.forcedProcessed = false
                await store.addObjects([item])
                return Reply.json(.ok, Self.objectJSON(item))
            }
        }

    }
}
