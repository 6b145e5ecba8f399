import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

@Suite("sartiq client")
struct SartiqClientTests {
    /// A product as the ss26-sartiq pipeline's normalise stage writes it.
    static func product(
        _ sku: String, style: String, name: String, colour: String = "Olive", collection: String? = "SS26 Riviera",
        row: Int = 2
    ) -> SendItem {
        let base = "https://cdn.maison-aurel.example/ss26/\(style)"
        var fields: [(String, JSONValue)] = [
            ("sku", .string(sku)), ("name", .string(name)), ("brand", .string("Maison Aurel")),
            ("style_code", .string(style)), ("gender", .string("FEMALE")), ("category", .string("Dresses")),
            ("colour", .string(colour)), ("pattern", .string("Broderie")),
            ("materials", .string("55% Linen, 45% Cotton")), ("fit_type", .string("Slim")),
            ("sleeve_type", .string("Puff Sleeve")), ("neckline", .string("Halter")), ("season", .string("SS26")),
            ("theme", .string("Midnight Resort")),
        ]
        fields.append(("brand_collection", collection.map { .string($0) } ?? .null))
        fields += [
            ("in_store_date", .string("2026-04-01T00:00:00")), ("year", .number("2026")),
            ("description", .string("Cut from 55% linen, 45% cotton, it drapes softly.")),
            ("ecommerce_description", .string("\(name): side-seam pockets, slim fit.")),
            ("cover_image", .string("\(base)/cover.jpg")), ("back_image", .string("\(base)/back.jpg")),
            ("reference_images", .array([.string("\(base)/gallery-1.jpg"), .string("\(base)/gallery-2.jpg")])),
            ("brand_metadata", .obj([("Age Group", .string("Adult")), ("Price", .string("98.95"))])),
            ("Unknown Column", .string("not in ProductCreate")),
        ]
        return sendItem(fields, row: row)
    }

    static func products(_ n: Int) -> [SendItem] {
        (1...n).map { i in
            product(
                "MA26-DR\(100 + i)-OLV", style: "SS26-DR-\(100 + i)", name: "Riviera Sundress \(i)", row: i + 1)
        }
    }

    @Test func createFindUpdateAndExportRoundTrip() async throws {
        try await withSandbox([.sartiq]) { harness in
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            #expect(client.batchSize == 1 && client.canUpdate)
            #expect(client.state == ["brand_collection": "SS26 Riviera"])

            let a = Self.product("MA26-DR001-OLV", style: "SS26-DR-001", name: "Nice Ribbed Sundress")
            let b = Self.product(
                "MA26-SK001-BWS", style: "SS26-SK-001", name: "Ligurian Seersucker Maxi Skirt", collection: nil)
            let other = Self.product(
                "MA26-XX001-BLK", style: "AW26-XX-001", name: "Winter Coat", collection: "AW26 Alpine")
            var ids: [String: String] = [:]
            for item in [a, b, other] {
                let result = try await client.create([item])
                guard case .done(let id)? = result[item.key] else {
                    Issue.record("\(item.key): \(String(describing: result[item.key]))")
                    return
                }
                ids[item.key] = id
            }

            // Few keys: one search each; many keys: one listing of the collection.
            let keys = [a.key, b.key, "MA26-NOPE-000", "MA26-DR001"]
            #expect(try await client.find(keys: keys) == [a.key: ids[a.key], b.key: ids[b.key]])
            client.searchThreshold = 0
            client.pageSize = 1
            #expect(try await client.find(keys: keys) == [a.key: ids[a.key], b.key: ids[b.key]])
            #expect(try await client.find(keys: [other.key]) == [other.key: ids[other.key]])

            var changed = Self.product("MA26-DR001-OLV", style: "SS26-DR-001", name: "Nice Ribbed Sundress")
            changed.record = .obj(
                (changed.record.objectValue ?? []).map { f in
                    if f.key == "colour" { return (f.key, .string("Sage")) }
                    if f.key == "theme" { return (f.key, .null) }
                    return (f.key, f.value)
                })
            let idA = try #require(ids[a.key])
            #expect(try await client.update(changed, remoteID: idA) == .done(remoteID: idA))

            let folder = TemporaryFolder.make("catalog-etl")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            client.pageSize = 100
            let snapshot = try await client.export(into: folder)
            #expect(snapshot.reportedCount == 2)
            #expect(snapshot.reportedCountName == "count")
            #expect(snapshot.savedFiles == [folder + "/export-sartiq.json"])
            let saved = try JSONValue.parse(
                Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/export-sartiq.json"))))
            #expect(saved.arrayValue?.count == 2)
            #expect(saved.arrayValue?.first?["cover_image_url"] != nil)

            let byKey = Dictionary(uniqueKeysWithValues: snapshot.items.compactMap { i in i.key.map { ($0, i) } })
            #expect(Set(byKey.keys) == [a.key, b.key])
            let remoteA = try #require(byKey[a.key])
            #expect(remoteA.remoteID == ids[a.key])
            #expect(remoteA.errors.isEmpty)
            #expect(remoteA.fields["colour"] == .string("Sage"))
            #expect(remoteA.fields["theme"] == .null)
            let remoteB = try #require(byKey[b.key])
            #expect(remoteB.fields["brand_collection"] == .string("SS26 Riviera"))
            for sentField in b.record.objectValue ?? []
            where sentField.key != "Unknown Column" && sentField.key != "brand_collection" {
                let (field, sent) = (sentField.key, sentField.value)
                let remote = remoteB.fields[field] ?? .null
                #expect(
                    Reconciler.equal(sent, remote, .exact), "\(field): sent \(sent.jsonText), got \(remote.jsonText)")
            }
            #expect(remoteB.fields["year"] == .number("2026"))
            #expect(remoteB.fields["cover_image"] == b.record["cover_image"])
            #expect(remoteB.fields["reference_images"] == b.record["reference_images"])
            #expect(remoteB.fields["brand_metadata"] == b.record["brand_metadata"])
            #expect(remoteB.fields["Unknown Column"] == nil)
        }
    }

