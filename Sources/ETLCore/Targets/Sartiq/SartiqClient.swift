import Foundation
import OrderedJSON

/// The client of Sartiq's products API (API-CONTRACTS.md §2; sartiq-products.md).
///
/// - Login: `POST /api/v1/login/access-token`, an OAuth2 password form, gives a bearer token that
///   lives one hour; there is no refresh, so a 401 on an expired token logs in again (the session
///   repeats the request) and no work is lost.
/// - Create: one product per `POST /api/v1/products/?sync_captioning=false` (``batchSize`` is 1),
///   body `ProductCreate` built from the normalised record: only the fields the schema knows, `year`
///   as an integer, lists as arrays, `brand_metadata` as an object. `brand_collection` is the record's
///   own, else the upload stage's `collection`.
/// - Update: `PUT /api/v1/products/{id}` with `ProductUpdate` (a field the record left empty is sent
///   as `null`, so the service's copy matches the record); a product deleted on the service is created
///   again.
/// - Refusals: 422 (`HTTPValidationError`) and 400 (`{"detail": "…"}`) become
///   ``ItemResult/rejected(_:)`` naming each field and Pydantic's message.
/// - Find: a `search` per key when few keys are asked (at most ``searchThreshold``), else one listing
///   of each brand collection, paged with `skip`/`limit`; the SKU must match exactly.
/// - Export: every product of the run's brand collection (and ``season`` when set), saved as
///   `export-sartiq.json`.
public final class SartiqClient: ServiceClient, @unchecked Sendable {
    /// Sartiq.
    public let service: TargetService = .sartiq
    /// One product per request: the contract has no bulk create.
    public let batchSize = 1
    /// Sartiq changes products with `PUT /api/v1/products/{id}`.
    public let canUpdate = TargetDefinition.sartiq.capabilities.contains(.update)

    private let session: ServiceSession
    private let username: String
    private let password: String
    private let lock = NSLock()
    private var runCollection: String?
    private var collectionByKey: [String: String] = [:]
    private var collectionsSent: [String] = []
    private var loginTask: Task<Void, any Error>?
    private var options = Options()

    private struct Options {
        var season: String?
        var organizationID: String?
        var pageSize = 100
        var searchThreshold = 10
    }

    /// The season the export is narrowed to as well (`season=` on the listing; case-insensitive on the
    /// service); nil lists the whole brand collection.
    public var season: String? {
        get { lock.withLock { options.season } }
        set { lock.withLock { options.season = newValue } }
    }

    /// The organization the products belong to (`organization_id=` on every create and listing); nil
    /// means the account's personal products, which is all a listing without it shows. Taken from the
    /// first record that carries an `organization_id` when not set.
    public var organizationID: String? {
        get { lock.withLock { options.organizationID } }
        set { lock.withLock { options.organizationID = newValue } }
    }

    /// Products per listing page (`limit`). Sartiq: default 100, maximum unknown (the sandbox takes 1000).
    public var pageSize: Int {
        get { lock.withLock { options.pageSize } }
        set { lock.withLock { options.pageSize = max(1, newValue) } }
    }

    /// The most keys ``find(keys:)`` looks up one search at a time; more keys read the whole collection.
    public var searchThreshold: Int {
        get { lock.withLock { options.searchThreshold } }
        set { lock.withLock { options.searchThreshold = max(0, newValue) } }
    }

    /// Creates the client.
    /// - Parameters:
    ///   - session: The session on the service's origin (`https://api.sartiq.com`, or the sandbox's
    ///     `http://127.0.0.1:PORT/sartiq`); this client adds the `/api/v1/…` paths.
    ///   - stage: The upload stage: `username` and `password` in its credentials, and `collection`, the
    ///     `brand_collection` of records that carry none.
    /// - Throws: ``ConfigError`` when the username or password is missing.
    public init(session: ServiceSession, stage: UploadStage) throws {
        self.session = session
        username = try ClientKit.credential(stage, "username", alias: "email")
        password = try ClientKit.credential(stage, "password")
        runCollection = stage.collection.flatMap { $0.isEmpty ? nil : $0 }
        session.redactor.add(password)
    }

