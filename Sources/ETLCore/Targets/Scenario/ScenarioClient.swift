import Foundation
import OrderedJSON

/// A client of Scenario (API-CONTRACTS §5): each product becomes one image asset named by its key,
/// `POST /v1/assets` with the image as base64, in the pipeline's collection.
///
/// - Auth: `Authorization: Basic base64(key:secret)` through ``ServiceSession/setAuth(_:)``; the key
///   and the secret are also handed to the redactor.
/// - Collection: ``prepare(state:)`` reuses the saved `collection_id`, else finds the collection by
///   name (`GET /v1/collections`, paged), else creates it; a lost create answer is settled by listing.
/// - Attaching: each asset is created with `collectionIds: [collection]`, so it is in the collection
///   the moment it exists: there is no window between create and attach for a crash to fall in.
///   Assets adopted by ``find(keys:)`` that sit outside the collection are attached by ``finish()``
///   (`PUT /v1/collections/{id}/assets`, at most 49 ids a call), which first lists the assets, so it
///   attaches only what the collection lacks; the ids still to attach are kept in ``state``.
/// - The image: the record's `image_url` is read as a `data:` URL, a file (`file://` or an absolute
///   path) or fetched over HTTP(S) without the service's credentials. An image that cannot be read
///   rejects its item. Images of 6 MB or more need `/v1/uploads`, whose fields the contract lacks:
///   they are rejected.
public final class ScenarioClient: ServiceClient, @unchecked Sendable {
    /// Reads the bytes of an image from the record's image reference.
    public typealias ImageLoader = @Sendable (_ reference: String) async throws -> [UInt8]

    /// Most asset ids per add-to-collection call (found: docs.scenario.com collections assets).
    public static let attachLimit = 49
    /// Largest image `POST /v1/assets` takes, exclusive (found: docs.scenario.com uploading assets).
    public static let maxImageBytes = 6 * 1024 * 1024

    /// The service.
    public let service = TargetService.scenario
    /// One image per request.
    public let batchSize = 1
    /// False: the contract documents no call that replaces an asset's image.
    public let canUpdate = TargetDefinition.scenario.capabilities.contains(.update)

    private let session: ServiceSession
    private let name: String
    private let projectID: String?
    private let keyField: String
    private let imageLoader: ImageLoader?
    private let lock = NSLock()
    private var collectionID: String?
    private var toAttach: [String] = []
    private var unreachableHosts: Set<String> = []

    /// Creates a client.
    /// - Parameters:
    ///   - session: The session to the service's origin (e.g. `https://api.cloud.scenario.com`).
    ///   - stage: The upload stage: `key` and `secret` credentials, optional `project_id`, `collection`.
    ///   - imageLoader: How to read an image reference; nil reads `data:` URLs, files and HTTP(S) URLs.
    /// - Throws: ``ConfigError`` (exit 2) when the key, the secret or the collection is missing.
    public init(session: ServiceSession, stage: UploadStage, imageLoader: ImageLoader? = nil) throws {
        let key = try ClientKit.credential(stage, "key", example: "key: ${SCENARIO_API_KEY}")
        let secret = try ClientKit.credential(stage, "secret", example: "secret: ${SCENARIO_API_SECRET}")
        name = try ClientKit.collection(stage, meaning: "the asset collection's name")
        projectID = stage.credentials["project_id"].flatMap { $0.isEmpty ? nil : $0 }
        self.session = session
        self.imageLoader = imageLoader
        keyField = TargetRuleSet.scenarioAsset.keyField
        session.redactor.add(key)
        session.redactor.add(secret)
        session.setAuth([("Authorization", "Basic " + Data("\(key):\(secret)".utf8).base64EncodedString())])
    }

    /// The collection id and the asset ids still to attach.
    public var state: [String: String] {
        lock.withLock {
            var s: [String: String] = [:]
            if let collectionID { s["collection_id"] = collectionID }
            if !toAttach.isEmpty { s["attach_asset_ids"] = ClientKit.joinIDs(toAttach) }
            return s
        }
    }

    /// Reuses the saved collection, else finds it by name, else creates it.
    /// - Throws: ``RemoteError``: `.fatal` when the credentials are refused.
    public func prepare(state: [String: String]) async throws {
        let carried = ClientKit.splitIDs(state["attach_asset_ids"])
        lock.withLock { remember(carried) }
        let id: String
        if let saved = try await savedCollection(state["collection_id"]) {
            id = saved
        } else {
            id = try await findOrCreateCollection()
        }
        lock.withLock { collectionID = id }
    }