    @Test func validationErrorBecomesRejectionNamingTheFields() async throws {
        try await withSandbox([.sartiq]) { harness in
            let server = harness.server
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            var item = Self.product("MA26-DR002-TRC", style: "SS26-DR-002", name: String(repeating: "x", count: 256))
            item.record = .obj(
                (item.record.objectValue ?? []).map { f in
                    f.key == "year" ? (f.key, .string("twenty26")) : (f.key, f.value)
                })
            let result = try await client.create([item])
            guard case .rejected(let message)? = result[item.key] else {
                Issue.record("expected a rejection, got \(String(describing: result[item.key]))")
                return
            }
            #expect(message.contains("422"))
            #expect(message.contains("name: String should have at most 255 characters"))
            #expect(message.contains("year: Input should be a valid integer"))
            #expect(message.contains("(got \"twenty26\")"))
            #expect(try await sandboxStats(server, .sartiq)["items"] == .number("0"))
        }
    }

    @Test func expiredTokenLogsInAgainWithoutLosingWork() async throws {
        try await withSandbox([.sartiq], { $0.sartiqTokenTTL = 1.5 }) { harness in
            let server = harness.server
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            let items = Self.products(3)
            #expect(try await client.create([items[0]])[items[0].key] != nil)
            try await Task.sleep(for: .milliseconds(1800))
            let second = try await client.create([items[1]])
            guard case .done? = second[items[1].key] else {
                Issue.record("the create after expiry failed: \(String(describing: second[items[1].key]))")
                return
            }
            try await Task.sleep(for: .milliseconds(1800))
            #expect(try await client.find(keys: [items[0].key, items[1].key]).count == 2)
            let stats = try await sandboxStats(server, .sartiq)
            #expect(stats["items"] == .number("2"))
            let logins = stats["requests"]?["POST /sartiq/api/v1/login/access-token"]?.integerValue ?? 0
            #expect(logins >= 3)
        }
    }

    @Test func wrongPasswordIsFatalAndMissingPasswordIsAConfigError() async throws {
        try await withSandbox([.sartiq]) { harness in
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq, password: "not-the-password"))
            let error = await thrownError { try await client.prepare(state: [:]) }
            guard case .fatal(let message)? = error as? RemoteError else {
                Issue.record("expected RemoteError.fatal, got \(String(describing: error))")
                return
            }
            #expect(message.contains("Incorrect email or password"))
            #expect(!message.contains("not-the-password"))
            #expect(throws: ConfigError.self) {
                _ = try SartiqClient(session: session, stage: uploadStage(.sartiq, password: nil))
            }
        }
    }

    @Test func faultsStillLeaveEachProductExactlyOnce() async throws {
        let items = Self.products(20)
        try await withSandbox([.sartiq], faults: "sartiq:429=0.04,5xx=0.15,reset=0.15", seed: 5) { harness in
            let server = harness.server
            let session = harness.session(.sartiq, maxAttempts: 6)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            let (results, ambiguous) = try await uploadLikeRunner(client, items)
            #expect(results.count == 20)
            #expect(results.values.allSatisfy { if case .done = $0 { true } else { false } })
            let stats = try await sandboxStats(server, .sartiq)
            #expect(stats["items"] == .number("20"))
            #expect(stats["duplicate_keys"] == .number("0"))
            // The seed is fixed, so the same faults come every time: lost answers and a 429 among them.
            #expect(ambiguous >= 1)
            #expect((stats["rate_limited_injected"]?.integerValue ?? 0) >= 1)
            let folder = TemporaryFolder.make("catalog-etl")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let snapshot = try await client.export(into: folder)
            #expect(Set(snapshot.items.compactMap(\.key)) == Set(items.map(\.key)))
        }
    }

    @Test func lostCreateAnswerIsFoundInsteadOfCreatedTwice() async throws {
        // Request 1 is the login, request 2 the first create: its connection is reset after the
        // product was stored, so the client cannot know whether it was created.
        let seed = try seedFaulting(.sartiq, share: 0.3, position: 2, clean: 12)
        let items = Self.products(3)
        try await withSandbox([.sartiq], faults: "sartiq:reset=0.3", seed: seed) { harness in
            let server = harness.server
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            let (results, ambiguous) = try await uploadLikeRunner(client, items)
            #expect(ambiguous >= 1)
            #expect(results.count == 3)
            let stats = try await sandboxStats(server, .sartiq)
            #expect(stats["items"] == .number("3"))
            #expect(stats["duplicate_keys"] == .number("0"))
        }
    }

    @Test func updateOfAProductDeletedOnTheServiceCreatesItAgain() async throws {
        try await withSandbox([.sartiq]) { harness in
            let session = harness.session(.sartiq)
            let client = try SartiqClient(session: session, stage: uploadStage(.sartiq))
            try await client.prepare(state: [:])
            let item = Self.products(1)[0]
            let result = try await client.update(item, remoteID: "0b5e0000-0000-4000-8000-000000000001")
            guard case .done(let id) = result else {
                Issue.record("expected .done, got \(result)")
                return
            }
            #expect(id != "0b5e0000-0000-4000-8000-000000000001")
            #expect(try await client.find(keys: [item.key]) == [item.key: id])
        }
    }
}
