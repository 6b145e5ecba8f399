import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension MixpeekRoutes {
    /// Registers the collections routes.
    func registerCollections(on api: RouterGroup<SandboxRequestContext>) {
        api.post("collections") { request, context -> Response in
            let namespace = self.namespace(of: request)
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
            return Reply.json(.ok, Self.collectionJSON(created, documentCount: 0))
        }

        api.post("collections/list") { request, context -> Response in
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
            var caseSensitive = false
            if case .bool(let b)? = body["case_sensitive"] { caseSensitive = b }
            var items: [JSONValue] = []
            for c in await store.collections(namespace: namespace) {
                items.append(Self.collectionJSON(c, documentCount: await store.documentCount(of: c)))
            }
            if let search = body["search"]?.stringValue, !search.isEmpty {
                let needle = caseSensitive ? search : search.lowercased()
                items = items.filter { item in
                    let text =
                        (item["collection_name"]?.stringValue ?? "") + " " + (item["description"]?.stringValue ?? "")
                    return (caseSensitive ? text : text.lowercased()).contains(needle)
                }
            }
            items = items.filter { Self.matches($0, filters: body["filters"], caseSensitive: caseSensitive) }
            let field = body["sort"]?["field"]?.stringValue ?? "created_at"
            let descending = (body["sort"]?["direction"]?.stringValue ?? "desc") != "asc"
            items = items.enumerated().sorted { a, b in
                let (x, y) = (a.element[field] ?? .null, b.element[field] ?? .null)
                let less: Bool
                switch (x.intText, y.intText) {
                case (let i?, let j?): less = i < j
                default: less = (x.stringValue ?? x.jsonText) < (y.stringValue ?? y.jsonText)
                }
                let greater: Bool
                switch (x.intText, y.intText) {
                case (let i?, let j?): greater = i > j
                default: greater = (x.stringValue ?? x.jsonText) > (y.stringValue ?? y.jsonText)
                }
                if !less && !greater { return descending ? a.offset > b.offset : a.offset < b.offset }
                return descending ? greater : less
            }.map(\.element)
            let page = Array(items.dropFirst(offset).prefix(limit))
            let documents = items.reduce(0) { $0 + ($1["document_count"]?.intValue ?? 0) }
            return Reply.json(
                .ok,
                [
                    "results": .array(page),
                    "pagination": Self.pagination(total: items.count, limit: limit, offset: offset),
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
            let namespace = self.namespace(of: request)
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
            let filtered = body["filters"] != nil || !(body["search"]?.stringValue ?? "").isEmpty
            if !filtered && body["select"] == nil {
                // Only the page is rendered, so that paging through a large collection stays linear overall.
                let (total, objects) = await store.documentPage(of: collection, offset: offset, limit: limit)
                var paging = Self.pagination(total: total, limit: limit, offset: offset)
                paging = paging.setting(
                    "next_cursor", offset + limit < total ? .string("cur_\(offset + limit)") : .null)
                return Reply.json(
                    .ok,
                    [
                        "results": .array(objects.map { Self.documentJSON($0, collection: collection) }),
                        "pagination": paging, "total_count": .int(total),
                    ])
            }
            var documents = await store.documents(of: collection, plantIfDue: true).map {
                Self.documentJSON($0, collection: collection)
            }
            documents = documents.filter { Self.matches($0, filters: body["filters"], caseSensitive: false) }
            if let search = body["search"]?.stringValue?.lowercased(), !search.isEmpty {
                documents = documents.filter { $0.jsonText.lowercased().contains(search) }
            }
            if let select = body["select"]?.arrayValue?.compactMap(\.stringValue), !select.isEmpty {
                documents = documents.map { d in
                    .object((d.objectValue ?? []).filter { select.contains($0.key) || $0.key == "document_id" })
                }
            }
            let page = Array(documents.dropFirst(offset).prefix(limit))
            var paging = Self.pagination(total: documents.count, limit: limit, offset: offset)
            paging = paging.setting(
                "next_cursor", offset + limit < documents.count ? .string("cur_\(offset + limit)") : .null)
            return Reply.json(
                .ok, ["results": .array(page), "pagination": paging, "total_count": .int(documents.count)])
        }
    }
}
