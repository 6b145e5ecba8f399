import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing

@testable import Sandbox

let mixpeekHeaders: HTTPFields = [
    .authorization: "Bearer sk_sandbox", HTTPField.Name("X-Namespace")!: "ns_test", .contentType: "application/json",
]

@Suite("mixpeek sandbox")
struct MixpeekSandboxTests {
    @Test func authAndNamespaceErrorsUseTheEnvelope() async throws {
        try await withSandbox(try config()) { client in
            let noKey = try await client.execute(uri: "/mixpeek/v1/buckets/list", method: .post)
            #expect(noKey.status == .unauthorized)
            #expect(noKey.json["success"] == false)
            #expect(noKey.json["status"] == 401)
            #expect(noKey.json["error"]?["type"]?.stringValue?.isEmpty == false)
            let noNamespace = try await client.execute(
                uri: "/mixpeek/v1/buckets/list", method: .post, headers: [.authorization: "Bearer sk_sandbox"])
            #expect(noNamespace.status == .badRequest)
            #expect(noNamespace.json["error"]?["message"]?.stringValue?.contains("X-Namespace") == true)
        }
    }

    @Test func bucketsObjectsBatchesTasksCollectionsAndDocuments() async throws {
        let configuration = try config { $0.mixpeekBatchStepSeconds = 0.1 }
        try await withSandbox(configuration) { client in
            let bucket = try await client.execute(
                uri: "/mixpeek/v1/buckets", method: .post, headers: mixpeekHeaders,
                body: body([
                    "bucket_name": "catalog",
                    "bucket_schema": ["properties": ["image": ["type": "image"], "title": ["type": "text"]]],
                ]))
            #expect(bucket.status == .ok)
            let bucketID = try #require(bucket.json["bucket_id"]?.stringValue)
            let duplicate = try await client.execute(
                uri: "/mixpeek/v1/buckets", method: .post, headers: mixpeekHeaders,
                body: body(["bucket_name": "catalog", "bucket_schema": ["properties": [:]]]))
            #expect(duplicate.status == .conflict)
            let listed = try await client.execute(
                uri: "/mixpeek/v1/buckets/list", method: .post, headers: mixpeekHeaders)
            #expect(listed.json["total_count"] == 1)

            func object(_ sku: String, _ url: String) -> JSONValue {
                [
                    "blobs": [["property": "image", "type": "image", "data": .string(url)]],
                    "metadata": ["sku": .string(sku)],
                ]
            }
            let tooMany = try await client.execute(
                uri: "/mixpeek/v1/buckets/\(bucketID)/objects/batch", method: .post, headers: mixpeekHeaders,
                body: body(["objects": .array((0..<101).map { object("X-\($0)", "https://x/\($0).jpg") })]))
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.json["success"] == false)

            let batch = try await client.execute(
                uri: "/mixpeek/v1/buckets/\(bucketID)/objects/batch", method: .post, headers: mixpeekHeaders,
                body: body([
                    "objects": [
                        object("M-1", "https://x/1.jpg"), object("M-2", "https://x/missing/2.jpg"),
                        object("M-3", "https://x/3.jpg"),
                        ["blobs": [["property": "colour", "type": "text", "data": "red"]]],
                    ]
                ]))
            #expect(batch.status == .ok)
            #expect(batch.json["total_requested"] == 4)
            #expect(batch.json["succeeded_count"] == 2)
            #expect(batch.json["failed_count"] == 2)
            let failed = batch.json["failed"]?.arrayValue ?? []
            #expect(failed.compactMap { $0["object_index"]?.intValue } == [1, 3])
            #expect(failed.first?["error_type"] == "dependency")
            let ids = (batch.json["succeeded"]?.arrayValue ?? []).compactMap { $0["object_id"] }

            let created = try await client.execute(
                uri: "/mixpeek/v1/buckets/\(bucketID)/batches", method: .post, headers: mixpeekHeaders,
                body: body(["object_ids": .array(ids)]))
            #expect(created.json["status"] == "DRAFT")
            let batchID = try #require(created.json["batch_id"]?.stringValue)
            let empty = try await client.execute(
                uri: "/mixpeek/v1/buckets/\(bucketID)/batches", method: .post, headers: mixpeekHeaders,
                body: body(["object_ids": []]))
            #expect(empty.status == .unprocessableContent)

            let collection = try await client.execute(
                uri: "/mixpeek/v1/collections", method: .post, headers: mixpeekHeaders,
                body: body([
                    "collection_name": "products", "source": ["type": "bucket", "bucket_ids": [.string(bucketID)]],
                    "feature_extractor": [
                        "feature_extractor_name": "multimodal_extractor", "version": "v1",
                        "field_passthrough": [["source_path": "sku"]],
                    ],
                ]))
            #expect(collection.status == .ok)
            let collectionID = try #require(collection.json["collection_id"]?.stringValue)
            let before = try await client.execute(
                uri: "/mixpeek/v1/collections/\(collectionID)/documents/list", method: .post, headers: mixpeekHeaders)
            #expect(before.json["total_count"] == 0)

            let submitted = try await client.execute(
                uri: "/mixpeek/v1/buckets/\(bucketID)/batches/\(batchID)/submit", method: .post, headers: mixpeekHeaders
            )
            #expect(submitted.json["status"] == "PENDING")
            let taskID = try #require(submitted.json["task_id"]?.stringValue)
            var seen: [String] = []
            for _ in 0..<20 {
                let status = try await client.execute(
                    uri: "/mixpeek/v1/buckets/\(bucketID)/batches/\(batchID)", method: .get, headers: mixpeekHeaders)
                let s = status.json["status"]?.stringValue ?? ""
                if seen.last != s { seen.append(s) }
                if s == "COMPLETED" { break }
                try await Task.sleep(for: .milliseconds(40))
            }
            #expect(seen.last == "COMPLETED")
            #expect(Set(seen).isSubset(of: ["PENDING", "IN_PROGRESS", "COMPLETED"]))
            let task = try await client.execute(
                uri: "/mixpeek/v1/tasks/\(taskID)", method: .get, headers: mixpeekHeaders)
            #expect(task.json["status"] == "COMPLETED")

            let page1 = try await client.execute(
                uri: "/mixpeek/v1/collections/\(collectionID)/documents/list", method: .post, headers: mixpeekHeaders,
                body: body(["limit": 1]))
            #expect(page1.json["total_count"] == 2)
            #expect(page1.json["results"]?.arrayValue?.count == 1)
            let cursor = try #require(page1.json["pagination"]?["next_cursor"]?.stringValue)
            let page2 = try await client.execute(
                uri: "/mixpeek/v1/collections/\(collectionID)/documents/list", method: .post, headers: mixpeekHeaders,
                body: body(["limit": 1, "cursor": .string(cursor)]))
            #expect(page2.json["pagination"]?["next_cursor"] == .null)
            let skus = ((page1.json["results"]?.arrayValue ?? []) + (page2.json["results"]?.arrayValue ?? []))
                .compactMap {
                    $0["sku"]?.stringValue
                }
            #expect(Set(skus) == ["M-1", "M-3"])
            for limit in [0, 1001] {
                let bad = try await client.execute(
                    uri: "/mixpeek/v1/collections/\(collectionID)/documents/list", method: .post,
                    headers: mixpeekHeaders,
                    body: body(["limit": .int(limit)]))
                #expect(bad.status == .unprocessableContent)
            }
            #expect(try await stats(client, .mixpeek)["items"] == 2)
        }
    }

    @Test func collectionsListFiltersSortsSearchesAndPages() async throws {
        try await withSandbox(try config()) { client in
            let bucket = try await client.execute(
                uri: "/mixpeek/v1/buckets", method: .post, headers: mixpeekHeaders,
                body: body(["bucket_name": "b", "bucket_schema": ["properties": [:]]]))
            let bucketID = try #require(bucket.json["bucket_id"])
            for (name, env) in [("alpha", "prod"), ("beta", "dev"), ("gamma", "prod")] {
                let r = try await client.execute(
                    uri: "/mixpeek/v1/collections", method: .post, headers: mixpeekHeaders,
                    body: body([
                        "collection_name": .string(name), "description": .string("\(name) products"),
                        "source": ["type": "bucket", "bucket_ids": [bucketID]],
                        "feature_extractor": ["feature_extractor_name": "x", "version": "v1"],
                        "metadata": ["environment": .string(env)],
                    ]))
                #expect(r.status == .ok)
            }
            func names(_ query: String, _ payload: JSONValue) async throws -> (JSONValue, [String]) {
                let r = try await client.execute(
                    uri: "/mixpeek/v1/collections/list\(query)", method: .post, headers: mixpeekHeaders,
                    body: body(payload))
                #expect(r.status == .ok)
                return (r.json, (r.json["results"]?.arrayValue ?? []).compactMap { $0["collection_name"]?.stringValue })
            }
            let sorted = try await names("", ["sort": ["field": "collection_name", "direction": "asc"]])
            #expect(sorted.1 == ["alpha", "beta", "gamma"])
            #expect(sorted.0["total_count"] == 3)
            let filtered = try await names(
                "", ["filters": ["AND": [["field": "metadata.environment", "operator": "eq", "value": "PROD"]]]])
            #expect(Set(filtered.1) == ["alpha", "gamma"])
            let searched = try await names("", ["search": "BET"])
            #expect(searched.1 == ["beta"])
            let paged = try await names(
                "?limit=2&offset=2", ["sort": ["field": "collection_name", "direction": "asc"]])
            #expect(paged.1 == ["gamma"])
            #expect(paged.0["pagination"]?["page"] == 2)
            #expect(paged.0["pagination"]?["total_pages"] == 2)
        }
    }
}

