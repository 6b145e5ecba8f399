import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

@Suite("mixpeek client")
struct MixpeekClientTests {
    typealias H = SandboxClientHarness

    static let credentials = ["token": "sk_sandbox", "namespace": "ss26"]

    static func stage(batchSize: Int? = nil, credentials: [String: String] = credentials) -> UploadStage {
        H.stage(.mixpeek, credentials: credentials, collection: "ss26-womenswear", batchSize: batchSize)
    }

    /// A record as pipelines/ss26-mixpeek.yaml's normalise stage makes it.
    static func item(_ n: Int, image: String? = nil) -> SendItem {
        let p = H.product(n)
        return H.item(
            p.sku, row: n + 1,
            [
                ("sku", .string(p.sku)), ("image_url", image.map { .string($0) } ?? .string(p.image)),
                ("title", .string(p.title)), ("description", .string(p.description)),
                (
                    "metadata",
                    .obj([("Colour", .string("Olive")), ("Price", .number("98.95")), ("Year", .int(2026))])
                ),
            ])
    }

    /// A raw, namespaced request to the sandbox (for what the client does not expose).
    static func raw(_ session: ServiceSession, _ path: String, _ body: JSONValue) async throws -> JSONValue {
        var request = HTTPRequestSpec.json("POST", session.url(path), body)
        request.headers.append(("X-Namespace", "ss26"))
        return try #require(try await session.send(request, idempotent: true).json)
    }

    @Test func createsInBatchesProcessesFindsAndExportsEveryField() async throws {
        try await H.withService(.mixpeek) { _, session in
            let client = try MixpeekClient(session: session, stage: Self.stage(batchSize: 5))
            #expect(client.batchSize == 5)
            try await client.prepare(state: [:])
            #expect(client.state.isEmpty)  // the bucket's schema comes from the first batch

            let items = (1...8).map { Self.item($0) }
            var created: [String: ItemResult] = [:]
            for batch in ClientKit.chunks(items, of: client.batchSize) {
                created.merge(try await client.create(batch)) { a, _ in a }
            }
            #expect(created.count == 8)
            #expect(created.values.allSatisfy { if case .done = $0 { true } else { false } })
            let state = client.state
            #expect(state["bucket_id"]?.hasPrefix("bkt_") == true)
            #expect(state["collection_id"]?.hasPrefix("col_") == true)
            #expect(ClientKit.splitIDs(state["pending_object_ids"]).count == 8)

            // Nothing is a document before the processing batch has run.
            #expect(try await client.find(keys: items.map(\.key)).isEmpty)
            try await client.finish()
            #expect(client.state["pending_object_ids"] == nil)

            let found = try await client.find(keys: [items[0].key, items[7].key, "NOT-SENT"])
            #expect(found.count == 2)
            if case .done(let id)? = created[items[0].key] { #expect(found[items[0].key] == id) }

            let folder = TemporaryFolder.make("catalog-etl")
            let snapshot = try await client.export(into: folder)
            #expect(snapshot.reportedCount == 8)
            #expect(snapshot.reportedCountName == "document_count")
            #expect(try H.savedExport(snapshot).count == 8)
            #expect(snapshot.savedFiles.first?.hasSuffix("/export-mixpeek.json") == true)
            #expect(Set(snapshot.items.compactMap(\.key)) == Set(items.map(\.key)))
            for item in items {
                let remote = try #require(snapshot.items.first { $0.key == item.key })
                if case .done(let id)? = created[item.key] { #expect(remote.remoteID == id) }
                for field in ["sku", "image_url", "title", "description", "metadata"] {
                    #expect(remote.fields[field] == item.record[field], "\(item.key).\(field)")
                }
            }

            // The bucket was made for these records: typed schema, the key as unique key.
            let buckets = try await Self.raw(session, "/v1/buckets/list", .obj([]))
            let bucket = try #require(buckets["results"]?.arrayValue?.first)
            #expect(bucket["bucket_name"] == .string("ss26-womenswear"))
            #expect(bucket["unique_key"]?["fields"] == .array([.string("sku")]))
            let properties = bucket["bucket_schema"]?["properties"]
            #expect(properties?["image_url"]?["type"] == .string("image"))
            #expect(properties?["title"]?["type"] == .string("string"))
            #expect(properties?["metadata"]?["type"] == .string("object"))
        }
    }

    @Test func perObjectFailuresBecomeRejectionsAndTheRestIsCreated() async throws {
        try await H.withService(.mixpeek) { _, session in
            let client = try MixpeekClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            let good = Self.item(1)
            let missing = Self.item(2, image: "https://cdn.maison-aurel.example/missing/cover.jpg")
            var noImage = Self.item(3)
            noImage.record = .obj([("sku", .string(noImage.key)), ("title", .string("No image"))])
            let results = try await client.create([good, missing, noImage])
            guard case .done? = results[good.key] else {
                Issue.record("the good object was not created: \(String(describing: results[good.key]))")
                return
            }
            guard case .rejected(let fetch)? = results[missing.key], case .rejected(let blobs)? = results[noImage.key]
            else {
                Issue.record("expected two rejections, got \(results)")
                return
            }
            #expect(fetch.contains("dependency") && fetch.contains("404"))
            #expect(blobs.contains("validation") && blobs.contains("blob"))

            // A batch in which every object fails answers 422; each item is still rejected on its own.
            let allBad = try await client.create([Self.item(4, image: "https://x.example/missing/a.jpg")])
            guard case .rejected(let why)? = allBad[Self.item(4).key] else {
                Issue.record("expected a rejection, got \(allBad)")
                return
            }
            #expect(why.contains("dependency"))
            #expect(ClientKit.splitIDs(client.state["pending_object_ids"]).count == 1)
        }
    }

    @Test func refusedOrMissingCredentialsAreFatal() async throws {
        try await H.withService(.mixpeek) { _, session in
            let client = try MixpeekClient(
                session: session, stage: Self.stage(credentials: ["token": "sk_wrong", "namespace": "ss26"]))
            await #expect {
                try await client.prepare(state: [:])
            } throws: { error in
                guard case RemoteError.fatal(let message) = error else { return false }
                return message.contains("401") && !message.contains("sk_wrong")
            }
        }
        let offline = H.makeSessionWithoutServer()
        #expect {
            _ = try MixpeekClient(session: offline, stage: Self.stage(credentials: ["token": "sk_sandbox"]))
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.description.contains("namespace")
        }
        await offline.shutdown()
    }

