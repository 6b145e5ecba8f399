import Foundation
import OrderedJSON

/// The client of Pixyle.ai's Dataset Upload API (API-CONTRACTS.md §1; pixyle-collections.md).
///
/// - Login: `POST /auth/v1/token` with `{email, password}` gives a bearer JWT; a 401 later logs in again.
/// - Upload: every batch is one CSV file in the documented upload schema (`sku`, `image_url_1…8`,
///   `category`, `root_sku`, `title`, `description`, then the record's other fields as metadata
///   columns), sent as the multipart field `file`. The first batch creates the collection
///   (`POST /main/v1/collections`; Pixyle names it after the file, so the file is called
///   `<collection>.csv`), later ones go to `POST /main/v1/collections/{id}/products`. The collection
///   id is kept in ``state`` so that a rerun adds to the same collection. Uploads run one at a time.
/// - Refusals: a 400 or 422 refuses the whole file, so every item of the batch is
///   ``ItemResult/rejected(_:)`` with the service's reason. A row without `sku` or `image_url_1` is
///   refused here, before it can fail the file for the others.
/// - Limits: when 10 collections are processing, uploads get 403; the client waits (up to
///   ``processingLimitWaitSeconds``) while any collection is still processing, and treats a 403 with
///   none processing as missing permissions.
/// - Lost answers: ``find(keys:)`` looks the collection up by name when the create's answer was lost,
///   so a retry never makes a second collection.
/// - Export: waits until the collection is processed, downloads `GET /collections/{id}/export/{type}`
///   as `export-pixyle.<type>`, reads it back with our own readers and attaches the per-product errors
///   of `GET /collections/{id}` (mapped from Pixyle's `product_id` to our SKU through the image names).
///   Without a collection id it reads the newest collection of this name, and uploads then add to it.
///
/// Remote ids: Pixyle's upload answers carry no product ids, so ``create(_:)`` and ``find(keys:)``
/// answer `<collection id>/<sku>`; the export's items carry Pixyle's own `product_id`.
public final class PixyleClient: ServiceClient, @unchecked Sendable {
    /// Pixyle.
    public let service: TargetService = .pixyle
    /// Products per upload file: the stage's `batch_size`, else 100.
    public let batchSize: Int
    /// Pixyle cannot change a product it holds.
    public let canUpdate = TargetDefinition.pixyle.capabilities.contains(.update)

    private let session: ServiceSession
    private let email: String
    private let password: String
    /// The collection's name as we ask for it (the upload file's name without `.csv`).
    private let uploadName: String
    /// One upload or find at a time, so that two first batches never create two collections and a
    /// find never races the create it is checking. (The shared pacer bounds requests in flight; an
    /// upload here is several requests: the collection's create, the file, the status polls.)
    private let turn = OneAtATime()
    private let lock = NSLock()
    private var collectionID: Int?
    private var collectionName: String?
    private var imagesBySKU: [String: [String]] = [:]
    private var sentOrder: [String] = []
    private var loginTask: Task<Void, any Error>?
    private var options = Options()

    private struct Options {
        var exportWaitSeconds: Double = 600
        var exportFormat = "xlsx"
        var pollIntervalSeconds: Double = 2
        var processingLimitWaitSeconds: Double = 600
    }

    /// How long ``export(into:)`` and ``find(keys:)`` wait for the collection to be processed
    /// (`processed_products_percentage` = 100), in seconds: the export stage's `wait`.
    public var exportWaitSeconds: Double {
        get { lock.withLock { options.exportWaitSeconds } }
        set { lock.withLock { options.exportWaitSeconds = max(0, newValue) } }
    }

    /// The export file type: `xlsx` (default), `csv` or `json` (the export stage's `format`).
    public var exportFormat: String {
        get { lock.withLock { options.exportFormat } }
        set { lock.withLock { options.exportFormat = newValue.lowercased() } }
    }

    /// Seconds between two looks at a collection that is still processing.
    public var pollIntervalSeconds: Double {
        get { lock.withLock { options.pollIntervalSeconds } }
        set { lock.withLock { options.pollIntervalSeconds = max(0.01, newValue) } }
    }

