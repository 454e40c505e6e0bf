// Response → the exact CGI bytes handed to libfcgi or written to stdout.
import FastCGI
import HTTP
import Testing

@Suite struct ResponseBytesTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("writes status, headers, length and body")
    func ordinary() {
        let response = Response(
            status: .created, headers: Headers([("Content-Type", "application/json"), ("Location", "/api/books/9")]),
            body: Array("{}".utf8))
        #expect(
            text(response.cgiBytes())
                == "Status: 201 Created\r\nContent-Type: application/json\r\nLocation: /api/books/9\r\nContent-Length: 2\r\n\r\n{}"
        )
    }

    @Test("writes no body and no length for 304 and 204")
    func bodiless() {
        let notModified = Response(status: .notModified, headers: Headers([("ETag", "\"x\"")]), body: Array("ignored".utf8))
        #expect(text(notModified.cgiBytes()) == "Status: 304 Not Modified\r\nETag: \"x\"\r\n\r\n")
        #expect(text(Response.empty(.noContent).cgiBytes()) == "Status: 204 No Content\r\n\r\n")
    }

    @Test("keeps the length but drops the body for HEAD")
    func head() {
        let response = Response(status: .ok, headers: Headers(), body: Array("abc".utf8))
        #expect(text(response.cgiBytes(includeBody: false)) == "Status: 200 OK\r\nContent-Length: 3\r\n\r\n")
    }

    @Test("cannot be split by line breaks in a header value, and replaces a handler's Content-Length")
    func splitting() {
        let response = Response(
            status: .ok, headers: Headers([("X-Note", "a\r\nSet-Cookie: x=1"), ("Content-Length", "99")]), body: [])
        #expect(text(response.cgiBytes()) == "Status: 200 OK\r\nX-Note: a  Set-Cookie: x=1\r\nContent-Length: 0\r\n\r\n")
    }
}
