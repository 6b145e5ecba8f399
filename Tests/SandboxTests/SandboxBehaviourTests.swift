import ETLTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing

@testable import Sandbox

@Suite("sandbox specs")
struct SandboxSpecTests {
    @Test func parsesFaultsPlantAndServices() throws {
        let faults = try FaultSpec.parse(
            "sartiq:429=0.1,5xx=0.05,reset=0.01,timeout=0.01,latency=50-150ms;pixyle:429=0.2")
        #expect(faults[.sartiq].tooManyRequests == 0.1)
        #expect(faults[.sartiq].latencyMilliseconds == 50...150)
        #expect(faults[.pixyle].tooManyRequests == 0.2)
        #expect(faults[.mixpeek].isEmpty)
        #expect(try FaultSpec.parse("wickson:latency=1s")[.wickson].latencyMilliseconds == 1000...1000)
        let plant = try PlantSpec.parse("sartiq:mutate=3,drop=2,extra=1,duplicate=1")
        #expect(plant[.sartiq].mutate == 3 && plant[.sartiq].drop == 2 && plant[.sartiq].extra == 1)
        #expect(try SandboxService.parseList("pixyle,sartiq") == [.pixyle, .sartiq])
        #expect(try SandboxService.parseList("all").count == 5)
    }