    /// Reuses the saved collection, else finds it by name; never creates one (a missing collection
    /// holds nothing).
    /// - Throws: ``RemoteError``: `.fatal` when the credentials are refused.
    public func prepareReadOnly(state: [String: String]) async throws {
        var id = try await savedCollection(state["collection_id"])
        if id == nil { id = try await findCollection()?["id"]?.textValue }
        lock.withLock { collectionID = id }
    }

    /// Finds the collection by name without creating it.
    public func probe() async throws -> CollectionProbe {
        let found = try await findCollection()
        return CollectionProbe(
            collection: "collection \"\(name)\"", exists: found != nil,
            reportedCount: found?["assetCount"]?.integerValue ?? found?["asset_count"]?.integerValue)
    }

    /// The saved collection id when the service still holds that collection; nil when none was saved
    /// or it is gone (404).
    private func savedCollection(_ saved: String?) async throws -> String? {
        guard let saved, !saved.isEmpty else { return nil }
        let path = "/v1/collections/\(FormEncoding.escape(saved))"
        let response = try await send("GET", path, nil, idempotent: true)
        if response.status == 200, response.json?["collection"]?["id"]?.textValue == saved { return saved }
        guard response.status == 404 else { throw failure("GET \(path)", response) }
        return nil
    }

    /// Creates one asset per item, already in the collection.
    /// - Throws: ``RemoteError``: `.ambiguous` when an answer was lost.
    public func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        guard let collection = lock.withLock({ collectionID }) else {
            throw RemoteError.failed("Scenario: no collection; prepare(state:) has not run or failed")
        }
        var results: [String: ItemResult] = [:]
        for item in items { results[item.key] = try await createAsset(item, collection: collection) }
        return results
    }

    /// Not offered: see ``canUpdate``.
    public func update(_ item: SendItem, remoteID: String) async throws -> ItemResult {
        .rejected(
            "Scenario: an asset's image cannot be replaced (canUpdate is false); \(remoteID) keeps its first image")
    }

    /// The ids of assets named like `keys`, preferring those already in the collection; the others
    /// are attached by ``finish()``.
    public func find(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let collection = lock.withLock { collectionID }
        let wanted = Set(keys)
        var found: [String: (id: String, attached: Bool)] = [:]
        for asset in try await listAssets() {
            guard let key = asset["name"]?.textValue, wanted.contains(key), let id = asset["id"]?.textValue
            else { continue }
            let attached = collection.map { Self.collectionIDs(of: asset).contains($0) } ?? false
            if let earlier = found[key], earlier.attached || !attached { continue }
            found[key] = (id, attached)
        }
        let outside = found.values.filter { !$0.attached }.map(\.id)
        lock.withLock { remember(outside) }
        return found.mapValues(\.id)
    }

    /// Attaches the remembered assets the collection lacks, at most 49 ids per call.
    public func finish() async throws {
        let (collection, wanted) = lock.withLock { (collectionID, toAttach) }
        guard let collection, !wanted.isEmpty else { return }
        let wantedSet = Set(wanted)
        var lacking: [String] = []
        for asset in try await listAssets() {
            guard let id = asset["id"]?.textValue, wantedSet.contains(id) else { continue }
            if !Self.collectionIDs(of: asset).contains(collection) { lacking.append(id) }
        }
        let path = "/v1/collections/\(FormEncoding.escape(collection))/assets"
        for chunk in ClientKit.chunks(lacking, of: Self.attachLimit) {
            // Adding an asset the collection already holds changes nothing, so a retry is harmless.
            let body = JSONValue.obj([("assetIds", .array(chunk.map { .string($0) }))])
            let response = try await send("PUT", path, body, idempotent: true, upload: true)
            guard (200...299).contains(response.status) else { throw failure("PUT \(path)", response) }
            lock.withLock {
                let done = Set(chunk)
                toAttach.removeAll { done.contains($0) }
            }
        }
        // Every id listed here is now attached, was already, or is no longer held: forget them all.
        lock.withLock { toAttach.removeAll { wantedSet.contains($0) } }
    }

    /// Lists the assets, keeps those in the collection and saves them as `export-scenario.json`; the
    /// reported count is the collection's `assetCount`.
    public func export(into directory: String) async throws -> RemoteSnapshot {
        var collection = lock.withLock { collectionID }
        if collection == nil { collection = try await findCollection()?["id"]?.textValue }
        guard let collection else {
            let path = try ClientKit.saveExport([], directory: directory, name: "export-scenario.json")
            return RemoteSnapshot(items: [], reportedCountName: "assetCount", savedFiles: [path])
        }
        let assets = try await listAssets().filter { Self.collectionIDs(of: $0).contains(collection) }
        let path = try ClientKit.saveExport(assets, directory: directory, name: "export-scenario.json")
        let items = assets.map { asset -> RemoteItem in
            let key = asset["name"]?.textValue
            return RemoteItem(
                key: key, remoteID: asset["id"]?.textValue ?? "",
                fields: key.map { [keyField: JSONValue.string($0)] } ?? [:])
        }
        let response = try await send(
            "GET", "/v1/collections/\(FormEncoding.escape(collection))", nil, idempotent: true)
        guard response.status == 200 else { throw failure("GET /v1/collections/\(collection)", response) }
        let reported = response.json?["collection"]?["assetCount"]?.integerValue
        return RemoteSnapshot(
            items: items, reportedCount: reported, reportedCountName: "assetCount", savedFiles: [path])
    }

    // MARK: Requests

    private func send(_ method: String, _ path: String, _ body: JSONValue?, idempotent: Bool, upload: Bool = false)
        async throws -> HTTPResult
    {
        let request =
            body.map { HTTPRequestSpec.json(method, session.url(path), $0) }
            ?? HTTPRequestSpec(method: method, url: session.url(path))
        return try await session.send(request, idempotent: idempotent, upload: upload)
    }

    private func failure(_ what: String, _ response: HTTPResult) -> RemoteError {
        let text = session.redactor.redact("Scenario \(what): \(ClientKit.message(response, session))")
        if response.status == 403 { return .fatal(text + "; check the API key's permissions and project") }
        return .failed(text)
    }

    /// Adds ids to the attach list (call under the lock).
    private func remember(_ ids: [String]) {
        var known = Set(toAttach)
        for id in ids where known.insert(id).inserted { toAttach.append(id) }
    }

    static func collectionIDs(of asset: JSONValue) -> [String] {
        (asset["collectionIds"]?.arrayValue ?? []).compactMap(\.textValue)
    }

    /// Every item of a `paginationToken`-paged listing.
    private func listAll(_ path: String, member: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var token: String? = nil
        var seen = Set<String>()
        repeat {
            var query = [("pageSize", "100")]
            if let token { query.append(("paginationToken", token)) }
            let response = try await send("GET", path + ClientKit.query(query), nil, idempotent: true)
            guard response.status == 200, let json = response.json else { throw failure("GET \(path)", response) }
            let page = json[member]?.arrayValue ?? []
            items += page
            token = page.isEmpty ? nil : json["nextPaginationToken"]?.textValue
            if let t = token, !seen.insert(t).inserted { token = nil }
        } while token != nil
        return items
    }

    private func listAssets() async throws -> [JSONValue] { try await listAll("/v1/assets", member: "assets") }

    /// The oldest collection with our name.
    private func findCollection() async throws -> JSONValue? {
        try await listAll("/v1/collections", member: "collections").filter { $0["name"]?.textValue == name }
            .min { ($0["createdAt"]?.textValue ?? "") < ($1["createdAt"]?.textValue ?? "") }
    }

    /// Finds the collection by name, else creates it; a lost create answer is settled by listing again.
    private func findOrCreateCollection() async throws -> String {
        for _ in 0..<3 {
            if let id = try await findCollection()?["id"]?.textValue { return id }
            let body = JSONValue.obj([("name", .string(name))])
            do {
                let response = try await send("POST", "/v1/collections", body, idempotent: false, upload: true)
                guard (200...201).contains(response.status),
                    let id = response.json?["collection"]?["id"]?.textValue ?? response.json?["id"]?.textValue
                else { throw failure("POST /v1/collections", response) }
                return id
            } catch RemoteError.ambiguous {
                continue
            }
        }
        if let id = try await findCollection()?["id"]?.textValue { return id }
        throw RemoteError.failed(
            "Scenario POST /v1/collections: no answer after 3 tries; the collection \"\(name)\" is not there")
    }

    private func createAsset(_ item: SendItem, collection: String) async throws -> ItemResult {
        let reference = item.text("image_url") ?? item.text("image")
        guard let reference else { return .rejected("Scenario: the record has no image_url; an asset needs an image") }
        let image: [UInt8]
        do {
            image = try await loadImage(reference)
        } catch let e as ImageError {
            return .rejected("Scenario: image_url \"\(reference)\": \(e.message)")
        }
        guard image.count < Self.maxImageBytes else {
            return .rejected(
                "Scenario: image_url \"\(reference)\" is \(image.count) bytes; images of 6 MB or more need /v1/uploads, which catalog-etl does not speak"
            )
        }
        let body = JSONValue.obj([
            ("image", .string(Data(image).base64EncodedString())), ("name", .string(item.key)),
            ("collectionIds", .array([.string(collection)])),
        ])
        let path = "/v1/assets" + ClientKit.query(projectID.map { [("projectId", $0)] } ?? [])
        let response = try await send("POST", path, body, idempotent: false, upload: true)
        switch response.status {
        case 200, 201:
            let asset = response.json?["asset"]
            guard let id = asset?["id"]?.textValue ?? response.json?["assetId"]?.textValue else {
                throw RemoteError.ambiguous(
                    "Scenario POST /v1/assets: 200 without an asset id for \(item.key)", retryAfter: nil)
            }
            if let asset, !Self.collectionIDs(of: asset).contains(collection) { lock.withLock { remember([id]) } }
            return .done(remoteID: id)
        case 400, 413, 415, 422:
            return .rejected("Scenario refused the asset \"\(item.key)\": \(ClientKit.message(response, session))")
        case 404:
            lock.withLock { collectionID = nil }
            throw RemoteError.failed(
                session.redactor.redact(
                    "Scenario POST /v1/assets: \(ClientKit.message(response, session)); the collection \(collection) is gone, run again to create it"
                ))
        default:
            throw failure("POST /v1/assets (\(item.key))", response)
        }
    }

    // MARK: Images

    /// Why an image could not be read.
    struct ImageError: Error {
        let message: String
    }

    private func loadImage(_ reference: String) async throws -> [UInt8] {
        if let imageLoader {
            do {
                return try await imageLoader(reference)
            } catch let e as ImageError {
                throw e
            } catch is CancellationError {
                throw CancellationError()
            } catch let e as RunInterrupted {
                throw e
            } catch {
                throw ImageError(message: String(describing: error))
            }
        }
        if reference.hasPrefix("data:") { return try Self.dataURL(reference) }
        if reference.hasPrefix("file://") || reference.hasPrefix("/") {
            let path = reference.hasPrefix("file://") ? (URL(string: reference)?.path ?? "") : reference
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ImageError(message: "cannot read the file \"\(path)\"")
            }
            return Array(data)
        }
        guard let url = URL(string: reference), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host?.lowercased()
        else {
            throw ImageError(message: "not a data: URL, a file or an http(s) URL")
        }
        // RFC 2606/6761 reserved names never resolve: fail at once instead of retrying DNS.
        if ["example", "invalid", "test"].contains(where: { host == $0 || host.hasSuffix("." + $0) })
            || ["example.com", "example.net", "example.org"].contains(where: { host == $0 || host.hasSuffix("." + $0) })
        {
            throw ImageError(message: "the host \(host) is a reserved example name and cannot be fetched")
        }
        if lock.withLock({ unreachableHosts.contains(host) }) {
            throw ImageError(message: "the host \(host) could not be reached earlier in this run")
        }
        let response: HTTPResult
        do {
            response = try await session.send(
                HTTPRequestSpec(method: "GET", url: reference), idempotent: true, authenticated: false)
        } catch let e as RemoteError {
            if case .fatal = e { lock.withLock { _ = unreachableHosts.insert(host) } }
            throw ImageError(message: "could not be fetched (\(e.description))")
        }
        guard response.status == 200, !response.body.isEmpty else {
            throw ImageError(message: "fetching it answered HTTP \(response.status)")
        }
        return response.body
    }

    /// The bytes of a `data:` URL (base64 or percent-encoded).
    static func dataURL(_ reference: String) throws -> [UInt8] {
        guard let comma = reference.firstIndex(of: ",") else {
            throw ImageError(message: "a data: URL without a comma")
        }
        let header = reference[..<comma]
        let payload = String(reference[reference.index(after: comma)...])
        if header.hasSuffix(";base64") {
            guard let data = Data(base64Encoded: payload, options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw ImageError(message: "the data: URL is not valid base64")
            }
            return Array(data)
        }
        return Array((payload.removingPercentEncoding ?? payload).utf8)
    }
}
