import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing

@testable import Sandbox

@Suite("sartiq sandbox")
struct SartiqSandboxTests {
    let schemas: SchemaChecker

    init() throws { schemas = try SchemaChecker(fixture: "sartiq-schemas") }

    @Test func checkerRejectsWrongShapes() {
        #expect(!schemas.problems(["data": [], "count": "0"], against: "ProductsPublic").isEmpty)
        #expect(!schemas.problems(["id": "not-a-uuid"], against: "ExportTaskPublic").isEmpty)
    }

    @Test func loginAnswersTokensAndFastAPIErrors() async throws {
        try await withSandbox { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let ok = try await client.execute(
                uri: "/sartiq/api/v1/login/access-token", method: .post, headers: form,
                body: ByteBuffer(string: "username=demo%40example.com&password=sandbox"))
            #expect(ok.json["token_type"] == "bearer")
            #expect(ok.json["expires_in"] == 3600)
            let bad = try await client.execute(
                uri: "/sartiq/api/v1/login/access-token", method: .post, headers: form,
                body: ByteBuffer(string: "username=demo%40example.com&password=nope"))
            #expect(bad.status == .unauthorized)
            #expect(bad.json == ["detail": "Incorrect email or password"])
            let missing = try await client.execute(
                uri: "/sartiq/api/v1/login/access-token", method: .post, headers: form,
                body: ByteBuffer(string: "username=x"))
            #expect(missing.status == .unprocessableContent)
            #expect(missing.json["detail"]?.arrayValue?.first?["loc"] == ["body", "password"])
            let anonymous = try await client.execute(uri: "/sartiq/api/v1/products/", method: .get)
            #expect(anonymous.json == ["detail": "Not authenticated"])
            let forged = try await client.execute(
                uri: "/sartiq/api/v1/products/", method: .get, headers: [.authorization: "Bearer forged"])
            #expect(forged.status == .unauthorized)
            #expect(forged.json == ["detail": "Could not validate credentials"])
        }
    }

    @Test func expiredTokenIsRefused() async throws {
        let configuration = try config { $0.sartiqTokenTTL = 0.3 }
        try await withSandbox(configuration) { client in
            let auth = try await sartiqAuth(client)
            let fresh = try await client.execute(uri: "/sartiq/api/v1/products/", method: .get, headers: auth)
            #expect(fresh.status == .ok)
            try await Task.sleep(for: .milliseconds(400))
            let stale = try await client.execute(uri: "/sartiq/api/v1/products/", method: .get, headers: auth)
            #expect(stale.status == .unauthorized)
            #expect(stale.json == ["detail": "Could not validate credentials"])
        }
    }

    @Test func productsCreateReadUpdateDeleteMatchTheSchemas() async throws {
        let schemas = self.schemas
        try await withSandbox { client in
            let auth = try await sartiqAuth(client)
            let created = try await client.execute(
                uri: "/sartiq/api/v1/products/?sync_captioning=false", method: .post, headers: auth,
                body: body([
                    "name": "Black T-Shirt", "cover_image": "https://img.example/t.jpg", "sku": "S-1", "brand": "Acme",
                    "brand_collection": "SS26", "season": "Spring", "year": 2026,
                    "in_store_date": "2026-03-01T09:00:00Z",
                    "gender": "FEMALE", "brand_metadata": ["line": "core"],
                ]))
            #expect(created.status == .ok)
            #expect(schemas.problems(created.json, against: "ProductPublic") == [])
            #expect(created.json["gender"] == "FEMALE")
            #expect(created.json["cover_image_url"] == "https://img.example/t.jpg")
            let id = try #require(created.json["id"]?.stringValue)

            let read = try await client.execute(uri: "/sartiq/api/v1/products/\(id)", method: .get, headers: auth)
            #expect(read.json["sku"] == "S-1")
            #expect(schemas.problems(read.json, against: "ProductPublic") == [])

            let longMaterials = String(repeating: "m", count: 1500)
            let updated = try await client.execute(
                uri: "/sartiq/api/v1/products/\(id)", method: .put, headers: auth,
                body: body(["materials": .string(longMaterials), "colour": "black"]))
            #expect(updated.status == .ok)
            #expect(updated.json["colour"] == "black")
            #expect(updated.json["name"] == "Black T-Shirt")
            #expect(schemas.problems(updated.json, against: "ProductPublic") == [])
            let tooLong = try await client.execute(
                uri: "/sartiq/api/v1/products/\(id)", method: .put, headers: auth,
                body: body(["season": .string(String(repeating: "s", count: 101))]))
            #expect(tooLong.status == .unprocessableContent)

            let deleted = try await client.execute(uri: "/sartiq/api/v1/products/\(id)", method: .delete, headers: auth)
            #expect(deleted.status == .ok)
            let gone = try await client.execute(uri: "/sartiq/api/v1/products/\(id)", method: .get, headers: auth)
            #expect(gone.status == .notFound)
            #expect(gone.json == ["detail": "Product not found"])
        }
    }

