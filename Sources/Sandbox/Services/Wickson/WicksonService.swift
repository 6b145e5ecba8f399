import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

/// The Wickson stand-in: `POST /v1/media` (one file, optional `collection_id`), `GET /v1/media`,
/// `GET /v1/media/collections`, with 1,000 requests per rolling hour per key and `X-RateLimit-*` headers.
///
/// Choices where the pages are silent: the media type comes from the file name's extension (image:
/// jpg jpeg png gif webp avif tiff; video: mp4 mov webm; audio: mp3 wav m4a; model: glb gltf obj;
/// document: pdf txt csv json md docx xlsx html), others answer 415 `UNSUPPORTED_MEDIA_TYPE`; a file
/// whose checksum is already in the same collection answers 409 `DUPLICATE_MEDIA` unless
/// `force_overwrite` is true, which replaces it and keeps its `media_id`; `collection_id` must match
/// `[A-Za-z0-9_-]{1,64}`. The duplicate key for stats is the file name.
actor WicksonStore: ServiceStore {
    struct Media: Codable, Sendable {
        var id: String
        var mediaType: String
        var filename: String
        var size: Int
        var checksum: String
        var collection: String
        var createdAt: Double
    }

    private var media: StateTable<Media>
    private var collectionsCreated: StateTable<Double>
    private var plantTable: StateTable<PlantRecord>
    /// Media id by collection and checksum.
    private var byChecksum: [String: String] = [:]
    /// Media held per collection.
    private var counts: [String: Int] = [:]
    private let plan: PlantSpec.Counts
    private var random: SeededGenerator
    private var limiter: RateWindow

    init(settings: SandboxSettings, plan: PlantSpec.Counts, seed: UInt64, folder: StateFolder?) throws {
        self.plan = plan
        self.random = SeededGenerator(seed: seed, stream: "plant:wickson")
        self.limiter = RateWindow(limit: settings.wicksonRequestsPerHour, window: 3600)
        media = try StateTable("media", folder: folder)
        collectionsCreated = try StateTable("collections", folder: folder)
        plantTable = try StateTable("plant", folder: folder)
        if collectionsCreated["default"] == nil { collectionsCreated.put("default", Timestamp.now()) }
        for m in media.values {
            byChecksum[m.collection + "\u{0}" + m.checksum] = byChecksum[m.collection + "\u{0}" + m.checksum] ?? m.id
            counts[m.collection, default: 0] += 1
        }
    }

    private var plantRecord: PlantRecord {
        get { plantTable["plant"] ?? PlantRecord() }
        set { plantTable.put("plant", newValue) }
    }

    private func add(_ m: Media) {
        media.put(m.id, m)
        let key = m.collection + "\u{0}" + m.checksum
        if byChecksum[key] == nil { byChecksum[key] = m.id }
        counts[m.collection, default: 0] += 1
    }

    private func remove(_ m: Media) {
        media.remove(m.id)
        let key = m.collection + "\u{0}" + m.checksum
        if byChecksum[key] == m.id {
            byChecksum[key] = media.values.first { $0.collection == m.collection && $0.checksum == m.checksum }?.id
        }
        counts[m.collection, default: 1] -= 1
    }

    func itemCount() -> Int { media.count }
    func duplicateKeyCount() -> Int { duplicateCount(media.values.lazy.map(\.filename)) }
    func plantedReport() -> JSONValue { plantRecord.json }

    /// Admits a request; returns the wait if limited, the remaining count and the reset time (unix seconds).
    func admit(key: String) -> (wait: Double?, remaining: Int, reset: Int) {
        let now = Timestamp.monotonic()
        let wait = limiter.admit(key, now: now)
        let usage = limiter.usage(key, now: now)
        let reset = Int((Timestamp.now() + (usage.resetAt - now)).rounded(.up))
        return (wait, max(0, limiter.limit - usage.count), reset)
    }

    enum UploadOutcome {
        case created(Media)
        case duplicate(Media)
    }

    func upload(_ new: Media, force: Bool) -> UploadOutcome {
        if let id = byChecksum[new.collection + "\u{0}" + new.checksum], let held = media[id] {
            guard force else { return .duplicate(held) }
            var replaced = new
            replaced.id = held.id
            media.put(held.id, replaced)
            return .created(replaced)
        }
        if collectionsCreated[new.collection] == nil { collectionsCreated.put(new.collection, new.createdAt) }
        add(new)
        return .created(new)
    }

    func collections() -> [(String, Int, Double)] {
        var created: [(name: String, at: Double)] = []
        for name in collectionsCreated.ids where name == "default" || (counts[name] ?? 0) > 0 {
            if let at = collectionsCreated[name] { created.append((name, at)) }
        }
        created.sort { $0.at == $1.at ? $0.name < $1.name : $0.at < $1.at }
        return created.map { ($0.name, counts[$0.name] ?? 0, $0.at) }
    }

    func list(plantIfDue: Bool) -> [Media] {
        if plantIfDue && !plan.isEmpty && !plantRecord.done && media.count > 0 { plant() }
        return Array(media.values)
    }

    private func plant() {
        var record = plantRecord
        defer { plantRecord = record }
        record.done = true
        let now = Timestamp.now()
        var ids = Array(media.ids)
        let mutated = pickIndices(plan.mutate, of: ids.count, using: &random)
        for i in mutated {
            guard var m = media[ids[i]] else { continue }
            record.mutate.append(m.filename)
            m.filename = "planted-" + m.filename
            media.put(m.id, m)
        }
        let duplicated = pickIndices(plan.duplicate, of: ids.count, using: &random)
        for i in duplicated {
            guard var copy = media[ids[i]] else { continue }
            copy.id = String(copy.id.prefix(4)) + randomHex(16)
            add(copy)
            record.duplicate.append(copy.filename)
        }
        ids = Array(media.ids)
        let dropped = pickIndices(plan.drop, of: ids.count, using: &random, excluding: Set(mutated + duplicated))
        for i in dropped.sorted(by: >) {
            guard let m = media[ids[i]] else { continue }
            record.drop.append(m.filename)
            remove(m)
        }
        let collection = media.values.first { _ in true }?.collection ?? "default"
        for n in 0..<plan.extra {
            let name = "PLANTED-EXTRA-\(n + 1).jpg"
            add(
                Media(
                    id: "img_" + randomHex(16), mediaType: "image", filename: name, size: 0, checksum: randomHex(16),
                    collection: collection, createdAt: now))
            record.extra.append(name)
        }
    }
}

