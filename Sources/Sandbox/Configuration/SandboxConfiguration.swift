import Foundation
import OrderedJSON

/// A service the sandbox stands in for, by the name pipelines and the CLI write (`sartiq`): one of
/// the names in ``SandboxStandIns`` (where `init(rawValue:)`, `allCases` and the order are
/// answered). Each stand-in's folder declares its own constant
/// (`SandboxService.sartiq`), so adding a stand-in changes nothing here.
public struct SandboxService: RawRepresentable, Hashable, Sendable, Codable, Comparable, CaseIterable,
    CustomStringConvertible
{
    /// The name (`sartiq`).
    public let rawValue: String

    /// A service name, registered or not (a stand-in names its own service with it).
    public init(name: String) { rawValue = name }

    /// The name.
    public var description: String { rawValue }

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

/// The fixed, documented credentials the stand-ins accept. Each stand-in's folder adds its own
/// (`SandboxCredentials.mixpeekKey`); the login pair here is shared by the stand-ins that log in
/// with an e-mail and a password.
public enum SandboxCredentials {
    /// The login e-mail of the stand-ins that take one.
    public static let email = "demo@example.com"
    /// The login password of the stand-ins that take one.
    public static let password = "sandbox"
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
    ///   - services: The services to serve (default all registered).
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
/// Each stand-in declares its own settings (``SandboxSetting``s, with their defaults and sources,
/// listed by its `settings`) and their typed accessors, in its folder (`Services/<Service>/`);
/// ``names`` lists them in registry order, then ``holdSeconds``:
///
/// | Setting | Default | Source |
/// |---|---|---|
/// | `holdSeconds` | 300 s: how long a `timeout` fault holds a request before closing the connection | ours |
public struct SandboxSettings: Sendable {
    /// The values set (by ``parse(_:)`` or an accessor); a setting not here has its default.
    private var values: [String: SandboxSetting.Value] = [:]

    /// How long a `timeout` fault holds a request before the connection is closed unanswered.
    public var holdSeconds: Double = 300

    /// The defaults.
    public init() {}

    /// A whole-number setting's value (its default unless set).
    public subscript(setting: SandboxSetting) -> Int {
        get {
            if case .int(let v) = values[setting.name] ?? setting.defaultValue { return v }
            preconditionFailure("\(setting.name) is not a whole-number setting")
        }
        set { values[setting.name] = .int(newValue) }
    }

    /// A number setting's value (its default unless set).
    public subscript(setting: SandboxSetting) -> Double {
        get {
            if case .double(let v) = values[setting.name] ?? setting.defaultValue { return v }
            preconditionFailure("\(setting.name) is not a number setting")
        }
        set { values[setting.name] = .double(newValue) }
    }
}

/// One limit or delay of a stand-in that `--setting NAME=VALUE` (and a pipeline's
/// `upload.sandbox.settings`) can change; declared in the stand-in's folder.
public struct SandboxSetting: Sendable {
    /// A setting's value: a whole number or a number.
    public enum Value: Sendable, Equatable {
        /// A whole number ≥ 0.
        case int(Int)
        /// A number ≥ 0.
        case double(Double)
    }

    /// The name `--setting` takes (`sartiqRequestsPerSecond`).
    public let name: String
    /// The default, whose case is the setting's kind.
    public let defaultValue: Value

    /// A whole-number setting.
    public init(_ name: String, default value: Int) {
        self.name = name
        defaultValue = .int(value)
    }

    /// A number setting.
    public init(_ name: String, default value: Double) {
        self.name = name
        defaultValue = .double(value)
    }
}

extension SandboxSettings {
    /// The sandbox's own setting (how long a held request waits), listed after the stand-ins' ones.
    static let hold = SandboxSetting("holdSeconds", default: 300.0)

    /// The names `--setting` accepts.
    public static var names: [String] { all.map(\.name) }

    /// Applies `NAME=VALUE` assignments (`--setting`) to the defaults.
    /// - Throws: ``SandboxSpecError`` naming an unknown setting (and listing the valid ones) or a bad value.
    public static func parse(_ assignments: [String]) throws -> SandboxSettings {
        var s = SandboxSettings()
        let settings = all
        for a in assignments {
            let parts = a.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw SandboxSpecError("--setting \"\(a)\": write NAME=VALUE") }
            let (name, text) = (parts[0], parts[1])
            guard let setting = settings.first(where: { $0.name == name }) else {
                throw SandboxSpecError(
                    "--setting: unknown setting \"\(name)\"; expected one of " + names.joined(separator: ", "))
            }
            switch setting.defaultValue {
            case .int:
                guard let v = Int(text), v >= 0 else {
                    throw SandboxSpecError("--setting \(name): \"\(text)\" is not a whole number ≥ 0")
                }
                s[setting] = v
            case .double:
                guard let v = Double(text), v >= 0 else {
                    throw SandboxSpecError("--setting \(name): \"\(text)\" is not a number ≥ 0")
                }
                if name == hold.name { s.holdSeconds = v } else { s[setting] = v }
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
