import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON
import XLSX

/// The Pixyle.ai stand-in: token endpoint and the Dataset Upload API (`/main/v1/collections`).
///
/// Choices where the pages are silent (documented here and in the README of the sandbox):
/// - `POST /auth/v1/token` answers `{access_token, refresh_token, token_type:"Bearer", expires_in}`.
/// - Upload files: CSV with a header row (comma, `"` quoting, UTF-8) or a JSON array of objects;
///   the type comes from the file name's extension, else from the first non-blank byte (`[` = JSON).
///   Every row must carry a non-empty `sku` and `image_url_1`, else 422 and nothing is created.
/// - Processing: the products of an upload become processed evenly over
///   ``SandboxSettings/pixyleProcessingSeconds``; a collection is "processing" until its last product is.
/// - Per-product errors: an image URL whose path contains `/missing/` answers 404, so the product gets
///   `errors[{product_id, image_name: the URL's last path component, error_code: 404, error_message}]`
///   once processed, and is left out of exports.
/// - Export columns: `product_id, sku, root_sku, title, description, image_url_1…8` (those present),
///   then the tags `category, color, pattern, sleeve_length, material`, found as keywords in the
///   title and description (see ``PixyleTagger``). The csv, json and xlsx exports carry the same table,
///   every value as text; the xlsx has one sheet `products` with a bold header row.
actor PixyleStore: ServiceStore {
    struct Product: Codable, Sendable {
        var id: Int
        var fields: [String: String]
        var columns: [String]
        var processedAt: Double
        var sku: String { fields["sku"] ?? "" }
        var imageURLs: [String] {
            (1...8).compactMap { fields["image_url_\($0)"] }.filter { !$0.isEmpty }
        }
        var failedImage: String? { imageURLs.first(where: { $0.contains("/missing/") }) }
    }

    struct Collection: Codable, Sendable {
        var id: Int
        var name: String
        var createdAt: Double
        var updatedAt: Double
        var products: [Product]
        var columns: [String]
    }

    /// A product as stored: its collection and itself.
    struct StoredProduct: Codable, Sendable {
        var collectionID: Int
        var product: Product
    }

    /// Collections as stored, without their products (those are rows of `productTable`).
    private var collectionTable: StateTable<Collection>
    private var productTable: StateTable<StoredProduct>
    private var tokens: StateTable<Double>
    private var plantTable: StateTable<PlantRecord>
    /// Every collection with its products, by id.
    private var collections: [Int: Collection] = [:]
    /// When the last product of each collection finishes processing.
    private var processedBy: [Int: Double] = [:]
    private var nextCollectionID = 1
    private var nextProductID = 1
    private let settings: SandboxSettings
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var uploads: RateWindow

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, folder: StateFolder?) throws {
        self.settings = settings
        self.plan = plan
        self.random = SeededGenerator(seed: seed, stream: "plant:pixyle")
        self.uploads = RateWindow(limit: settings.pixyleUploadsPerSecond, window: 1.0)
        collectionTable = try StateTable("collections", folder: folder)
        productTable = try StateTable("products", folder: folder)
        tokens = try StateTable("tokens", folder: folder)
        plantTable = try StateTable("plant", folder: folder)
        for c in collectionTable.values {
            collections[c.id] = c
            nextCollectionID = max(nextCollectionID, c.id + 1)
        }
        for stored in productTable.values where collections[stored.collectionID] != nil {
            collections[stored.collectionID]?.products.append(stored.product)
            processedBy[stored.collectionID] = max(processedBy[stored.collectionID] ?? 0, stored.product.processedAt)
            nextProductID = max(nextProductID, stored.product.id + 1)
        }
    }

    private var plantRecord: PlantRecord {
        get { plantTable["plant"] ?? PlantRecord() }
        set { plantTable.put("plant", newValue) }
    }

    /// Stores a collection's row (without products) and the given products of it.
    private func save(_ c: Collection, products: [Product]) {
        var row = c
        row.products = []
        collectionTable.put(String(c.id), row)
        productTable.put(products.map { (String($0.id), StoredProduct(collectionID: c.id, product: $0)) })
        collections[c.id] = c
        for p in products { processedBy[c.id] = max(processedBy[c.id] ?? 0, p.processedAt) }
    }

    func itemCount() -> Int { collections.values.reduce(0) { $0 + $1.products.count } }

    func duplicateKeyCount() -> Int {
        duplicateCount(collections.keys.sorted().lazy.flatMap { self.collections[$0]?.products.map(\.sku) ?? [] })
    }

    func plantedReport() -> JSONValue { plantRecord.json }

    // MARK: Auth

    func issueToken(permanent: Bool) -> (String, String, Int) {
        let token = "pxl_" + randomHex(32)
        let ttl = permanent ? 30 * 86_400 : settings.pixyleTokenTTL
        tokens.put(token, Timestamp.now() + ttl)
        return (token, "pxr_" + randomHex(32), Int(ttl))
    }

    func isValid(token: String?) -> Bool {
        guard let token, let expiry = tokens[token] else { return false }
        return expiry > Timestamp.now()
    }

    // MARK: Limits

    /// Admits one upload of `token`, or returns the wait in seconds.
    func admitUpload(token: String) -> Double? { uploads.admit(token, now: Timestamp.monotonic()) }

    func processingCount(now: Double) -> Int {
        collections.keys.filter { (processedBy[$0] ?? 0) > now }.count
    }

    // MARK: Collections

    func create(name requested: String, rows: [[String: String]], columns: [String]) -> Collection {
        let now = Timestamp.now()
        var name = requested
        var n = 2
        let existing = Set(collections.values.map(\.name))
        while existing.contains(name) {
            name = "\(requested) (\(n))"
            n += 1
        }
        var collection = Collection(
            id: nextCollectionID, name: name, createdAt: now, updatedAt: now, products: [], columns: columns)
        nextCollectionID += 1
        let added = append(rows, columns: columns, to: &collection, now: now)
        save(collection, products: added)
        return collection
    }

    func addProducts(collectionID: Int, rows: [[String: String]], columns: [String]) -> Collection? {
        guard var collection = collections[collectionID] else { return nil }
        let now = Timestamp.now()
        let added = append(rows, columns: columns, to: &collection, now: now)
        collection.updatedAt = now
        for c in columns where !collection.columns.contains(c) { collection.columns.append(c) }
        save(collection, products: added)
        return collection
    }

    private func append(_ rows: [[String: String]], columns: [String], to collection: inout Collection, now: Double)
        -> [Product]
    {
        let span = settings.pixyleProcessingSeconds
        var added: [Product] = []
        for (i, row) in rows.enumerated() {
            let at = now + span * Double(i + 1) / Double(rows.count)
            added.append(Product(id: nextProductID, fields: row, columns: columns, processedAt: at))
            nextProductID += 1
        }
        collection.products += added
        return added
    }

    func collection(_ id: Int) -> Collection? { collections[id] }

    func list(page: Int, size: Int) -> ([Collection], Int) {
        let all = collections.values.sorted { $0.id > $1.id }
        let start = (page - 1) * size
        guard start < all.count else { return ([], all.count) }
        return (Array(all[start..<min(all.count, start + size)]), all.count)
    }

    func delete(_ id: Int) -> Bool {
        guard let c = collections.removeValue(forKey: id) else { return false }
        collectionTable.remove(String(id))
        for p in c.products { productTable.remove(String(p.id)) }
        processedBy[id] = nil
        return true
    }

    /// The collection for an export, planting first if this is the service's first export.
    func collectionForExport(_ id: Int) -> Collection? {
        guard let c = collections[id] else { return nil }
        if !plan.isEmpty && !plantRecord.done && !c.products.isEmpty { plant(in: id) }
        return collections[id]
    }

    private func plant(in id: Int) {
        guard var collection = collections[id] else { return }
        var record = plantRecord
        defer { plantRecord = record }
        record.done = true
        var products = collection.products
        var changed: Set<Int> = []
        let now = Timestamp.now()
        let mutated = pickIndices(plan.mutate, of: products.count, using: &random)
        for i in mutated {
            products[i].fields["title"] = (products[i].fields["title"] ?? "") + " [planted]"
            if !products[i].columns.contains("title") { products[i].columns.append("title") }
            record.mutate.append(products[i].sku)
            changed.insert(products[i].id)
        }
        let duplicated = pickIndices(plan.duplicate, of: products.count, using: &random)
        for i in duplicated {
            var copy = products[i]
            copy.id = nextProductID
            nextProductID += 1
            products.append(copy)
            record.duplicate.append(copy.sku)
            changed.insert(copy.id)
        }
        let dropped = pickIndices(
            plan.drop, of: products.count, using: &random, excluding: Set(mutated + duplicated))
        for i in dropped.sorted(by: >) {
            record.drop.append(products[i].sku)
            productTable.remove(String(products[i].id))
            changed.remove(products[i].id)
            products.remove(at: i)
        }
        for n in 0..<plan.extra {
            let sku = "PLANTED-EXTRA-\(n + 1)"
            products.append(
                Product(
                    id: nextProductID,
                    fields: [
                        "sku": sku, "image_url_1": "https://sandbox.invalid/planted/\(n + 1).jpg",
                        "title": "Planted extra product \(n + 1)",
                    ], columns: ["sku", "image_url_1", "title"], processedAt: now))
            changed.insert(nextProductID)
            nextProductID += 1
            record.extra.append(sku)
        }
        collection.products = products
        save(collection, products: products.filter { changed.contains($0.id) })
    }
}

