import Foundation

/// Faults injected per service (`--faults`), e.g.
/// `sartiq:429=0.1,5xx=0.05,reset=0.01,timeout=0.01,latency=50-150ms;pixyle:429=0.2`.
///
/// Knobs: `429` (share answered 429 with `Retry-After: 1`), `5xx` (share answered 500, 502 or 503),
/// `reset` (share whose connection closes after the headers and part of the body; the request itself
/// is carried out), `timeout` (share never answered: held for ``SandboxSettings/holdSeconds``, then
/// the connection is closed), `latency` (added delay: `100ms`, `1s` or a range `50-150ms`).
/// Each request draws one number from the service's seeded generator: shares are cumulative in the
/// order timeout, reset, 429, 5xx, so their sum must be at most 1.
public struct FaultSpec: Sendable, Equatable {
    /// The faults of one service.
    public struct Knobs: Sendable, Equatable {
        /// Share of requests answered 429.
        public var tooManyRequests: Double = 0
        /// Share of requests answered 500, 502 or 503.
        public var serverError: Double = 0
        /// Share of requests whose connection is reset mid-response.
        public var reset: Double = 0
        /// Share of requests that never get an answer.
        public var timeout: Double = 0
        /// Added latency in milliseconds (lower and upper bound, inclusive).
        public var latencyMilliseconds: ClosedRange<Int> = 0...0

        /// No faults.
        public init() {}

        /// Whether any knob is set.
        public var isEmpty: Bool { self == Knobs() }
    }

    /// Knobs per service; services not named have none.
    public var services: [SandboxService: Knobs]

    /// No faults anywhere.
    public init(services: [SandboxService: Knobs] = [:]) { self.services = services }

    /// The knobs of `service`.
    public subscript(service: SandboxService) -> Knobs { services[service] ?? Knobs() }

    /// Parses a `--faults` value.
    /// - Parameter spec: `service:knob=value,...;service2:...`.
    /// - Returns: The spec.
    /// - Throws: ``SandboxSpecError`` naming the bad part.
    public static func parse(_ spec: String) throws -> FaultSpec {
        var result = FaultSpec()
        for (service, pairs) in try SpecParser.split(spec, option: "--faults") {
            var knobs = Knobs()
            for (key, value) in pairs {
                func share() throws -> Double {
                    guard let d = Double(value), d >= 0, d <= 1 else {
                        throw SandboxSpecError(
                            "--faults: \(service.rawValue):\(key)=\"\(value)\" is not a share; write a number from 0 to 1"
                        )
                    }
                    return d
                }
                switch key {
                case "429": knobs.tooManyRequests = try share()
                case "5xx": knobs.serverError = try share()
                case "reset": knobs.reset = try share()
                case "timeout": knobs.timeout = try share()
                case "latency":
                    guard let range = parseLatency(value) else {
                        throw SandboxSpecError(
                            "--faults: \(service.rawValue):latency=\"\(value)\" is not a latency; write 100ms, 1s or 50-150ms"
                        )
                    }
                    knobs.latencyMilliseconds = range
                default:
                    throw SandboxSpecError(
                        "--faults: unknown knob \"\(key)\" for \(service.rawValue); expected 429, 5xx, reset, timeout or latency"
                    )
                }
            }
            let total = knobs.tooManyRequests + knobs.serverError + knobs.reset + knobs.timeout
            if total > 1 + 1e-9 {
                throw SandboxSpecError(
                    "--faults: \(service.rawValue): shares add up to \(total); 429, 5xx, reset and timeout together must be at most 1"
                )
            }
            result.services[service] = knobs
        }
        return result
    }

    /// Parses `100ms`, `1s`, `50-150ms` or `0.05-0.1s`.
    static func parseLatency(_ text: String) -> ClosedRange<Int>? {
        var body = Substring(text)
        let scale: Double
        if body.hasSuffix("ms") {
            body = body.dropLast(2)
            scale = 1
        } else if body.hasSuffix("s") {
            body = body.dropLast(1)
            scale = 1000
        } else {
            return nil
        }
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        let values = parts.compactMap { Double($0) }.map { Int(($0 * scale).rounded()) }
        guard values.count == parts.count, values.allSatisfy({ $0 >= 0 }) else { return nil }
        let low = values[0]
        let high = values.count == 2 ? values[1] : low
        guard low <= high else { return nil }
        return low...high
    }
}