    @Test(arguments: [
        ("nosuch:429=0.1", "\"nosuch\""), ("sartiq:429=2", "429=\"2\""), ("sartiq:bogus=1", "\"bogus\""),
        ("sartiq:latency=fast", "latency=\"fast\""), ("sartiq:429=0.6,5xx=0.6", "add up"), ("sartiq", "\"sartiq\""),
    ])
    func badFaultSpecsNameTheBadPart(spec: String, part: String) {
        #expect(throws: SandboxSpecError.self) { try FaultSpec.parse(spec) }
        do {
            _ = try FaultSpec.parse(spec)
        } catch let error as SandboxSpecError {
            #expect(error.message.contains(part), "\(error.message)")
            #expect(error.message.hasPrefix("--faults: "))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func unknownSettingListsEveryValidName() throws {
        do {
            _ = try SandboxSettings.parse(["bad=1"])
            Issue.record("bad=1 was accepted")
        } catch let error as SandboxSpecError {
            #expect(error.message.hasPrefix("--setting: unknown setting \"bad\""))
            #expect(SandboxSettings.names.count == 17)
            for name in SandboxSettings.names { #expect(error.message.contains(name), "\(name)") }
        }
        let settings = try SandboxSettings.parse(["mixpeekRequestsPerSecond=1000", "mixpeekBatchStepSeconds=0"])
        #expect(settings.mixpeekRequestsPerSecond == 1000 && settings.mixpeekBatchStepSeconds == 0)
        #expect(throws: SandboxSpecError.self) { try SandboxSettings.parse(["holdSeconds=-1"]) }
    }

    @Test func badPlantAndServiceSpecsAreRejected() {
        #expect(throws: SandboxSpecError.self) { try PlantSpec.parse("sartiq:mutate=-1") }
        #expect(throws: SandboxSpecError.self) { try PlantSpec.parse("sartiq:swap=1") }
        #expect(throws: SandboxSpecError.self) { try SandboxService.parseList("pixyle,shopify") }
    }
}

@Suite("sandbox faults")
struct SandboxFaultTests {
    static let auth: HTTPFields = [.authorization: "Basic " + Data("sandbox:sandbox".utf8).base64EncodedString()]

    @Test func injected429sCarryRetryAfterAndCountApart() async throws {
        try await withSandbox(try config(faults: "scenario:429=1")) { client in
            for _ in 0..<3 {
                let r = try await client.execute(uri: "/scenario/v1/collections", method: .get, headers: Self.auth)
                #expect(r.status == .tooManyRequests)
                #expect(r.headers[.retryAfter] == "1")
            }
            let s = try await stats(client, .scenario)
            #expect(s["rate_limited_injected"] == 3)
            #expect(s["rate_limited_own"] == 0)
        }
    }

    @Test func injected5xxUseTheThreeServerErrors() async throws {
        try await withSandbox(try config(faults: "sartiq:5xx=1")) { client in
            var seen = Set<Int>()
            for _ in 0..<30 {
                let r = try await client.execute(uri: "/sartiq/api/v1/years/", method: .get)
                seen.insert(r.status.code)
                #expect(r.json["detail"]?.stringValue?.contains("injected") == true)
            }
            #expect(seen == [500, 502, 503])
        }
    }

    @Test func latencyIsAdded() async throws {
        try await withSandbox(try config(faults: "wickson:latency=150ms")) { client in
            let start = ContinuousClock.now
            _ = try await client.execute(uri: "/wickson/v1/media/collections", method: .get)
            #expect(ContinuousClock.now - start >= .milliseconds(150))
        }
    }

    @Test func seededFaultsReplayTheSameSequence() async throws {
        func run() async throws -> [Int] {
            try await withSandbox(try config(faults: "scenario:429=0.5", seed: 42)) { client in
                var codes: [Int] = []
                for _ in 0..<16 {
                    codes.append(
                        try await client.execute(uri: "/scenario/v1/collections", method: .get, headers: Self.auth)
                            .status.code)
                }
                return codes
            }
        }
        let first = try await run()
        let second = try await run()
        #expect(first == second)
        #expect(Set(first) == [200, 429])
    }

    @Test func resetClosesTheConnectionMidResponseAfterDoingTheWork() async throws {
        try await withSandbox(try config(faults: "scenario:reset=1")) { client in
            let port = try #require(client.port)
            let raw = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(5)))
            raw.connect()
            await #expect(throws: (any Error).self) {
                _ = try await raw.execute(
                    .init(
                        "/scenario/v1/collections", method: .post,
                        headers: Self.auth.merging([.contentType: "application/json"]), body: body(["name": "C"])))
            }
            try? await raw.shutdown()
            let s = try await stats(client, .scenario)
            #expect(s["requests"]?["POST /scenario/v1/collections"] == 1)
        }
    }

    @Test func timeoutHoldsTheRequestThenClosesUnanswered() async throws {
        let configuration = try config(faults: "wickson:timeout=1") { $0.holdSeconds = 0.4 }
        try await withSandbox(configuration) { client in
            let port = try #require(client.port)
            let raw = TestClient(host: "localhost", port: port, configuration: .init(timeout: .seconds(5)))
            raw.connect()
            let start = ContinuousClock.now
            await #expect(throws: (any Error).self) {
                _ = try await raw.execute(.init("/wickson/v1/media/collections", method: .get))
            }
            #expect(ContinuousClock.now - start >= .milliseconds(400))
            try? await raw.shutdown()
        }
    }

    @Test func ownRateLimitOfAnUnknownLimitIsASetting() async throws {
        let configuration = try config { $0.scenarioRequestsPerSecond = 3 }
        try await withSandbox(configuration) { client in
            var codes: [Int] = []
            for _ in 0..<5 {
                codes.append(
                    try await client.execute(uri: "/scenario/v1/collections", method: .get, headers: Self.auth).status
                        .code)
            }
            #expect(codes == [200, 200, 200, 429, 429])
            let s = try await stats(client, .scenario)
            #expect(s["rate_limited_own"] == 2)
            #expect((s["max_requests_in_1s"]?.intValue ?? 0) >= 5)
        }
    }
}

@Suite("sandbox plant, stats and state")
struct SandboxInspectionTests {
    @Test func plantingChangesTheServiceOnTheFirstListing() async throws {
        try await withSandbox(try config(plant: "sartiq:mutate=1,drop=1,extra=1,duplicate=1", seed: 3)) { client in
            let auth = try await sartiqAuth(client)
            for n in 1...6 {
                _ = try await client.execute(
                    uri: "/sartiq/api/v1/products/", method: .post, headers: auth,
                    body: body(["name": .string("P\(n)"), "sku": .string("K-\(n)"), "cover_image": "https://x/p.jpg"]))
            }
            let before = try await stats(client, .sartiq)
            #expect(before["planted"]?["done"] == false)
            let list = try await client.execute(uri: "/sartiq/api/v1/products/?limit=100", method: .get, headers: auth)
            let products = list.json["data"]?.arrayValue ?? []
            #expect(products.count == 7)
            let skus = products.compactMap { $0["sku"]?.stringValue }
            #expect(skus.contains("PLANTED-EXTRA-1"))
            #expect(products.filter { $0["name"]?.stringValue?.hasSuffix(" [planted]") == true }.count == 1)
            let after = try await stats(client, .sartiq)
            let planted = try #require(after["planted"])
            #expect(planted["done"] == true)
            #expect(planted["extra"] == ["PLANTED-EXTRA-1"])
            #expect(planted["drop"]?.arrayValue?.count == 1)
            let dropped = try #require(planted["drop"]?.arrayValue?.first?.stringValue)
            #expect(!skus.contains(dropped))
            #expect(after["items"] == 7)
            #expect(after["duplicate_keys"] == 1)
        }
    }

