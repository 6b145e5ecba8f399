import ETLTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON
import Testing

@testable import ETLCore
@testable import Sandbox

/// A sixth service added by a test alone: a target (`TargetRegistry.with`) and its stand-in
/// (`SandboxStandIns.with`), each registered for this test's task only and touching no file in
/// `Sources/`. A real run sends its records through ETLCore's upload (`endpoint: sandbox`) to the
/// stand-in on a loopback port; run twice, every record is held once.
@Suite("test-only target with its own stand-in")
struct TestOnlyTargetStandInTests {
    @Test func aRunUploadsThroughTheTestOnlyTargetToItsStandInOnce() async throws {
        let dir = URL(fileURLWithPath: TemporaryFolder.make("acme-run"))
        defer { try? FileManager.default.removeItem(at: dir) }
        try "sku,title\nA1,One\nA2,Two\nA3,Three\n".write(
            to: dir.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("acme.yaml").path
        try """
        name: acme
        stages:
          - read: { path: in.csv, key: sku }
          - normalise:
              fields:
                sku: sku
                title: title
          - validate:
              against: acme
          - upload:
              target: acme
              endpoint: sandbox
              key: \(AcmeStandIn.key)
              sandbox: { settings: { acmeMaxItems: 10 } }
        """.write(toFile: path, atomically: true, encoding: .utf8)

        #expect(SandboxService(rawValue: "acme") == nil)
        try await SandboxStandIns.with([AcmeStandIn.self]) {
            #expect(SandboxService(rawValue: "acme") == AcmeStandIn.service)
            #expect(SandboxService.allCases.last == AcmeStandIn.service)
            #expect(SandboxSettings.names.contains("acmeMaxItems"))
            #expect(SandboxSettings.names.last == "holdSeconds")
            try await TargetRegistry.with([AcmeTarget.definition]) {
                let pipeline = try PipelineLoader.load(path: path, environment: [:])
                #expect(pipeline.upload?.target == AcmeTarget.service)
                let launcher = AcmeLauncher()
                var upload = UploadOptions()
                upload.standIns = launcher
                var options = RunOptions()
                options.outputRoot = dir.appendingPathComponent("output").path

                let first = try await PipelineRunner.run(pipeline, options: options, upload: upload)
                #expect(first.upload?.created == 3)
                #expect(first.upload?.failed == 0)
                let second = try await PipelineRunner.run(pipeline, options: options, upload: upload)
                #expect(second.upload?.created == 0)
                #expect(second.upload?.unchanged == 3)

                // The stand-in's state (its `--state` tables): each record once.
                let stateDirectory = try #require(launcher.stateDirectories.last)
                #expect(launcher.stateDirectories.count == 2)
                let store = try AcmeStore(
                    maxItems: 10, folder: try StateFolder(directory: stateDirectory, service: AcmeStandIn.service))
                #expect(await store.itemCount() == 3)
                #expect(await store.duplicateKeyCount() == 0)
                #expect(await store.skus() == ["A1", "A2", "A3"])
                #expect(await store.creates() == 3)
            }
        }
        #expect(SandboxService(rawValue: "acme") == nil)
    }
}

// MARK: - The target (what `Sources/ETLCore/Targets/Acme/` would hold)

/// The test-only target: `sku` and `title`, one item per request, found by `sku`.
enum AcmeTarget {
    static let service = TargetService(name: "acme")

    static let definition = TargetDefinition(
        service: service, displayName: "Acme",
        ruleSets: [
            TargetContract(
                service: service, ruleSet: "item", summary: "Acme item: sku and title required", keyField: "sku",
                fields: [
                    TargetField("sku", required: true, maxLength: 8, source: "assumed: a test's own target"),
                    TargetField("title", required: true, source: "assumed: a test's own target"),
                ],
                extraColumns: .drop,
                limits: [TargetLimit("rate", "100 requests/s", source: "assumed: a test's own target")],
                defaultRate: 100, defaultBatchSize: nil)
        ], batchUnit: "item", capabilities: [.find, .export],
        pacing: TargetPacing(source: "assumed: a test's own target"),
        accountCredentials: ["key"], settings: [],
        draft: TargetDraft(connection: { _, _, _, _ in [("endpoint", "sandbox", nil)] }),
        makeClient: { AcmeClient(session: $0.session, key: $0.stage.credentials["key"] ?? "") })
}

/// The test-only target's client: `POST /v1/items` per item, `GET /v1/items?sku=` to find one,
/// `GET /v1/items` to list them (the runner lists what the service holds before the first create).
final class AcmeClient: ServiceClient {
    let service = AcmeTarget.service
    let batchSize = 1
    let canUpdate = false
    let session: ServiceSession
    let key: String

    init(session: ServiceSession, key: String) {
        self.session = session
        self.key = key
    }

    var state: [String: String] { [:] }

    func prepare(state: [String: String]) async throws { session.setAuth([("X-Api-Key", key)]) }

    func prepareReadOnly(state: [String: String]) async throws { try await prepare(state: state) }

    func create(_ items: [SendItem]) async throws -> [String: ItemResult] {
        var results: [String: ItemResult] = [:]
        for item in items {
            let response = try await session.send(
                .json("POST", session.url("/v1/items"), item.record), idempotent: false, upload: true)
            guard response.status == 201, let id = response.json?["id"]?.plainText else {
                results[item.key] = .rejected("HTTP \(response.status): \(response.excerpt)")
                continue
            }
            results[item.key] = .done(remoteID: id)
        }
        return results
    }

    func update(_ item: SendItem, remoteID: String) async throws -> ItemResult { .rejected("acme cannot update") }

