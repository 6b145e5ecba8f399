import Foundation
import OrderedJSON

/// A client of Wickson (API-CONTRACTS §4): each product is uploaded as one JSON document,
/// `POST /v1/media` multipart with the file `<key>.json` (the normalised record's JSON text) and the
/// form field `collection_id` = the pipeline's collection.
///
/// - Auth: `X-Api-Key` through ``ServiceSession/setAuth(_:)``.
/// - The collection is implicit: it exists once it holds a file (doc); ``prepare(state:)`` only checks
///   the key with `GET /v1/media/collections`.
/// - Safe retries: the same record gives the same bytes, and so the same checksum. A create sent
///   again after a lost answer gets `409 DUPLICATE_MEDIA` (sandbox; the contract documents
///   `force_overwrite` for a matching checksum); the client then finds the file by name, or sends it
///   once more with `force_overwrite=true`, which keeps its `media_id`.
/// - What comes back: the listing gives only `file_info.filename` and a summary (the original file is
///   not stored), so the export recovers the key from the file name and nothing else.
public final class WicksonClient: ServiceClient {
    /// The service.
    public let service = TargetService.wickson
    /// One file per request (found: docs.wickson.ai media upload).
    public let batchSize = 1
    /// False. `force_overwrite` only replaces a file whose checksum matches, i.e. the same content
    /// (found: docs.wickson.ai media upload), and the contract has no replace or delete call, so a
    /// changed record cannot replace the file that holds its earlier version.
    public let canUpdate = TargetDefinition.wickson.capabilities.contains(.update)

    private let session: ServiceSession
    private let collection: String
    private let keyField: String

    /// Creates a client.
    /// - Parameters:
    ///   - session: The session to the service's origin (e.g. `https://api.wickson.ai`).
    ///   - stage: The upload stage: the `api_key` credential and the `collection` (default `default`).
    /// - Throws: ``ConfigError`` (exit 2) when the API key is missing.
    public init(session: ServiceSession, stage: UploadStage) throws {
        let key = try ClientKit.credential(stage, "api_key", example: "api_key: ${WICKSON_API_KEY}")
        self.session = session
        let named = stage.collection?.trimmingCharacters(in: .whitespaces) ?? ""
        collection = named.isEmpty ? "default" : named
        keyField = TargetRuleSet.wicksonMedia.keyField
        session.setAuth([("X-Api-Key", key)])
        // A 429 carries `X-RateLimit-Reset`, the unix time in seconds the window resets at (found:
        // docs.wickson.ai/getting-started/rate-limits); it is honoured when `Retry-After` is absent.
        session.rateLimitResetHeader = Self.rateLimitResetHeader
    }

    /// The header Wickson's 429 names the window's reset in (unix seconds).
    public static let rateLimitResetHeader = "X-RateLimit-Reset"

    /// The collection the files go to.
    public var state: [String: String] { ["collection_id": collection] }

    /// Checks the key with `GET /v1/media/collections` (collections themselves are implicit).
    /// - Throws: ``RemoteError/fatal(_:)`` when the key is refused.
    public func prepare(state: [String: String]) async throws {
        _ = try await collectionsListing()
    }

