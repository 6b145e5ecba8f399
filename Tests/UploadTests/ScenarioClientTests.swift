import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

@Suite("scenario client")
struct ScenarioClientTests {
    typealias H = SandboxClientHarness

    /// The first bytes of a PNG (the sandbox checks the signature), then a marker.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("catalog-etl test image".utf8)

    /// Serves every reference as the PNG, except references under `/missing/`.
    static let loader: ScenarioClient.ImageLoader = { reference in
        if reference.contains("/missing/") { throw ScenarioClient.ImageError(message: "HTTP 404") }
        return png
    }

    static func stage(key: String = "sandbox", collection: String = "SS26 Riviera") -> UploadStage {
        H.stage(.scenario, credentials: ["key": key, "secret": "sandbox"], collection: collection)
    }

    static func client(_ session: ServiceSession, loader: ScenarioClient.ImageLoader? = ScenarioClientTests.loader)
        throws -> ScenarioClient
    {
        try ScenarioClient(session: session, stage: stage(), imageLoader: loader)
    }

    /// A record as pipelines/ss26-scenario.yaml's normalise stage makes it.
    static func item(_ n: Int, image: String? = nil) -> SendItem {
        let p = H.product(n)
        return H.item(
            p.sku, row: n + 1,
            [
                ("name", .string(p.sku)), ("sku", .string(p.sku)), ("image_url", .string(image ?? p.image)),
                ("description", .string(p.title)),
            ])
    }

    /// A request to the sandbox with the client's credentials (for what the client does not expose).
    static func raw(_ session: ServiceSession, _ method: String, _ path: String, _ body: JSONValue? = nil)
        async throws -> JSONValue
    {
        let request =
            body.map { HTTPRequestSpec.json(method, session.url(path), $0) }
            ?? HTTPRequestSpec(method: method, url: session.url(path))
        return try #require(try await session.send(request, idempotent: true).json)
    }

