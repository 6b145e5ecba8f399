import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

/// The Sartiq stand-in: OAuth2 password login, products CRUD with FastAPI validation, the distinct
/// value lists and approved-shot export tasks.
///
/// Choices where the page is silent: the default order of `GET /products/` is `created_at` desc (the
/// page's shot-status buckets are all empty here); `GET /brands/`, `/brand-collections/`, `/seasons/`
/// answer `{data:[string], count}` sorted alphabetically, `/years/` `{data:[int], count}` newest first;
/// export tasks step PENDING → PROCESSING → COMPLETED every ``SandboxSettings/sartiqExportStepSeconds``
/// and download as a ZIP holding `manifest.json` (the exported product ids), once: after the download
/// the task is gone (404). Product `is_filler` is auto-detected as "SKU starts with FILLER".
actor SartiqStore: ServiceStore {
    struct Product: Codable, Sendable {
        var id: String
        var createdAt: Double
        var updatedAt: Double
        var sequence: Int
        var fields: [String: JSONValue]
        var sku: String? { fields["sku"]?.stringValue }
        var key: String { sku ?? (fields["name"]?.stringValue ?? id) }
    }

    struct ExportTask: Codable, Sendable {
        var id: String
        var createdAt: Double
        var productIDs: [String]
        var cancelledAt: Double?
    }

    static let ownerID = "5a1d0000-5a1d-4000-8000-5a1d00000001"

    private var products: StateTable<Product>
    private var tokens: StateTable<Double>
    private var exportTasks: StateTable<ExportTask>
    private var plantTable: StateTable<PlantRecord>
    private var sequence: Int
    private let settings: SandboxSettings
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var limiter: RateWindow

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, folder: StateFolder?) throws {
        self.settings = settings
        self.plan = plan
        self.random = SeededGenerator(seed: seed, stream: "plant:sartiq")
        self.limiter = RateWindow(limit: settings.sartiqRequestsPerSecond, window: 1.0)
        products = try StateTable("products", folder: folder)
        tokens = try StateTable("tokens", folder: folder)
        exportTasks = try StateTable("tasks", folder: folder)
        plantTable = try StateTable("plant", folder: folder)
        sequence = products.values.reduce(0) { max($0, $1.sequence) }
    }

    private var plantRecord: PlantRecord {
        get { plantTable["plant"] ?? PlantRecord() }
        set { plantTable.put("plant", newValue) }
    }

    func itemCount() -> Int { products.count }
    func duplicateKeyCount() -> Int { duplicateCount(products.values.lazy.map(\.key)) }
    func plantedReport() -> JSONValue { plantRecord.json }

    func issueToken() -> String {
        let token = "sq_" + randomHex(40)
        tokens.put(token, Timestamp.now() + settings.sartiqTokenTTL)
        return token
    }

    func isValid(token: String) -> Bool { (tokens[token] ?? 0) > Timestamp.now() }

    func admit(token: String) -> Double? { limiter.admit(token, now: Timestamp.monotonic()) }

    func create(_ fields: [String: JSONValue]) -> Product {
        let now = Timestamp.now()
        sequence += 1
        let product = Product(id: newUUID(), createdAt: now, updatedAt: now, sequence: sequence, fields: fields)
        products.put(product.id, product)
        return product
    }

    func product(_ id: String) -> Product? { products[id.lowercased()] }

    func update(_ id: String, _ fields: [String: JSONValue]) -> Product? {
        guard var product = products[id.lowercased()] else { return nil }
        for (k, v) in fields { product.fields[k] = v }
        product.updatedAt = Timestamp.now()
        products.put(product.id, product)
        return product
    }

    func delete(_ id: String) -> Bool {
        guard products[id.lowercased()] != nil else { return false }
        products.remove(id.lowercased())
        return true
    }

    /// Every product, planting first on the first listing that finds products.
    func allForListing() -> [Product] {
        if !plan.isEmpty && !plantRecord.done && products.count > 0 { plant() }
        return Array(products.values)
    }

    func all() -> [Product] { Array(products.values) }

    private func plant() {
        var record = plantRecord
        defer { plantRecord = record }
        record.done = true
        let now = Timestamp.now()
        var ids = Array(products.ids)
        let mutated = pickIndices(plan.mutate, of: ids.count, using: &random)
        for i in mutated {
            guard var product = products[ids[i]] else { continue }
            let name = product.fields["name"]?.stringValue ?? ""
            product.fields["name"] = .string(name + " [planted]")
            product.updatedAt = now
            products.put(product.id, product)
            record.mutate.append(product.key)
        }
        let duplicated = pickIndices(plan.duplicate, of: ids.count, using: &random)
        for i in duplicated {
            guard var copy = products[ids[i]] else { continue }
            copy.id = newUUID()
            sequence += 1
            copy.sequence = sequence
            products.put(copy.id, copy)
            record.duplicate.append(copy.key)
        }
        ids = Array(products.ids)
        let dropped = pickIndices(plan.drop, of: ids.count, using: &random, excluding: Set(mutated + duplicated))
        for i in dropped.sorted(by: >) {
            guard let product = products[ids[i]] else { continue }
            record.drop.append(product.key)
            products.remove(product.id)
        }
        let first = products.values.first { _ in true }
        for n in 0..<plan.extra {
            let sku = "PLANTED-EXTRA-\(n + 1)"
            sequence += 1
            let product = Product(
                id: newUUID(), createdAt: now, updatedAt: now, sequence: sequence,
                fields: [
                    "sku": .string(sku), "name": .string("Planted extra product \(n + 1)"),
                    "cover_image": .string("https://sandbox.invalid/planted/\(n + 1).jpg"),
                    // In the same collection and season as what was sent, so a collection export sees it.
                    "brand_collection": first?.fields["brand_collection"] ?? .null,
                    "season": first?.fields["season"] ?? .null,
                ])
            products.put(product.id, product)
            record.extra.append(sku)
        }
    }

    // MARK: Export tasks

    func createTask(productIDs: [String]) -> ExportTask {
        let task = ExportTask(id: newUUID(), createdAt: Timestamp.now(), productIDs: productIDs, cancelledAt: nil)
        exportTasks.put(task.id, task)
        return task
    }

    func tasks() -> [ExportTask] { Array(exportTasks.values) }

    func task(_ id: String) -> ExportTask? { exportTasks[id.lowercased()] }

    func cancel(_ id: String) -> ExportTask? {
        guard var task = exportTasks[id.lowercased()] else { return nil }
        task.cancelledAt = Timestamp.now()
        exportTasks.put(task.id, task)
        return task
    }

    func removeTask(_ id: String) -> ExportTask? {
        guard let task = exportTasks[id.lowercased()] else { return nil }
        exportTasks.remove(task.id)
        return task
    }
}

