import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension Reply {
    /// Scenario's error body (its envelope is unknown; we send `{"error": "..."}` plus the status).
    static func scenarioError(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["error": .string(message), "status": .int(status.code)], headers: headers)
    }
}
