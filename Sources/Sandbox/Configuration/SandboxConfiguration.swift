import Foundation

/// One of the five services the sandbox stands in for.
public enum SandboxService: String, CaseIterable, Sendable, Codable, Comparable {
    /// Pixyle.ai Dataset Upload API, under `/pixyle`.
    case pixyle
    /// Sartiq Backend Server products API, under `/sartiq`.
    case sartiq
    /// Mixpeek buckets, batches and collections, under `/mixpeek`.
    case mixpeek
    /// Wickson media API, under `/wickson`.
    case wickson
    /// Scenario assets and collections, under `/scenario`.
    case scenario

    /// Orders services as the CLI prints them.
    public static func < (lhs: SandboxService, rhs: SandboxService) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The path under the sandbox's root where this service's own paths start (e.g. `/pixyle`).
    public var prefix: String { "/" + rawValue }

    /// Parses `all` or a comma-separated list of service names.
    /// - Parameter spec: The `--services` value.
    /// - Returns: The selected services.
    /// - Throws: ``SandboxSpecError`` naming the unknown service.
    public static func parseList(_ spec: String) throws -> Set<SandboxService> {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        if trimmed == "all" || trimmed.isEmpty { return Set(allCases) }
        var result = Set<SandboxService>()
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let service = SandboxService(rawValue: name) else {
                throw SandboxSpecError(
                    "--services: unknown service \"\(name)\"; expected all or a comma-separated list of "
                        + allCases.map(\.rawValue).joined(separator: ", "))
            }
            result.insert(service)
        }
        return result
    }
}

/// The fixed, documented credentials every sandbox accepts.
public enum SandboxCredentials {
    /// Pixyle and Sartiq login e-mail.
    public static let email = "demo@example.com"
    /// Pixyle and Sartiq login password.
    public static let password = "sandbox"
    /// Mixpeek API key (`Authorization: Bearer sk_sandbox`).
    public static let mixpeekKey = "sk_sandbox"
    /// Whether a Mixpeek key is accepted: `sk_sandbox` itself or any `sk_sandbox_…` (so a test can run
    /// with a unique canary key and then look for it in every output).
    public static func acceptsMixpeekKey(_ key: String) -> Bool {
        key == mixpeekKey || key.hasPrefix(mixpeekKey + "_")
    }
    /// Wickson API key (`X-Api-Key: wk_sandbox`).
    public static let wicksonKey = "wk_sandbox"
    /// Scenario Basic-auth key.
    public static let scenarioKey = "sandbox"
    /// Scenario Basic-auth secret.
    public static let scenarioSecret = "sandbox"
}

/// How to start a sandbox: where it listens, which services it serves, and how it misbehaves.
public struct SandboxConfiguration: Sendable {
    /// The loopback port; 0 picks a free one (read it back from ``SandboxServer/port``).
    public var port: Int
    /// The address to bind; loopback only by default.
    public var host: String
    /// The services to serve; the others answer 404.
    public var services: Set<SandboxService>
    /// Injected faults per service (`--faults`).
    public var faults: FaultSpec
    /// Planted differences per service (`--plant`).
    public var plant: PlantSpec
    /// The seed of every random choice (faults, planting), so that a run can be replayed.
    public var seed: UInt64
    /// Where to keep state across restarts (`--state DIR`), or nil for memory only.
    public var stateDirectory: String?
    /// Limits and delays; see ``SandboxSettings``.
    public var settings: SandboxSettings

    /// Creates a configuration.
    /// - Parameters:
    ///   - port: The port (default 8089; 0 picks a free one).
    ///   - host: The bind address (default `127.0.0.1`).
    ///   - services: The services to serve (default all five).
    ///   - faults: Injected faults (default none).
    ///   - plant: Planted differences (default none).
    ///   - seed: The random seed (default 1).
    ///   - stateDirectory: The state folder, or nil.
    ///   - settings: Limits and delays.
    public init(
        port: Int = 8089, host: String = "127.0.0.1", services: Set<SandboxService> = Set(SandboxService.allCases),
        faults: FaultSpec = FaultSpec(), plant: PlantSpec = PlantSpec(), seed: UInt64 = 1,
        stateDirectory: String? = nil, settings: SandboxSettings = SandboxSettings()
    ) {
        self.port = port
        self.host = host
        self.services = services
        self.faults = faults
        self.plant = plant
        self.seed = seed
        self.stateDirectory = stateDirectory
        self.settings = settings
    }
}

