import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension Reply {
    /// Mixpeek's envelope `{success:false, status, error:{message, type, details?}}`.
    static func mixpeekError(
        _ status: HTTPResponse.Status, _ message: String, type: String, details: JSONValue? = nil,
        headers: HTTPFields = [:]
    ) -> Response {
        var error: [(String, JSONValue)] = [("message", .string(message)), ("type", .string(type))]
        if let details { error.append(("details", details)) }
        return json(
            status, ["success": false, "status": .int(status.code), "error": .obj(error)], headers: headers)
    }
}