    @Test(arguments: [3, 5, 11] as [UInt64]) func withFaultsEveryItemEndsOnTheServiceExactlyOnce(seed: UInt64)
        async throws
    {
        try await H.withService(.mixpeek, faults: "mixpeek:429=0.02,5xx=0.1,reset=0.1,timeout=0.02", seed: seed) {
            server, session in
            let client = try MixpeekClient(session: session, stage: Self.stage(batchSize: 3))
            try await client.prepare(state: [:])
            let items = (1...30).map { Self.item($0) }
            let (done, rejected, ambiguous) = try await H.runLikeRunner(client, items)
            #expect(rejected.isEmpty)
            #expect(ambiguous > 0)  // the find-then-create path was taken
            #expect(done.count == 30)
            try await client.finish()
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            let keys = snapshot.items.compactMap(\.key)
            #expect(keys.count == 30)
            #expect(Set(keys) == Set(items.map(\.key)))
            for item in snapshot.items { #expect(done[item.key ?? ""] == item.remoteID) }
            let stats = try await H.stats(server, session, .mixpeek)
            #expect(stats["items"]?.integerValue == 30)
            #expect(stats["duplicate_keys"]?.integerValue == 0)
            #expect(session.counters.retries > 0)
        }
    }

    @Test func aRerunReusesTheBucketAndCollectionAndProcessesWhatWasLeft() async throws {
        try await H.withService(.mixpeek) { server, session in
            let first = try MixpeekClient(session: session, stage: Self.stage())
            try await first.prepare(state: [:])
            _ = try await first.create((1...3).map { Self.item($0) })
            let saved = first.state  // the run stops here: no finish()
            #expect(ClientKit.splitIDs(saved["pending_object_ids"]).count == 3)

            let second = try MixpeekClient(session: session, stage: Self.stage())
            try await second.prepare(state: saved)
            #expect(second.state["bucket_id"] == saved["bucket_id"])
            #expect(second.state["collection_id"] == saved["collection_id"])
            _ = try await second.create((4...5).map { Self.item($0) })
            try await second.finish()
            let snapshot = try await second.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.items.count == 5)

            // Without saved state the same bucket and collection are found by name.
            let third = try MixpeekClient(session: session, stage: Self.stage())
            try await third.prepare(state: [:])
            #expect(third.state["bucket_id"] == saved["bucket_id"])
            #expect(third.state["collection_id"] == saved["collection_id"])
            let buckets = try await Self.raw(session, "/v1/buckets/list", .obj([]))
            let collections = try await Self.raw(session, "/v1/collections/list", .obj([]))
            #expect(buckets["total_count"]?.integerValue == 1)
            #expect(collections["total_count"]?.integerValue == 1)
            _ = server
        }
    }

