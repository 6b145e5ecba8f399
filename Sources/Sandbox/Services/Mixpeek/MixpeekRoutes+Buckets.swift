import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension MixpeekRoutes {
    /// Registers the buckets routes.
    func registerBuckets(on api: RouterGroup<SandboxRequestContext>) {
        api.post("buckets") { request, context -> Response in
            let namespace = self.namespace(of: request)
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
            return Reply.json(.ok, Self.bucketJSON(created, objectCount: 0))
        }

        api.post("buckets/list") { request, context -> Response in
            let namespace = self.namespace(of: request)
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
                items.append(Self.bucketJSON(b, objectCount: await store.objectCount(bucketID: b.id)))
            }
            let search = body["search"]?.stringValue?.lowercased()
            items = items.filter { item in
                Self.matches(item, filters: body["filters"], caseSensitive: false)
                    && (search == nil || (item["bucket_name"]?.stringValue ?? "").lowercased().contains(search ?? ""))
            }
            let page = Array(items.dropFirst(offset).prefix(limit))
            return Reply.json(
                .ok,
                [
                    "results": .array(page),
                    "pagination": Self.pagination(total: items.count, limit: limit, offset: offset),
                    "total_count": .int(items.count),
                ])
        }

    }
}