@Suite("wickson sandbox")
struct WicksonSandboxTests {
    static let key: HTTPFields = [HTTPField.Name("X-Api-Key")!: "wk_sandbox"]

    func upload(
        _ client: any TestClientProtocol, _ filename: String, _ content: String, collection: String? = nil,
        force: Bool = false
    ) async throws -> TestResponse {
        var parts: [(name: String, filename: String?, content: String)] = [("file", filename, content)]
        if let collection { parts.append(("collection_id", nil, collection)) }
        if force { parts.append(("force_overwrite", nil, "true")) }
        let (buffer, type) = multipart(parts)
        return try await client.execute(
            uri: "/wickson/v1/media", method: .post, headers: Self.key.merging([.contentType: type]), body: buffer)
    }

    @Test func uploadListAndCollectionsAsDocumented() async throws {
        try await withSandbox(try config()) { client in
            let bad = try await client.execute(uri: "/wickson/v1/media/collections", method: .get)
            #expect(bad.status == .unauthorized)
            #expect(bad.json["success"] == false)
            #expect(bad.json["error"]?["code"] == "INVALID_API_KEY")

            let first = try await upload(client, "shirt.jpg", "jpeg-bytes-1", collection: "product_images")
            #expect(first.status == .ok)
            #expect(first.json["data"]?["media_type"] == "image")
            #expect(first.json["data"]?["storage_info"]?["collection"] == "product_images")
            #expect(first.json["data"]?["file_details"]?["filename"] == "shirt.jpg")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Limit")!] == "1000")
            let again = try await upload(client, "shirt.jpg", "jpeg-bytes-1", collection: "product_images")
            #expect(again.status == .conflict)
            let forced = try await upload(
                client, "shirt.jpg", "jpeg-bytes-1", collection: "product_images", force: true)
            #expect(forced.json["data"]?["media_id"] == first.json["data"]?["media_id"])
            _ = try await upload(client, "notes.pdf", "pdf-bytes")
            let unsupported = try await upload(client, "virus.exe", "x")
            #expect(unsupported.status == .unsupportedMediaType)

            let collections = try await client.execute(
                uri: "/wickson/v1/media/collections", method: .get, headers: Self.key)
            let data = try #require(collections.json["data"])
            #expect(collections.json["success"] == true)
            #expect(collections.json["message"] == "Collections retrieved successfully")
            #expect(collections.json["metadata"] == ["api_version": "1.0.0"])
            #expect(data["collections"] == ["default", "product_images"])
            #expect(data["total_collections"] == 2)
            #expect(data["collection_details"]?["product_images"]?["item_count"] == 1)
            #expect(data["collection_details"]?["default"]?["item_count"] == 1)
            #expect(data["collection_details"]?["default"]?["created_at"]?.stringValue?.hasSuffix("Z") == true)

            let list = try await client.execute(
                uri: "/wickson/v1/media?page=1&page_size=1&media_type=image", method: .get, headers: Self.key)
            #expect(list.json["data"]?["pagination"]?["total_items"] == 1)
            #expect(list.json["data"]?["items"]?.arrayValue?.first?["file_info"]?["filename"] == "shirt.jpg")
            let tooBig = try await client.execute(
                uri: "/wickson/v1/media?page_size=101", method: .get, headers: Self.key)
            #expect(tooBig.status == .badRequest)
        }
    }

