import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

/// The record value type (the sandbox has a `JSONValue` of its own).

/// Runs clients against an in-process sandbox over loopback HTTP.
enum SandboxClientHarness {
    /// The retry policy of the tests: quick backoff, five attempts.
    static let retry = RetryPolicy(maxAttempts: 5, base: 0.05, cap: 0.5)

    /// Starts a sandbox serving `service` (rate limits raised, short processing steps and holds),
    /// runs `body` with it and a session to it, then stops both, also when `body` throws.
    static func withService<T>(
        _ service: SandboxService, faults: String? = nil, plant: String? = nil, seed: UInt64 = 1,
        settings change: (inout SandboxSettings) -> Void = { _ in },
        _ body: (TestSandbox, ServiceSession) async throws -> T
    ) async throws -> T {
        var settings = SandboxSettings()
        settings.mixpeekRequestsPerSecond = 10_000
        settings.mixpeekBatchStepSeconds = 0.05
        settings.scenarioRequestsPerSecond = 10_000
        settings.wicksonRequestsPerHour = 1_000_000
        settings.holdSeconds = 0.3
        change(&settings)
        let configuration = SandboxConfiguration(
            port: 0, services: [service], faults: try faults.map(FaultSpec.parse) ?? FaultSpec(),
            plant: try plant.map(PlantSpec.parse) ?? PlantSpec(), seed: seed, settings: settings)
        let server = try await TestSandbox.start(configuration)
        let session = makeSession(server, service)
        do {
            let value = try await body(server, session)
            await session.shutdown()
            await server.shutdown()
            return value
        } catch {
            await session.shutdown()
            await server.shutdown()
            throw error
        }
    }

    /// A session to `service` of `server`, as the brief's tests build it.
    static func makeSession(_ server: TestSandbox, _ service: SandboxService) -> ServiceSession {
        ServiceSession(
            origin: server.baseURL(for: service), serviceName: service.rawValue.capitalized,
            transport: HTTPTransport(timeoutSeconds: 5), uploadPacer: Pacer(ratePerSecond: 50, concurrency: 4),
            readPacer: Pacer(ratePerSecond: 50, concurrency: 4), retry: retry, counters: UploadCounters(),
            redactor: Redactor())
    }

    /// An upload stage as the pipeline loader would build it.
    static func stage(
        _ target: TargetService, credentials: [String: String], collection: String?, batchSize: Int? = nil
    ) -> UploadStage {
        UploadStage(
            target: target, endpoint: "sandbox", credentials: credentials, collection: collection,
            batchSize: batchSize, rate: nil, concurrency: nil, maxAttempts: nil, timeoutSeconds: nil)
    }

    /// A send item for a record given as ordered fields.
    static func item(_ key: String, row: Int, _ fields: [(String, JSONValue)]) -> SendItem {
        let record = JSONValue.obj(fields)
        return SendItem(
            key: key, file: "ss26-womenswear.xlsx", sheet: "Products", row: row, record: record,
            hash: fnv(record.jsonText))
    }

    /// A stand-in for the content hash (any hex string will do here).
    static func fnv(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    /// Sample-like product `n`: SKU, title, description, cover image.
    static func product(_ n: Int) -> (sku: String, title: String, description: String, image: String) {
        let styles = [
            "Nice Ribbed Sundress", "Ligurian Seersucker Maxi Skirt", "Tüll Plissé Blouse", "Søren Linen Shirt",
        ]
        let sku = String(format: "MA26-DR%03d-OLV", n)
        return (
            sku, styles[n % styles.count] + " \(n)",
            "Cut from 55% linen, 45% cotton, it drapes softly; piece \(n) of the Riviera Summer story. 🇫🇷",
            "https://cdn.maison-aurel.example/ss26/SS26-DR-\(String(format: "%03d", n))/cover.jpg"
        )
    }

    /// Sends `items` like the upload runner: batches of ``ServiceClient/batchSize``; after an
    /// ambiguous create it asks ``ServiceClient/find(keys:)`` and creates only the keys not found;
    /// failed requests are sent again in the next round. Returns how many creates were ambiguous.
    static func runLikeRunner(_ client: any ServiceClient, _ items: [SendItem], rounds: Int = 40) async throws -> (
        done: [String: String], rejected: [String: String], ambiguous: Int
    ) {
        var ambiguous = 0
        var pending = items
        var done: [String: String] = [:]
        var rejected: [String: String] = [:]
        var round = 0
        while !pending.isEmpty {
            round += 1
            guard round <= rounds else {
                Issue.record("still pending after \(rounds) rounds: \(pending.map(\.key))")
                break
            }
            var next: [SendItem] = []
            for chunk in ClientKit.chunks(pending, of: client.batchSize) {
                do {
                    let results = try await client.create(chunk)
                    for item in chunk {
                        switch results[item.key] {
                        case .done(let id)?: done[item.key] = id
                        case .rejected(let why)?: rejected[item.key] = why
                        case nil: next.append(item)
                        }
                    }
                } catch RemoteError.ambiguous {
                    ambiguous += 1
                    let found = try await findWithRetries(client, chunk.map(\.key))
                    for item in chunk {
                        if let id = found[item.key] { done[item.key] = id } else { next.append(item) }
                    }
                } catch RemoteError.failed {
                    next += chunk
                }
            }
            pending = next
        }
        return (done, rejected, ambiguous)
    }

    /// ``ServiceClient/find(keys:)``, asked again when the request itself fails.
    static func findWithRetries(_ client: any ServiceClient, _ keys: [String]) async throws -> [String: String] {
        for _ in 0..<5 {
            do {
                return try await client.find(keys: keys)
            } catch RemoteError.failed {
                continue
            }
        }
        return try await client.find(keys: keys)
    }

    /// The sandbox's `/_sandbox/stats` member of `service`.
    static func stats(_ server: TestSandbox, _ session: ServiceSession, _ service: SandboxService) async throws
        -> JSONValue
    {
        let response = try await session.send(
            HTTPRequestSpec(method: "GET", url: server.rootURL + "/_sandbox/stats"), idempotent: true,
            authenticated: false)
        return try #require(response.json?[service.rawValue])
    }

    /// The number of requests the sandbox saw whose `METHOD path` starts with `method ` and ends with `suffix`.
    static func requests(_ stats: JSONValue, _ method: String, endingWith suffix: String) -> Int {
        (stats["requests"]?.objectValue ?? []).filter { $0.key.hasPrefix(method + " ") && $0.key.hasSuffix(suffix) }
            .reduce(0) { $0 + ($1.value.integerValue ?? 0) }
    }

    /// The saved export file as JSON.
    static func savedExport(_ snapshot: RemoteSnapshot) throws -> [JSONValue] {
        let path = try #require(snapshot.savedFiles.first)
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONValue.parse(Array(data)).arrayValue)
    }
}