enum SartiqRoutes {
    static let productKeys = [
        "id", "created_at", "updated_at", "sku", "name", "brand", "master_item_code", "product_family", "product_type",
        "product_type_id", "gender", "age_class", "placement", "zone", "type", "category", "sleeve_type", "neckline",
        "closure_type", "fit_type", "length_type", "pattern", "materials", "colour", "season", "year", "style_code",
        "in_store_date", "theme", "brand_collection", "description", "back_description", "ecommerce_description",
        "brand_metadata", "cover_image_url", "back_image_url", "reference_images", "cover_image_media",
        "back_image_media", "reference_images_media", "data_image_urls", "public", "enabled", "archived", "demo",
        "is_filler", "owner_id", "organization_id", "shot_status", "shot_status_shooting_look_id", "integration_name",
        "exports_completed", "exports_total", "shots",
    ]

    /// ProductPublic, keys in the page's order.
    static func publicJSON(_ p: SartiqStore.Product) -> JSONValue {
        func imageURL(_ v: JSONValue?) -> JSONValue {
            switch v {
            case .string(let s)?: return .string(s)
            case .object?: return v?["url"] ?? .null
            default: return .null
            }
        }
        var pairs: [(String, JSONValue)] = []
        pairs.reserveCapacity(productKeys.count)
        for key in productKeys {
            let value: JSONValue
            switch key {
            case "id": value = .string(p.id)
            case "created_at": value = .string(Timestamp.iso(p.createdAt))
            case "updated_at": value = .string(Timestamp.iso(p.updatedAt))
            case "gender": value = p.fields["gender"].flatMap { $0 == .null ? nil : $0 } ?? "UNISEX"
            case "cover_image_url": value = imageURL(p.fields["cover_image"])
            case "back_image_url": value = imageURL(p.fields["back_image"])
            case "reference_images":
                value = .array(
                    (p.fields["reference_images"]?.arrayValue ?? []).map { imageURL($0) }.filter { $0 != .null })
            case "data_image_urls": value = p.fields["data_images"].flatMap { $0.arrayValue.map(JSONValue.array) } ?? []
            case "public": value = p.fields["public"].flatMap { $0 == .null ? nil : $0 } ?? false
            case "enabled": value = true
            case "archived", "demo": value = false
            case "is_filler":
                if case .bool(let b)? = p.fields["is_filler"] {
                    value = .bool(b)
                } else {
                    value = .bool((p.sku ?? "").uppercased().hasPrefix("FILLER"))
                }
            case "owner_id": value = .string(SartiqStore.ownerID)
            case "shots": value = []
            default: value = p.fields[key] ?? .null
            }
            pairs.append((key, value))
        }
        return .obj(pairs)
    }

