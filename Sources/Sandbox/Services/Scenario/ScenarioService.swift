import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

/// The Scenario stand-in: Basic auth, `POST /v1/assets` (base64 image), `GET /v1/assets`, collections
/// CRUD, and adding or removing at most 49 asset ids per call; camelCase JSON, `paginationToken` paging.
///
/// Choices where the pages are silent: errors answer `{"error": "...", "status": n}`; the image must
/// be valid base64 (a `data:` URL prefix is accepted), decode to less than
/// ``SandboxSettings/scenarioMaxImageBytes`` and start with the magic bytes of PNG, JPEG, GIF, WebP,
/// TIFF, AVIF/HEIC or SVG, else 400; pagination tokens are opaque strings this service issued (else 400).
/// The duplicate key for stats is the asset name.
actor ScenarioStore: ServiceStore {
    struct Asset: Codable, Sendable {
        var id: String
        var name: String
        var mimeType: String
        var size: Int
        var collectionIDs: [String]
        var createdAt: Double
        var updatedAt: Double
    }

    struct Collection: Codable, Sendable {
        var id: String
        var name: String
        var assetIDs: [String]
        var createdAt: Double
        var updatedAt: Double
    }

    static let ownerID = "5a1d05ce0a110000000000000000000a"

    private var assetTable: StateTable<Asset>
    /// Collections as stored: their members are not in the row but in each asset's `collectionIDs`.
    private var collectionTable: StateTable<Collection>
    private var plantTable: StateTable<PlantRecord>
    /// Asset ids of each collection, in the order they were added.
    private var members: [String: [String]] = [:]
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var limiter: RateWindow

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, folder: StateFolder?) throws {
        self.plan = plan
        self.random = SeededGenerator(seed: seed, stream: "plant:scenario")
        self.limiter = RateWindow(limit: settings.scenarioRequestsPerSecond, window: 1.0)
        assetTable = try StateTable("assets", folder: folder)
        collectionTable = try StateTable("collections", folder: folder)
        plantTable = try StateTable("plant", folder: folder)
        for a in assetTable.values {
            for cid in a.collectionIDs where collectionTable[cid] != nil { members[cid, default: []].append(a.id) }
        }
    }

    private var plantRecord: PlantRecord {
        get { plantTable["plant"] ?? PlantRecord() }
        set { plantTable.put("plant", newValue) }
    }

    func itemCount() -> Int { assetTable.count }
    func duplicateKeyCount() -> Int { duplicateCount(assetTable.values.lazy.map(\.name)) }
    func plantedReport() -> JSONValue { plantRecord.json }

    private func withMembers(_ c: Collection) -> Collection {
        var c = c
        c.assetIDs = members[c.id] ?? []
        return c
    }

    private func putCollection(_ c: Collection) {
        var row = c
        row.assetIDs = []
        collectionTable.put(c.id, row)
    }

    func admit(key: String) -> Double? { limiter.admit(key, now: Timestamp.monotonic()) }

    static func newID(_ prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<22).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    func addAsset(_ asset: Asset) -> Result<Asset, ScenarioFailure> {
        for cid in asset.collectionIDs where collectionTable[cid] == nil {
            return .failure(ScenarioFailure(status: .notFound, message: "Collection \(cid) not found"))
        }
        assetTable.put(asset.id, asset)
        for cid in asset.collectionIDs {
            guard var c = collectionTable[cid] else { continue }
            members[cid, default: []].append(asset.id)
            c.updatedAt = asset.createdAt
            putCollection(c)
        }
        return .success(asset)
    }

    func assets(plantIfDue: Bool) -> [Asset] {
        if plantIfDue && !plan.isEmpty && !plantRecord.done && assetTable.count > 0 { plant() }
        return Array(assetTable.values)
    }

    func asset(_ id: String) -> Asset? { assetTable[id] }

    func collections() -> [Collection] { collectionTable.values.map(withMembers) }

    func collection(_ id: String) -> Collection? { collectionTable[id].map(withMembers) }

    func createCollection(name: String) -> Collection {
        let now = Timestamp.now()
        let c = Collection(
            id: ScenarioStore.newID("collection_"), name: name, assetIDs: [], createdAt: now, updatedAt: now)
        putCollection(c)
        return c
    }

    func rename(_ id: String, to name: String) -> Collection? {
        guard var c = collectionTable[id] else { return nil }
        c.name = name
        c.updatedAt = Timestamp.now()
        putCollection(c)
        return withMembers(c)
    }

    func deleteCollection(_ id: String) -> Bool {
        guard collectionTable[id] != nil else { return false }
        collectionTable.remove(id)
        for assetID in members.removeValue(forKey: id) ?? [] {
            guard var a = assetTable[assetID] else { continue }
            a.collectionIDs.removeAll { $0 == id }
            assetTable.put(a.id, a)
        }
        return true
    }

    func change(_ id: String, assetIDs: [String], add: Bool) -> Result<Collection, ScenarioFailure> {
        guard var c = collectionTable[id] else {
            return .failure(ScenarioFailure(status: .notFound, message: "Collection \(id) not found"))
        }
        if let unknown = assetIDs.first(where: { assetTable[$0] == nil }) {
            return .failure(ScenarioFailure(status: .notFound, message: "Asset \(unknown) not found"))
        }
        for assetID in assetIDs {
            guard var a = assetTable[assetID] else { continue }
            if add {
                if !a.collectionIDs.contains(id) {
                    a.collectionIDs.append(id)
                    members[id, default: []].append(assetID)
                    assetTable.put(a.id, a)
                }
            } else if a.collectionIDs.contains(id) {
                a.collectionIDs.removeAll { $0 == id }
                members[id]?.removeAll { $0 == assetID }
                assetTable.put(a.id, a)
            }
        }
        c.updatedAt = Timestamp.now()
        putCollection(c)
        return .success(withMembers(c))
    }

    private func plant() {
        var record = plantRecord
        defer { plantRecord = record }
        record.done = true
        let now = Timestamp.now()
        var ids = Array(assetTable.ids)
        let mutated = pickIndices(plan.mutate, of: ids.count, using: &random)
        for i in mutated {
            guard var a = assetTable[ids[i]] else { continue }
            record.mutate.append(a.name)
            a.name += " [planted]"
            a.updatedAt = now
            assetTable.put(a.id, a)
        }
        let duplicated = pickIndices(plan.duplicate, of: ids.count, using: &random)
        for i in duplicated {
            guard var copy = assetTable[ids[i]] else { continue }
            copy.id = ScenarioStore.newID("asset_")
            assetTable.put(copy.id, copy)
            for cid in copy.collectionIDs where collectionTable[cid] != nil {
                members[cid, default: []].append(copy.id)
            }
            record.duplicate.append(copy.name)
        }
        ids = Array(assetTable.ids)
        let dropped = pickIndices(plan.drop, of: ids.count, using: &random, excluding: Set(mutated + duplicated))
        for i in dropped.sorted(by: >) {
            guard let asset = assetTable[ids[i]] else { continue }
            assetTable.remove(asset.id)
            for cid in asset.collectionIDs { members[cid]?.removeAll { $0 == asset.id } }
            record.drop.append(asset.name)
        }
        for n in 0..<plan.extra {
            let name = "PLANTED-EXTRA-\(n + 1)"
            let asset = Asset(
                id: ScenarioStore.newID("asset_"), name: name, mimeType: "image/png", size: 0, collectionIDs: [],
                createdAt: now, updatedAt: now)
            assetTable.put(asset.id, asset)
            record.extra.append(name)
        }
    }
}

