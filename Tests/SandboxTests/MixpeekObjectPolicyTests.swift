import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing

@testable import Sandbox

@Suite("mixpeek sandbox single-object policies")
struct MixpeekObjectPolicyTests {
    static func object(_ sku: String, title: String, image: String = "https://cdn.example/a.jpg") -> JSONValue {
        [
            "blobs": [["property": "image_url", "type": "image", "data": .string(image)]],
            "metadata": ["sku": .string(sku), "title": .string(title)],
        ]
    }

    static func bucket(_ client: any TestClientProtocol, name: String, uniqueKey: JSONValue?) async throws -> String {
        var payload: JSONValue = [
            "bucket_name": .string(name),
            "bucket_schema": ["properties": ["sku": ["type": "string"], "image_url": ["type": "image"]]],
        ]
        if let uniqueKey { payload = payload.setting("unique_key", uniqueKey) }
        let response = try await client.execute(
            uri: "/mixpeek/v1/buckets", method: .post, headers: mixpeekHeaders, body: body(payload))
        return try #require(response.json["bucket_id"]?.stringValue)
    }

    @Test func policiesFollowTheBucketsUniqueKey() async throws {
        try await withSandbox(try config()) { client in
            let bucket = try await Self.bucket(client, name: "keyed", uniqueKey: ["fields": ["sku"]])
            let uri = "/mixpeek/v1/buckets/\(bucket)/objects"
            func post(_ query: String, _ payload: JSONValue) async throws -> TestResponse {
                try await client.execute(uri: uri + query, method: .post, headers: mixpeekHeaders, body: body(payload))
            }

            let noPolicy = try await post("", Self.object("A-1", title: "First"))
            #expect(noPolicy.status == .badRequest)
            #expect(noPolicy.json["error"]?["message"]?.stringValue?.contains("policy") == true)

            let missing = try await post("?policy=update", Self.object("A-1", title: "First"))
            #expect(missing.status == .notFound)

            let inserted = try await post("?policy=insert", Self.object("A-1", title: "First"))
            #expect(inserted.status == .ok)
            let id = try #require(inserted.json["object_id"]?.stringValue)

            let conflict = try await post("?policy=insert", Self.object("A-1", title: "Again"))
            #expect(conflict.status == .conflict)
            #expect(conflict.json["error"]?["details"]?["object_id"] == .string(id))

            let updated = try await post("?policy=update", Self.object("A-1", title: "Second"))
            #expect(updated.status == .ok)
            #expect(updated.json["object_id"] == .string(id))
            #expect(updated.json["metadata"]?["title"] == "Second")

            let upserted = try await post("?policy=upsert", Self.object("A-2", title: "Other"))
            #expect(upserted.status == .ok)
            #expect(upserted.json["object_id"] != .string(id))

            let badBlob = try await post(
                "?policy=upsert", Self.object("A-3", title: "x", image: "https://x/missing/a.jpg"))
            #expect(badBlob.status == .unprocessableContent)
            #expect(badBlob.json["error"]?["details"]?["error_type"] == "dependency")

            let noKey = try await post(
                "?policy=upsert", ["blobs": [["property": "image_url", "data": "https://x/b.jpg"]]])
            #expect(noKey.status == .unprocessableContent)

            let stats = try await client.execute(uri: "/_sandbox/stats", method: .get)
            #expect(stats.json["mixpeek"]?["items"] == 2)
            #expect(stats.json["mixpeek"]?["duplicate_keys"] == 0)
        }
    }

    @Test func theBucketsDefaultPolicyAppliesAndNoUniqueKeyInserts() async throws {
        try await withSandbox(try config()) { client in
            let upserting = try await Self.bucket(
                client, name: "upserting", uniqueKey: ["fields": ["sku"], "default_policy": "upsert"])
            for title in ["One", "Two"] {
                let r = try await client.execute(
                    uri: "/mixpeek/v1/buckets/\(upserting)/objects", method: .post, headers: mixpeekHeaders,
                    body: body(Self.object("B-1", title: title)))
                #expect(r.status == .ok)
            }
            let plain = try await Self.bucket(client, name: "plain", uniqueKey: nil)
            for _ in 0..<2 {
                let r = try await client.execute(
                    uri: "/mixpeek/v1/buckets/\(plain)/objects?policy=update", method: .post, headers: mixpeekHeaders,
                    body: body(Self.object("C-1", title: "Same")))
                #expect(r.status == .ok)
            }
            let stats = try await client.execute(uri: "/_sandbox/stats", method: .get)
            #expect(stats.json["mixpeek"]?["items"] == 3)
            #expect(stats.json["mixpeek"]?["duplicate_keys"] == 1)
        }
    }
}