/// Differences planted per service (`--plant`), e.g. `sartiq:mutate=3,drop=2,extra=1,duplicate=1`.
///
/// When: once per service, on the first listing read that finds at least one item held (Pixyle: the
/// first export of a collection; Sartiq: the first `GET /products/`; Mixpeek: the first
/// `POST /collections/{id}/documents/list`; Wickson: the first `GET /media`; Scenario: the first
/// `GET /assets`). The change is made to the stored state, so later reads, `/_sandbox/stats` and
/// `--state` files all show it. What: `mutate` changes one field of N items (Pixyle/Sartiq: the title
/// or name gets the suffix ` [planted]`; Mixpeek: the object's metadata title; Wickson: the
/// filename; Scenario: the asset name), `drop` deletes N items, `extra` adds N items the client never
/// sent (key `PLANTED-EXTRA-<n>`), `duplicate` stores a second copy of N items under the same key.
/// Items are chosen with the seeded generator; fewer are planted when fewer items exist.
public struct PlantSpec: Sendable, Equatable {
    /// The plan of one service.
    public struct Counts: Sendable, Equatable, Codable {
        /// Items with one field changed.
        public var mutate = 0
        /// Items deleted.
        public var drop = 0
        /// Unexpected items added.
        public var extra = 0
        /// Items stored twice.
        public var duplicate = 0

        /// Nothing planted.
        public init() {}

        /// Whether nothing is planted.
        public var isEmpty: Bool { self.mutate == 0 && drop == 0 && extra == 0 && duplicate == 0 }
    }

    /// Counts per service.
    public var services: [SandboxService: Counts]

    /// Nothing planted anywhere.
    public init(services: [SandboxService: Counts] = [:]) { self.services = services }

    /// The counts of `service`.
    public subscript(service: SandboxService) -> Counts { services[service] ?? Counts() }

    /// Parses a `--plant` value.
    /// - Parameter spec: `service:mutate=N,drop=N,extra=N,duplicate=N;service2:...`.
    /// - Returns: The spec.
    /// - Throws: ``SandboxSpecError`` naming the bad part.
    public static func parse(_ spec: String) throws -> PlantSpec {
        var result = PlantSpec()
        for (service, pairs) in try SpecParser.split(spec, option: "--plant") {
            var counts = Counts()
            for (key, value) in pairs {
                guard let n = Int(value), n >= 0 else {
                    throw SandboxSpecError(
                        "--plant: \(service.rawValue):\(key)=\"\(value)\" is not a count; write a whole number ≥ 0")
                }
                switch key {
                case "mutate": counts.mutate = n
                case "drop": counts.drop = n
                case "extra": counts.extra = n
                case "duplicate": counts.duplicate = n
                default:
                    throw SandboxSpecError(
                        "--plant: unknown knob \"\(key)\" for \(service.rawValue); expected mutate, drop, extra or duplicate"
                    )
                }
            }
            result.services[service] = counts
        }
        return result
    }
}

enum SpecParser {
    /// Splits `service:k=v,k=v;service2:...` into pairs, checking the service names and the shape.
    static func split(_ spec: String, option: String) throws -> [(SandboxService, [(String, String)])] {
        var result: [(SandboxService, [(String, String)])] = []
        for group in spec.split(separator: ";") {
            let text = group.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let colon = text.firstIndex(of: ":") else {
                throw SandboxSpecError("\(option): \"\(text)\" has no service; write service:knob=value,...")
            }
            let name = String(text[..<colon]).trimmingCharacters(in: .whitespaces)
            guard let service = SandboxService(rawValue: name) else {
                throw SandboxSpecError(
                    "\(option): unknown service \"\(name)\"; expected one of "
                        + SandboxService.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if result.contains(where: { $0.0 == service }) {
                throw SandboxSpecError("\(option): service \"\(name)\" is named twice; give each service once")
            }
            var pairs: [(String, String)] = []
            for item in text[text.index(after: colon)...].split(separator: ",") {
                let kv = item.trimmingCharacters(in: .whitespaces)
                guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex, kv.index(after: eq) != kv.endIndex else {
                    throw SandboxSpecError(
                        "\(option): \"\(kv)\" in \(name) is not knob=value; write e.g. \(name):429=0.1")
                }
                pairs.append((String(kv[..<eq]), String(kv[kv.index(after: eq)...])))
            }
            if pairs.isEmpty {
                throw SandboxSpecError("\(option): service \"\(name)\" has no knobs; write \(name):knob=value")
            }
            result.append((service, pairs))
        }
        return result
    }
}
