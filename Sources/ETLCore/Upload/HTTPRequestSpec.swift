public import Foundation
public import OrderedJSON

/// One HTTP request as a client builds it (the session adds auth and sends it).
public struct HTTPRequestSpec: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    public var method: String
    /// The full URL.
    public var url: String
    /// Headers, in order.
    public var headers: [(String, String)]
    /// The body.
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A JSON request.
    public static func json(_ method: String, _ url: String, _ value: JSONValue) -> HTTPRequestSpec {
        var out: [UInt8] = []
        value.append(to: &out)
        return HTTPRequestSpec(method: method, url: url, headers: [("Content-Type", "application/json")], body: out)
    }
}