    static func taskJSON(_ t: SartiqStore.ExportTask, settings: SandboxSettings, downloadBase: String) -> JSONValue {
        let now = Timestamp.now()
        let step = settings.sartiqExportStepSeconds
        let elapsed = now - t.createdAt
        let total = t.productIDs.count
        var status = "PENDING"
        var progress = 0
        var processed = 0
        var started: JSONValue = .null
        var completed: JSONValue = .null
        var download: JSONValue = .null
        var expires: JSONValue = .null
        var updated = t.createdAt
        if let cancelled = t.cancelledAt {
            status = "CANCELLED"
            updated = cancelled
            if cancelled - t.createdAt >= step { started = .string(Timestamp.iso(t.createdAt + step)) }
        } else if elapsed >= 2 * step {
            status = "COMPLETED"
            progress = 100
            processed = total
            started = .string(Timestamp.iso(t.createdAt + step))
            completed = .string(Timestamp.iso(t.createdAt + 2 * step))
            download = .string("\(downloadBase)/api/v1/products/export-tasks/\(t.id)/download")
            expires = .string(Timestamp.iso(t.createdAt + 2 * step + 3600))
            updated = t.createdAt + 2 * step
        } else if elapsed >= step {
            status = "PROCESSING"
            progress = 50
            processed = total / 2
            started = .string(Timestamp.iso(t.createdAt + step))
            updated = t.createdAt + step
        }
        return [
            "id": .string(t.id), "owner_id": .string(SartiqStore.ownerID), "task_type": "APPROVED_SHOTS",
            "status": .string(status), "progress": .int(progress), "total_items": .int(total),
            "processed_items": .int(processed), "download_url": download, "error_message": .null,
            "started_at": started, "completed_at": completed, "expires_at": expires,
            "created_at": .string(Timestamp.iso(t.createdAt)), "updated_at": .string(Timestamp.iso(updated)),
        ]
    }

    static func validationError(_ items: [JSONValue]) -> Response {
        Reply.json(.unprocessableContent, ["detail": .array(items)])
    }

