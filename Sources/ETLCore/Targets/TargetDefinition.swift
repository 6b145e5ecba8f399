import Foundation

/// What a target's client does besides creating items.
public struct TargetCapabilities: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: Int
    /// Creates capabilities from bits.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// It changes an item it holds (a changed record is sent again).
    public static let update = TargetCapabilities(rawValue: 1)
    /// It answers which of some keys it holds (no duplicate after a lost response).
    public static let find = TargetCapabilities(rawValue: 2)
    /// It reads back the collection for reconcile.
    public static let export = TargetCapabilities(rawValue: 4)

    /// The names, for `catalog-etl targets`.
    public var names: [String] {
        [(Self.update, "update"), (.find, "find"), (.export, "export")].filter { contains($0.0) }.map(\.1)
    }
}

/// How requests to a target are paced by default (a pipeline's `rate:` and `concurrency:` win).
public struct TargetPacing: Sendable, Hashable {
    /// Requests in flight at once.
    public var concurrency: Int
    /// How far under the rate the pacer stays (0.02 = 2 %).
    public var margin: Double
    /// Reads paced apart from uploads (requests per second, in flight), or nil when reads count
    /// against the upload limit.
    public var readRate: Double?
    /// Reads in flight at once when ``readRate`` is set.
    public var readConcurrency: Int
    /// Where these choices come from.
    public var source: String

    /// Creates pacing defaults.
    public init(
        concurrency: Int = 4, margin: Double = 0.02, readRate: Double? = nil, readConcurrency: Int = 2,
        source: String
    ) {
        self.concurrency = concurrency
        self.margin = margin
        self.readRate = readRate
        self.readConcurrency = readConcurrency
        self.source = source
    }
}

/// A value a connector assumes that no documentation page fixes, with where it comes from.
public struct TargetSetting: Sendable, Hashable {
    /// What it is (`feature extractor`).
    public var name: String
    /// The value (`multimodal_extractor v1`).
    public var value: String
    /// `assumed: <reason>`, or the documentation page and section.
    public var source: String

    /// Creates a setting.
    public init(_ name: String, _ value: String, source: String) {
        self.name = name
        self.value = value
        self.source = source
    }
}

/// What `catalog-etl init` writes for a target's upload, export and reconcile steps.
public struct TargetDraft: Sendable {
    /// The upload stage's connection lines (key, value, comment) for a pipeline named `name`
    /// (`slug` is its lower-case dash form), given the collection `init` found (value, why).
    public var connection:
        @Sendable (
            _ contract: TargetContract, _ name: String, _ slug: String, _ collection: (value: String?, why: String?)
        ) -> [(String, String, String?)]
    /// The export step's settings (`{}`, `{ format: xlsx, wait: 10m }`).
    public var export: String
    /// The fields reconcile compares (what the service echoes back), and how.
    public var compare: [(String, String)]
    /// Whether `compare:` is written as a map with each field's mode (else a list of names).
    public var compareWithModes: Bool

    /// Creates the draft facts.
    public init(
        connection:
            @escaping @Sendable (
                _ contract: TargetContract, _ name: String, _ slug: String, _ collection: (value: String?, why: String?)
            ) -> [(String, String, String?)],
        export: String = "{}", compare: [(String, String)] = [], compareWithModes: Bool = false
    ) {
        self.connection = connection
        self.export = export
        self.compare = compare
        self.compareWithModes = compareWithModes
    }
}

extension TargetDraft {
    /// A YAML scalar, quoted when plain text would read differently (or break a flow mapping).
    public static func q(_ s: String) -> String {
        let special: Set<Character> = [
            "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`",
        ]
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]
        var plain = !s.isEmpty
        if let first = s.first, special.contains(first) || first == " " { plain = false }
        if s.last == " " || s.last == ":" { plain = false }
        if reserved.contains(s.lowercased()) { plain = false }
        if s.contains(": ") || s.contains(" #") || s.contains(",") || s.contains("[") || s.contains("]")
            || s.contains("{")
            || s.contains("}") || s.contains("\"") || s.contains("${")
        {
            plain = false
        }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { plain = false }
        if Double(s) != nil { plain = false }
        if plain { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += String(format: "\\x%02X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// What a target's client gets when a connection opens.
public struct TargetClientContext: Sendable {
    /// The session (origin, pacing, retries, redaction).
    public var session: ServiceSession
    /// The pipeline's upload stage.
    public var stage: UploadStage
    /// The pipeline (its export settings).
    public var pipeline: Pipeline
    /// Fetches an image by URL: from the stand-in's image CDN when the endpoint is a stand-in and the
    /// host is a reserved name, else nil (the client fetches it itself, if it needs to).
    public var standInImages: (@Sendable (_ reference: String) async throws -> [UInt8])?
}

/// Everything ETLCore knows of one target service: its fields with their limits and sources (the
/// rule sets), pacing defaults, batch unit, capabilities, the assumptions it makes, and how to make
/// its client. Each target's folder (`Sources/ETLCore/Targets/<Service>/`) declares one, and
/// ``TargetRegistry`` lists them.
public struct TargetDefinition: Sendable {
    /// The name pipelines write (`target: sartiq`).
    public var service: TargetService
    /// The name as people write it (`Sartiq`).
    public var displayName: String
    /// The rule sets (field lists); the first is the default (`against: sartiq`, `init --target`).
    public var ruleSets: [TargetContract]
    /// What one create request carries (`product`, `upload file of rows`).
    public var batchUnit: String
    /// What the client does besides creating.
    public var capabilities: TargetCapabilities
    /// Default pacing.
    public var pacing: TargetPacing
    /// The credentials that name the account (the ledger's scope fingerprints them).
    public var accountCredentials: [String]
    /// The field whose value must agree with the upload stage's `collection` (Sartiq's
    /// `brand_collection`), if any.
    public var collectionField: String?
    /// The values the connector assumes, with their sources.
    public var settings: [TargetSetting]
    /// What `init` writes for this target.
    public var draft: TargetDraft
    /// Makes the client of a connection.
    public var makeClient: @Sendable (TargetClientContext) throws -> any ServiceClient

    /// The default rule set.
    public var contract: TargetContract { ruleSets[0] }

    /// Creates a definition.
    public init(
        service: TargetService, displayName: String, ruleSets: [TargetContract], batchUnit: String,
        capabilities: TargetCapabilities, pacing: TargetPacing, accountCredentials: [String],
        collectionField: String? = nil, settings: [TargetSetting] = [], draft: TargetDraft,
        makeClient: @escaping @Sendable (TargetClientContext) throws -> any ServiceClient
    ) {
        precondition(!ruleSets.isEmpty, "a target needs a rule set")
        self.service = service
        self.displayName = displayName
        self.ruleSets = ruleSets
        self.batchUnit = batchUnit
        self.capabilities = capabilities
        self.pacing = pacing
        self.accountCredentials = accountCredentials
        self.collectionField = collectionField
        self.settings = settings
        self.draft = draft
        self.makeClient = makeClient
    }
}