    // MARK: - ServiceClient

    /// The run's brand collection (`brand_collection`) and organization (`organization_id`), so that a
    /// later export or find without the stage's `collection` still reads the same products.
    public var state: [String: String] {
        lock.withLock {
            var out: [String: String] = [:]
            if let c = runCollection { out["brand_collection"] = c }
            if let org = options.organizationID { out["organization_id"] = org }
            return out
        }
    }

    /// Logs in and arranges a fresh login whenever the token expires.
    /// - Parameter state: An earlier run's ``state``; its `brand_collection` is used when the stage has none.
    /// - Throws: ``RemoteError/fatal(_:)`` when the service refuses the credentials.
    public func prepare(state: [String: String]) async throws {
        lock.withLock {
            if runCollection == nil, let c = state["brand_collection"], !c.isEmpty { runCollection = c }
            if options.organizationID == nil, let org = state["organization_id"], !org.isEmpty {
                options.organizationID = org
            }
        }
        session.setRelogin { [weak self] in try await self?.relogin() }
        try await login()
    }

    /// Logs in and reads the first page of the run's brand collection (a Sartiq brand collection is
    /// a field of the products: it exists once a product carries it).
    public func probe() async throws -> CollectionProbe {
        try await prepare(state: [:])
        let c = lock.withLock { runCollection }
        var onPage = 0
        let count = try await eachProduct(c.map { [("brand_collection", $0)] } ?? []) { _ in
            onPage += 1
            return false
        }
        return CollectionProbe(
            collection: c.map { "brand collection \"\($0)\"" } ?? "the account's products",
            exists: (count ?? onPage) > 0, itemsOnFirstPage: onPage, reportedCount: count)
    }