/// Derives Pixyle-like attribute tags from a product's title and description, deterministically:
/// the first keyword of each list found as a whole word (or phrase) gives the tag.
enum PixyleTagger {
    /// The tag columns, in export order.
    static let columns = ["category", "color", "pattern", "sleeve_length", "material"]

    static let categories: [(String, String)] = [
        ("t-shirt", "t-shirts"), ("tshirt", "t-shirts"), ("dress", "dresses"), ("shirt", "shirts"),
        ("blouse", "blouses"), ("jeans", "jeans"), ("trousers", "trousers"), ("pants", "trousers"),
        ("shorts", "shorts"), ("skirt", "skirts"), ("jacket", "jackets"), ("coat", "coats"),
        ("sweater", "sweaters"), ("jumper", "sweaters"), ("cardigan", "cardigans"), ("hoodie", "hoodies"),
        ("sneakers", "sneakers"), ("boots", "boots"), ("sandals", "sandals"), ("bag", "bags"),
        ("scarf", "scarves"), ("hat", "hats"),
    ]
    static let colors: [(String, String)] = [
        ("black", "black"), ("white", "white"), ("red", "red"), ("navy", "navy"), ("blue", "blue"),
        ("green", "green"), ("yellow", "yellow"), ("pink", "pink"), ("purple", "purple"),
        ("orange", "orange"), ("brown", "brown"), ("grey", "grey"), ("gray", "grey"), ("beige", "beige"),
        ("cream", "beige"),
    ]
    static let patterns: [(String, String)] = [
        ("striped", "striped"), ("stripes", "striped"), ("stripe", "striped"), ("floral", "floral"),
        ("checked", "checked"), ("plaid", "checked"), ("check", "checked"), ("polka dot", "polka dot"),
        ("leopard", "animal print"), ("camouflage", "camouflage"), ("solid", "solid"), ("plain", "solid"),
    ]
    static let sleeves: [(String, String)] = [
        ("sleeveless", "sleeveless"), ("long sleeve", "long"), ("long-sleeve", "long"),
        ("long sleeved", "long"), ("short sleeve", "short"), ("short-sleeve", "short"),
        ("short sleeved", "short"), ("3/4 sleeve", "three-quarter"),
    ]
    static let materials: [(String, String)] = [
        ("cotton", "cotton"), ("linen", "linen"), ("wool", "wool"), ("silk", "silk"), ("denim", "denim"),
        ("leather", "leather"), ("polyester", "polyester"), ("cashmere", "cashmere"), ("viscose", "viscose"),
    ]