    /// How long an upload waits, in seconds, while Pixyle refuses it because too many collections are
    /// processing (doc: at most 10 at once per client), before the batch fails.
    public var processingLimitWaitSeconds: Double {
        get { lock.withLock { options.processingLimitWaitSeconds } }
        set { lock.withLock { options.processingLimitWaitSeconds = max(0, newValue) } }
    }

    /// Creates the client.
    /// - Parameters:
    ///   - session: The session on the service's origin (`https://api.pixyle.ai`, or the sandbox's
    ///     `http://127.0.0.1:PORT/pixyle`); this client adds `/auth/v1/token` and `/main/v1/…`.
    ///   - stage: The upload stage: `username` (the account's e-mail) and `password` in its
    ///     credentials, `collection` (the collection's name) and `batch_size`.
    /// - Throws: ``ConfigError`` when the e-mail, the password or the collection name is missing.
    public init(session: ServiceSession, stage: UploadStage) throws {
        self.session = session
        email = try ClientKit.credential(stage, "username", alias: "email")
        password = try ClientKit.credential(stage, "password")
        let collection = try ClientKit.collection(
            stage, meaning: "the name of the Pixyle collection to create or add to")
        uploadName = Self.fileSafe(collection)
        batchSize = max(1, stage.batchSize ?? 100)
        session.redactor.add(password)
    }

    // MARK: - ServiceClient

    /// `collection_id`: the Pixyle collection this pipeline fills, once it exists.
    public var state: [String: String] {
        lock.withLock { collectionID.map { ["collection_id": String($0)] } ?? [:] }
    }

    /// Logs in, arranges a fresh login whenever the token expires, and reuses an earlier run's
    /// collection when it still exists (`GET /main/v1/collections/{id}`).
    /// - Parameter state: An earlier run's ``state``.
    /// - Throws: ``RemoteError`` (`.fatal` when the credentials are refused).
    public func prepare(state: [String: String]) async throws {
        session.setRelogin { [weak self] in try await self?.relogin() }
        try await login()
        if let text = state["collection_id"], let id = Int(text) {
            let detail = try await collectionDetail(id)
            lock.withLock {
                collectionID = detail == nil ? nil : id
                collectionName = detail?["name"]?.textValue
            }
        }
    }

    /// Logs in and looks the collection up by name in the account's collections (read page by page
    /// until found; Pixyle names a collection after its first file).
    public func probe() async throws -> CollectionProbe {
        try await prepare(state: [:])
        let named = try await collectionsNamed()
        var count: Int?
        if let newest = named.first, let detail = try await collectionDetail(newest.id) {
            count = detail["product_count"]?.integerValue
        }
        return CollectionProbe(
            collection: "collection \"\(uploadName)\"", exists: !named.isEmpty, reportedCount: count)
    }