    @Test func statsReportRequestsPerEndpointAndPeak() async throws {
        try await withSandbox(try config()) { client in
            let auth = try await pixyleAuth(client)
            for _ in 0..<3 {
                _ = try await client.execute(uri: "/pixyle/main/v1/collections", method: .get, headers: auth)
            }
            let response = try await client.execute(uri: "/_sandbox/stats", method: .get)
            let all = try #require(response.json.objectValue)
            #expect(Set(all.map(\.key)) == ["pixyle", "sartiq", "mixpeek", "wickson", "scenario"])
            let pixyle = try #require(response.json["pixyle"])
            #expect(
                Set(pixyle.objectValue?.map(\.key) ?? []) == [
                    "items", "duplicate_keys", "requests", "rate_limited_own", "rate_limited_injected",
                    "max_requests_in_1s",
                    "planted",
                ])
            #expect(pixyle["requests"] == ["GET /pixyle/main/v1/collections": 3, "POST /pixyle/auth/v1/token": 1])
            #expect(pixyle["max_requests_in_1s"] == 4)
        }
    }

    @Test func servicesNotSelectedAreNotServed() async throws {
        try await withSandbox(try config(services: [.wickson])) { client in
            let r = try await client.execute(uri: "/sartiq/api/v1/years/", method: .get)
            #expect(r.status == .notFound)
            let s = try await client.execute(uri: "/_sandbox/stats", method: .get)
            #expect(s.json.objectValue?.map(\.key) == ["wickson"])
        }
    }

    @Test func stateSurvivesARestart() async throws {
        let directory = URL(fileURLWithPath: TemporaryFolder.make("sandbox-state"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try config(state: directory.path)
        let token = try await withSandbox(configuration) { client in
            let auth = try await sartiqAuth(client)
            let r = try await client.execute(
                uri: "/sartiq/api/v1/products/", method: .post, headers: auth,
                body: body(["name": "Kept", "sku": "KEEP-1", "cover_image": "https://x/k.jpg"]))
            #expect(r.status == .ok)
            let pixyle = try await pixyleAuth(client)
            _ = try await pixyleUpload(client, pixyle, csv: "sku,image_url_1\nKEEP-2,https://x/k2.jpg\n", name: "kept")
            return auth
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("sartiq.json").path))
        try await withSandbox(configuration) { client in
            let list = try await client.execute(uri: "/sartiq/api/v1/products/", method: .get, headers: token)
            #expect(list.status == .ok)
            #expect(list.json["data"]?.arrayValue?.first?["sku"] == "KEEP-1")
            #expect(try await stats(client, .pixyle)["items"] == 1)
            let pixyle = try await pixyleAuth(client)
            let collections = try await client.execute(
                uri: "/pixyle/main/v1/collections", method: .get, headers: pixyle)
            #expect(collections.json["result"]?.arrayValue?.first?["name"] == "kept")
        }
    }

    @Test func startsInProcessAndStops() async throws {
        let sandbox = try await SandboxServer.start(try config())
        #expect(sandbox.port > 0)
        #expect(sandbox.baseURL(for: .pixyle) == "http://127.0.0.1:\(sandbox.port)/pixyle")
        let client = TestClient(host: "127.0.0.1", port: sandbox.port)
        client.connect()
        let r = try await client.execute(.init("/_sandbox/stats", method: .get))
        #expect(r.status == .ok)
        try await client.shutdown()
        await sandbox.stop()
    }
}