    /// Checks the key and reads the first page of the collection's media (collections are implicit:
    /// one exists once a file is in it).
    public func probe() async throws -> CollectionProbe {
        _ = try await collectionsListing()
        let query = ClientKit.query([("collection", collection), ("page", "1"), ("page_size", "100")])
        let response = try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url("/v1/media" + query)), idempotent: true)
        guard response.status == 200, let data = response.json?["data"] else {
            throw failure("GET /v1/media", response)
        }
        let items = data["items"]?.arrayValue ?? []
        let total = data["pagination"]?["total_items"]?.integerValue
        return CollectionProbe(
            collection: "collection \"\(collection)\"", exists: !items.isEmpty, itemsOnFirstPage: items.count,
            reportedCount: total)
    }

    /// Uploads each item as `<key>.json`, one request per item.
    /// - Throws: ``RemoteError``: `.ambiguous` when an answer was lost.
    public func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        var results: [String: ItemResult] = [:]
        for item in items { results[item.key] = try await upload(item) }
        return results
    }

    /// Not offered: see ``canUpdate``.
    public func update(_ item: SendItem, remoteID: String) async throws -> ItemResult {
        .rejected(
            "Wickson: a file cannot be replaced by a changed one (force_overwrite needs the same checksum); \(remoteID) keeps its first version"
        )
    }

    /// The media ids of the files `<key>.json` in the collection.
    public func find(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let wanted = Set(keys)
        var found: [String: String] = [:]
        for item in try await listMedia() {
            guard let key = Self.key(of: item), wanted.contains(key), found[key] == nil,
                let id = item["id"]?.textValue
            else { continue }
            found[key] = id
        }
        return found
    }

    /// Nothing to do: uploads are processed synchronously (found: the answer carries the analysis).
    public func finish() async throws {}

    /// Lists the collection's media (100 a page) and saves them as `export-wickson.json`; the
    /// reported count is the collection's `item_count` from `GET /v1/media/collections`.
    public func export(into directory: String) async throws -> RemoteSnapshot {
        let media = try await listMedia()
        let path = try ClientKit.saveExport(media, directory: directory, name: "export-wickson.json")
        let items = media.map { item -> RemoteItem in
            let key = Self.key(of: item)
            return RemoteItem(
                key: key, remoteID: item["id"]?.textValue ?? "",
                fields: key.map { [keyField: JSONValue.string($0)] } ?? [:])
        }
        let listing = try await collectionsListing()
        let details = listing["collection_details"]?[collection]
        // Empty collections may not be listed (doc), so an unlisted collection counts 0.
        let reported =
            details?["item_count"]?.integerValue
            ?? ((listing["collections"]?.arrayValue ?? []).contains(.string(collection)) ? nil : 0)
        return RemoteSnapshot(
            items: items, reportedCount: reported, reportedCountName: "item_count", savedFiles: [path])
    }

    // MARK: Requests

    private func failure(_ what: String, _ response: HTTPResult) -> RemoteError {
        let text = session.redactor.redact("Wickson \(what): \(ClientKit.message(response, session))")
        if response.status == 403 { return .fatal(text + "; the API key needs write and read capability") }
        return .failed(text)
    }

    /// The file name of an item: its key and `.json`.
    static func filename(for key: String) -> String { key + ".json" }

    /// The key a listed file stands for: its name without the last extension.
    static func key(of item: JSONValue) -> String? {
        guard let name = item["file_info"]?["filename"]?.textValue ?? item["filename"]?.textValue, !name.isEmpty
        else { return nil }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    private func upload(_ item: SendItem, force: Bool = false) async throws -> ItemResult {
        var parts: [(name: String, filename: String?, contentType: String?, data: [UInt8])] = [
            ("file", Self.filename(for: item.key), "application/json", Array(item.record.jsonText.utf8)),
            ("collection_id", nil, nil, Array(collection.utf8)),
        ]
        if force { parts.append(("force_overwrite", nil, nil, Array("true".utf8))) }
        let (contentType, body) = FormEncoding.multipart(parts)
        let request = HTTPRequestSpec(
            method: "POST", url: session.url("/v1/media"), headers: [("Content-Type", contentType)], body: body)
        let response = try await session.send(request, idempotent: false, upload: true)
        switch response.status {
        case 200, 201:
            guard let id = response.json?["data"]?["media_id"]?.textValue else {
                throw RemoteError.ambiguous(
                    "Wickson POST /v1/media: 200 without data.media_id for \(item.key)", retryAfter: nil)
            }
            return .done(remoteID: id)
        case 409 where !force:
            // The same bytes are already in the collection: ours, from a request whose answer was lost.
            if let id = try await find(keys: [item.key])[item.key] { return .done(remoteID: id) }
            return try await upload(item, force: true)
        case 400, 413, 415, 422:
            return .rejected("Wickson refused \(Self.filename(for: item.key)): \(ClientKit.message(response, session))")
        default:
            throw failure("POST /v1/media (\(Self.filename(for: item.key)))", response)
        }
    }

    /// Every media item of the collection, 100 a page.
    private func listMedia() async throws -> [JSONValue] {
        var media: [JSONValue] = []
        var page = 1
        while true {
            let query = ClientKit.query([
                ("collection", collection), ("page", String(page)), ("page_size", "100"),
            ])
            let request = HTTPRequestSpec(method: "GET", url: session.url("/v1/media" + query))
            let response = try await session.send(request, idempotent: true)
            guard response.status == 200, let data = response.json?["data"] else {
                throw failure("GET /v1/media", response)
            }
            let items = data["items"]?.arrayValue ?? []
            media += items
            let pages = data["pagination"]?["total_pages"]?.integerValue ?? page
            if items.isEmpty || page >= pages || page >= 100_000 { return media }
            page += 1
        }
    }

    /// The `data` of `GET /v1/media/collections`.
    private func collectionsListing() async throws -> JSONValue {
        let request = HTTPRequestSpec(method: "GET", url: session.url("/v1/media/collections"))
        let response = try await session.send(request, idempotent: true)
        guard response.status == 200, let data = response.json?["data"] else {
            throw failure("GET /v1/media/collections", response)
        }
        return data
    }
}