    static func register(
        on router: Router<SandboxRequestContext>, store: SartiqStore, runtime: ServiceRuntime, settings: SandboxSettings
    ) {
        let api = router.group("sartiq/api/v1").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))

        api.post("login/access-token") { request, context -> Response in
            let body = String(decoding: try await readBody(request, context: context), as: UTF8.self)
            let form = Query(string: body)
            var missing: [JSONValue] = []
            for field in ["username", "password"] where !form.has(field) {
                missing.append(
                    SartiqSchema.error("missing", loc: ["body", .string(field)], msg: "Field required", input: .null))
            }
            if !missing.isEmpty { return validationError(missing) }
            guard form["username"] == SandboxCredentials.email, form["password"] == SandboxCredentials.password
            else {
                return Reply.detail(.unauthorized, "Incorrect email or password")
            }
            let token = await store.issueToken()
            return Reply.json(
                .ok,
                [
                    "access_token": .string(token), "token_type": "bearer",
                    "expires_in": .int(Int(settings.sartiqTokenTTL)),
                ])
        }

        // Every route but login: a valid token, then the per-token rate.
        let authed = api.group()
            .add(
                middleware: AuthMiddleware { request in
                    // No Authorization header, an empty one and one that is not `Bearer …` get one answer.
                    guard let token = bearerToken(request) else {
                        return .denied(
                            Reply.detail(.unauthorized, "Not authenticated", headers: [.wwwAuthenticate: "Bearer"]))
                    }
                    guard await store.isValid(token: token) else {
                        return .denied(
                            Reply.detail(
                                .unauthorized, "Could not validate credentials", headers: [.wwwAuthenticate: "Bearer"]))
                    }
                    return .accepted(key: token)
                }
            )
            .add(
                middleware: RateLimitMiddleware(runtime: runtime) { token in
                    guard let wait = await store.admit(token: token) else { return .admitted(headers: [:]) }
                    return .limited(
                        Reply.detail(.tooManyRequests, "Too many requests", headers: retryAfterHeader(wait)))
                })

        /// Checks query parameters; returns FastAPI error items.
        @Sendable func queryErrors(_ query: Query, ints: [String] = [], uuids: [String] = [], bools: [String] = [])
            -> [JSONValue]
        {
            var errors: [JSONValue] = []
            for name in ints {
                if let v = query[name], Int(v) == nil {
                    errors.append(
                        SartiqSchema.error(
                            "int_parsing", loc: ["query", .string(name)],
                            msg: "Input should be a valid integer, unable to parse string as an integer",
                            input: .string(v)))
                }
            }
            for name in uuids {
                if let v = query[name], let reason = SartiqSchema.uuidProblem(v) {
                    errors.append(
                        SartiqSchema.error(
                            "uuid_parsing", loc: ["query", .string(name)],
                            msg: "Input should be a valid UUID, \(reason)",
                            input: .string(v), ctx: ["error": .string(reason)]))
                }
            }
            for name in bools {
                if let v = query[name], !["true", "false", "1", "0", "yes", "no", "on", "off"].contains(v.lowercased())
                {
                    errors.append(
                        SartiqSchema.error(
                            "bool_parsing", loc: ["query", .string(name)],
                            msg: "Input should be a valid boolean, unable to interpret input", input: .string(v)))
                }
            }
            return errors
        }

        @Sendable func enumError(_ name: String, _ value: String, _ allowed: [String]) -> JSONValue {
            let expected = allowed.dropLast().map { "'\($0)'" }.joined(separator: ", ") + " or '\(allowed.last ?? "")'"
            return SartiqSchema.error(
                "enum", loc: ["query", .string(name)], msg: "Input should be \(expected)", input: .string(value),
                ctx: ["expected": .string(expected)])
        }

        @Sendable func parseBody(_ request: Request, _ context: SandboxRequestContext) async throws -> Result<
            JSONValue, SartiqSchema.ValidationFailure
        > {
            let bytes = try await readBody(request, context: context)
            if bytes.isEmpty {
                return .failure(
                    .init(items: [SartiqSchema.error("missing", loc: ["body"], msg: "Field required", input: .null)]))
            }
            guard let json = JSONValue.decoded(bytes) else {
                return .failure(
                    .init(items: [
                        SartiqSchema.error(
                            "json_invalid", loc: ["body", 0], msg: "JSON decode error", input: [:],
                            ctx: ["error": "Expecting value"])
                    ]))
            }
            return .success(json)
        }

        authed.post("products") { request, context -> Response in
            let query = Query(request)
            var errors = queryErrors(query, uuids: ["organization_id"], bools: ["sync_captioning"])
            if let mode = query["mode"], !["basic", "complete"].contains(mode) {
                errors.append(enumError("mode", mode, ["basic", "complete"]))
            }
            let body: JSONValue
            switch try await parseBody(request, context) {
            case .failure(let f): return validationError(errors + f.items)
            case .success(let b): body = b
            }
            switch SartiqSchema.validate(body, fields: SartiqSchema.createFields, required: ["name", "cover_image"]) {
            case .failure(let f): return validationError(errors + f.items)
            case .success(var fields):
                if !errors.isEmpty { return validationError(errors) }
                if fields["gender"] == nil { fields["gender"] = "UNISEX" }
                if fields["public"] == nil { fields["public"] = false }
                if let org = query["organization_id"], fields["organization_id"] == nil {
                    fields["organization_id"] = .string(org.lowercased())
                }
                let product = await store.create(fields)
                return Reply.json(.ok, publicJSON(product))
            }
        }

        authed.get("products") { request, context -> Response in
            let query = Query(request)
            var errors = queryErrors(query, ints: ["skip", "limit", "year"], uuids: ["organization_id"])
            let sortKeys = [
                "name", "season", "year", "gender", "product_type", "shot_status", "created_at", "updated_at",
            ]
            if let s = query["sort_by"], !sortKeys.contains(s) { errors.append(enumError("sort_by", s, sortKeys)) }
            if let s = query["sort_order"], !["asc", "desc"].contains(s) {
                errors.append(enumError("sort_order", s, ["asc", "desc"]))
            }
            if let g = query["gender"], !SartiqSchema.genders.contains(g) {
                errors.append(enumError("gender", g, SartiqSchema.genders))
            }
            let skip = query["skip"].flatMap { Int($0) } ?? 0
            let limit = query["limit"].flatMap { Int($0) } ?? 100
            if skip < 0 {
                errors.append(
                    SartiqSchema.error(
                        "greater_than_equal", loc: ["query", "skip"], msg: "Input should be greater than or equal to 0",
                        input: .string(String(skip)), ctx: ["ge": 0]))
            }
            if limit < 0 || limit > settings.sartiqMaxListLimit {
                errors.append(
                    SartiqSchema.error(
                        limit < 0 ? "greater_than_equal" : "less_than_equal", loc: ["query", "limit"],
                        msg: limit < 0
                            ? "Input should be greater than or equal to 0"
                            : "Input should be less than or equal to \(settings.sartiqMaxListLimit)",
                        input: .string(String(limit)),
                        ctx: limit < 0 ? ["ge": 0] : ["le": .int(settings.sartiqMaxListLimit)]))
            }
            if !errors.isEmpty { return validationError(errors) }
            let org = query["organization_id"]?.lowercased()
            var products = await store.allForListing().filter { p in
                (p.fields["organization_id"]?.stringValue?.lowercased()) == org
            }
            func ci(_ field: String, _ values: [String]) {
                guard !values.isEmpty else { return }
                let wanted = Set(values.map { $0.lowercased() })
                products = products.filter { wanted.contains(($0.fields[field]?.stringValue ?? "").lowercased()) }
            }
            ci("brand_collection", query.all("brand_collection"))
            ci("brand", query.all("brand"))
            ci("season", query.all("season"))
            if let y = query["year"].flatMap({ Int($0) }) {
                products = products.filter { $0.fields["year"]?.intValue == y }
            }
            if let g = query["gender"] {
                products = products.filter { ($0.fields["gender"]?.stringValue ?? "UNISEX") == g }
            }
            if let s = query["search"]?.lowercased(), !s.isEmpty {
                products = products.filter {
                    ($0.fields["name"]?.stringValue ?? "").lowercased().contains(s)
                        || ($0.sku ?? "").lowercased().contains(s)
                }
            }
            let ascending = query["sort_order"] == "asc"
            let sortBy = query["sort_by"] ?? "created_at"
            products.sort { a, b in
                func key(_ p: SartiqStore.Product) -> String {
                    switch sortBy {
                    case "created_at": return String(format: "%020.6f", p.createdAt)
                    case "updated_at": return String(format: "%020.6f", p.updatedAt)
                    case "year": return String(format: "%012d", p.fields["year"]?.intValue ?? 0)
                    default: return (p.fields[sortBy]?.stringValue ?? "").lowercased()
                    }
                }
                let (ka, kb) = (key(a), key(b))
                if ka != kb { return ascending ? ka < kb : ka > kb }
                return ascending ? a.sequence < b.sequence : a.sequence > b.sequence
            }
            let page = products.dropFirst(skip).prefix(limit)
            return Reply.json(.ok, ["data": .array(page.map(publicJSON)), "count": .int(products.count)])
        }

        authed.get("products/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            if let reason = SartiqSchema.uuidProblem(id) {
                return validationError([
                    SartiqSchema.error(
                        "uuid_parsing", loc: ["path", "id"], msg: "Input should be a valid UUID, \(reason)",
                        input: .string(id), ctx: ["error": .string(reason)])
                ])
            }
            guard let p = await store.product(id) else { return Reply.detail(.notFound, "Product not found") }
            return Reply.json(.ok, publicJSON(p))
        }

        authed.put("products/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            if let reason = SartiqSchema.uuidProblem(id) {
                return validationError([
                    SartiqSchema.error(
                        "uuid_parsing", loc: ["path", "id"], msg: "Input should be a valid UUID, \(reason)",
                        input: .string(id), ctx: ["error": .string(reason)])
                ])
            }
            let body: JSONValue
            switch try await parseBody(request, context) {
            case .failure(let f): return validationError(f.items)
            case .success(let b): body = b
            }
            switch SartiqSchema.validate(body, fields: SartiqSchema.updateFields, required: []) {
            case .failure(let f): return validationError(f.items)
            case .success(let fields):
                guard let p = await store.update(id, fields) else {
                    return Reply.detail(.notFound, "Product not found")
                }
                return Reply.json(.ok, publicJSON(p))
            }
        }

        authed.delete("products/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard SartiqSchema.uuidProblem(id) == nil, await store.delete(id) else {
                return Reply.detail(.notFound, "Product not found")
            }
            return Reply.json(.ok, ["message": "Product deleted successfully"])
        }

        @Sendable func distinct(_ request: Request, _ pick: @escaping @Sendable (SartiqStore.Product) -> String?)
            async -> Response
        {
            let values = Set(await store.all().compactMap(pick).filter { !$0.isEmpty }).sorted()
            return Reply.json(.ok, ["data": .array(values.map { .string($0) }), "count": .int(values.count)])
        }
        authed.get("brands") { request, _ in await distinct(request) { $0.fields["brand"]?.stringValue } }
        authed.get("seasons") { request, _ in await distinct(request) { $0.fields["season"]?.stringValue } }
        authed.get("brand-collections") { request, _ -> Response in
            let brand = Query(request)["brand"]?.lowercased()
            return await distinct(request) { p in
                if let brand, (p.fields["brand"]?.stringValue ?? "").lowercased() != brand { return nil }
                return p.fields["brand_collection"]?.stringValue
            }
        }
        authed.get("years") { request, _ -> Response in
            let years = Set(await store.all().compactMap { $0.fields["year"]?.intValue }).sorted(by: >)
            return Reply.json(.ok, ["data": .array(years.map { .int($0) }), "count": .int(years.count)])
        }

        @Sendable func downloadBase(_ request: Request) -> String {
            "http://" + (request.head.authority ?? "127.0.0.1") + "/sartiq"
        }

        authed.post("products/export-approved-shots/async") { request, context -> Response in
            let bytes = try await readBody(request, context: context)
            let body = bytes.isEmpty ? JSONValue.object([]) : (JSONValue.decoded(bytes) ?? .null)
            guard case .object = body else {
                return validationError([
                    SartiqSchema.error(
                        "model_attributes_type", loc: ["body"],
                        msg: "Input should be a valid dictionary or object to extract fields from", input: body)
                ])
            }
            var errors: [JSONValue] = []
            var ids: [String]? = nil
            if let list = body["product_ids"], list != .null {
                if let items = list.arrayValue {
                    ids = []
                    for (i, item) in items.enumerated() {
                        if let s = item.stringValue, SartiqSchema.uuidProblem(s) == nil {
                            ids?.append(s.lowercased())
                        } else {
                            errors.append(
                                SartiqSchema.error(
                                    "uuid_parsing", loc: ["body", "product_ids", .int(i)],
                                    msg: "Input should be a valid UUID", input: item))
                        }
                    }
                } else {
                    errors.append(
                        SartiqSchema.error(
                            "list_type", loc: ["body", "product_ids"], msg: "Input should be a valid list", input: list)
                    )
                }
            }
            if !errors.isEmpty { return validationError(errors) }
            let look = body["shooting_look_id"].flatMap { $0 == .null ? nil : $0 }
            let filters = body["product_filters"].flatMap { $0 == .null ? nil : $0 }
            if look != nil && (ids != nil || filters != nil) {
                return Reply.detail(
                    .badRequest, "shooting_look_id is mutually exclusive with product_ids and product_filters")
            }
            let all = await store.all()
            let chosen: [String]
            if let ids {
                let held = Set(all.map(\.id))
                chosen = ids.filter { held.contains($0) }
            } else if let filters {
                let brand = filters["brand"]?.stringValue?.lowercased()
                let collection = filters["brand_collection"]?.stringValue?.lowercased()
                chosen = all.filter { p in
                    (brand == nil || (p.fields["brand"]?.stringValue ?? "").lowercased() == brand)
                        && (collection == nil
                            || (p.fields["brand_collection"]?.stringValue ?? "").lowercased() == collection)
                }.map(\.id)
            } else {
                chosen = all.map(\.id)
            }
            let task = await store.createTask(productIDs: chosen)
            return Reply.json(.ok, taskJSON(task, settings: settings, downloadBase: downloadBase(request)))
        }

        authed.get("products/export-tasks") { request, context -> Response in
            let query = Query(request)
            let errors = queryErrors(query, ints: ["skip", "limit"])
            if !errors.isEmpty { return validationError(errors) }
            let skip = max(0, query["skip"].flatMap { Int($0) } ?? 0)
            let limit = max(0, query["limit"].flatMap { Int($0) } ?? 10)
            let base = downloadBase(request)
            var tasks = await store.tasks().reversed().map { taskJSON($0, settings: settings, downloadBase: base) }
            if let status = query["status"] { tasks = tasks.filter { $0["status"]?.stringValue == status } }
            return Reply.json(
                .ok, ["data": .array(Array(tasks.dropFirst(skip).prefix(limit))), "count": .int(tasks.count)])
        }

        authed.get("products/export-tasks/:task_id") { request, context -> Response in
            guard let task = await store.task(context.parameters.get("task_id") ?? "") else {
                return Reply.detail(.notFound, "Export task not found")
            }
            return Reply.json(.ok, taskJSON(task, settings: settings, downloadBase: downloadBase(request)))
        }

        authed.delete("products/export-tasks/:task_id") { request, context -> Response in
            let id = context.parameters.get("task_id") ?? ""
            guard let task = await store.task(id) else { return Reply.detail(.notFound, "Export task not found") }
            let status = taskJSON(task, settings: settings, downloadBase: "")["status"]?.stringValue ?? ""
            guard ["PENDING", "SCHEDULED", "PROCESSING", "RETRYING"].contains(status),
                let cancelled = await store.cancel(id)
            else {
                return Reply.detail(.badRequest, "Task cannot be cancelled in status \(status)")
            }
            return Reply.json(.ok, taskJSON(cancelled, settings: settings, downloadBase: downloadBase(request)))
        }

        authed.delete("products/export-tasks/:task_id/dismiss") { request, context -> Response in
            guard await store.removeTask(context.parameters.get("task_id") ?? "") != nil else {
                return Reply.detail(.notFound, "Export task not found")
            }
            return Reply.json(.ok, ["message": "Export task dismissed"])
        }

        authed.get("products/export-tasks/:task_id/download") { request, context -> Response in
            let id = context.parameters.get("task_id") ?? ""
            guard let task = await store.task(id) else { return Reply.detail(.notFound, "Export task not found") }
            guard taskJSON(task, settings: settings, downloadBase: "")["status"]?.stringValue == "COMPLETED" else {
                return Reply.detail(.badRequest, "Export is not ready for download")
            }
            _ = await store.removeTask(id)
            let manifest = JSONValue.obj([
                ("task_id", .string(task.id)), ("product_ids", .array(task.productIDs.map { .string($0) })),
            ])
            let zip = StoredZip.archive(name: "manifest.json", contents: Array(manifest.jsonText.utf8))
            return Reply.bytes(
                .ok, contentType: "application/zip", zip,
                headers: [.contentDisposition: "attachment; filename=\"approved_shots_\(task.id).zip\""])
        }
    }
}

/// A one-file ZIP archive with the file stored (no compression), for export downloads.
enum StoredZip {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func archive(name: String, contents: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int) { out += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
        func u32(_ v: UInt32) {
            out += [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
        }
        let nameBytes = Array(name.utf8)
        let crc = crc32(contents)
        let size = UInt32(contents.count)
        u32(0x0403_4b50); u16(20); u16(0); u16(0); u16(0); u16(0x21); u32(crc); u32(size); u32(size)
        u16(nameBytes.count); u16(0); out += nameBytes; out += contents
        let centralStart = out.count
        u32(0x0201_4b50); u16(20); u16(20); u16(0); u16(0); u16(0); u16(0x21); u32(crc); u32(size); u32(size)
        u16(nameBytes.count); u16(0); u16(0); u16(0); u16(0); u32(0); u32(0); out += nameBytes
        let centralSize = out.count - centralStart
        u32(0x0605_4b50); u16(0); u16(0); u16(1); u16(1); u32(UInt32(centralSize)); u32(UInt32(centralStart)); u16(0)
        return out
    }
}
