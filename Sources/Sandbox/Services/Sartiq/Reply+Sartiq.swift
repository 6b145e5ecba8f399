import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension Reply {
    /// FastAPI's `{"detail": "..."}` (Sartiq).
    static func detail(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["detail": .string(message)], headers: headers)
    }
}