    /// The tags of a product, by column.
    static func tags(title: String, description: String) -> [String: String] {
        let text = " " + normalise(title + " " + description) + " "
        func first(_ list: [(String, String)]) -> String {
            for (keyword, value) in list where text.contains(" " + keyword + " ") { return value }
            return ""
        }
        return [
            "category": first(categories), "color": first(colors), "pattern": first(patterns),
            "sleeve_length": first(sleeves), "material": first(materials),
        ]
    }

    private static func normalise(_ s: String) -> String {
        var out = ""
        var lastSpace = true
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "/" {
                out.append(ch)
                lastSpace = false
            } else if !lastSpace {
                out.append(" ")
                lastSpace = true
            }
        }
        return out
    }
}

enum PixyleRoutes {
    static func register(
        on router: Router<SandboxRequestContext>, store: PixyleStore, runtime: ServiceRuntime, settings: SandboxSettings
    ) {
        let group = router.group("pixyle").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))

        group.post("auth/v1/token") { request, context -> Response in
            let body = try await readBody(request, context: context)
            guard !body.isEmpty, let json = JSONValue.decoded(body), case .object = json else {
                return Reply.pixyleError(.badRequest, "Missing JSON body")
            }
            guard let email = json["email"]?.stringValue, email.contains("@") else {
                return Reply.pixyleError(.badRequest, "email: a valid e-mail address is required")
            }
            guard let password = json["password"]?.stringValue, !password.isEmpty else {
                return Reply.pixyleError(.badRequest, "password: at least 1 character is required")
            }
            guard email == SandboxCredentials.email, password == SandboxCredentials.password else {
                return Reply.pixyleError(.unauthorized, "Invalid credentials")
            }
            var permanent = false
            if case .bool(let b)? = json["permanent_login"] { permanent = b }
            let (access, refresh, ttl) = await store.issueToken(permanent: permanent)
            return Reply.json(
                .ok,
                [
                    "access_token": .string(access), "refresh_token": .string(refresh), "token_type": "Bearer",
                    "expires_in": .int(ttl),
                ])
        }

        // Every main/v1 route needs a valid token; the uploads also have the per-token rate (a non-numeric
        // collection id answers 404 before the rate is counted).
        let api = group.group("main/v1")
            .add(
                middleware: AuthMiddleware { request in
                    guard let token = bearerToken(request), await store.isValid(token: token) else {
                        return .denied(
                            Reply.pixyleError(.unauthorized, "Unauthorized: a valid Bearer token is required"))
                    }
                    return .accepted(key: token)
                })
        let uploads = api.group()
            .add(
                middleware: RateLimitMiddleware(
                    runtime: runtime,
                    applies: { _, context in
                        context.parameters.get("id") == nil || context.parameters.get("id", as: Int.self) != nil
                    },
                    admit: { token in
                        guard let wait = await store.admitUpload(token: token) else { return .admitted(headers: [:]) }
                        return .limited(
                            Reply.pixyleError(
                                .tooManyRequests, "Rate limit exceeded: 1 request per second per client",
                                headers: retryAfterHeader(wait)))
                    }))

        @Sendable func upload(_ request: Request, _ context: SandboxRequestContext, into id: Int?) async throws
            -> Response
        {
            if let id, await store.collection(id) == nil {
                return Reply.pixyleError(.notFound, "Collection \(id) not found")
            }
            if await store.processingCount(now: Timestamp.now()) >= settings.pixyleMaxProcessing {
                return Reply.pixyleError(
                    .forbidden,
                    "Simultaneous processing limit reached: \(settings.pixyleMaxProcessing) collections are processing")
            }
            let body = try await readBody(request, context: context)
            guard let boundary = Multipart.boundary(contentType: request.headers[.contentType]),
                let parts = Multipart.parse(body, boundary: boundary)
            else {
                return Reply.pixyleError(.badRequest, "The request must be multipart/form-data with a file field")
            }
            guard let file = parts.first(where: { $0.name == "file" }) else {
                return Reply.pixyleError(.badRequest, "file: field required")
            }
            let parsed: (rows: [[String: String]], columns: [String])
            switch PixyleUploadFile.parse(file) {
            case .failure(let failure): return Reply.pixyleError(.badRequest, failure.message)
            case .success(let value): parsed = value
            }
            if let problem = PixyleUploadFile.validate(parsed.rows, maxRows: settings.pixyleMaxRowsPerFile) {
                return Reply.pixyleError(.unprocessableContent, problem)
            }
            let images = parsed.rows.reduce(0) { n, row in
                n + (1...8).filter { !(row["image_url_\($0)"] ?? "").isEmpty }.count
            }
            if let id {
                guard let c = await store.addProducts(collectionID: id, rows: parsed.rows, columns: parsed.columns)
                else {
                    return Reply.pixyleError(.notFound, "Collection \(id) not found")
                }
                return Reply.json(
                    .ok,
                    [
                        "id": .int(c.id), "name": .string(c.name), "product_count": .int(c.products.count),
                        "image_count": .int(c.products.reduce(0) { $0 + $1.imageURLs.count }),
                        "created_at": .string(Timestamp.iso(c.createdAt)),
                        "updated_at": .string(Timestamp.iso(c.updatedAt)),
                    ])
            }
            var name = parts.first(where: { $0.name == "name" })?.text ?? ""
            if name.isEmpty {
                name = (file.filename ?? "collection").split(separator: "/").last.map(String.init) ?? "collection"
                if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
            }
            let c = await store.create(name: name, rows: parsed.rows, columns: parsed.columns)
            return Reply.json(
                .ok,
                [
                    "message": "Collection uploaded successfully", "id": .int(c.id), "name": .string(c.name),
                    "product_count": .int(c.products.count), "image_count": .int(images),
                    "created_at": .string(Timestamp.iso(c.createdAt)),
                ])
        }

        uploads.post("collections") { request, context in try await upload(request, context, into: nil) }

        uploads.post("collections/:id/products") { request, context -> Response in
            guard let id = context.parameters.get("id", as: Int.self) else {
                return Reply.pixyleError(.notFound, "Collection not found")
            }
            return try await upload(request, context, into: id)
        }

        api.get("collections") { request, context -> Response in
            let query = Query(request)
            var page = 1
            var size = 7
            if let p = query["page"] {
                guard let v = Int(p), v >= 1 else {
                    return Reply.pixyleError(.badRequest, "page: must be an integer greater than or equal to 1")
                }
                page = v
            }
            if let s = query["size"] {
                guard let v = Int(s), (1...20).contains(v) else {
                    return Reply.pixyleError(.badRequest, "size: must be an integer from 1 to 20")
                }
                size = v
            }
            let (items, total) = await store.list(page: page, size: size)
            let now = Timestamp.now()
            return Reply.json(
                .ok,
                [
                    "meta": [
                        "page": .int(page), "size": .int(size), "total_pages": .int((total + size - 1) / size),
                        "total": .int(total),
                    ],
                    "result": .array(
                        items.map { c in
                            PixyleRoutes.base(c, now: now).setting(
                                "images",
                                .array(c.products.prefix(4).compactMap { $0.imageURLs.first }.map { .string($0) }))
                        }),
                ])
        }

        api.get("collections/:id") { request, context -> Response in
            guard let id = context.parameters.get("id", as: Int.self), let c = await store.collection(id) else {
                return Reply.pixyleError(.notFound, "Collection not found")
            }
            let now = Timestamp.now()
            let errors: [JSONValue] = c.products.compactMap { p in
                guard p.processedAt <= now, let url = p.failedImage else { return nil }
                let imageName = url.split(separator: "/").last.map(String.init) ?? url
                return [
                    "product_id": .int(p.id), "image_name": .string(imageName), "error_code": 404,
                    "error_message": .string("Image could not be downloaded: HTTP 404 for \(url)"),
                ]
            }
            return Reply.json(
                .ok,
                PixyleRoutes.base(c, now: now).setting("error_count", .int(errors.count)).setting(
                    "errors", .array(errors)))
        }

        api.delete("collections/:id") { request, context -> Response in
            guard let id = context.parameters.get("id", as: Int.self), await store.delete(id) else {
                return Reply.pixyleError(.notFound, "Collection not found")
            }
            return Reply.json(.ok, ["message": .string("Collection \(id) deleted successfully")])
        }

        api.get("collections/:id/export/:file_type") { request, context -> Response in
            let type = context.parameters.get("file_type") ?? ""
            guard ["csv", "json", "xlsx"].contains(type) else {
                return Reply.pixyleError(.badRequest, "file_type: must be one of csv, json, xlsx")
            }
            guard let id = context.parameters.get("id", as: Int.self), let c = await store.collectionForExport(id)
            else {
                return Reply.pixyleError(.notFound, "Collection not found")
            }
            let (columns, rows) = PixyleRoutes.exportTable(c, now: Timestamp.now())
            let safeName = String(c.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
            let filename = "\(safeName)_\(c.id).\(type)"
            var headers: HTTPFields = [.contentDisposition: "attachment; filename=\"\(filename)\""]
            switch type {
            case "csv":
                var text = CSVTable.line(columns)
                for row in rows { text += CSVTable.line(columns.map { row[$0] ?? "" }) }
                return Reply.bytes(.ok, contentType: "text/csv; charset=utf-8", Array(text.utf8), headers: headers)
            case "json":
                let value = JSONValue.array(
                    rows.map { row in .obj(columns.map { ($0, JSONValue.string(row[$0] ?? "")) }) })
                return Reply.bytes(.ok, contentType: Reply.jsonType, Array(value.jsonText.utf8), headers: headers)
            default:
                do {
                    let bytes = try PixyleRoutes.workbook(columns: columns, rows: rows)
                    return Reply.bytes(.ok, contentType: PixyleRoutes.xlsxType, bytes, headers: headers)
                } catch {
                    headers[.contentDisposition] = nil
                    return Reply.pixyleError(.internalServerError, "xlsx export failed: \(error)")
                }
            }
        }
    }

    static func base(_ c: PixyleStore.Collection, now: Double) -> JSONValue {
        let processed = c.products.filter { $0.processedAt <= now }.count
        let percentage = c.products.isEmpty ? 100.0 : (Double(processed) * 100.0 / Double(c.products.count))
        return [
            "id": .int(c.id), "name": .string(c.name), "product_count": .int(c.products.count),
            "processed_products_percentage": .double((percentage * 100).rounded() / 100),
            "verified_products_percentage": .double(0), "created_at": .string(Timestamp.iso(c.createdAt)),
            "updated_at": .string(Timestamp.iso(c.updatedAt)),
        ]
    }

    /// The MIME type of an xlsx export.
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    /// The export table as an xlsx workbook: one sheet `products`, a bold header row, every value as text
    /// (as in the CSV and JSON exports), written by our streaming ``XLSXWriter`` through a temporary file.
    static func workbook(columns: [String], rows: [[String: String]]) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pixyle-export-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try XLSXWriter(path: path, overlongText: .truncate)
        try writer.startSheet(name: "products", freezeHeaderRow: true)
        try writer.writeRow(columns.map { .text($0) }, style: .header)
        for row in rows {
            try writer.writeRow(columns.map { (row[$0] ?? "").isEmpty ? .empty : .text(row[$0] ?? "") })
        }
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The export table of the processed products without image errors.
    static func exportTable(_ c: PixyleStore.Collection, now: Double) -> ([String], [[String: String]]) {
        var columns = ["product_id", "sku", "root_sku", "title", "description"]
        for k in 1...8 where c.products.contains(where: { !($0.fields["image_url_\(k)"] ?? "").isEmpty }) {
            columns.append("image_url_\(k)")
        }
        columns += PixyleTagger.columns
        var rows: [[String: String]] = []
        for p in c.products where p.processedAt <= now && p.failedImage == nil {
            var row = p.fields
            row["product_id"] = String(p.id)
            let tags = PixyleTagger.tags(title: p.fields["title"] ?? "", description: p.fields["description"] ?? "")
            for (k, v) in tags {
                if k == "category", v.isEmpty { continue }
                row[k] = v
            }
            rows.append(row)
        }
        return (columns, rows)
    }
}

