import Foundation
import HTTPTypes
import Hummingbird
import OrderedJSON

extension Reply {
    /// Wickson's envelope `{success:false, message, error:{code, details:{request_id}}}`.
    static func wicksonError(
        _ status: HTTPResponse.Status, _ message: String, code: String, headers: HTTPFields = [:]
    ) -> Response {
        json(
            status,
            [
                "success": false, "message": .string(message),
                "error": ["code": .string(code), "details": ["request_id": .string("req_" + randomHex(12))]],
            ], headers: headers)
    }
}