/// Limits and delays of the stand-ins. Documented limits keep the services' numbers; where a page
/// leaves a limit unknown, the value here is our choice, and clients' default pacing stays under it.
///
/// | Setting | Default | Source |
/// |---|---|---|
/// | `pixyleUploadsPerSecond` | 1 per token, on `POST /collections` and `POST /collections/{id}/products` | doc |
/// | `pixyleMaxProcessing` | 10 collections processing at once per token (11th upload → 403) | doc |
/// | `pixyleProcessingSeconds` | 1 s from upload to 100 % processed | unknown: our choice |
/// | `pixyleTokenTTL` | 3600 s | unknown: our choice |
/// | `pixyleMaxRowsPerFile` | 10,000 rows (more → 422) | unknown: our choice |
/// | `sartiqTokenTTL` | 3600 s | found (docs.sartiq.com authentication) |
/// | `sartiqRequestsPerSecond` | 20 per token | unknown: our choice |
/// | `sartiqMaxListLimit` | 1000 (`limit` above → 422) | unknown: our choice |
/// | `sartiqExportStepSeconds` | 0.2 s per step PENDING → PROCESSING → COMPLETED | unknown: our choice |
/// | `mixpeekRequestsPerSecond` | 10 per key (Free tier rps) | found, conflicting docs |
/// | `mixpeekBatchStepSeconds` | 0.2 s per step PENDING → IN_PROGRESS → COMPLETED | unknown: our choice |
/// | `mixpeekMaxListLimit` | 100 (`POST /collections/list`, buckets list) | unknown: our choice |
/// | `wicksonRequestsPerHour` | 1000 per key, rolling hour | found (docs.wickson.ai rate limits) |
/// | `wicksonMaxFileBytes` | 100 MB | unknown: our choice |
/// | `scenarioRequestsPerSecond` | 10 per key | unknown: our choice |
/// | `scenarioMaxImageBytes` | 6 MB decoded (`POST /assets`) | found (docs.scenario.com uploading assets) |
/// | `holdSeconds` | 300 s: how long a `timeout` fault holds a request before closing the connection | ours |
public struct SandboxSettings: Sendable {
    /// Pixyle: upload requests per second per token (doc: 1).
    public var pixyleUploadsPerSecond: Int = 1
    /// Pixyle: collections processing at once per token (doc: 10).
    public var pixyleMaxProcessing: Int = 10
    /// Pixyle: seconds from upload until `processed_products_percentage` reaches 100.
    public var pixyleProcessingSeconds: Double = 1.0
    /// Pixyle: access-token lifetime in seconds.
    public var pixyleTokenTTL: Double = 3600
    /// Pixyle: most rows accepted in one upload file.
    public var pixyleMaxRowsPerFile: Int = 10_000
    /// Sartiq: access-token lifetime in seconds (found: 1 h).
    public var sartiqTokenTTL: Double = 3600
    /// Sartiq: requests per second per token before 429.
    public var sartiqRequestsPerSecond: Int = 20
    /// Sartiq: largest `limit` accepted by `GET /products/`.
    public var sartiqMaxListLimit: Int = 1000
    /// Sartiq: seconds per export-task status step.
    public var sartiqExportStepSeconds: Double = 0.2
    /// Mixpeek: requests per second per key before 429.
    public var mixpeekRequestsPerSecond: Int = 10
    /// Mixpeek: seconds per batch status step after submit.
    public var mixpeekBatchStepSeconds: Double = 0.2
    /// Mixpeek: largest `limit` on list endpoints (documents list: 1000, documented).
    public var mixpeekMaxListLimit: Int = 100
    /// Wickson: requests per rolling hour per key (found: 1000).
    public var wicksonRequestsPerHour: Int = 1000
    /// Wickson: largest uploaded file in bytes.
    public var wicksonMaxFileBytes: Int = 100 * 1024 * 1024
    /// Scenario: requests per second per key before 429.
    public var scenarioRequestsPerSecond: Int = 10
    /// Scenario: largest decoded image accepted by `POST /assets` (found: < 6 MB).
    public var scenarioMaxImageBytes: Int = 6 * 1024 * 1024
    /// How long a `timeout` fault holds a request before the connection is closed unanswered.
    public var holdSeconds: Double = 300