    /// Creates each product with its own request.
    /// - Returns: `.done(id)` or `.rejected(why)` for every item.
    /// - Throws: ``RemoteError`` (`.ambiguous` when a product may have been created without an answer).
    public func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        var results: [String: ItemResult] = [:]
        for item in items { results[item.key] = try await createOne(item) }
        return results
    }

    /// Replaces the product `remoteID` with the record (`PUT`); creates it again when the service no
    /// longer holds it.
    /// - Throws: ``RemoteError``.
    public func update(_ item: SendItem, remoteID: String) async throws -> ItemResult {
        let body = productBody(item, forUpdate: true)
        let path = "/api/v1/products/\(FormEncoding.escape(remoteID))"
        let response = try await session.send(
            .json("PUT", session.url(path), body), idempotent: true, upload: true)
        switch response.status {
        case 200..<300:
            return .done(remoteID: response.json?["id"]?.textValue ?? remoteID)
        case 404:
            return try await createOne(item)
        case 400, 422:
            return .rejected(Self.refusal(response))
        default:
            throw unexpected(response, "PUT /api/v1/products/{id}", item: item)
        }
    }

    /// The ids of the products with these SKUs in their brand collection (the oldest when one is held twice).
    /// - Throws: ``RemoteError``.
    public func find(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let (threshold, defaultCollection) = lock.withLock { (options.searchThreshold, runCollection) }
        var byCollection: [String?: [String]] = [:]
        var order: [String?] = []
        for key in keys {
            let c = lock.withLock { collectionByKey[key] } ?? defaultCollection
            if byCollection[c] == nil { order.append(c) }
            byCollection[c, default: []].append(key)
        }
        var found: [String: String] = [:]
        for c in order {
            let group = byCollection[c] ?? []
            if group.count <= threshold {
                for key in group {
                    var query: [(String, String)] = [("search", key)]
                    if let c { query.append(("brand_collection", c)) }
                    try await eachProduct(query) { product in
                        guard product["sku"]?.textValue == key, let id = product["id"]?.textValue else {
                            return true
                        }
                        found[key] = id
                        return false
                    }
                }
            } else {
                let wanted = Set(group)
                try await eachProduct(c.map { [("brand_collection", $0)] } ?? []) { product in
                    if let sku = product["sku"]?.textValue, wanted.contains(sku), found[sku] == nil,
                        let id = product["id"]?.textValue
                    {
                        found[sku] = id
                    }
                    return found.count < wanted.count
                }
            }
        }
        return found
    }

    /// Nothing to do: captions are generated in the background (`sync_captioning=false`).
    public func finish() async throws {}

    /// Lists every product of the run's brand collection (and ``season``), saves the listing as
    /// `export-sartiq.json` (a JSON array of the products as returned) in `directory`, and returns them
    /// under this pipeline's field names (`cover_image_url` → `cover_image`, `back_image_url` →
    /// `back_image`, `data_image_urls` → `data_images`; the other fields keep their names).
    /// - Throws: ``RemoteError``, or the file system's error when the file cannot be written.
    public func export(into directory: String) async throws -> RemoteSnapshot {
        let (season, collections) = lock.withLock { () -> (String?, [String?]) in
            if let c = runCollection { return (options.season, [c]) }
            return (options.season, collectionsSent.isEmpty ? [nil] : collectionsSent.map { $0 })
        }
        var products: [JSONValue] = []
        var reported = 0
        for c in collections {
            var query: [(String, String)] = []
            if let c { query.append(("brand_collection", c)) }
            if let season { query.append(("season", season)) }
            let count = try await eachProduct(query) { product in
                products.append(product)
                return true
            }
            reported += count ?? 0
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("export-sartiq.json")
        try Data(JSONValue.array(products).prettyText.utf8).write(to: URL(fileURLWithPath: path))
        let items = products.map { product -> RemoteItem in
            var fields: [String: JSONValue] = [:]
            for field in product.objectValue ?? [] {
                fields[Self.publicToOurs[field.key] ?? field.key] = field.value
            }
            return RemoteItem(
                key: product["sku"]?.textValue, remoteID: product["id"]?.textValue ?? "", fields: fields)
        }
        return RemoteSnapshot(items: items, reportedCount: reported, reportedCountName: "count", savedFiles: [path])
    }

    // MARK: - Login

    private func login() async throws {
        let form = FormEncoding.encode([("username", username), ("password", password)])
        let request = HTTPRequestSpec(
            method: "POST", url: session.url("/api/v1/login/access-token"),
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(form.utf8))
        let response: HTTPResult
        do {
            response = try await session.send(request, idempotent: true, authenticated: false)
        } catch let error as RemoteError {
            if case .fatal = error { throw error }
            throw RemoteError.fatal("Sartiq login failed: \(error.description)")
        }
        switch response.status {
        case 200..<300:
            guard let token = response.json?["access_token"]?.textValue, !token.isEmpty else {
                throw RemoteError.fatal(
                    session.redactor.redact(
                        "Sartiq login answered \(response.status) without an access_token (\(response.excerpt)); check the endpoint"
                    ))
            }
            session.setAuth([("Authorization", "Bearer \(token)")])
        case 401, 403:
            throw RemoteError.fatal(
                session.redactor.redact(
                    "Sartiq refused the login of \"\(username)\" (\(response.status) \(Self.detailText(response))); check the upload stage's username and password"
                ))
        default:
            throw RemoteError.fatal(
                session.redactor.redact(
                    "Sartiq login answered \(response.status) (\(Self.detailText(response))); check the endpoint and the credentials"
                ))
        }
    }

    /// Logs in again, once for all the requests that met the expired token together.
    private func relogin() async throws {
        let task = lock.withLock { () -> Task<Void, any Error> in
            if let running = loginTask { return running }
            let t = Task { try await self.login() }
            loginTask = t
            return t
        }
        defer { lock.withLock { if loginTask == task { loginTask = nil } } }
        try await task.value
    }

    // MARK: - Requests

    private func createOne(_ item: SendItem) async throws -> ItemResult {
        let body = productBody(item, forUpdate: false)
        var query: [(String, String)] = [("sync_captioning", "false")]
        if let org = organizationID { query.append(("organization_id", org)) }
        let url = session.url("/api/v1/products/?" + FormEncoding.encode(query))
        let response = try await session.send(.json("POST", url, body), idempotent: false, upload: true)
        switch response.status {
        case 200..<300:
            guard let id = response.json?["id"]?.textValue, !id.isEmpty else {
                throw RemoteError.ambiguous(
                    "Sartiq POST /api/v1/products/ answered \(response.status) without a product id for SKU \"\(item.key)\"",
                    retryAfter: nil)
            }
            return .done(remoteID: id)
        case 400, 422:
            return .rejected(Self.refusal(response))
        default:
            throw unexpected(response, "POST /api/v1/products/", item: item)
        }
    }

    private func unexpected(_ response: HTTPResult, _ what: String, item: SendItem) -> RemoteError {
        let message = session.redactor.redact(
            "Sartiq \(what) for SKU \"\(item.key)\": \(response.status) \(Self.detailText(response))")
        if response.status == 403 { return .fatal(message + "; the account lacks the permission") }
        return .failed(message)
    }

    /// Reads every page of `GET /api/v1/products/` with `query`, oldest first, handing each product to
    /// `body` until it returns false.
    /// - Returns: The listing's `count`.
    @discardableResult
    private func eachProduct(_ query: [(String, String)], _ body: (JSONValue) throws -> Bool) async throws -> Int? {
        let (limit, org) = lock.withLock { (options.pageSize, options.organizationID) }
        var skip = 0
        var count: Int?
        var pages = 0
        while true {
            var q = query
            if let org { q.append(("organization_id", org)) }
            q += [("sort_by", "created_at"), ("sort_order", "asc"), ("skip", String(skip)), ("limit", String(limit))]
            let response = try await session.send(
                HTTPRequestSpec(
                    method: "GET", url: session.url("/api/v1/products/?" + FormEncoding.encode(q)),
                    headers: [("Accept", "application/json")]),
                idempotent: true)
            guard response.status == 200, let page = response.json, let data = page["data"]?.arrayValue else {
                throw RemoteError.failed(
                    session.redactor.redact(
                        "Sartiq GET /api/v1/products/ (skip \(skip)): \(response.status) \(Self.detailText(response)); expected {data, count}"
                    ))
            }
            count = page["count"]?.integerValue ?? count
            for product in data {
                if try !body(product) { return count }
            }
            skip += data.count
            pages += 1
            // With a count, page until it is reached (the service may cap `limit` below ours); without
            // one, a short page is the last.
            let last = count.map { skip >= $0 } ?? (data.count < limit)
            if data.isEmpty || last || pages >= 100_000 { return count }
        }
    }

    // MARK: - Bodies

    enum Kind {
        case text, integer, boolean, object, list, image

        /// How a field of this type is sent: URLs as images, URL lists as lists, date-times and
        /// UUIDs as text.
        init(_ type: TargetFieldType) {
            switch type {
            case .integer: self = .integer
            case .boolean: self = .boolean
            case .object: self = .object
            case .url: self = .image
            case .urlList: self = .list
            case .string, .dateTime, .uuid: self = .text
            }
        }
    }

    /// `ProductCreate`'s fields, from the one field list (``TargetContract/sartiqCreate``), and how a
    /// normalised value is shaped for each.
    static let schema: [(String, Kind)] = TargetContract.sartiqCreate.fields.map { ($0.name, Kind($0.type)) }

    /// Fields `ProductUpdate` must not clear: the ones `ProductCreate` requires, and `public` (not nullable).
    static let neverCleared: Set<String> = ["name", "cover_image", "public"]

    /// `ProductPublic` names that differ from ours.
    static let publicToOurs = [
        "cover_image_url": "cover_image", "back_image_url": "back_image", "data_image_urls": "data_images",
    ]

    /// The `ProductCreate` (or `ProductUpdate`) body of an item; remembers the item's brand collection.
    func productBody(_ item: SendItem, forUpdate: Bool) -> JSONValue {
        var fields: [JSONField] = []
        let fallback = lock.withLock { runCollection }
        for (name, kind) in Self.schema {
            var value = item.record[name]
            if name == "brand_collection", value?.isEmpty ?? true, let fallback { value = .string(fallback) }
            guard let value, !value.isEmpty else {
                if forUpdate, item.record[name] != nil, !Self.neverCleared.contains(name) {
                    fields.append(JSONField(name, .null))
                }
                continue
            }
            fields.append(JSONField(name, Self.shape(value, kind)))
        }
        let collection = fields.first(where: { $0.key == "brand_collection" })?.value.textValue
        let organization = fields.first(where: { $0.key == "organization_id" })?.value.textValue
        lock.withLock {
            if let c = collection {
                collectionByKey[item.key] = c
                if !collectionsSent.contains(c) { collectionsSent.append(c) }
            }
            if options.organizationID == nil, let organization { options.organizationID = organization }
        }
        return .object(fields)
    }

    /// A normalised value in the JSON type the schema wants; a value that cannot be converted is sent as
    /// it is, so that the service's 422 names the field.
    static func shape(_ value: JSONValue, _ kind: Kind) -> JSONValue {
        switch (kind, value) {
        case (.integer, .number(let n)):
            if Int(n) != nil { return value }
            if let d = Double(n), d == d.rounded(), abs(d) < 1e15 { return .number(String(Int64(d))) }
            return value
        case (.integer, .string(let s)):
            let t = s.trimmingCharacters(in: .whitespaces)
            if let i = Int(t) { return .int(i) }
            if let d = Double(t), d == d.rounded(), abs(d) < 1e15 { return .number(String(Int64(d))) }
            return value
        case (.boolean, .string(let s)):
            switch s.lowercased() {
            case "true", "yes", "1": return .bool(true)
            case "false", "no", "0": return .bool(false)
            default: return value
            }
        case (.object, .string(let s)):
            if let parsed = try? JSONValue.parse(s), case .object = parsed { return parsed }
            return value
        case (.list, .string(let s)):
            return .array(
                s.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
                    .string($0)
                })
        case (.list, .array(let items)):
            return .array(
                items.filter { !$0.isEmpty }.map { item in
                    if case .object = item { return item }
                    if case .string(let s) = item, s.hasPrefix("{"), let parsed = try? JSONValue.parse(s),
                        case .object = parsed
                    {
                        return parsed
                    }
                    return .string(item.plainText)
                })
        case (.image, .string(let s)) where s.hasPrefix("{"):
            // A MediaInput given as its JSON text goes as the object the page's schema describes.
            if let parsed = try? JSONValue.parse(s), case .object = parsed { return parsed }
            return value
        case (.text, .number), (.text, .bool), (.image, .number), (.image, .bool):
            return .string(value.plainText)
        default:
            return value
        }
    }

    // MARK: - Error bodies

    /// The refusal of a 400 or 422: each FastAPI error as `field: message (got "input")`.
    static func refusal(_ response: HTTPResult) -> String {
        guard let detail = response.json?["detail"] else {
            return "Sartiq answered \(response.status): \(response.excerpt)"
        }
        if let text = detail.textValue { return "Sartiq answered \(response.status): \(text)" }
        guard let errors = detail.arrayValue, !errors.isEmpty else {
            return "Sartiq answered \(response.status): \(detail.jsonText)"
        }
        let parts = errors.map { e -> String in
            var loc = (e["loc"]?.arrayValue ?? []).map(\.plainText)
            if loc.first == "body" || loc.first == "query" { loc.removeFirst() }
            let field = loc.isEmpty ? "body" : loc.joined(separator: ".")
            var text = "\(field): \(e["msg"]?.textValue ?? "invalid")"
            if let input = e["input"], case .string(let s) = input {
                text += " (got \"\(s.count > 60 ? String(s.prefix(60)) + "…" : s)\")"
            } else if let input = e["input"], case .number(let n) = input {
                text += " (got \(n))"
            }
            return text
        }
        return "Sartiq answered \(response.status): " + parts.joined(separator: "; ")
    }

    /// The `detail` of an error body, or an excerpt.
    static func detailText(_ response: HTTPResult) -> String {
        if let d = response.json?["detail"] { return d.textValue ?? d.jsonText }
        return response.excerpt
    }
}
