// Renders a Problem as an `application/problem+json` response: RFC 9457 members with the type
// URI `urn:stacks:problem:<slug>`, plus the original demo client's `success` and `message`.
import Foundation
import HTTP

extension Problem {
    /// The problem type URI.
    var type: String { "urn:stacks:problem:\(slug)" }

    struct Body: JSONWritable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let instance: String?
        let errors: [FieldError]?
        let success = false
        let message: String

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.field("detail", detail)
                if let errors { json.field("errors", errors) }
                if let instance { json.field("instance", instance) }
                json.field("message", message)
                json.field("status", status)
                json.field("success", success)
                json.field("title", title)
                json.field("type", type)
            }
        }
    }

    /// The body of the problem's response.
    func body(requestID: String) -> Body {
        Body(
            type: type, title: title, status: status.code, detail: detail,
            instance: requestID.isEmpty ? nil : "urn:stacks:request:\(requestID)",
            errors: errors.isEmpty ? nil : errors, message: detail)
    }

    /// The problem as a response; `requestID`, when known, becomes the `instance`.
    func response(requestID: String = "") -> Response {
        var response = Response(status: status, headers: headers, body: JSONWriter.bytes(of: body(requestID: requestID)))
        response.headers.set("Content-Type", "application/problem+json")
        return response
    }
}