    /// The defaults in the table above.
    public init() {}
}

extension SandboxSettings {
    private enum Setter {
        case int(WritableKeyPath<SandboxSettings, Int>)
        case double(WritableKeyPath<SandboxSettings, Double>)
    }

    /// Every setting `--setting` accepts, in the order of the table above.
    private nonisolated(unsafe) static let setters: [(String, Setter)] = [
        ("pixyleUploadsPerSecond", .int(\.pixyleUploadsPerSecond)),
        ("pixyleMaxProcessing", .int(\.pixyleMaxProcessing)),
        ("pixyleProcessingSeconds", .double(\.pixyleProcessingSeconds)),
        ("pixyleTokenTTL", .double(\.pixyleTokenTTL)),
        ("pixyleMaxRowsPerFile", .int(\.pixyleMaxRowsPerFile)),
        ("sartiqTokenTTL", .double(\.sartiqTokenTTL)),
        ("sartiqRequestsPerSecond", .int(\.sartiqRequestsPerSecond)),
        ("sartiqMaxListLimit", .int(\.sartiqMaxListLimit)),
        ("sartiqExportStepSeconds", .double(\.sartiqExportStepSeconds)),
        ("mixpeekRequestsPerSecond", .int(\.mixpeekRequestsPerSecond)),
        ("mixpeekBatchStepSeconds", .double(\.mixpeekBatchStepSeconds)),
        ("mixpeekMaxListLimit", .int(\.mixpeekMaxListLimit)),
        ("wicksonRequestsPerHour", .int(\.wicksonRequestsPerHour)),
        ("wicksonMaxFileBytes", .int(\.wicksonMaxFileBytes)),
        ("scenarioRequestsPerSecond", .int(\.scenarioRequestsPerSecond)),
        ("scenarioMaxImageBytes", .int(\.scenarioMaxImageBytes)),
        ("holdSeconds", .double(\.holdSeconds)),
    ]

    /// The names `--setting` accepts.
    public static var names: [String] { setters.map(\.0) }

    /// Applies `NAME=VALUE` assignments (`--setting`) to the defaults.
    /// - Throws: ``SandboxSpecError`` naming an unknown setting (and listing the valid ones) or a bad value.
    public static func parse(_ assignments: [String]) throws -> SandboxSettings {
        var s = SandboxSettings()
        for a in assignments {
            let parts = a.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw SandboxSpecError("--setting \"\(a)\": write NAME=VALUE") }
            let (name, text) = (parts[0], parts[1])
            guard let setter = setters.first(where: { $0.0 == name })?.1 else {
                throw SandboxSpecError(
                    "--setting: unknown setting \"\(name)\"; expected one of " + names.joined(separator: ", "))
            }
            switch setter {
            case .int(let path):
                guard let v = Int(text), v >= 0 else {
                    throw SandboxSpecError("--setting \(name): \"\(text)\" is not a whole number ≥ 0")
                }
                s[keyPath: path] = v
            case .double(let path):
                guard let v = Double(text), v >= 0 else {
                    throw SandboxSpecError("--setting \(name): \"\(text)\" is not a number ≥ 0")
                }
                s[keyPath: path] = v
            }
        }
        return s
    }
}

/// A `--services`, `--faults`, `--plant` or `--setting` value that cannot be read.
public struct SandboxSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message, naming the bad part: `<where>: <what>; <how to fix>`.
    public let message: String

    /// Creates the error.
    /// - Parameter message: The message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