struct ScenarioFailure: Error {
    let status: HTTPResponse.Status
    let message: String
}

enum ScenarioRoutes {
    static func assetJSON(_ a: ScenarioStore.Asset) -> JSONValue {
        [
            "id": .string(a.id), "name": .string(a.name), "kind": "image", "mimeType": .string(a.mimeType),
            "size": .int(a.size), "collectionIds": .array(a.collectionIDs.map { .string($0) }),
            "ownerId": .string(ScenarioStore.ownerID), "status": "success", "hide": false,
            "url": .string("https://sandbox.invalid/scenario/\(a.id)"),
            "createdAt": .string(Timestamp.iso(a.createdAt)), "updatedAt": .string(Timestamp.iso(a.updatedAt)),
        ]
    }

    static func collectionJSON(_ c: ScenarioStore.Collection) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(c.id)), ("name", .string(c.name)), ("assetCount", .int(c.assetIDs.count)),
            ("modelCount", 0), ("itemCount", .int(c.assetIDs.count)), ("ownerId", .string(ScenarioStore.ownerID)),
            ("createdAt", .string(Timestamp.iso(c.createdAt))), ("updatedAt", .string(Timestamp.iso(c.updatedAt))),
        ]
        if let first = c.assetIDs.first {
            pairs.append(
                ("thumbnail", ["assetId": .string(first), "url": .string("https://sandbox.invalid/scenario/\(first)")]))
        }
        return .obj(pairs)
    }

    static func mimeType(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(Array("GIF8".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if starts(Array("ftypavif".utf8), at: 4) { return "image/avif" }
        if starts(Array("ftypheic".utf8), at: 4) || starts(Array("ftypmif1".utf8), at: 4) { return "image/heic" }
        let head = String(decoding: bytes.prefix(256), as: UTF8.self).lowercased()
        if head.contains("<svg") { return "image/svg+xml" }
        return nil
    }

    /// An opaque page token for `offset` and its reading.
    static func token(_ offset: Int) -> String { "pt_" + Data(String(offset).utf8).base64EncodedString() }
    static func offset(_ token: String) -> Int? {
        guard token.hasPrefix("pt_"), let data = Data(base64Encoded: String(token.dropFirst(3))) else { return nil }
        return Int(String(decoding: data, as: UTF8.self)).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func register(
        on router: Router<SandboxRequestContext>, store: ScenarioStore, runtime: ServiceRuntime,
        settings: SandboxSettings
    ) {
        let expected =
            "Basic "
            + Data("\(SandboxCredentials.scenarioKey):\(SandboxCredentials.scenarioSecret)".utf8)
            .base64EncodedString()
        let api = router.group("scenario/v1").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))
            .add(
                middleware: AuthMiddleware { request in
                    guard request.headers[.authorization] == expected else {
                        return .denied(
                            Reply.scenarioError(
                                .unauthorized, "Invalid credentials: send HTTP Basic auth with your API key and secret",
                                headers: [.wwwAuthenticate: "Basic"]))
                    }
                    return .accepted(key: expected)
                }
            )
            .add(
                middleware: RateLimitMiddleware(runtime: runtime) { key in
                    guard let wait = await store.admit(key: key) else { return .admitted(headers: [:]) }
                    return .limited(
                        Reply.scenarioError(.tooManyRequests, "Too many requests", headers: retryAfterHeader(wait)))
                })

        @Sendable func page<T>(_ items: [T], _ request: Request, defaultSize: Int) -> Result<
            ([T], String?), ScenarioFailure
        > {
            let query = Query(request)
            let size = query["pageSize"].map { Int($0) ?? -1 } ?? defaultSize
            guard (1...100).contains(size) else {
                return .failure(
                    ScenarioFailure(status: .badRequest, message: "pageSize must be an integer from 1 to 100"))
            }
            var start = 0
            if let t = query["paginationToken"] {
                guard let o = offset(t) else {
                    return .failure(ScenarioFailure(status: .badRequest, message: "paginationToken is not valid"))
                }
                start = o
            }
            let slice = Array(items.dropFirst(start).prefix(size))
            let next = start + size < items.count ? token(start + size) : nil
            return .success((slice, next))
        }

        @Sendable func json(_ request: Request, _ context: SandboxRequestContext) async throws -> JSONValue? {
            let bytes = try await readBody(request, context: context)
            guard let value = JSONValue.decoded(bytes), case .object = value else { return nil }
            return value
        }

        api.post("assets") { request, context -> Response in
            guard let body = try await json(request, context) else {
                return Reply.scenarioError(.badRequest, "The body must be a JSON object with image and name")
            }
            guard let name = body["name"]?.stringValue, !name.isEmpty else {
                return Reply.scenarioError(.badRequest, "name is required")
            }
            guard var image = body["image"]?.stringValue, !image.isEmpty else {
                return Reply.scenarioError(.badRequest, "image is required (base64)")
            }
            if image.hasPrefix("data:"), let comma = image.firstIndex(of: ",") {
                image = String(image[image.index(after: comma)...])
            }
            guard let data = Data(base64Encoded: image, options: .ignoreUnknownCharacters), !data.isEmpty else {
                return Reply.scenarioError(.badRequest, "image is not valid base64")
            }
            if data.count >= settings.scenarioMaxImageBytes {
                return Reply.scenarioError(
                    .contentTooLarge, "image is \(data.count) bytes; images of 6 MB or more must use /v1/uploads")
            }
            guard let mime = mimeType(Array(data.prefix(64))) else {
                return Reply.scenarioError(
                    .badRequest,
                    "image format not supported; expected jpeg, png, gif, svg+xml, webp, avif, tiff or heic")
            }
            let collectionIDs = (body["collectionIds"]?.arrayValue ?? []).compactMap(\.stringValue)
            let now = Timestamp.now()
            let asset = ScenarioStore.Asset(
                id: ScenarioStore.newID("asset_"), name: name, mimeType: mime, size: data.count,
                collectionIDs: collectionIDs, createdAt: now, updatedAt: now)
            switch await store.addAsset(asset) {
            case .failure(let f): return Reply.scenarioError(f.status, f.message)
            case .success(let a): return Reply.json(.ok, ["asset": assetJSON(a)])
            }
        }

        api.get("assets") { request, _ -> Response in
            switch page(await store.assets(plantIfDue: true), request, defaultSize: 50) {
            case .failure(let f): return Reply.scenarioError(f.status, f.message)
            case .success(let (items, next)):
                var pairs: [(String, JSONValue)] = [("assets", .array(items.map(assetJSON)))]
                if let next { pairs.append(("nextPaginationToken", .string(next))) }
                return Reply.json(.ok, .obj(pairs))
            }
        }

        api.get("assets/:id") { request, context -> Response in
            guard let a = await store.asset(context.parameters.get("id") ?? "") else {
                return Reply.scenarioError(.notFound, "Asset not found")
            }
            return Reply.json(.ok, ["asset": assetJSON(a)])
        }

        api.get("collections") { request, _ -> Response in
            switch page(await store.collections(), request, defaultSize: 10) {
            case .failure(let f): return Reply.scenarioError(f.status, f.message)
            case .success(let (items, next)):
                var pairs: [(String, JSONValue)] = [("collections", .array(items.map(collectionJSON)))]
                if let next { pairs.append(("nextPaginationToken", .string(next))) }
                return Reply.json(.ok, .obj(pairs))
            }
        }

        api.post("collections") { request, context -> Response in
            guard let name = try await json(request, context)?["name"]?.stringValue, !name.isEmpty else {
                return Reply.scenarioError(.badRequest, "name is required")
            }
            return Reply.json(.ok, ["collection": collectionJSON(await store.createCollection(name: name))])
        }

        api.get("collections/:id") { request, context -> Response in
            guard let c = await store.collection(context.parameters.get("id") ?? "") else {
                return Reply.scenarioError(.notFound, "Collection not found")
            }
            return Reply.json(.ok, ["collection": collectionJSON(c)])
        }

        api.put("collections/:id") { request, context -> Response in
            guard let name = try await json(request, context)?["name"]?.stringValue, !name.isEmpty else {
                return Reply.scenarioError(.badRequest, "name is required")
            }
            guard let c = await store.rename(context.parameters.get("id") ?? "", to: name) else {
                return Reply.scenarioError(.notFound, "Collection not found")
            }
            return Reply.json(.ok, ["collection": collectionJSON(c)])
        }

        api.delete("collections/:id") { request, context -> Response in
            guard await store.deleteCollection(context.parameters.get("id") ?? "") else {
                return Reply.scenarioError(.notFound, "Collection not found")
            }
            return Reply.json(.ok, [:])
        }

        @Sendable func changeAssets(_ request: Request, _ context: SandboxRequestContext, add: Bool) async throws
            -> Response
        {
            guard let ids = try await json(request, context)?["assetIds"]?.arrayValue?.compactMap(\.stringValue),
                !ids.isEmpty
            else {
                return Reply.scenarioError(.badRequest, "assetIds is required: an array of asset ids")
            }
            guard ids.count <= 49 else {
                return Reply.scenarioError(.badRequest, "assetIds has \(ids.count) ids; at most 49 per call")
            }
            switch await store.change(context.parameters.get("id") ?? "", assetIDs: ids, add: add) {
            case .failure(let f): return Reply.scenarioError(f.status, f.message)
            case .success(let c): return Reply.json(.ok, ["collection": collectionJSON(c)])
            }
        }
        api.put("collections/:id/assets") { request, context in try await changeAssets(request, context, add: true) }
        api.delete("collections/:id/assets") { request, context in try await changeAssets(request, context, add: false)
        }
    }
}
