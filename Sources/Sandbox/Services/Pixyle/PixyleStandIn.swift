import Foundation
import HTTPTypes
import Hummingbird

/// The Pixyle stand-in as the registry sees it.
enum PixyleStandIn: SandboxStandIn {
    static let service = SandboxService.pixyle
    static let apiRoot = "/main/v1"
    static var credentialsDescription: String {
        "POST /pixyle/auth/v1/token {\"email\":\"\(SandboxCredentials.email)\",\"password\":\"\(SandboxCredentials.password)\"}"
    }

    static let uploadsPerSecond = SandboxSetting("pixyleUploadsPerSecond", default: 1)
    static let maxProcessing = SandboxSetting("pixyleMaxProcessing", default: 10)
    static let processingSeconds = SandboxSetting("pixyleProcessingSeconds", default: 1.0)
    static let tokenTTL = SandboxSetting("pixyleTokenTTL", default: 3600.0)
    static let maxRowsPerFile = SandboxSetting("pixyleMaxRowsPerFile", default: 10_000)
    static let settings: [SandboxSetting] = [
        uploadsPerSecond,
        maxProcessing,
        processingSeconds,
        tokenTTL,
        maxRowsPerFile,
    ]

    static func errorResponse(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields) -> Response {
        Reply.pixyleError(status, message, headers: headers)
    }

    static func register(
        on router: Router<SandboxRequestContext>, configuration: SandboxConfiguration, runtime: ServiceRuntime
    ) throws -> any ServiceStore {
        let store = try PixyleStore(
            settings: configuration.settings, plan: configuration.plant[service], seed: configuration.seed,
            folder: try StateFolder(directory: configuration.stateDirectory, service: service))
        PixyleRoutes.register(on: router, store: store, runtime: runtime, settings: configuration.settings)
        return store
    }
}

extension SandboxService {
    /// Pixyle.ai Dataset Upload API, under `/pixyle`.
    public static let pixyle = SandboxService(name: "pixyle")
}

/// The Pixyle stand-in's limits and delays (`--setting NAME=VALUE`).
extension SandboxSettings {
    /// Pixyle: upload requests per second per token, on `POST /collections` and `POST /collections/{id}/products` (doc: 1).
    public var pixyleUploadsPerSecond: Int {
        get { self[PixyleStandIn.uploadsPerSecond] }
        set { self[PixyleStandIn.uploadsPerSecond] = newValue }
    }

    /// Pixyle: collections processing at once per token; the 11th upload → 403 (doc: 10).
    public var pixyleMaxProcessing: Int {
        get { self[PixyleStandIn.maxProcessing] }
        set { self[PixyleStandIn.maxProcessing] = newValue }
    }

    /// Pixyle: seconds from upload until `processed_products_percentage` reaches 100 (unknown: our choice).
    public var pixyleProcessingSeconds: Double {
        get { self[PixyleStandIn.processingSeconds] }
        set { self[PixyleStandIn.processingSeconds] = newValue }
    }

    /// Pixyle: access-token lifetime in seconds (unknown: our choice).
    public var pixyleTokenTTL: Double {
        get { self[PixyleStandIn.tokenTTL] }
        set { self[PixyleStandIn.tokenTTL] = newValue }
    }

    /// Pixyle: most rows accepted in one upload file; more → 422 (unknown: our choice).
    public var pixyleMaxRowsPerFile: Int {
        get { self[PixyleStandIn.maxRowsPerFile] }
        set { self[PixyleStandIn.maxRowsPerFile] = newValue }
    }
}
