import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

/// The Mixpeek stand-in's routes: the preamble every route shares (key, namespace, rate, body) and
/// the JSON shapes; the routes themselves are in `MixpeekRoutes+<Resource>.swift`.
struct MixpeekRoutes: Sendable {
    let store: MixpeekStore
    let runtime: ServiceRuntime
    let settings: SandboxSettings

    static func register(
        on router: Router<SandboxRequestContext>, store: MixpeekStore, runtime: ServiceRuntime,
        settings: SandboxSettings
    ) {
        // The key, then the namespace header, then the per-key rate.
        let api = router.group("mixpeek/v1").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))
            .add(
                middleware: AuthMiddleware { request in
                    guard let token = bearerToken(request), SandboxCredentials.acceptsMixpeekKey(token) else {
                        return .denied(
                            Reply.mixpeekError(
                                .unauthorized, "Invalid or missing API key; send Authorization: Bearer sk_...",
                                type: "AuthenticationError"))
                    }
                    guard let namespace = request.headers[.xNamespace], !namespace.isEmpty else {
                        return .denied(
                            Reply.mixpeekError(
                                .badRequest, "The X-Namespace header is required", type: "BadRequestError"))
                    }
                    return .accepted(key: token)
                }
            )
            .add(
                middleware: RateLimitMiddleware(runtime: runtime) { token in
                    let (wait, _, _) = await store.admit(key: token)
                    guard let wait else { return .admitted(headers: [:]) }
                    var headers = retryAfterHeader(wait)
                    headers[.xRateLimitLimit] = String(settings.mixpeekRequestsPerSecond)
                    headers[.xRateLimitRemaining] = "0"
                    return .limited(
                        Reply.mixpeekError(
                            .tooManyRequests, "Rate limit exceeded", type: "TooManyRequestsError", headers: headers))
                })
        let routes = MixpeekRoutes(store: store, runtime: runtime, settings: settings)
        routes.registerBuckets(on: api)
        routes.registerObjects(on: api)
        routes.registerBatches(on: api)
        routes.registerCollections(on: api)
    }

    /// The namespace of a request that ``AuthMiddleware`` accepted (it checks the header is there).
    func namespace(of request: Request) -> String {
        request.headers[.xNamespace] ?? ""
    }

    func jsonBody(_ request: Request, _ context: SandboxRequestContext, allowEmpty: Bool) async throws
        -> Result<JSONValue, GateFailure>
    {
        let bytes = try await readBody(request, context: context)
        if bytes.isEmpty && allowEmpty { return .success([:]) }
        guard let json = JSONValue.decoded(bytes), case .object = json else {
            return .failure(
                GateFailure(
                    response: Reply.mixpeekError(
                        .unprocessableContent, "The request body must be a JSON object", type: "ValidationError")))
        }
        return .success(json)
    }

    /// The preamble of the bucket routes: auth and namespace, the bucket named in the path, a JSON body.
    func bucketRequest(_ request: Request, _ context: SandboxRequestContext) async throws
        -> Result<(namespace: String, bucket: MixpeekStore.Bucket, body: JSONValue), GateFailure>
    {
        let namespace = self.namespace(of: request)
        guard let bucket = await store.bucket(context.parameters.get("bucket") ?? "", namespace: namespace) else {
            return .failure(
                GateFailure(response: Reply.mixpeekError(.notFound, "Bucket not found", type: "NotFoundError")))
        }
        switch try await jsonBody(request, context, allowEmpty: false) {
        case .failure(let f): return .failure(f)
        case .success(let body): return .success((namespace, bucket, body))
        }
    }

    func missing(_ field: String) -> Response {
        Reply.mixpeekError(
            .unprocessableContent, "\(field): field required", type: "ValidationError",
            details: ["field": .string(field)])
    }

    func limitOffset(_ query: Query, defaultLimit: Int, maxLimit: Int, body: JSONValue? = nil) -> Result<
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
        return .obj(pairs)
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
        for (key, conditions) in groups.map({ ($0.key, $0.value) }) {
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
}

struct GateFailure: Error {
    let response: Response
}
