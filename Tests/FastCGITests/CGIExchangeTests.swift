// Parameters → the application → CGI bytes, as both adapters run it; parameters that make no
// request are answered without the application.
import Foundation
import HTTP
import Testing

@testable import FastCGI

@Suite struct CGIExchangeTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    // Regression: a missing REQUEST_METHOD became GET, so a misconfigured web server's requests
    // were answered as reads instead of being refused (Go's cgi.RequestFromMap refuses them).
    @Test("refuses parameters without REQUEST_METHOD, or with an empty one", arguments: [nil, ""] as [String?])
    func noMethod(method: String?) {
        var parameters = ["REQUEST_URI": "/api/books", "REQUEST_ID": "r9"]
        parameters["REQUEST_METHOD"] = method
        #expect(throws: CGIError.missingMethod) {
            try Request(cgiParameters: CGIParameters(parameters), body: [], contentLength: 0)
        }
    }

    @Test("answers parameters without a method 400 with a problem, logs why, and never calls the application")
    func noMethodAnswer() throws {
        var called = false
        var logged: [String] = []
        var refused: [(Problem, String)] = []
        let bytes = CGIExchange.bytes(
            for: CGIParameters(["REQUEST_URI": "/api/books", "REQUEST_ID": "r9"]), body: [], contentLength: 0,
            { _ in
                called = true
                return Response.empty(.noContent)
            },
            refuse: { problem, requestID in
                refused.append((problem, requestID))
                return Response(status: problem.status, headers: Headers([("Content-Type", "application/problem+json")]))
            }, log: { logged.append($0) })
        #expect(!called)
        #expect(refused.count == 1 && refused.first?.0.slug == "bad-request" && refused.first?.1 == "r9")
        let output = text(bytes)
        #expect(output.hasPrefix("Status: 400 Bad Request\r\n"))
        #expect(output.contains("Content-Type: application/problem+json\r\n"))
        #expect(logged.count == 1)
        let line = try #require(JSONSerialization.jsonObject(with: Data(logged[0].utf8)) as? [String: Any])
        #expect((line["error"] as? String)?.contains("REQUEST_METHOD") == true)
        #expect(line["status"] as? Int == 400 && line["request_id"] as? String == "r9")
    }

    @Test("passes a request with a method to the application, without a body for HEAD")
    func ordinary() {
        var seen: [String] = []
        let answer = { (request: Request) -> Response in
            seen.append("\(request.method) \(request.path)")
            return Response(status: .ok, body: Array("{}".utf8))
        }
        let get = CGIExchange.bytes(
            for: CGIParameters(["REQUEST_METHOD": "GET", "REQUEST_URI": "/api/health"]), body: [], contentLength: 0, answer,
            refuse: { problem, _ in Response(status: problem.status) })
        let head = CGIExchange.bytes(
            for: CGIParameters(["REQUEST_METHOD": "HEAD", "REQUEST_URI": "/api/health"]), body: [], contentLength: 0, answer,
            refuse: { problem, _ in Response(status: problem.status) })
        #expect(seen == ["GET /api/health", "HEAD /api/health"])
        #expect(text(get) == "Status: 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        #expect(text(head) == "Status: 200 OK\r\nContent-Length: 2\r\n\r\n")
    }
}
