import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

@Suite("pixyle client")
struct PixyleClientTests {
    /// A product as the ss26-pixyle pipeline's normalise stage writes it (`unmapped: keep`).
    static func product(_ n: Int, missingCover: Bool = false) -> SendItem {
        let style = "SS26-DR-\(100 + n)"
        let base = "https://cdn.maison-aurel.example/ss26\(missingCover ? "/missing" : "")/\(style)"
        return sendItem(
            [
                ("sku", .string("MA26-DR\(100 + n)-OLV")), ("root_sku", .string(style)),
                ("title", .string("Riviera Linen Sundress \(n)")),
                ("description", .string("Cut from 55% linen, 45% cotton, it \"drapes\" softly.\nWash cool.")),
                ("category", .string("Dresses")), ("image_url_1", .string("\(base)/cover.jpg")),
                ("image_url_2", .string("\(base)/back.jpg")), ("image_url_3", .string("\(base)/gallery-1.jpg")),
                ("image_url_4", .null), ("Brand", .string("Maison Aurel")), ("Price", .string("98.95")),
            ], row: n + 1)
    }

    static func client(
        _ session: ServiceSession, collection: String = "SS26 Riviera",
        password: String? = SandboxCredentials.password, batchSize: Int? = 2
    ) throws -> PixyleClient {
        let client = try PixyleClient(
            session: session,
            stage: uploadStage(.pixyle, collection: collection, password: password, batchSize: batchSize))
        client.exportWaitSeconds = 5
        client.pollIntervalSeconds = 0.05
        return client
    }

    /// The account's collections, read with a login of their own (retried: faults may be injected).
    static func collections(_ server: TestSandbox) async throws -> [JSONValue] {
        let transport = HTTPTransport(timeoutSeconds: 5)
        let base = server.baseURL(for: .pixyle)
        var found: [JSONValue]?
        for _ in 0..<20 where found == nil {
            guard
                let login = try? await transport.execute(
                    .json(
                        "POST", base + "/auth/v1/token",
                        .obj([
                            ("email", .string(SandboxCredentials.email)),
                            ("password", .string(SandboxCredentials.password)),
                        ]))),
                let token = login.json?["access_token"]?.textValue,
                let list = try? await transport.execute(
                    HTTPRequestSpec(
                        method: "GET", url: base + "/main/v1/collections?size=20",
                        headers: [("Authorization", "Bearer \(token)")]))
            else { continue }
            found = list.json?["result"]?.arrayValue
        }
        await transport.shutdown()
        return try #require(found)
    }