    func find(keys: [String]) async throws -> [String: String] {
        var found: [String: String] = [:]
        for key in keys {
            let query = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
            let response = try await session.send(
                HTTPRequestSpec(method: "GET", url: session.url("/v1/items?sku=" + query)), idempotent: true)
            if response.status == 200, let id = response.json?["id"]?.plainText { found[key] = id }
        }
        return found
    }

    func finish() async throws {}

    func export(into directory: String) async throws -> RemoteSnapshot {
        let response = try await session.send(
            HTTPRequestSpec(method: "GET", url: session.url("/v1/items")), idempotent: true)
        guard response.status == 200, case .array(let list)? = response.json?["items"] else {
            throw RemoteError.fatal("listing items: HTTP \(response.status)")
        }
        let items = list.compactMap { item -> RemoteItem? in
            guard let id = item["id"]?.plainText else { return nil }
            return RemoteItem(
                key: item["sku"]?.plainText, remoteID: id, fields: ["title": item["title"] ?? .null])
        }
        return RemoteSnapshot(items: items, reportedCount: items.count, reportedCountName: "items")
    }

    func probe() async throws -> CollectionProbe { CollectionProbe(collection: "", exists: true) }
}

// MARK: - The stand-in (what `Sources/Sandbox/Services/Acme/` would hold)

/// The test-only stand-in: `X-Api-Key: acme_sandbox`, `POST /acme/v1/items` (201 with an id),
/// `GET /acme/v1/items?sku=` (200 or 404), `GET /acme/v1/items` (all), items kept in a `--state` table; one setting.
enum AcmeStandIn: SandboxStandIn {
    static let service = SandboxService(name: "acme")
    static let key = "acme_sandbox"
    static let apiRoot = "/v1"
    static let credentialsDescription = "X-Api-Key: acme_sandbox"
    static let maxItems = SandboxSetting("acmeMaxItems", default: 1000)
    static let settings = [maxItems]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.json(status, ["error": .string(message)], headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try AcmeStore(
            maxItems: configuration.settings[maxItems],
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        let api = router.group("acme/v1").add(middleware: RequestCountMiddleware(runtime: runtime))
            .add(middleware: FaultMiddleware(runtime: runtime))
            .add(
                middleware: AuthMiddleware { request in
                    guard request.headers[.xApiKey] == key else {
                        return .denied(Reply.json(.unauthorized, ["error": "bad key"]))
                    }
                    return .accepted(key: key)
                })
        api.post("items") { request, context -> Response in
            guard let item = JSONValue.decoded(try await readBody(request, context: context)),
                case .string(let sku)? = item["sku"], case .string(let title)? = item["title"]
            else { return Reply.json(.badRequest, ["error": "sku and title required"]) }
            guard let id = await store.create(sku: sku, title: title) else {
                return Reply.json(.forbidden, ["error": "too many items"])
            }
            return Reply.json(.created, ["id": .string(id), "sku": .string(sku)])
        }
        api.get("items") { request, _ -> Response in
            guard let sku = Query(request)["sku"] else {
                let listed = await store.listing().map { id, item -> JSONValue in
                    ["id": .string(id), "sku": .string(item.sku), "title": .string(item.title)]
                }
                return Reply.json(.ok, ["items": .array(listed)])
            }
            guard let id = await store.id(of: sku) else {
                return Reply.json(.notFound, ["error": "no such item"])
            }
            return Reply.json(.ok, ["id": .string(id), "sku": .string(sku)])
        }
        return store
    }
}

/// The test-only stand-in's items, kept as the built-in stand-ins keep theirs.
actor AcmeStore: ServiceStore {
    struct Item: Codable, Sendable {
        var sku: String
        var title: String
    }

    private var items: StateTable<Item>
    private var counters: StateTable<Int>
    private let maxItems: Int

    init(maxItems: Int, folder: StateFolder?) throws {
        self.maxItems = maxItems
        items = try StateTable("items", folder: folder)
        counters = try StateTable("counters", folder: folder)
    }

    func create(sku: String, title: String) -> String? {
        guard items.count < maxItems else { return nil }
        let id = "acme-\(newUUID())"
        items.put(id, Item(sku: sku, title: title))
        counters.put("creates", (counters["creates"] ?? 0) + 1)
        return id
    }

    func id(of sku: String) -> String? { items.ids.first { items[$0]?.sku == sku } }
    func listing() -> [(String, Item)] { items.ids.compactMap { id in items[id].map { (id, $0) } } }
    func skus() -> [String] { items.values.map(\.sku).sorted() }
    func creates() -> Int { counters["creates"] ?? 0 }
    func itemCount() -> Int { items.count }
    func duplicateKeyCount() -> Int { duplicateCount(items.values.lazy.map(\.sku)) }
    func plantedReport() -> JSONValue { PlantRecord().json }
}

/// Starts the sandbox for `endpoint: sandbox` as the executable's launcher does, recording each
/// start's state folder.
final class AcmeLauncher: StandInLauncher, @unchecked Sendable {
    private let lock = NSLock()
    private var folders: [String] = []

    var stateDirectories: [String] { lock.withLock { folders } }
    var settingNames: [String] { SandboxSettings.names }

    func start(service: String, stateDirectory: String) async throws -> any StandIn {
        try await start(service: service, stateDirectory: stateDirectory, settings: [:])
    }

    func start(service: String, stateDirectory: String, settings: [String: String]) async throws -> any StandIn {
        let s = try #require(SandboxService(rawValue: service))
        lock.withLock { folders.append(stateDirectory) }
        let server = try await TestSandbox.start(
            SandboxConfiguration(
                port: 0, services: [s], stateDirectory: stateDirectory,
                settings: try SandboxSettings.parse(settings.map { "\($0.key)=\($0.value)" })))
        return TestStandIn(server: server, service: s)
    }
}
