import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

@Suite("wickson client")
struct WicksonClientTests {
    typealias H = SandboxClientHarness

    static func stage(collection: String? = "ss26-womenswear", key: String = "wk_sandbox") -> UploadStage {
        H.stage(.wickson, credentials: ["api_key": key], collection: collection)
    }

    /// A record as pipelines/ss26-wickson.yaml's normalise stage makes it (`unmapped: keep`).
    static func item(_ n: Int) -> SendItem {
        let p = H.product(n)
        return H.item(
            p.sku, row: n + 1,
            [
                ("sku", .string(p.sku)), ("title", .string(p.title)), ("description", .string(p.description)),
                ("image_url", .string(p.image)), ("Colour", .string("Olive")), ("Price", .number("98.95")),
            ])
    }

    @Test func uploadsOneDocumentPerProductFindsAndExportsTheKeys() async throws {
        try await H.withService(.wickson) { _, session in
            let client = try WicksonClient(session: session, stage: Self.stage())
            #expect(client.batchSize == 1)
            #expect(client.canUpdate == false)
            try await client.prepare(state: [:])
            #expect(client.state == ["collection_id": "ss26-womenswear"])
            let items = (1...6).map { Self.item($0) }
            var created: [String: ItemResult] = [:]
            for batch in [Array(items[0..<3]), Array(items[3...])] {
                created.merge(try await client.create(batch)) { a, _ in a }
            }
            #expect(created.count == 6)
            try await client.finish()

            let found = try await client.find(keys: [items[1].key, "NOT-SENT"])
            #expect(found.count == 1)
            if case .done(let id)? = created[items[1].key] {
                #expect(found[items[1].key] == id)
                #expect(id.hasPrefix("doc_"))
            }

            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.reportedCount == 6)
            #expect(snapshot.reportedCountName == "item_count")
            let saved = try H.savedExport(snapshot)
            #expect(saved.count == 6)
            #expect(saved.first?["file_info"]?["filename"] == .string(items[0].key + ".json"))
            for item in items {
                let remote = try #require(snapshot.items.first { $0.key == item.key })
                if case .done(let id)? = created[item.key] { #expect(remote.remoteID == id) }
                #expect(remote.fields["sku"] == item.record["sku"])
            }
        }
    }

    @Test func theSameFileSentAgainGivesBackTheMediaItAlreadyHolds() async throws {
        try await H.withService(.wickson) { server, session in
            let client = try WicksonClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            let item = Self.item(1)
            let first = try await client.create([item])
            let again = try await client.create([item])
            #expect(first == again)
            let stats = try await H.stats(server, session, .wickson)
            #expect(stats["items"]?.integerValue == 1)
        }
    }

    @Test func refusalsOfTheServiceRejectTheItem() async throws {
        try await H.withService(.wickson, settings: { $0.wicksonMaxFileBytes = 1000 }) { _, session in
            let client = try WicksonClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            var big = Self.item(2)
            big.record = .obj([
                ("sku", .string(big.key)), ("description", .string(String(repeating: "x", count: 2000))),
            ])
            let results = try await client.create([Self.item(1), big])
            guard case .done? = results[Self.item(1).key], case .rejected(let why)? = results[big.key] else {
                Issue.record("expected one upload and one rejection, got \(results)")
                return
            }
            #expect(why.contains("413") && why.contains("FILE_TOO_LARGE"))

            let badCollection = try WicksonClient(session: session, stage: Self.stage(collection: "SS26 Riviera"))
            guard case .rejected(let invalid)? = try await badCollection.create([Self.item(3)])[Self.item(3).key] else {
                Issue.record("a collection id with a space must be refused")
                return
            }
            #expect(invalid.contains("collection_id"))
        }
    }

    @Test func theExportShowsWhatTheServiceChanged() async throws {
        try await H.withService(.wickson, plant: "wickson:mutate=1,drop=1,extra=1,duplicate=1") { _, session in
            let client = try WicksonClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            let items = (1...6).map { Self.item($0) }
            _ = try await client.create(items)
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            let keys = snapshot.items.compactMap(\.key)
            #expect(keys.count == 7)  // 6 - 1 dropped + 1 extra + 1 duplicate
            #expect(keys.contains("PLANTED-EXTRA-1"))
            #expect(keys.filter { $0.hasPrefix("planted-") }.count == 1)  // the mutated file name
            #expect(snapshot.reportedCount == 7)
        }
    }