    @Test func hourlyWindowAnswers429WithRateLimitHeaders() async throws {
        let configuration = try config { $0.wicksonRequestsPerHour = 3 }
        try await withSandbox(configuration) { client in
            var statuses: [HTTPResponse.Status] = []
            var remaining: [String] = []
            for _ in 0..<4 {
                let r = try await client.execute(uri: "/wickson/v1/media/collections", method: .get, headers: Self.key)
                statuses.append(r.status)
                remaining.append(r.headers[HTTPField.Name("X-RateLimit-Remaining")!] ?? "")
            }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            #expect(remaining == ["2", "1", "0", "0"])
            #expect(try await stats(client, .wickson)["rate_limited_own"] == 1)
        }
    }
}

@Suite("scenario sandbox")
struct ScenarioSandboxTests {
    static let auth: HTTPFields = [
        .authorization: "Basic " + Data("sandbox:sandbox".utf8).base64EncodedString(), .contentType: "application/json",
    ]
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]).base64EncodedString()

    @Test func assetsCollectionsAndPaging() async throws {
        try await withSandbox(try config()) { client in
            let denied = try await client.execute(uri: "/scenario/v1/assets", method: .get)
            #expect(denied.status == .unauthorized)

            let created = try await client.execute(
                uri: "/scenario/v1/collections", method: .post, headers: Self.auth, body: body(["name": "Spring"]))
            let collectionID = try #require(created.json["collection"]?["id"]?.stringValue)
            #expect(created.json["collection"]?["assetCount"] == 0)

            var assetIDs: [JSONValue] = []
            for n in 1...5 {
                let r = try await client.execute(
                    uri: "/scenario/v1/assets", method: .post, headers: Self.auth,
                    body: body(["name": .string("asset-\(n)"), "image": .string(Self.png)]))
                #expect(r.status == .ok)
                let id = try #require(r.json["asset"]?["id"]?.stringValue)
                #expect(id.hasPrefix("asset_"))
                assetIDs.append(.string(id))
            }
            let notImage = try await client.execute(
                uri: "/scenario/v1/assets", method: .post, headers: Self.auth,
                body: body(["name": "x", "image": .string(Data("hello".utf8).base64EncodedString())]))
            #expect(notImage.status == .badRequest)

            var names: [String] = []
            var token: String? = nil
            repeat {
                let uri = "/scenario/v1/assets?pageSize=2" + (token.map { "&paginationToken=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get, headers: Self.auth)
                names += (page.json["assets"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                token = page.json["nextPaginationToken"]?.stringValue
            } while token != nil
            #expect(names == (1...5).map { "asset-\($0)" })
            for size in ["0", "101"] {
                let bad = try await client.execute(
                    uri: "/scenario/v1/assets?pageSize=\(size)", method: .get, headers: Self.auth)
                #expect(bad.status == .badRequest)
            }

            let added = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)/assets", method: .put, headers: Self.auth,
                body: body(["assetIds": .array(Array(assetIDs.prefix(3)))]))
            #expect(added.json["collection"]?["assetCount"] == 3)
            #expect(added.json["collection"]?["itemCount"] == 3)
            let removed = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)/assets", method: .delete, headers: Self.auth,
                body: body(["assetIds": [assetIDs[0]]]))
            #expect(removed.json["collection"]?["assetCount"] == 2)
            let fifty = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)/assets", method: .put, headers: Self.auth,
                body: body(["assetIds": .array((0..<50).map { _ in assetIDs[1] })]))
            #expect(fifty.status == .badRequest)

            let renamed = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)", method: .put, headers: Self.auth,
                body: body(["name": "Summer"]))
            #expect(renamed.json["collection"]?["name"] == "Summer")
            let fetched = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)", method: .get, headers: Self.auth)
            #expect(fetched.json["collection"]?["modelCount"] == 0)
            let all = try await client.execute(uri: "/scenario/v1/collections", method: .get, headers: Self.auth)
            #expect(all.json["collections"]?.arrayValue?.count == 1)
            let deleted = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)", method: .delete, headers: Self.auth)
            #expect(deleted.status == .ok)
            let gone = try await client.execute(
                uri: "/scenario/v1/collections/\(collectionID)", method: .get, headers: Self.auth)
            #expect(gone.status == .notFound)
            #expect(try await stats(client, .scenario)["items"] == 5)
        }
    }
}
