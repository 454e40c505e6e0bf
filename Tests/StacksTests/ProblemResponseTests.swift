// Problem responses: RFC 9457 members, the demo's success/message, extra headers; and the
// success envelope. Both are the application's shapes, rendered by the Stacks module.
import Foundation
import HTTP
import StacksWire
import Testing

@testable import Stacks

@Suite struct ProblemResponseTests {
    func object(_ response: Response) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test("renders type, title, status, detail, success and message")
    func members() throws {
        let response = Problem.notFound("No book has id 9.").response(requestID: "abc")
        #expect(response.status == .notFound)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let body = try object(response)
        #expect(body["type"] as? String == "urn:stacks:problem:not-found")
        #expect(body["title"] as? String == "Not found")
        #expect(body["status"] as? Int == 404)
        #expect(body["detail"] as? String == "No book has id 9.")
        #expect(body["message"] as? String == "No book has id 9.")
        #expect(body["success"] as? Bool == false)
        #expect(body["instance"] as? String == "urn:stacks:request:abc")
        #expect(body["errors"] == nil)
    }

    @Test("carries field errors and extra headers")
    func extras() throws {
        let validation = Problem.validation([FieldError(pointer: "/days", detail: "must be from 1 to 30")]).response()
        let errors = try #require(object(validation)["errors"] as? [[String: String]])
        #expect(errors == [["pointer": "/days", "detail": "must be from 1 to 30"]])
        #expect(validation.status.code == 422)
        let unavailable = Problem.serviceUnavailable("down", retryAfter: 1).response()
        #expect(unavailable.headers["Retry-After"] == "1")
        #expect(unavailable.status.code == 503)
    }

    @Test("wraps data in the success envelope with list metadata")
    func envelope() throws {
        let response = Response.success([1, 2], message: "2 numbers", meta: PageMeta(nextCursor: nil, limit: 2))
        #expect(
            String(decoding: response.body, as: UTF8.self)
                == #"{"data":[1,2],"message":"2 numbers","meta":{"limit":2,"next_cursor":null},"success":true}"#)
        #expect(response.headers["content-type"] == "application/json")
    }
}
