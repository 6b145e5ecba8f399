import Foundation
internal import HTTPTypes
public import Hummingbird
internal import NIOCore
import OrderedJSON

/// The request context of the sandbox: Hummingbird's core storage plus the connection, so that
/// faults can close it.
public struct SandboxRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// The client's token or key once ``AuthMiddleware`` accepted it, for ``RateLimitMiddleware``.
    var clientKey: String?

    /// Creates the context for one request.
    /// - Parameter source: The connection the request came on.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.clientKey = nil
    }

    /// Upload files may be large: 128 MB.
    public var maxUploadSize: Int { 128 * 1024 * 1024 }

    /// Closes the connection without a (complete) answer.
    func closeConnection() {
        channel.close(promise: nil)
    }
}

/// Query parameters decoded as HTML forms do (`+` is a space).
struct Query {
    private var pairs: [(String, String)] = []

    init(_ request: Request) {
        self.init(string: request.uri.query ?? "")
    }

    init(string: String) {
        for item in string.split(separator: "&") {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Query.decode(kv[0])
            let value = kv.count > 1 ? Query.decode(kv[1]) : ""
            pairs.append((key, value))
        }
    }

    static func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// The first value of `name`.
    subscript(name: String) -> String? { pairs.first(where: { $0.0 == name })?.1 }

    /// Every value of `name`.
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// Whether `name` is present.
    func has(_ name: String) -> Bool { pairs.contains(where: { $0.0 == name }) }
}

/// Builders of the responses the stand-ins send.
enum Reply {
    static let jsonType = "application/json"

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        bytes(status, contentType: jsonType, Array(value.jsonText.utf8), headers: headers)
    }

    /// A response with the given body.
    static func bytes(
        _ status: HTTPResponse.Status, contentType: String, _ body: [UInt8], headers: HTTPFields = [:]
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

}

extension HTTPField.Name {
    static let xNamespace = HTTPField.Name("X-Namespace")!
    static let xApiKey = HTTPField.Name("X-Api-Key")!
    static let xRateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let xRateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let xRateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
}

/// Reads the whole body of `request`.
func readBody(_ request: Request, context: SandboxRequestContext) async throws -> [UInt8] {
    var request = request
    let buffer = try await request.collectBody(upTo: context.maxUploadSize)
    return Array(buffer.readableBytesView)
}

/// `n` random hexadecimal digits (ids; not seeded: ids need not replay).
func randomHex(_ n: Int) -> String {
    var s = ""
    s.reserveCapacity(n)
    let digits = Array("0123456789abcdef")
    for _ in 0..<n { s.append(digits[Int.random(in: 0..<16)]) }
    return s
}

/// A random lower-case UUID string.
func newUUID() -> String { UUID().uuidString.lowercased() }

/// The bearer token of `Authorization: Bearer <token>`, or nil.
func bearerToken(_ request: Request) -> String? {
    guard let value = request.headers[.authorization] else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return String(parts[1]).trimmingCharacters(in: .whitespaces)
}

/// `Retry-After` in whole seconds (at least 1) for a wait of `seconds`.
func retryAfterHeader(_ seconds: Double) -> HTTPFields {
    [.retryAfter: String(max(1, Int(seconds.rounded(.up))))]
}
