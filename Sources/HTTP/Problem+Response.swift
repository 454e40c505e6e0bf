// Renders a Problem as an `application/problem+json` response.
import Foundation

extension Problem {
    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let instance: String?
        let errors: [FieldError]?
        let success = false
        let message: String
    }

    /// The problem as a response; `requestID`, when known, becomes the `instance`.
    public func response(requestID: String = "") -> Response {
        let body = Body(
            type: type, title: title, status: status.code, detail: detail,
            instance: requestID.isEmpty ? nil : "urn:stacks:request:\(requestID)",
            errors: errors.isEmpty ? nil : errors, message: detail)
        var response = Response(status: status, headers: headers, body: JSONCoding.encode(body))
        response.headers.set("Content-Type", "application/problem+json")
        return response
    }
}