    @Test func refusedOrMissingKeyIsFatal() async throws {
        try await H.withService(.wickson) { _, session in
            let client = try WicksonClient(session: session, stage: Self.stage(key: "wk_wrong"))
            await #expect {
                try await client.prepare(state: [:])
            } throws: { error in
                guard case RemoteError.fatal(let message) = error else { return false }
                return message.contains("401") && !message.contains("wk_wrong")
            }
        }
        let offline = H.makeSessionWithoutServer()
        #expect {
            _ = try WicksonClient(session: offline, stage: H.stage(.wickson, credentials: [:], collection: "x"))
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.description.contains("api_key")
        }
        await offline.shutdown()
    }

    @Test(arguments: [3, 5, 11] as [UInt64]) func withFaultsEveryItemEndsOnTheServiceExactlyOnce(seed: UInt64)
        async throws
    {
        try await H.withService(.wickson, faults: "wickson:429=0.02,5xx=0.1,reset=0.1,timeout=0.02", seed: seed) {
            server, session in
            let client = try WicksonClient(session: session, stage: Self.stage())
            try await client.prepare(state: [:])
            let items = (1...25).map { Self.item($0) }
            let (done, rejected, ambiguous) = try await H.runLikeRunner(client, items)
            #expect(rejected.isEmpty)
            #expect(ambiguous > 0)  // the find-then-create path was taken
            #expect(done.count == 25)
            let snapshot = try await client.export(into: TemporaryFolder.make("catalog-etl"))
            #expect(snapshot.items.compactMap(\.key).sorted() == items.map(\.key).sorted())
            #expect(snapshot.reportedCount == 25)
            for item in snapshot.items { #expect(done[item.key ?? ""] == item.remoteID) }
            let stats = try await H.stats(server, session, .wickson)
            #expect(stats["items"]?.integerValue == 25)
            #expect(stats["duplicate_keys"]?.integerValue == 0)
            #expect(session.counters.retries > 0)
        }
    }

    // MARK: - X-RateLimit-Reset

    /// A session through a stub transport, as the runner builds one, with `max_wait` of 60 s; its
    /// pacing and retry waits run on `clock` (the real time unless given).
    static func stubSession(_ transport: StubTransport, clock: TestClock? = nil) -> ServiceSession {
        let time = clock.map { PacingClock.test($0) } ?? .continuous
        return ServiceSession(
            origin: "http://wickson.stub", serviceName: "Wickson", transport: transport,
            uploadPacer: Pacer(ratePerSecond: 50, concurrency: 2, clock: time),
            readPacer: Pacer(ratePerSecond: 50, concurrency: 2, clock: time),
            retry: RetryPolicy(maxAttempts: 3, base: 0.01, cap: 0.02), counters: UploadCounters(), redactor: Redactor(),
            maxWaitSeconds: 60, clock: time)
    }

    @Test func aRateLimitWithoutRetryAfterWaitsUntilXRateLimitReset() async throws {
        let server = StubTransport { _, n in
            n == 0
                ? .json(
                    429, "{\"success\": false}",
                    headers: [("X-RateLimit-Reset", String(Int(Date().timeIntervalSince1970) + 2))])
                : .json(200, "{\"success\": true}")
        }
        let clock = TestClock()
        let session = Self.stubSession(server, clock: clock)
        _ = try WicksonClient(session: session, stage: Self.stage())
        #expect(session.rateLimitResetHeader == "X-RateLimit-Reset")
        let started = clock.now
        let answer = try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url("/v1/media")), idempotent: true)
        let waited = (clock.now - started).components
        let elapsed = Double(waited.seconds) + Double(waited.attoseconds) / 1e18
        await session.shutdown()
        #expect(answer.status == 200)
        #expect(server.requests.count == 2)
        #expect(elapsed >= 0.9, "waited for the reset (unix seconds), not the 20 ms backoff: \(elapsed)")
        #expect(elapsed < 100)
    }

    @Test func aResetLaterThanMaxWaitStopsQuotingIt() async throws {
        let reset = String(Int(Date().timeIntervalSince1970) + 86_400)
        let server = StubTransport(answers: [
            .json(429, "{\"success\": false}", headers: [("X-RateLimit-Reset", reset)])
        ])
        let session = Self.stubSession(server)
        _ = try WicksonClient(session: session, stage: Self.stage())
        var message = ""
        do {
            _ = try await session.send(HTTPRequestSpec(method: "GET", url: session.url("/v1/media")), idempotent: true)
        } catch RemoteError.fatal(let text) {
            message = text
        }
        await session.shutdown()
        #expect(message.contains("X-RateLimit-Reset: \(reset)"), "\(message)")
        #expect(message.contains("longer than upload.max_wait (1 min)"), "\(message)")
        #expect(server.requests.count == 1, "nothing is sent after such an answer")
    }

    @Test func retryAfterWinsOverTheResetAndOtherSessionsIgnoreIt() async throws {
        let far = String(Int(Date().timeIntervalSince1970) + 86_400)
        #expect(RetryPolicy.rateLimitReset(far).map { $0 > 86_000 && $0 <= 86_400 } == true)
        #expect(RetryPolicy.rateLimitReset("1000") == 0, "a reset in the past waits nothing")
        #expect(RetryPolicy.rateLimitReset("soon") == nil)
        let server = StubTransport(
            answers: [.json(429, "{}", headers: [("Retry-After", "0"), ("X-RateLimit-Reset", far)]), .json(200, "{}")])
        let session = Self.stubSession(server)
        _ = try WicksonClient(session: session, stage: Self.stage())
        let answer = try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url("/v1/media")), idempotent: true)
        await session.shutdown()
        #expect(answer.status == 200)
        let plain = Self.stubSession(server)
        #expect(plain.rateLimitResetHeader == nil)
        await plain.shutdown()
    }
}