    @Test func everyDocumentedLimitAnswers422WithPydanticTypes() async throws {
        try await withSandbox { client in
            let auth = try await sartiqAuth(client)
            func errors(_ payload: JSONValue) async throws -> [JSONValue] {
                let r = try await client.execute(
                    uri: "/sartiq/api/v1/products/", method: .post, headers: auth, body: body(payload))
                #expect(r.status == .unprocessableContent)
                return r.json["detail"]?.arrayValue ?? []
            }
            let missing = try await errors(["sku": "x"])
            #expect(missing.compactMap { $0["type"]?.stringValue } == ["missing", "missing"])
            #expect(missing.compactMap { $0["loc"] } == [["body", "name"], ["body", "cover_image"]])

            let accented255 = String(repeating: "é", count: 255)
            let ok = try await client.execute(
                uri: "/sartiq/api/v1/products/", method: .post, headers: auth,
                body: body(["name": .string(accented255), "cover_image": "https://x/a.jpg"]))
            #expect(ok.status == .ok)

            let cases: [(String, JSONValue, String)] = [
                ("name", .string(accented255 + "é"), "string_too_long"),
                ("brand", .string(String(repeating: "b", count: 1001)), "string_too_long"),
                ("sleeve_type", .string(String(repeating: "s", count: 101)), "string_too_long"),
                ("description", .string(String(repeating: "d", count: 3001)), "string_too_long"),
                ("ecommerce_description", .string(String(repeating: "e", count: 5001)), "string_too_long"),
                ("product_type_id", "not-a-uuid", "uuid_parsing"),
                ("organization_id", 42, "uuid_type"),
                ("in_store_date", "2026-13-01", "datetime_from_date_parsing"),
                ("in_store_date", "2026-03-01T25:00:00", "datetime_parsing"),
                ("year", "twenty", "int_parsing"),
                ("year", true, "int_type"),
                ("public", "maybe", "bool_parsing"),
                ("public", [1], "bool_type"),
                ("brand_metadata", "flat", "dict_type"),
                ("gender", "OTHER", "enum"),
                ("reference_images", "one", "list_type"),
            ]
            for (field, value, type) in cases {
                var payload: [(String, JSONValue)] = [("cover_image", "https://x/a.jpg"), (field, value)]
                if field != "name" { payload.append(("name", "n")) }
                let found = try await errors(.obj(payload))
                #expect(found.count == 1, "\(field)")
                #expect(found.first?["type"] == .string(type), "\(field) = \(value.jsonText)")
                #expect(found.first?["loc"] == ["body", .string(field)], "\(field)")
                if type == "string_too_long" { #expect(found.first?["ctx"]?["max_length"]?.intValue != nil) }
            }
            let notJSON = try await client.execute(
                uri: "/sartiq/api/v1/products/", method: .post, headers: auth, body: ByteBuffer(string: "{oops"))
            #expect(notJSON.json["detail"]?.arrayValue?.first?["type"] == "json_invalid")
        }
    }

    @Test func listFiltersPagesAndDistinctValues() async throws {
        let schemas = self.schemas
        try await withSandbox { client in
            let auth = try await sartiqAuth(client)
            let rows: [(String, String, String, String, Int)] = [
                ("S-1", "Acme", "SS26", "Spring", 2026), ("S-2", "acme", "ss26", "spring", 2026),
                ("S-3", "Bolt", "FW25", "Autumn", 2025), ("S-4", "Bolt", "FW25", "Autumn", 2025),
                ("S-5", "Acme", "FW25", "Autumn", 2025),
            ]
            for (sku, brand, collection, season, year) in rows {
                let r = try await client.execute(
                    uri: "/sartiq/api/v1/products/", method: .post, headers: auth,
                    body: body([
                        "name": .string("Item \(sku)"), "sku": .string(sku), "cover_image": "https://x/c.jpg",
                        "brand": .string(brand), "brand_collection": .string(collection), "season": .string(season),
                        "year": .int(year),
                    ]))
                #expect(r.status == .ok)
            }
            func list(_ query: String) async throws -> JSONValue {
                let r = try await client.execute(uri: "/sartiq/api/v1/products/?\(query)", method: .get, headers: auth)
                #expect(r.status == .ok, "\(query)")
                #expect(schemas.problems(r.json, against: "ProductsPublic") == [], "\(query)")
                return r.json
            }
            #expect(try await list("")["count"] == 5)
            #expect(try await list("brand_collection=SS26")["count"] == 2)
            #expect(try await list("brand=ACME&season=autumn")["count"] == 1)
            #expect(try await list("year=2025")["count"] == 3)
            #expect(try await list("search=s-4")["data"]?.arrayValue?.first?["sku"] == "S-4")
            let page = try await list("skip=1&limit=2&sort_by=name&sort_order=asc")
            #expect(page["count"] == 5)
            #expect(page["data"]?.arrayValue?.compactMap { $0["sku"]?.stringValue } == ["S-2", "S-3"])
            for bad in ["limit=abc", "sort_order=up", "sort_by=colour", "limit=100000"] {
                let r = try await client.execute(uri: "/sartiq/api/v1/products/?\(bad)", method: .get, headers: auth)
                #expect(r.status == .unprocessableContent, "\(bad)")
            }
            let brands = try await client.execute(uri: "/sartiq/api/v1/brands/", method: .get, headers: auth)
            #expect(brands.json == ["count": 3, "data": ["Acme", "Bolt", "acme"]])
            let collections = try await client.execute(
                uri: "/sartiq/api/v1/brand-collections/?brand=bolt", method: .get, headers: auth)
            #expect(schemas.problems(collections.json, against: "BrandCollectionsPublic") == [])
            #expect(collections.json["data"] == ["FW25"])
            let seasons = try await client.execute(uri: "/sartiq/api/v1/seasons/", method: .get, headers: auth)
            #expect(seasons.json["data"] == ["Autumn", "Spring", "spring"])
            let years = try await client.execute(uri: "/sartiq/api/v1/years/", method: .get, headers: auth)
            #expect(years.json == ["count": 2, "data": [2026, 2025]])
        }
    }

    @Test func exportTaskStepsThroughItsLifecycleAndDownloadsOnce() async throws {
        let schemas = self.schemas
        let configuration = try config { $0.sartiqExportStepSeconds = 0.3 }
        try await withSandbox(configuration) { client in
            let auth = try await sartiqAuth(client)
            _ = try await client.execute(
                uri: "/sartiq/api/v1/products/", method: .post, headers: auth,
                body: body(["name": "n", "cover_image": "https://x/a.jpg"]))
            let started = try await client.execute(
                uri: "/sartiq/api/v1/products/export-approved-shots/async", method: .post, headers: auth,
                body: body([:]))
            #expect(schemas.problems(started.json, against: "ExportTaskPublic") == [])
            #expect(started.json["status"] == "PENDING")
            let id = try #require(started.json["id"]?.stringValue)
            var seen = ["PENDING"]
            var done = started
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(30))
                done = try await client.execute(
                    uri: "/sartiq/api/v1/products/export-tasks/\(id)", method: .get, headers: auth)
                let status = done.json["status"]?.stringValue ?? ""
                if seen.last != status { seen.append(status) }
                if status == "COMPLETED" { break }
            }
            #expect(seen == ["PENDING", "PROCESSING", "COMPLETED"] || seen == ["PENDING", "COMPLETED"])
            #expect(seen.last == "COMPLETED")
            #expect(done.json["progress"] == 100)
            #expect(schemas.problems(done.json, against: "ExportTaskPublic") == [])
            let listed = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks", method: .get, headers: auth)
            #expect(schemas.problems(listed.json, against: "ExportTasksPublic") == [])
            #expect(listed.json["count"] == 1)
            let download = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks/\(id)/download", method: .get, headers: auth)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/zip")
            #expect(Array(download.body.readableBytesView.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
            let again = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks/\(id)/download", method: .get, headers: auth)
            #expect(again.status == .notFound)

            let second = try await client.execute(
                uri: "/sartiq/api/v1/products/export-approved-shots/async", method: .post, headers: auth,
                body: body([:]))
            let secondID = try #require(second.json["id"]?.stringValue)
            let cancelled = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks/\(secondID)", method: .delete, headers: auth)
            #expect(cancelled.json["status"] == "CANCELLED")
            let dismissed = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks/\(secondID)/dismiss", method: .delete, headers: auth)
            #expect(dismissed.status == .ok)
            let after = try await client.execute(
                uri: "/sartiq/api/v1/products/export-tasks/\(secondID)", method: .get, headers: auth)
            #expect(after.status == .notFound)
            let exclusive = try await client.execute(
                uri: "/sartiq/api/v1/products/export-approved-shots/async", method: .post, headers: auth,
                body: body([
                    "product_ids": [], "shooting_look_id": "123e4567-e89b-12d3-a456-426614174000",
                ]))
            #expect(exclusive.status == .badRequest)
        }
    }
}
