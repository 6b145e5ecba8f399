public import Foundation
public import OrderedJSON

/// An HTTP response: status, headers and a bounded body.
public struct HTTPResult: Sendable {
    /// The status code.
    public var status: Int
    /// Headers (names as sent).
    public var headers: [(String, String)]
    /// The body (at most ``HTTPTransport/maxBodyBytes``).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// The body as JSON, or nil when it is not JSON.
    public var json: JSONValue? { try? JSONValue.parse(body) }

    /// The body as text, shortened for a message.
    public var excerpt: String {
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}