enum WicksonRoutes {
    static let types: [String: (String, String)] = [
        "jpg": ("image", "image/jpeg"), "jpeg": ("image", "image/jpeg"), "png": ("image", "image/png"),
        "gif": ("image", "image/gif"), "webp": ("image", "image/webp"), "avif": ("image", "image/avif"),
        "tiff": ("image", "image/tiff"), "mp4": ("video", "video/mp4"), "mov": ("video", "video/quicktime"),
        "webm": ("video", "video/webm"), "mp3": ("audio", "audio/mpeg"), "wav": ("audio", "audio/wav"),
        "m4a": ("audio", "audio/mp4"), "glb": ("model", "model/gltf-binary"), "gltf": ("model", "model/gltf+json"),
        "obj": ("model", "model/obj"), "pdf": ("document", "application/pdf"), "txt": ("document", "text/plain"),
        "csv": ("document", "text/csv"), "json": ("document", "application/json"), "md": ("document", "text/markdown"),
        "docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "html": ("document", "text/html"),
    ]
    static let prefixes = ["image": "img_", "video": "vid_", "audio": "aud_", "model": "mdl_", "document": "doc_"]

    static func checksum(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var g: UInt64 = 0x8422_2325_cbf2_9ce4
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
            g = (g &+ UInt64(b)) &* 0x9e37_79b9_7f4a_7c15
        }
        return String(h, radix: 16) + String(g, radix: 16)
    }

    static func register(
        on router: Router<SandboxRequestContext>, store: WicksonStore, runtime: ServiceRuntime,
        settings: SandboxSettings
    ) {
        // The key, then the hourly window; the rate-limit headers go on every answer past the key check.
        let api = router.group("wickson/v1").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))
            .add(
                middleware: AuthMiddleware { request in
                    guard let key = request.headers[.xApiKey], key == SandboxCredentials.wicksonKey else {
                        return .denied(
                            Reply.wicksonError(.unauthorized, "Invalid or missing API key", code: "INVALID_API_KEY"))
                    }
                    return .accepted(key: key)
                }
            )
            .add(
                middleware: RateLimitMiddleware(runtime: runtime) { key in
                    let (wait, remaining, reset) = await store.admit(key: key)
                    var headers: HTTPFields = [
                        .xRateLimitLimit: String(settings.wicksonRequestsPerHour),
                        .xRateLimitRemaining: String(remaining), .xRateLimitReset: String(reset),
                    ]
                    guard let wait else { return .admitted(headers: headers) }
                    headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
                    return .limited(
                        Reply.wicksonError(
                            .tooManyRequests,
                            "Rate limit exceeded: \(settings.wicksonRequestsPerHour) requests per hour",
                            code: "RATE_LIMIT_EXCEEDED", headers: headers))
                })
        let meta: JSONValue = ["api_version": "1.0.0"]

        api.post("media") { request, context -> Response in
            let body = try await readBody(request, context: context)
            guard let boundary = Multipart.boundary(contentType: request.headers[.contentType]),
                let parts = Multipart.parse(body, boundary: boundary)
            else {
                return Reply.wicksonError(
                    .badRequest, "The request must be multipart/form-data with one file", code: "INVALID_REQUEST")
            }
            let files = parts.filter { $0.name == "file" }
            guard files.count == 1, let file = files.first else {
                return Reply.wicksonError(
                    .badRequest, "Exactly one file field is required, got \(files.count)", code: "INVALID_REQUEST")
            }
            let filename = file.filename ?? "upload"
            let ext = filename.split(separator: ".").last.map { $0.lowercased() } ?? ""
            guard let (mediaType, mime) = types[ext] else {
                return Reply.wicksonError(
                    .unsupportedMediaType, "Unsupported file type \".\(ext)\"", code: "UNSUPPORTED_MEDIA_TYPE")
            }
            if file.data.count > settings.wicksonMaxFileBytes {
                return Reply.wicksonError(
                    .contentTooLarge, "The file is larger than \(settings.wicksonMaxFileBytes) bytes",
                    code: "FILE_TOO_LARGE")
            }
            let collection = parts.first(where: { $0.name == "collection_id" })?.text ?? "default"
            let valid =
                !collection.isEmpty && collection.count <= 64
                && collection.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard valid else {
                return Reply.wicksonError(
                    .badRequest, "collection_id \"\(collection)\" must be 1-64 letters, digits, _ or -",
                    code: "INVALID_PARAMETER")
            }
            let forceText =
                parts.first(where: { $0.name == "force_overwrite" })?.text ?? Query(request)["force_overwrite"]
            let force = ["true", "1", "yes"].contains((forceText ?? "").lowercased())
            let media = WicksonStore.Media(
                id: (prefixes[mediaType] ?? "med_") + randomHex(16), mediaType: mediaType, filename: filename,
                size: file.data.count, checksum: checksum(file.data), collection: collection,
                createdAt: Timestamp.now())
            switch await store.upload(media, force: force) {
            case .duplicate(let existing):
                return Reply.wicksonError(
                    .conflict,
                    "A file with the same checksum is already in collection \"\(collection)\" as \(existing.id); "
                        + "send force_overwrite=true to replace it", code: "DUPLICATE_MEDIA")
            case .created(let m):
                return Reply.json(
                    .ok,
                    [
                        "success": true, "message": "Media uploaded and processed successfully",
                        "data": [
                            "media_id": .string(m.id), "media_type": .string(m.mediaType),
                            "file_details": [
                                "filename": .string(m.filename), "size_bytes": .int(m.size),
                                "mime_type": .string(mime), "checksum": .string(m.checksum),
                            ],
                            "storage_info": [
                                "collection": .string(m.collection),
                                "created_at": .string(Timestamp.iso(m.createdAt)),
                            ],
                            "balance_info": ["cost": .double(0), "remaining_balance": .double(100)],
                            "content_summary": .string("Sandbox analysis of \(m.filename)"),
                        ],
                        "metadata": meta,
                    ])
            }
        }

        api.get("media/collections") { request, _ -> Response in
            let list = await store.collections()
            return Reply.json(
                .ok,
                [
                    "success": true, "message": "Collections retrieved successfully",
                    "data": [
                        "collections": .array(list.map { .string($0.0) }),
                        "collection_details": .obj(
                            list.map {
                                (
                                    $0.0,
                                    ["item_count": .int($0.1), "created_at": .string(Timestamp.iso($0.2))] as JSONValue
                                )
                            }),
                        "total_collections": .int(list.count),
                    ],
                    "metadata": meta,
                ])
        }

        api.get("media") { request, _ -> Response in
            let query = Query(request)
            let page = query["page"].map { Int($0) ?? -1 } ?? 1
            let size = query["page_size"].map { Int($0) ?? -1 } ?? 20
            guard page >= 1 else {
                return Reply.wicksonError(.badRequest, "page must be an integer ≥ 1", code: "INVALID_PARAMETER")
            }
            guard (1...100).contains(size) else {
                return Reply.wicksonError(.badRequest, "page_size must be from 1 to 100", code: "INVALID_PARAMETER")
            }
            if let t = query["media_type"], !Set(prefixes.keys).contains(t) {
                return Reply.wicksonError(
                    .badRequest, "media_type must be one of document, image, video, audio, model",
                    code: "INVALID_PARAMETER")
            }
            var items = await store.list(plantIfDue: true)
            if let c = query["collection"] { items = items.filter { $0.collection == c } }
            if let t = query["media_type"] { items = items.filter { $0.mediaType == t } }
            let pageItems = items.dropFirst((page - 1) * size).prefix(size)
            return Reply.json(
                .ok,
                [
                    "success": true, "message": "Media retrieved successfully",
                    "data": [
                        "items": .array(
                            pageItems.map { m in
                                [
                                    "id": .string(m.id), "media_type": .string(m.mediaType),
                                    "file_info": ["filename": .string(m.filename), "size_bytes": .int(m.size)],
                                    "storage": [
                                        "created_at": .string(Timestamp.iso(m.createdAt)),
                                        "collection": .string(m.collection),
                                    ],
                                    "metadata": [
                                        "search": ["summary": .string("Sandbox analysis of \(m.filename)")]
                                    ],
                                ]
                            }),
                        "pagination": [
                            "page": .int(page), "page_size": .int(size),
                            "total_pages": .int((items.count + size - 1) / size), "total_items": .int(items.count),
                        ],
                    ],
                    "metadata": meta,
                ])
        }
    }
}
