import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension Reply {
    /// Pixyle's error body `{error, code}`.
    static func pixyleError(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["error": .string(message), "code": .int(status.code)], headers: headers)
    }
}