    @Test func createsAssetsInTheCollectionFindsAndExportsThem() async throws {
        try await H.withService(.scenario) { _, session in
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            let collectionID = try #require(client.state["collection_id"])
            let items = (1...6).map { Self.item($0) }
            var created: [String: ItemResult] = [:]
            for batch in [Array(items[0..<2]), Array(items[2...])] {
                created.merge(try await client.create(batch)) { a, _ in a }
            }
            #expect(created.count == 6)
            #expect(client.state["attach_asset_ids"] == nil)  // attached by the create itself
            try await client.finish()

            let found = try await client.find(keys: [items[2].key, "NOT-SENT"])
            #expect(found.count == 1)
            if case .done(let id)? = created[items[2].key] { #expect(found[items[2].key] == id) }

            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.reportedCount == 6)
            #expect(snapshot.reportedCountName == "assetCount")
            let saved = try H.savedExport(snapshot)
            #expect(saved.count == 6)
            #expect(saved.allSatisfy { $0["collectionIds"] == .array([.string(collectionID)]) })
            for item in items {
                let remote = try #require(snapshot.items.first { $0.key == item.key })
                if case .done(let id)? = created[item.key] { #expect(remote.remoteID == id) }
                #expect(remote.fields["name"] == item.record["name"])
            }
        }
    }

    @Test func unreadableOrRefusedImagesRejectTheirItem() async throws {
        try await H.withService(.scenario) { server, session in
            let notAnImage: ScenarioClient.ImageLoader = { reference in
                reference.contains("text") ? Array("hello".utf8) : ScenarioClientTests.png
            }
            let client = try Self.client(session, loader: notAnImage)
            try await client.prepare(state: [:])
            var noImage = Self.item(3)
            noImage.record = .obj([("name", .string(noImage.key))])
            let results = try await client.create([
                Self.item(1), Self.item(2, image: "https://cdn.maison-aurel.example/text/cover.txt"), noImage,
            ])
            guard case .done? = results[Self.item(1).key],
                case .rejected(let format)? = results[Self.item(2).key],
                case .rejected(let missing)? = results[noImage.key]
            else {
                Issue.record("expected one asset and two rejections, got \(results)")
                return
            }
            #expect(format.contains("400") && format.contains("format"))
            #expect(missing.contains("image_url"))

            // The built-in reader: data: URLs and files are read, unreachable URLs reject the item.
            let builtIn = try Self.client(session, loader: nil)
            try await builtIn.prepare(state: [:])
            let file = TemporaryFolder.make("catalog-etl") + "/cover.png"
            try Data(Self.png).write(to: URL(fileURLWithPath: file))
            let dataURL = "data:image/png;base64," + Data(Self.png).base64EncodedString()
            let read = try await builtIn.create([
                Self.item(4, image: dataURL), Self.item(5, image: "file://" + file),
                Self.item(6, image: server.rootURL + "/cdn/missing/cover.png"), Self.item(7),
            ])
            guard case .done? = read[Self.item(4).key], case .done? = read[Self.item(5).key],
                case .rejected(let notFound)? = read[Self.item(6).key],
                case .rejected(let reserved)? = read[Self.item(7).key]
            else {
                Issue.record("expected two assets and two rejections, got \(read)")
                return
            }
            #expect(notFound.contains("404"))
            #expect(reserved.contains("reserved"))
        }
    }

    @Test func theExportShowsWhatTheServiceChangedInTheCollection() async throws {
        try await H.withService(.scenario, plant: "scenario:mutate=1,drop=1,extra=1,duplicate=1") { _, session in
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            let items = (1...6).map { Self.item($0) }
            _ = try await client.create(items)
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            let keys = snapshot.items.compactMap(\.key)
            // 6 - 1 dropped + 1 duplicate; the planted extra asset is in no collection, so not exported.
            #expect(keys.count == 6)
            #expect(!keys.contains("PLANTED-EXTRA-1"))
            #expect(keys.filter { $0.hasSuffix(" [planted]") }.count == 1)
            #expect(Set(keys).count == 5)
            #expect(snapshot.reportedCount == 6)
        }
    }

    @Test func refusedOrMissingCredentialsAreFatal() async throws {
        try await H.withService(.scenario) { _, session in
            let client = try ScenarioClient(session: session, stage: Self.stage(key: "wrong-key"))
            await #expect {
                try await client.prepare(state: [:])
            } throws: { error in
                guard case RemoteError.fatal(let message) = error else { return false }
                return message.contains("401") && !message.contains("wrong-key")
            }
        }
        let offline = H.makeSessionWithoutServer()
        #expect {
            _ = try ScenarioClient(
                session: offline, stage: H.stage(.scenario, credentials: ["key": "k"], collection: "SS26 Riviera"))
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.description.contains("secret")
        }
        await offline.shutdown()
    }

    @Test(arguments: [3, 5, 11] as [UInt64]) func withFaultsEveryItemEndsInTheCollectionExactlyOnce(seed: UInt64)
        async throws
    {
        try await H.withService(.scenario, faults: "scenario:429=0.02,5xx=0.1,reset=0.1,timeout=0.02", seed: seed) {
            server, session in
            let client = try Self.client(session)
            try await client.prepare(state: [:])
            let items = (1...25).map { Self.item($0) }
            let (done, rejected, ambiguous) = try await H.runLikeRunner(client, items)
            #expect(rejected.isEmpty)
            #expect(ambiguous > 0)  // the find-then-create path was taken
            #expect(done.count == 25)
            try await client.finish()
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.items.compactMap(\.key).sorted() == items.map(\.key).sorted())
            #expect(snapshot.reportedCount == 25)
            for item in snapshot.items { #expect(done[item.key ?? ""] == item.remoteID) }
            let stats = try await H.stats(server, session, .scenario)
            #expect(stats["items"]?.integerValue == 25)
            #expect(stats["duplicate_keys"]?.integerValue == 0)
            #expect(session.counters.retries > 0)
            let collections = try await Self.raw(session, "GET", "/v1/collections?pageSize=100")
            #expect(collections["collections"]?.arrayValue?.count == 1)
        }
    }

    @Test func assetsOutsideTheCollectionAreAttachedFortyNineAtATime() async throws {
        try await H.withService(.scenario) { server, session in
            let client = try Self.client(session)  // sets the session's auth
            // 60 assets made earlier outside any collection (e.g. by a run that stopped before attaching).
            let items = (1...60).map { Self.item($0) }
            let image = JSONValue.string(Data(Self.png).base64EncodedString())
            for item in items {
                _ = try await Self.raw(
                    session, "POST", "/v1/assets", .obj([("name", .string(item.key)), ("image", image)]))
            }
            try await client.prepare(state: [:])
            let found = try await client.find(keys: items.map(\.key))
            #expect(found.count == 60)
            let saved = client.state
            #expect(ClientKit.splitIDs(saved["attach_asset_ids"]).count == 60)

            // The run stops here; the next one attaches what the saved state lists.
            let rerun = try Self.client(session)
            try await rerun.prepare(state: saved)
            #expect(rerun.state["collection_id"] == saved["collection_id"])
            try await rerun.finish()
            #expect(rerun.state["attach_asset_ids"] == nil)
            let stats = try await H.stats(server, session, .scenario)
            #expect(H.requests(stats, "PUT", endingWith: "/assets") == 2)
            let snapshot = try await rerun.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.reportedCount == 60)
            #expect(Set(snapshot.items.map(\.remoteID)) == Set(found.values))

            // Nothing is left to attach: a second finish sends nothing.
            try await rerun.finish()
            let after = try await H.stats(server, session, .scenario)
            #expect(H.requests(after, "PUT", endingWith: "/assets") == 2)
        }
    }

    @Test func aRerunReusesTheCollectionBySavedIdOrByName() async throws {
        try await H.withService(.scenario) { _, session in
            let first = try Self.client(session)
            try await first.prepare(state: [:])
            let id = try #require(first.state["collection_id"])
            let byState = try Self.client(session)
            try await byState.prepare(state: first.state)
            #expect(byState.state["collection_id"] == id)
            let byName = try Self.client(session)
            try await byName.prepare(state: ["collection_id": "collection_gone"])
            #expect(byName.state["collection_id"] == id)
            let collections = try await Self.raw(session, "GET", "/v1/collections?pageSize=100")
            #expect(collections["collections"]?.arrayValue?.count == 1)
        }
    }
}
