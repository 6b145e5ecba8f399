import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

@testable import ETLCore

/// A running sandbox and the sessions a test opened on it (each is shut down when the test ends:
/// AsyncHTTPClient traps when a client is dropped without `shutdown()`).
final class SandboxHarness: @unchecked Sendable {
    /// The sandbox.
    let server: TestSandbox
    private let lock = NSLock()
    private var sessions: [ServiceSession] = []

    init(server: TestSandbox) { self.server = server }

    /// A session as the runner builds one, with fast retries.
    func session(_ service: SandboxService, maxAttempts: Int = 5) -> ServiceSession {
        let session = ServiceSession(
            origin: server.baseURL(for: service), serviceName: service == .sartiq ? "Sartiq" : "Pixyle",
            transport: HTTPTransport(timeoutSeconds: 5), uploadPacer: Pacer(ratePerSecond: 50, concurrency: 4),
            readPacer: Pacer(ratePerSecond: 50, concurrency: 4),
            retry: RetryPolicy(maxAttempts: maxAttempts, base: 0.05, cap: 0.5), counters: UploadCounters(),
            redactor: Redactor())
        lock.withLock { sessions.append(session) }
        return session
    }

    func close() async {
        for session in lock.withLock({ sessions }) { await session.shutdown() }
        await server.shutdown()
    }
}

/// Starts a sandbox serving `services` on a free loopback port, runs `body`, then closes the
/// sessions it opened and stops the sandbox.
func withSandbox<T>(
    _ services: Set<SandboxService>, faults: String? = nil, seed: UInt64 = 1,
    _ change: (inout SandboxSettings) -> Void = { _ in },
    _ body: (SandboxHarness) async throws -> T
) async throws -> T {
    var settings = SandboxSettings()
    settings.sartiqRequestsPerSecond = 10_000
    settings.pixyleUploadsPerSecond = 10_000
    settings.pixyleProcessingSeconds = 0.2
    settings.holdSeconds = 0.5
    change(&settings)
    let server = try await TestSandbox.start(
        SandboxConfiguration(
            port: 0, services: services, faults: try faults.map(FaultSpec.parse) ?? FaultSpec(), seed: seed,
            settings: settings))
    let harness = SandboxHarness(server: server)
    do {
        let value = try await body(harness)
        await harness.close()
        return value
    } catch {
        await harness.close()
        throw error
    }
}

extension PacingClock {
    /// A pacer's time on a test clock: readings from it, waits that move it on at once.
    static func test(_ clock: TestClock) -> PacingClock {
        PacingClock(now: { clock.now }, sleepUntil: { until, _ in await clock.sleep(until: until) })
    }
}

/// An upload stage with the sandbox's credentials.
func uploadStage(
    _ target: TargetService, collection: String? = "SS26 Riviera", password: String? = SandboxCredentials.password,
    batchSize: Int? = nil
) -> UploadStage {
    var credentials = ["username": SandboxCredentials.email]
    if let password { credentials["password"] = password }
    return UploadStage(
        target: target, endpoint: "sandbox", credentials: credentials, collection: collection, batchSize: batchSize,
        rate: nil, concurrency: nil, maxAttempts: nil, timeoutSeconds: nil)
}

/// A send item for `record` (an object), keyed by its `sku`.
func sendItem(_ fields: [(String, JSONValue)], row: Int = 2) -> SendItem {
    let record = JSONValue.obj(fields)
    return SendItem(
        key: record["sku"]?.plainText ?? "", file: "ss26-womenswear.xlsx", sheet: "Products", row: row,
        record: record, hash: "hash-\(row)")
}

/// Sends every item the way the upload runner does: batches of `batchSize`; on `.ambiguous` it asks
/// `find` and sends only the keys the service does not hold; `.failed` batches go round again.
func uploadLikeRunner(_ client: any ServiceClient, _ items: [SendItem], rounds: Int = 8) async throws -> (
    results: [String: ItemResult], ambiguous: Int
) {
    var results: [String: ItemResult] = [:]
    var ambiguous = 0
    var pending = items
    var round = 0
    while !pending.isEmpty && round < rounds {
        round += 1
        var again: [SendItem] = []
        var start = 0
        while start < pending.count {
            let batch = Array(pending[start..<min(pending.count, start + client.batchSize)])
            start += batch.count
            do {
                for (key, result) in try await client.create(batch) { results[key] = result }
            } catch let error as RemoteError {
                switch error {
                case .ambiguous:
                    ambiguous += 1
                    let found = try await client.find(keys: batch.map(\.key))
                    for (key, id) in found { results[key] = .done(remoteID: id) }
                    again += batch.filter { found[$0.key] == nil }
                case .failed:
                    again += batch
                case .fatal:
                    throw error
                }
            }
        }
        pending = again
    }
    return (results, ambiguous)
}

/// `GET /_sandbox/stats` of one service of the sandbox at `root` (in-process or its own process).
func sandboxStats(root: String, _ service: SandboxService) async throws -> JSONValue {
    let transport = HTTPTransport(timeoutSeconds: 5)
    let response: HTTPResult
    do {
        response = try await transport.execute(HTTPRequestSpec(method: "GET", url: root + "/_sandbox/stats"))
    } catch {
        await transport.shutdown()
        throw error
    }
    await transport.shutdown()
    return try #require(try JSONValue.parse(response.body)[service.rawValue])
}

/// A seed whose fault draws for `service` hit exactly the `position`-th request (1-based) and none of
/// the `clean` requests after it, for a fault spec with one share (`share`) and no latency.
func seedFaulting(_ service: SandboxService, share: Double, position: Int, clean: Int) throws -> UInt64 {
    for seed in UInt64(1)...2_000_000 {
        var generator = SeededGenerator(seed: seed, stream: "faults:" + service.rawValue)
        var fits = true
        for n in 1...(position + clean) where (generator.unit() < share) != (n == position) {
            fits = false
            break
        }
        if fits { return seed }
    }
    throw SeedNotFound()
}

struct SeedNotFound: Error {}

/// The error a throwing call threw, or nil.
func thrownError(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