/// Reads and checks Pixyle upload files (CSV with a header row, or a JSON array of objects).
enum PixyleUploadFile {
    static func parse(_ part: MultipartPart) -> Result<(rows: [[String: String]], columns: [String]), ParseFailure> {
        let name = (part.filename ?? "").lowercased()
        let firstByte = part.data.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 && $0 != 0xEF })
        let isJSON = name.hasSuffix(".json") || (!name.hasSuffix(".csv") && firstByte == UInt8(ascii: "["))
        if isJSON {
            guard let value = JSONValue.decoded(part.data), let array = value.arrayValue else {
                return .failure(ParseFailure("file: a JSON upload must be an array of objects"))
            }
            var columns: [String] = []
            var rows: [[String: String]] = []
            for item in array {
                guard let pairs = item.objectValue else {
                    return .failure(ParseFailure("file: a JSON upload must be an array of objects"))
                }
                var row: [String: String] = [:]
                for field in pairs {
                    let (k, v) = (field.key, field.value)
                    switch v {
                    case .null: continue
                    case .string(let s): row[k] = s
                    case .number(let n): row[k] = n
                    case .bool(let b): row[k] = String(b)
                    default: row[k] = v.jsonText
                    }
                    if !columns.contains(k) { columns.append(k) }
                }
                rows.append(row)
            }
            return .success((rows, columns))
        }
        guard name.isEmpty || name.hasSuffix(".csv") || name.hasSuffix(".json") || !name.contains(".") else {
            return .failure(ParseFailure("file: only CSV and JSON files are supported"))
        }
        var text = String(decoding: part.data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let table = CSVTable.parse(text)
        guard let header = table.first else { return .success(([], [])) }
        var rows: [[String: String]] = []
        for line in table.dropFirst() {
            if line.count == 1 && line[0].isEmpty { continue }
            var row: [String: String] = [:]
            for (i, column) in header.enumerated() where i < line.count && !line[i].isEmpty {
                row[column] = line[i]
            }
            rows.append(row)
        }
        return .success((rows, header))
    }

    /// The reason the whole file is rejected, or nil.
    static func validate(_ rows: [[String: String]], maxRows: Int) -> String? {
        if rows.isEmpty { return "The file contains no products" }
        if rows.count > maxRows { return "The file contains \(rows.count) products; at most \(maxRows) are allowed" }
        for (i, row) in rows.enumerated() {
            for field in ["sku", "image_url_1"] where (row[field] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                return "Product \(i + 1): mandatory field \(field) is missing; every product needs sku and image_url_1"
            }
        }
        return nil
    }

    struct ParseFailure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