    @Test func anUpdateReplacesTheObjectInPlaceAndIsProcessedAgain() async throws {
        try await H.withService(.mixpeek) { server, session in
            let client = try MixpeekClient(session: session, stage: Self.stage())
            #expect(client.canUpdate)
            try await client.prepare(state: [:])
            let item = Self.item(1)
            guard case .done(let id)? = try await client.create([item])[item.key] else {
                Issue.record("the object was not created")
                return
            }
            try await client.finish()
            var changed = item
            changed.record = .object(
                (item.record.objectValue ?? []).map {
                    $0.key == "title" ? JSONField("title", .string("Renamed Sundress")) : $0
                })
            #expect(try await client.update(changed, remoteID: id) == .done(remoteID: id))
            #expect(ClientKit.splitIDs(client.state["pending_object_ids"]) == [id])
            try await client.finish()
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.items.count == 1)
            #expect(snapshot.items.first?.remoteID == id)
            #expect(snapshot.items.first?.fields["title"] == .string("Renamed Sundress"))

            guard case .rejected(let why) = try await client.update(Self.item(2), remoteID: "obj_unknown") else {
                Issue.record("an update of a key the service lacks must be rejected")
                return
            }
            #expect(why.contains("no object"))
            let stats = try await H.stats(server, session, .mixpeek)
            #expect(stats["items"]?.integerValue == 1)
        }
    }

    @Test func aBucketWithoutTheUniqueKeyIsNotUpdatedInPlace() async throws {
        try await H.withService(.mixpeek) { server, session in
            let client = try MixpeekClient(session: session, stage: Self.stage())
            _ = try await Self.raw(
                session, "/v1/buckets",
                .obj([
                    ("bucket_name", .string("ss26-womenswear")),
                    (
                        "bucket_schema",
                        .obj([("properties", .obj([("image_url", .obj([("type", .string("image"))]))]))])
                    ),
                ]))
            try await client.prepare(state: [:])
            let item = Self.item(1)
            guard case .done(let id)? = try await client.create([item])[item.key] else {
                Issue.record("the object was not created")
                return
            }
            guard case .rejected(let why) = try await client.update(item, remoteID: id) else {
                Issue.record("an update without a unique key must be rejected, not sent")
                return
            }
            #expect(why.contains("unique_key"))
            let stats = try await H.stats(server, session, .mixpeek)
            #expect(stats["items"]?.integerValue == 1)
        }
    }

    @Test func theExportShowsWhatTheServiceChanged() async throws {
        try await H.withService(.mixpeek, plant: "mixpeek:mutate=1,drop=1,extra=1,duplicate=1") { _, session in
            let client = try MixpeekClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            let items = (1...6).map { Self.item($0) }
            _ = try await client.create(items)
            // The first listing plants the differences, before processing: one object is dropped, and
            // the processing batch leaves it out.
            _ = try await client.find(keys: [items[0].key])
            try await client.finish()
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            let keys = snapshot.items.compactMap(\.key)
            #expect(keys.count == 7)  // 6 - 1 dropped + 1 extra + 1 duplicate
            #expect(keys.contains("PLANTED-EXTRA-1"))
            #expect(Set(keys).count == 6)
            let mutated = snapshot.items.filter { $0.fields["title"]?.textValue?.hasSuffix(" [planted]") == true }
            #expect(mutated.count >= 1)
            #expect(snapshot.reportedCount == 7)
        }
    }

    @Test func aSameNamedCollectionOverAnotherBucketIsFatal() async throws {
        try await H.withService(.mixpeek) { _, session in
            let client = try MixpeekClient(session: session, stage: Self.stage())  // sets the session's auth
            let other = try await Self.raw(
                session, "/v1/buckets",
                .obj([
                    ("bucket_name", .string("elsewhere")),
                    (
                        "bucket_schema",
                        .obj([("properties", .obj([("image_url", .obj([("type", .string("image"))]))]))])
                    ),
                ]))
            let otherID = try #require(other["bucket_id"]?.textValue)
            _ = try await Self.raw(
                session, "/v1/collections",
                .obj([
                    ("collection_name", .string("ss26-womenswear")),
                    ("source", .obj([("type", .string("bucket")), ("bucket_ids", .array([.string(otherID)]))])),
                    ("feature_extractor", .obj([("feature_extractor_name", .string("x"))])),
                ]))
            try await client.prepare(state: [:])
            await #expect {
                _ = try await client.create([Self.item(1)])
            } throws: { error in
                guard case RemoteError.fatal(let message) = error else { return false }
                return message.contains("ss26-womenswear") && message.contains(otherID)
            }
        }
    }
}

extension SandboxClientHarness {
    /// A session through a transport no request reaches (for checks that send nothing).
    static func makeSessionWithoutServer() -> ServiceSession {
        ServiceSession(
            origin: "http://offline.stub", serviceName: "Offline",
            transport: StubTransport.unreachable(timeoutSeconds: 1),
            uploadPacer: Pacer(ratePerSecond: 50, concurrency: 1), readPacer: Pacer(ratePerSecond: 50, concurrency: 1),
            retry: RetryPolicy(maxAttempts: 1, base: 0.01, cap: 0.01), counters: UploadCounters(), redactor: Redactor())
    }
}
