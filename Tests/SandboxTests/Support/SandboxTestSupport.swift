import Foundation
import Hummingbird
import HummingbirdTesting
import OrderedJSON
import Testing

@testable import Sandbox

/// Runs `body` against a live sandbox over real HTTP on loopback (HummingbirdTesting `.live`).
func withSandbox<Value: Sendable>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(port: 0),
    _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    var configuration = configuration
    configuration.port = 0
    let (application, _, continuation) = try SandboxServer.makeApplication(configuration, shutdown: Locked(false))
    defer { continuation.finish() }
    return try await application.test(.live, body)
}

/// A configuration with some settings changed.
func config(
    services: Set<SandboxService> = Set(SandboxService.allCases), faults: String? = nil, plant: String? = nil,
    seed: UInt64 = 7, state: String? = nil, _ change: (inout SandboxSettings) -> Void = { _ in }
) throws -> SandboxConfiguration {
    var settings = SandboxSettings()
    settings.pixyleProcessingSeconds = 0.3
    settings.sartiqRequestsPerSecond = 10_000
    settings.mixpeekRequestsPerSecond = 10_000
    settings.scenarioRequestsPerSecond = 10_000
    change(&settings)
    return SandboxConfiguration(
        port: 0, services: services, faults: try faults.map(FaultSpec.parse) ?? FaultSpec(),
        plant: try plant.map(PlantSpec.parse) ?? PlantSpec(), seed: seed, stateDirectory: state, settings: settings)
}

extension TestResponse {
    /// The body parsed as JSON (`null` when it is not JSON).
    var json: JSONValue { JSONValue.decoded(Array(body.readableBytesView)) ?? .null }
    /// The body as text.
    var text: String { String(buffer: body) }
}

extension JSONValue {
    /// The number as a Double (integers too).
    var number: Double? {
        doubleValue
    }
}

/// A JSON request body.
func body(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: value.jsonText) }

/// A `multipart/form-data` body and its content type.
func multipart(_ parts: [(name: String, filename: String?, content: String)]) -> (ByteBuffer, String) {
    let boundary = "sandbox-test-boundary-42"
    var text = ""
    for part in parts {
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
        if let filename = part.filename { text += "; filename=\"\(filename)\"" }
        text += "\r\n"
        if part.filename != nil { text += "Content-Type: application/octet-stream\r\n" }
        text += "\r\n\(part.content)\r\n"
    }
    text += "--\(boundary)--\r\n"
    return (ByteBuffer(string: text), "multipart/form-data; boundary=\(boundary)")
}

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

/// Logs in to the Pixyle stand-in and returns the bearer headers.
func pixyleAuth(_ client: any TestClientProtocol) async throws -> HTTPFields {
    let response = try await client.execute(
        uri: "/pixyle/auth/v1/token", method: .post, headers: jsonHeaders,
        body: body(["email": "demo@example.com", "password": "sandbox", "permanent_login": false]))
    let token = try #require(response.json["access_token"]?.stringValue)
    return [.authorization: "Bearer \(token)"]
}

/// Logs in to the Sartiq stand-in and returns the bearer headers.
func sartiqAuth(_ client: any TestClientProtocol) async throws -> HTTPFields {
    let response = try await client.execute(
        uri: "/sartiq/api/v1/login/access-token", method: .post,
        headers: [.contentType: "application/x-www-form-urlencoded"],
        body: ByteBuffer(string: "username=demo%40example.com&password=sandbox"))
    let token = try #require(response.json["access_token"]?.stringValue)
    return [.authorization: "Bearer \(token)", .contentType: "application/json"]
}

/// Uploads a Pixyle CSV file; returns the response.
func pixyleUpload(
    _ client: any TestClientProtocol, _ auth: HTTPFields, csv: String, filename: String = "catalog.csv",
    name: String? = nil, into id: Int? = nil
) async throws -> TestResponse {
    var parts: [(name: String, filename: String?, content: String)] = [("file", filename, csv)]
    if let name { parts.append(("name", nil, name)) }
    let (buffer, type) = multipart(parts)
    var headers = auth
    headers[.contentType] = type
    let uri = id.map { "/pixyle/main/v1/collections/\($0)/products" } ?? "/pixyle/main/v1/collections"
    return try await client.execute(uri: uri, method: .post, headers: headers, body: buffer)
}

/// Fetches `/_sandbox/stats` for one service.
func stats(_ client: any TestClientProtocol, _ service: SandboxService) async throws -> JSONValue {
    let response = try await client.execute(uri: "/_sandbox/stats", method: .get)
    return try #require(response.json[service.rawValue])
}

/// Loads a fixture file.
func fixture(_ name: String, _ ext: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"))
    return try Data(contentsOf: url)
}