    /// Uploads the items as one CSV file: creating the collection with the first batch, adding to it later.
    /// - Returns: `.done("<collection id>/<sku>")` for every item of an accepted file, `.rejected` for
    ///   all of a refused one (and for rows without `sku` or `image_url_1`).
    /// - Throws: ``RemoteError`` (`.ambiguous` when the file may have arrived without an answer).
    public func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        var results: [String: ItemResult] = [:]
        var rows: [(sku: String, item: SendItem)] = []
        for item in items {
            let sku = item.text("sku") ?? item.key
            let image = item.text("image_url_1") ?? ""
            if sku.trimmingCharacters(in: .whitespaces).isEmpty || image.trimmingCharacters(in: .whitespaces).isEmpty {
                results[item.key] = .rejected(
                    "Pixyle needs sku and image_url_1 on every product (one product without them fails the whole file); this one has \(sku.isEmpty ? "no sku" : "no image_url_1")"
                )
                continue
            }
            rows.append((sku, item))
        }
        guard !rows.isEmpty else { return results }
        remember(rows)
        let file = Self.csv(rows)
        return try await turn.serially {
            let deadline = ContinuousClock.now.advanced(by: .seconds(processingLimitWaitSeconds))
            while true {
                let id = lock.withLock { collectionID }
                let path = id.map { "/main/v1/collections/\($0)/products" } ?? "/main/v1/collections"
                let (type, body) = FormEncoding.multipart([
                    (name: "file", filename: uploadName + ".csv", contentType: "text/csv", data: file)
                ])
                let response = try await session.send(
                    HTTPRequestSpec(
                        method: "POST", url: session.url(path),
                        headers: [("Content-Type", type), ("Accept", "application/json")], body: body),
                    idempotent: false, upload: true)
                switch response.status {
                case 200..<300:
                    let target: Int
                    if let id {
                        target = id
                    } else {
                        guard let created = response.json?["id"]?.integerValue else {
                            throw RemoteError.ambiguous(
                                "Pixyle POST /main/v1/collections answered \(response.status) without a collection id",
                                retryAfter: nil)
                        }
                        lock.withLock {
                            collectionID = created
                            collectionName = response.json?["name"]?.textValue
                        }
                        target = created
                    }
                    for (sku, item) in rows { results[item.key] = .done(remoteID: "\(target)/\(sku)") }
                    return results
                case 400, 422:
                    let why =
                        "Pixyle refused the whole file of \(rows.count) products (\(response.status) \(Self.errorText(response)))"
                    for (_, item) in rows { results[item.key] = .rejected(why) }
                    return results
                case 403:
                    try await waitForProcessingSlot(after: response, until: deadline)
                case 404 where id != nil:
                    throw RemoteError.fatal(
                        "Pixyle collection \(id ?? 0) no longer exists (404 \(Self.errorText(response))); it was deleted during the run, so run again to create a new one"
                    )
                default:
                    throw RemoteError.failed(
                        session.redactor.redact(
                            "Pixyle POST \(path): \(response.status) \(Self.errorText(response))"))
                }
            }
        }
    }

    /// Pixyle cannot change products (``canUpdate`` is false): the item is refused.
    public func update(_ item: SendItem, remoteID: String) async throws -> ItemResult {
        .rejected("Pixyle cannot change a product it holds; delete the collection and upload it again")
    }

    /// The keys Pixyle already holds in this pipeline's collection. Without a collection id (the
    /// create's answer was lost) the collection is looked up by name first, and adopted when it holds
    /// any of the keys. Waits (up to ``exportWaitSeconds``) for processing, then reads the export and
    /// the per-product errors.
    /// - Returns: `<collection id>/<sku>` by key.
    /// - Throws: ``RemoteError`` (`.failed` when the collection is still processing after the wait).
    public func find(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        return try await turn.serially {
            let known = lock.withLock { collectionID }
            var candidates: [(id: Int, name: String?)] = []
            if let known {
                candidates = [(known, nil)]
            } else {
                candidates = try await collectionsNamed()
            }
            for candidate in candidates {
                let held = try await heldSKUs(in: candidate.id)
                let hits = keys.filter { held.contains($0) }
                if known == nil {
                    if hits.isEmpty { continue }
                    lock.withLock {
                        collectionID = candidate.id
                        collectionName = candidate.name
                    }
                }
                var found: [String: String] = [:]
                for key in hits { found[key] = "\(candidate.id)/\(key)" }
                return found
            }
            return [:]
        }
    }

    /// Nothing to do: Pixyle processes each file as it arrives.
    public func finish() async throws {}

    /// Waits until the collection is processed, saves its export as `export-pixyle.<type>` in
    /// `directory`, and reads it back: one item per export row (key = `sku`, remote id = Pixyle's
    /// `product_id`, fields = the export's columns), plus one item per product that only has errors.
    /// - Throws: ``RemoteError``, ``ReadError`` when the export cannot be read, or the file system's error.
    public func export(into directory: String) async throws -> RemoteSnapshot {
        let format = exportFormat
        guard ["xlsx", "csv", "json"].contains(format) else {
            throw ConfigError([
                ConfigDiagnostic(
                    file: "export", line: nil, column: nil,
                    message: "Pixyle exports xlsx, csv or json, not \"\(format)\"; set export.format to one of them")
            ])
        }
        let id: Int?
        if let known = lock.withLock({ collectionID }) {
            id = known
        } else {
            // Found by name (a ledger that lost the id): later uploads add to it instead of making another.
            let named = try await turn.serially { try await collectionsNamed().first }
            if let named {
                lock.withLock {
                    if collectionID == nil {
                        collectionID = named.id
                        collectionName = named.name
                    }
                }
            }
            id = named?.id
        }
        guard let id else { return RemoteSnapshot(items: []) }
        let detail = try await waitUntilProcessed(id)
        let bytes = try await download(id, format: format)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("export-pixyle.\(format)")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let rows = try Self.readTable(path)
        var items: [RemoteItem] = []
        var itemByProductID: [Int: Int] = [:]
        for row in rows {
            var fields: [String: JSONValue] = [:]
            for (column, value) in row { fields[column] = value.isEmpty ? .null : .string(value) }
            let sku = row.first { $0.0 == Self.exportKeyColumn }?.1 ?? ""
            let productID = row.first { $0.0 == Self.exportIDColumn }?.1 ?? ""
            if let pid = Int(productID) { itemByProductID[pid] = items.count }
            items.append(RemoteItem(key: sku.isEmpty ? nil : sku, remoteID: productID, fields: fields))
        }
        let errors = Self.productErrors(detail)
        let owners = Self.assignErrors(
            errors, exportRows: rows, sent: lock.withLock { sentOrder.map { ($0, imagesBySKU[$0] ?? []) } })
        var extraOrder: [Int] = []
        var extra: [Int: [String]] = [:]
        for e in errors {
            if let i = itemByProductID[e.productID] {
                items[i].errors.append(e.message)
            } else {
                if extra[e.productID] == nil { extraOrder.append(e.productID) }
                extra[e.productID, default: []].append(e.message)
            }
        }
        for pid in extraOrder {
            items.append(
                RemoteItem(key: owners[pid], remoteID: String(pid), fields: [:], errors: extra[pid] ?? []))
        }
        return RemoteSnapshot(
            items: items, reportedCount: detail["product_count"]?.integerValue, reportedCountName: "product_count",
            savedFiles: [path])
    }

    // MARK: - Login

    private func login() async throws {
        let body = JSONValue.obj([
            ("email", .string(email)), ("password", .string(password)), ("permanent_login", .bool(false)),
        ])
        let response: HTTPResult
        do {
            response = try await session.send(
                .json("POST", session.url("/auth/v1/token"), body), idempotent: true, authenticated: false)
        } catch let error as RemoteError {
            if case .fatal = error { throw error }
            throw RemoteError.fatal("Pixyle login failed: \(error.description)")
        }
        switch response.status {
        case 200..<300:
            let json = response.json
            guard let token = json?["access_token"]?.textValue ?? json?["token"]?.textValue, !token.isEmpty
            else {
                throw RemoteError.fatal(
                    session.redactor.redact(
                        "Pixyle login answered \(response.status) without an access_token (\(response.excerpt)); check the endpoint"
                    ))
            }
            session.setAuth([("Authorization", "Bearer \(token)")])
        default:
            throw RemoteError.fatal(
                session.redactor.redact(
                    "Pixyle refused the login of \"\(email)\" (\(response.status) \(Self.errorText(response))); check the upload stage's username (the account's e-mail) and password"
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

    // MARK: - Collections

    private func remember(_ rows: [(sku: String, item: SendItem)]) {
        lock.withLock {
            for (sku, item) in rows {
                if imagesBySKU[sku] == nil { sentOrder.append(sku) }
                imagesBySKU[sku] = (1...8).compactMap { item.text("image_url_\($0)") }
            }
        }
    }

    private func get(_ path: String) async throws -> HTTPResult {
        try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url(path), headers: [("Accept", "application/json")]),
            idempotent: true)
    }

    /// `GET /main/v1/collections/{id}`, or nil when the collection does not exist.
    private func collectionDetail(_ id: Int) async throws -> JSONValue? {
        let response = try await get("/main/v1/collections/\(id)")
        switch response.status {
        case 200: return response.json
        case 404: return nil
        default:
            throw RemoteError.failed(
                "Pixyle GET /main/v1/collections/\(id): \(response.status) \(Self.errorText(response))")
        }
    }

    /// Every collection of the account (`GET /main/v1/collections`, 20 a page), in the service's order.
    private func allCollections() async throws -> [JSONValue] {
        var all: [JSONValue] = []
        var page = 1
        while true {
            let response = try await get("/main/v1/collections?page=\(page)&size=20")
            guard response.status == 200, let list = response.json, let result = list["result"]?.arrayValue else {
                throw RemoteError.failed(
                    "Pixyle GET /main/v1/collections (page \(page)): \(response.status) \(Self.errorText(response)); expected {meta, result}"
                )
            }
            all += result
            let pages = list["meta"]?["total_pages"]?.integerValue ?? page
            if result.isEmpty || page >= pages || page >= 10_000 { return all }
            page += 1
        }
    }

    /// The collections named as this pipeline's (also with the ` (n)` Pixyle adds to a duplicate
    /// name), newest first.
    private func collectionsNamed() async throws -> [(id: Int, name: String?)] {
        let names = lock.withLock { [uploadName, collectionName].compactMap { $0 } }
        return try await allCollections().compactMap { c -> (id: Int, name: String?)? in
            guard let id = c["id"]?.integerValue, let name = c["name"]?.textValue else { return nil }
            return names.contains(where: { Self.isNamed(name, $0) }) ? (id, name) : nil
        }.sorted { $0.id > $1.id }
    }

    static func isNamed(_ name: String, _ base: String) -> Bool {
        if name == base { return true }
        guard name.hasPrefix(base + " ("), name.hasSuffix(")") else { return false }
        let middle = name.dropFirst(base.count + 2).dropLast()
        return !middle.isEmpty && middle.allSatisfy(\.isNumber)
    }

    /// Waits after a 403 until a collection has finished processing, so that the upload is repeated
    /// only when it can succeed: at least one poll, then until fewer collections are processing than at
    /// the refusal, or fewer than the documented limit of 10.
    /// - Throws: ``RemoteError/fatal(_:)`` when no collection is processing (the 403 means missing
    ///   permissions), ``RemoteError/failed(_:)`` when `deadline` passes first.
    private func waitForProcessingSlot(after response: HTTPResult, until deadline: ContinuousClock.Instant)
        async throws
    {
        let refusal = "Pixyle refused the upload (403 \(Self.errorText(response)))"
        let atRefusal = try await processingCount()
        if atRefusal == 0 {
            throw RemoteError.fatal(
                refusal + "; no collection is processing, so the account lacks the permission to upload")
        }
        var processing = atRefusal
        repeat {
            let now = ContinuousClock.now
            if now >= deadline {
                throw RemoteError.failed(
                    refusal
                        + "; \(processing) collections were still processing after \(Self.format(processingLimitWaitSeconds)) s (Pixyle processes at most \(Self.documentedProcessingLimit) at once per client)"
                )
            }
            let pause = min(pollIntervalSeconds, Self.seconds(deadline - now))
            try await Task.sleep(nanoseconds: UInt64(max(0, pause) * 1e9))
            processing = try await processingCount()
        } while processing >= atRefusal && processing >= Self.documentedProcessingLimit
    }

    /// Pixyle: "Simultaneous processing limit: 10 collections per client (can be adjusted upon request)".
    static let documentedProcessingLimit = 10

    /// How many of the account's collections are still processing.
    private func processingCount() async throws -> Int {
        try await allCollections().filter { ($0["processed_products_percentage"]?.doubleValue ?? 100) < 100 }.count
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    /// Polls `GET /main/v1/collections/{id}` until `processed_products_percentage` is 100.
    /// - Throws: ``RemoteError/failed(_:)`` when the collection is gone or still processing after
    ///   ``exportWaitSeconds``.
    private func waitUntilProcessed(_ id: Int) async throws -> JSONValue {
        let wait = exportWaitSeconds
        let deadline = ContinuousClock.now.advanced(by: .seconds(wait))
        while true {
            guard let detail = try await collectionDetail(id) else {
                throw RemoteError.failed("Pixyle collection \(id) does not exist (404); it was deleted")
            }
            let share = detail["processed_products_percentage"]?.doubleValue ?? 0
            if share >= 100 { return detail }
            let now = ContinuousClock.now
            if now >= deadline {
                throw RemoteError.failed(
                    "Pixyle collection \(id) is still processing (\(share) % after \(wait) s); raise the export stage's wait"
                )
            }
            let pause = min(pollIntervalSeconds, Self.seconds(deadline - now))
            try await Task.sleep(nanoseconds: UInt64(max(0, pause) * 1e9))
        }
    }

    /// `GET /main/v1/collections/{id}/export/{format}`: the file's bytes.
    private func download(_ id: Int, format: String) async throws -> [UInt8] {
        let response = try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url("/main/v1/collections/\(id)/export/\(format)")),
            idempotent: true)
        guard response.status == 200 else {
            throw RemoteError.failed(
                "Pixyle GET /main/v1/collections/\(id)/export/\(format): \(response.status) \(Self.errorText(response))"
            )
        }
        return response.body
    }

    /// The SKUs collection `id` holds: the export's rows and the products with errors this client can map.
    private func heldSKUs(in id: Int) async throws -> Set<String> {
        let detail = try await waitUntilProcessed(id)
        let format = exportFormat
        let bytes = try await download(id, format: ["xlsx", "csv", "json"].contains(format) ? format : "json")
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("catalog-etl-pixyle-\(UUID().uuidString).\(format)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let rows = try Self.readTable(path)
        var held = Set(rows.compactMap { row in row.first { $0.0 == Self.exportKeyColumn }?.1 }.filter { !$0.isEmpty })
        let owners = Self.assignErrors(
            Self.productErrors(detail), exportRows: rows,
            sent: lock.withLock { sentOrder.map { ($0, imagesBySKU[$0] ?? []) } })
        held.formUnion(owners.values)
        return held
    }

    // MARK: - Files

    /// The export column read as our key (a setting of the definition).
    static let exportKeyColumn = TargetSetting.pixyleExportKeyColumn.value
    /// The export column read as Pixyle's product id (a setting of the definition).
    static let exportIDColumn = TargetSetting.pixyleExportIDColumn.value

    /// The upload schema's columns, in the order they are written.
    static let standardColumns =
        ["sku"] + (1...8).map { "image_url_\($0)" } + ["category", "root_sku", "title", "description"]

    /// The upload file: RFC 4180 CSV (UTF-8, CRLF), the standard columns, then every other field of the
    /// records as a metadata column (lists joined with `|`, objects as JSON text).
    static func csv(_ rows: [(sku: String, item: SendItem)]) -> [UInt8] {
        var extras: [String] = []
        var seen = Set(standardColumns)
        for (_, item) in rows {
            for field in item.record.objectValue ?? [] where !seen.contains(field.key) {
                seen.insert(field.key)
                extras.append(field.key)
            }
        }
        let columns = standardColumns + extras
        var out: [UInt8] = []
        func line(_ fields: [String]) {
            for (i, f) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if f.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                    out.append(0x22)
                    for u in f.utf8 {
                        if u == 0x22 { out.append(0x22) }
                        out.append(u)
                    }
                    out.append(0x22)
                } else {
                    out.append(contentsOf: f.utf8)
                }
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        line(columns)
        for (sku, item) in rows {
            line(
                columns.map { column in
                    if column == "sku" { return sku }
                    switch item.record[column] {
                    case nil, .null?: return ""
                    case .object?: return item.record[column]?.jsonText ?? ""
                    case let value?: return value.plainText
                    }
                })
        }
        return out
    }

    /// Reads an export file with our readers: its rows as (column, text) pairs, empty rows skipped.
    static func readTable(_ path: String) throws -> [[(String, String)]] {
        var options = ReadOptions()
        options.duplicateHeaders = .rename
        options.raggedRows = .pad
        let reader = try Readers.open(path, options: options)
        var rows: [[(String, String)]] = []
        while let record = try reader.next() {
            var row: [(String, String)] = []
            for (i, column) in record.columns.enumerated() where i < record.values.count {
                row.append((column.header, record.values[i].canonicalText))
            }
            rows.append(row)
        }
        return rows
    }

    /// One `CollectionError` of `GET /collections/{id}`.
    struct ProductError {
        var productID: Int
        var imageName: String
        var message: String
    }

    static func productErrors(_ detail: JSONValue) -> [ProductError] {
        (detail["errors"]?.arrayValue ?? []).compactMap { e in
            guard let pid = e["product_id"]?.integerValue else { return nil }
            let image = e["image_name"]?.textValue ?? ""
            let code = e["error_code"]?.textValue.map { " (error \($0))" } ?? ""
            let text = e["error_message"]?.textValue ?? "error"
            return ProductError(productID: pid, imageName: image, message: "image \"\(image)\": \(text)\(code)")
        }
    }

    /// Maps Pixyle's `product_id` of each error to one of our SKUs: among the products the export
    /// leaves out, the one that has an image (`image_url_1…8` as sent) whose URL or last path component
    /// is the `image_name` of each of the product's errors; when several qualify, the one whose URL the
    /// message quotes; when still tied, in upload order against rising product ids.
    /// - Parameters:
    ///   - errors: The collection's errors.
    ///   - exportRows: The export's rows (their products are accounted for by `product_id`).
    ///   - sent: The SKUs this client uploaded, in order, with their image URLs.
    /// - Returns: SKU by product id, for the errors that could be mapped.
    static func assignErrors(
        _ errors: [ProductError], exportRows: [[(String, String)]], sent: [(String, [String])]
    ) -> [Int: String] {
        func value(_ row: [(String, String)], _ column: String) -> String? { row.first { $0.0 == column }?.1 }
        var inExport = Set<Int>()
        var exportedSKUs = Set<String>()
        var images: [(sku: String, urls: [String])] = []
        for row in exportRows {
            if let pid = value(row, exportIDColumn).flatMap({ Int($0) }) { inExport.insert(pid) }
            if let sku = value(row, exportKeyColumn) { exportedSKUs.insert(sku) }
        }
        var known = Set<String>()
        for (sku, urls) in sent where !known.contains(sku) {
            known.insert(sku)
            images.append((sku, urls))
        }
        var byProduct: [Int: [ProductError]] = [:]
        for e in errors where !inExport.contains(e.productID) { byProduct[e.productID, default: []].append(e) }
        func lastComponent(_ url: String) -> String {
            let path = url.split(separator: "?").first.map(String.init) ?? url
            return path.split(separator: "/").last.map(String.init) ?? path
        }
        var candidates: [Int: [Int]] = [:]
        for (pid, list) in byProduct {
            var matches: [Int] = []
            for (i, entry) in images.enumerated() where !exportedSKUs.contains(entry.sku) {
                let hit = list.allSatisfy { e in
                    entry.urls.contains { url in
                        url == e.imageName || lastComponent(url) == e.imageName
                            || lastComponent(url).removingPercentEncoding == e.imageName
                    }
                }
                if hit { matches.append(i) }
            }
            if matches.count > 1 {
                let quoted = matches.filter { i in
                    list.contains { e in images[i].urls.contains { e.message.contains($0) } }
                }
                if !quoted.isEmpty { matches = quoted }
            }
            candidates[pid] = matches
        }
        var owners: [Int: String] = [:]
        var taken = Set<Int>()
        for (pid, matches) in candidates.sorted(by: { $0.key < $1.key }) where matches.count == 1 {
            owners[pid] = images[matches[0]].sku
            taken.insert(matches[0])
        }
        for (pid, matches) in candidates.sorted(by: { $0.key < $1.key }) where owners[pid] == nil {
            if let i = matches.first(where: { !taken.contains($0) }) {
                owners[pid] = images[i].sku
                taken.insert(i)
            }
        }
        return owners
    }

    /// A collection name as a file name Pixyle keeps whole (no path separators or quotes).
    static func fileSafe(_ name: String) -> String {
        String(
            name.map { ch -> Character in
                switch ch {
                case "/", "\\": return "-"
                case "\"": return "'"
                case "\r", "\n", "\t": return " "
                default: return ch
                }
            })
    }

    /// The `error` of Pixyle's `ErrorResponse`, or an excerpt.
    static func errorText(_ response: HTTPResult) -> String {
        if let e = response.json?["error"]?.textValue { return e }
        return response.excerpt
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