    @Test func batchesFillOneCollectionAndTheExportReadsBack() async throws {
        try await withSandbox([.pixyle]) { harness in
            let server = harness.server
            let session = harness.session(.pixyle)
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            #expect(client.batchSize == 2 && !client.canUpdate)
            let items = (1...4).map { Self.product($0) } + [Self.product(5, missingCover: true)]
            let (results, ambiguous) = try await uploadLikeRunner(client, items)
            #expect(ambiguous == 0)
            let id = try #require(client.state["collection_id"])
            #expect(results.count == 5)
            for item in items { #expect(results[item.key] == .done(remoteID: "\(id)/\(item.key)")) }
            let collections = try await Self.collections(server)
            #expect(collections.count == 1)
            #expect(collections.first?["name"] == .string("SS26 Riviera"))
            #expect(collections.first?["product_count"] == .number("5"))

            let folder = TemporaryFolder.make("catalog-etl")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let snapshot = try await client.export(into: folder)
            #expect(snapshot.savedFiles == [folder + "/export-pixyle.xlsx"])
            #expect(FileManager.default.fileExists(atPath: folder + "/export-pixyle.xlsx"))
            #expect(snapshot.reportedCount == 5)
            #expect(snapshot.reportedCountName == "product_count")
            #expect(snapshot.items.count == 5)
            for item in items.prefix(4) {
                let remote = try #require(snapshot.items.first { $0.key == item.key })
                #expect(remote.errors.isEmpty)
                #expect(Int(remote.remoteID) != nil)
                for field in ["sku", "root_sku", "title", "description", "image_url_1", "image_url_2", "image_url_3"] {
                    #expect(remote.fields[field] == item.record[field], "\(item.key) \(field)")
                }
                #expect(remote.fields["category"]?.isEmpty == false)
            }
            let failed = try #require(snapshot.items.first { $0.key == items[4].key })
            #expect(failed.errors.count == 1)
            #expect(failed.errors.first?.contains("cover.jpg") == true)
            #expect(failed.errors.first?.contains("404") == true)

            client.exportFormat = "csv"
            let csvFolder = TemporaryFolder.make("catalog-etl")
            defer { try? FileManager.default.removeItem(atPath: csvFolder) }
            let csv = try await client.export(into: csvFolder)
            #expect(Set(csv.items.compactMap(\.key)) == Set(items.map(\.key)))
            #expect(csv.savedFiles == [csvFolder + "/export-pixyle.csv"])

            // A rerun with the ledger's state adds to the same collection.
            let rerun = try Self.client(session)
            try await rerun.prepare(state: client.state)
            let sixth = Self.product(6)
            #expect(try await rerun.create([sixth]) == [sixth.key: .done(remoteID: "\(id)/\(sixth.key)")])
            #expect(rerun.state == client.state)
            let after = try await Self.collections(server)
            #expect(after.count == 1)
            #expect(after.first?["product_count"] == .number("6"))
        }
    }

    @Test func refusedFileRejectsEveryItemOfTheBatch() async throws {
        try await withSandbox([.pixyle], { $0.pixyleMaxRowsPerFile = 2 }) { harness in
            let session = harness.session(.pixyle)
            let client = try Self.client(session, batchSize: 3)
            try await client.prepare(state: [:])
            let items = (1...3).map { Self.product($0) }
            let refused = try await client.create(items)
            #expect(refused.count == 3)
            for item in items {
                guard case .rejected(let why)? = refused[item.key] else {
                    Issue.record("\(item.key): \(String(describing: refused[item.key]))")
                    continue
                }
                #expect(why.contains("422"))
                #expect(why.contains("at most 2"))
            }
            #expect(client.state.isEmpty)

            var noImage = Self.product(4)
            noImage.record = .obj(
                (noImage.record.objectValue ?? []).map { f in f.key == "image_url_1" ? (f.key, .null) : (f.key, f.value)
                })
            let mixed = try await client.create([items[0], noImage, items[1]])
            #expect(mixed[items[0].key] == .done(remoteID: "\(client.state["collection_id"] ?? "")/\(items[0].key)"))
            #expect(mixed[items[1].key] == .done(remoteID: "\(client.state["collection_id"] ?? "")/\(items[1].key)"))
            guard case .rejected(let why)? = mixed[noImage.key] else {
                Issue.record("\(noImage.key): \(String(describing: mixed[noImage.key]))")
                return
            }
            #expect(why.contains("image_url_1"))
        }
    }

    @Test func eleventhCollectionWaitsUntilOneIsProcessed() async throws {
        // Processing outlasts the ten set-up uploads even on a loaded machine (2 s did not: the first
        // collection was processed before the eleventh was asked for, and no wait happened).
        try await withSandbox([.pixyle], { $0.pixyleProcessingSeconds = 12 }) { harness in
            let server = harness.server
            let others = harness.session(.pixyle)
            for n in 1...10 {
                let other = try Self.client(others, collection: "Other \(n)")
                try await other.prepare(state: [:])
                _ = try await other.create([Self.product(100 + n)])
            }
            let session = harness.session(.pixyle)
            let client = try Self.client(session)
            client.processingLimitWaitSeconds = 30
            client.pollIntervalSeconds = 0.1
            try await client.prepare(state: [:])
            let item = Self.product(1)
            let result = try await client.create([item])
            #expect(result[item.key] == .done(remoteID: "\(client.state["collection_id"] ?? "")/\(item.key)"))
            let stats = try await sandboxStats(server, .pixyle)
            #expect(stats["requests"]?["POST /pixyle/main/v1/collections"] == .number("12"))
        }
    }

    @Test func processingLimitThatNeverFreesFailsTheBatch() async throws {
        try await withSandbox([.pixyle], { $0.pixyleProcessingSeconds = 60 }) { harness in
            let session = harness.session(.pixyle)
            for n in 1...10 {
                let other = try Self.client(session, collection: "Other \(n)")
                try await other.prepare(state: [:])
                _ = try await other.create([Self.product(100 + n)])
            }
            let client = try Self.client(session)
            client.processingLimitWaitSeconds = 0.3
            client.pollIntervalSeconds = 0.1
            try await client.prepare(state: [:])
            let error = await thrownError { _ = try await client.create([Self.product(1)]) }
            guard case .failed(let message)? = error as? RemoteError else {
                Issue.record("expected RemoteError.failed, got \(String(describing: error))")
                return
            }
            #expect(message.contains("403"))
            #expect(message.contains("10 collections were still processing"))
        }
    }

    @Test func lostCreateAnswerDoesNotMakeASecondCollection() async throws {
        // Request 1 is the login, request 2 the upload that creates the collection: its connection is
        // reset after the collection was stored, so the client cannot know whether it exists.
        let seed = try seedFaulting(.pixyle, share: 0.25, position: 2, clean: 25)
        try await withSandbox([.pixyle], faults: "pixyle:reset=0.25", seed: seed) { harness in
            let server = harness.server
            let session = harness.session(.pixyle)
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            let items = (1...4).map { Self.product($0) }
            let (results, ambiguous) = try await uploadLikeRunner(client, items)
            #expect(ambiguous == 1)
            #expect(results.count == 4)
            let id = try #require(client.state["collection_id"])
            for item in items { #expect(results[item.key] == .done(remoteID: "\(id)/\(item.key)")) }
            let stats = try await sandboxStats(server, .pixyle)
            #expect(stats["items"] == .number("4"))
            #expect(stats["duplicate_keys"] == .number("0"))
            let collections = try await Self.collections(server)
            #expect(collections.count == 1)
            #expect(collections.first?["id"]?.plainText == id)
        }
    }

    @Test func expiredTokenLogsInAgainAndWrongPasswordIsFatal() async throws {
        try await withSandbox([.pixyle], { $0.pixyleTokenTTL = 1.5 }) { harness in
            let session = harness.session(.pixyle)
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            _ = try await client.create([Self.product(1)])
            try await Task.sleep(for: .milliseconds(1800))
            let second = Self.product(2)
            let result = try await client.create([second])
            #expect(result[second.key] == .done(remoteID: "\(client.state["collection_id"] ?? "")/\(second.key)"))

            let wrong = try Self.client(harness.session(.pixyle), password: "not-the-password")
            let error = await thrownError { try await wrong.prepare(state: [:]) }
            guard case .fatal(let message)? = error as? RemoteError else {
                Issue.record("expected RemoteError.fatal, got \(String(describing: error))")
                return
            }
            #expect(message.contains("401"))
            #expect(!message.contains("not-the-password"))
            #expect(throws: ConfigError.self) { _ = try Self.client(session, collection: " ") }
            #expect(throws: ConfigError.self) { _ = try Self.client(session, password: nil) }
        }
    }

    @Test func uploadFileFollowsTheSchemaWithMetadataColumns() {
        let rows = [Self.product(1), Self.product(2)].map { (sku: $0.key, item: $0) }
        let text = String(decoding: PixyleClient.csv(rows), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(
            lines.first
                == "sku,image_url_1,image_url_2,image_url_3,image_url_4,image_url_5,image_url_6,image_url_7,image_url_8,category,root_sku,title,description,Brand,Price"
        )
        #expect(text.contains(#""Cut from 55% linen, 45% cotton, it ""drapes"" softly."#))
        #expect(text.hasSuffix("Maison Aurel,98.95\r\n"))
    }

    @Test func productErrorsMapToSKUsThroughImageNames() {
        func error(_ pid: Int, _ image: String, _ message: String = "HTTP 404") -> PixyleClient.ProductError {
            PixyleClient.ProductError(productID: pid, imageName: image, message: message)
        }
        let sent = [
            ("A", ["https://x/a/cover.jpg"]), ("B", ["https://x/b/cover.jpg"]), ("C", ["https://x/c/cover.jpg"]),
            ("D", ["https://x/d/cover.jpg", "https://x/d/back.jpg"]),
        ]
        let export = [[("product_id", "5"), ("sku", "A")]]
        // D alone has both images; B and C share cover.jpg: rising product ids follow the upload order.
        let errors = [error(9, "cover.jpg"), error(7, "cover.jpg"), error(8, "cover.jpg"), error(8, "back.jpg")]
        #expect(PixyleClient.assignErrors(errors, exportRows: export, sent: sent) == [7: "B", 8: "D", 9: "C"])
        // A message that quotes the URL decides.
        let quoted = [error(9, "cover.jpg", "HTTP 404 for https://x/b/cover.jpg"), error(7, "cover.jpg")]
        #expect(PixyleClient.assignErrors(quoted, exportRows: export, sent: sent) == [7: "C", 9: "B"])
        // A whole URL as the image name, and nothing for an exported product.
        let whole = [error(11, "https://x/d/back.jpg"), error(5, "cover.jpg")]
        #expect(PixyleClient.assignErrors(whole, exportRows: export, sent: sent) == [11: "D"])
    }
}
