// The plain HTTP client against a real socket server on 127.0.0.1: the exact request bytes, bodies
// framed by Content-Length, chunked coding and the end of the connection, answers arriving in
// pieces, 1xx heads, the one deadline, refused connections, oversized and malformed answers.
import Foundation
import PlainHTTP
import Testing

@Suite struct PlainRequestTests {
    private func post(_ port: Int, body: String = "{\"a\":1}", headers: [(name: String, value: String)] = []) throws
        -> PlainRequest
    {
        PlainRequest(
            method: "POST", url: try PlainURL("http://127.0.0.1:\(port)/v1/chat/completions"),
            headers: [(name: "Content-Type", value: "application/json")] + headers, body: Array(body.utf8))
    }

    @Test("sends the request line, Host, the headers, Content-Length, Connection: close and the body exactly")
    func requestBytes() throws {
        let server = try ScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")])
        let response = try post(server.port, body: "{\"x\":\"é\"}", headers: [(name: "Authorization", value: "Bearer k")])
            .send(timeoutMilliseconds: 2000)
        #expect(response.status == 200)
        #expect(response.body == Array("ok".utf8))
        let expected =
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
            + "Authorization: Bearer k\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{\"x\":\"é\"}"
        #expect(server.request() == expected)
    }

    @Test("reads a body by Content-Length even when the server keeps the connection open")
    func contentLength() throws {
        let server = try ScriptedServer(
            [.init("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")],
            holdOpen: true)
        let started = Date()
        let response = try post(server.port).send(timeoutMilliseconds: 3000)
        #expect(response.status == 201)
        #expect(response.header("content-type") == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"ok\":true}")
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test("decodes a chunked body that arrives in pieces, with extensions and trailers")
    func chunked() throws {
        let server = try ScriptedServer(
            [
                .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel"),
                .init("lo\r\n", after: 0.05),
                .init("7\r\n, world\r\n0\r\nX-Trailer: t\r\n", after: 0.05),
                .init("\r\n", after: 0.05),
            ], holdOpen: true)
        let response = try post(server.port).send(timeoutMilliseconds: 3000)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello, world")
    }

    @Test("reads a body without Content-Length until the server closes the connection")
    func untilClose() throws {
        let server = try ScriptedServer([
            .init("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst "), .init("second", after: 0.05),
        ])
        let response = try post(server.port).send(timeoutMilliseconds: 3000)
        #expect(String(decoding: response.body, as: UTF8.self) == "first second")
    }

    @Test("skips a 100 Continue head before the real one")
    func interim() throws {
        let server = try ScriptedServer([.init("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 3\r\n\r\nbad")])
        let response = try post(server.port).send(timeoutMilliseconds: 2000)
        #expect(response.status == 500)
        #expect(response.body == Array("bad".utf8))
    }

    @Test("gives up at the deadline when no answer comes, having waited about that long")
    func timeout() throws {
        let server = try ScriptedServer([], holdOpen: true)
        let started = Date()
        #expect(throws: PlainHTTPError.timedOut(phase: "waiting for the response")) {
            try post(server.port).send(timeoutMilliseconds: 300)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.29 && elapsed < 1.0, "\(elapsed)")
    }

    @Test("one deadline covers the whole answer: a body that trickles in past it times out")
    func trickle() throws {
        let server = try ScriptedServer(
            [.init("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12"), .init("34", after: 0.2), .init("56", after: 0.2)],
            holdOpen: true)
        #expect(throws: PlainHTTPError.timedOut(phase: "waiting for the response")) {
            try post(server.port).send(timeoutMilliseconds: 300)
        }
    }

    @Test("reports a refused connection at once")
    func refused() throws {
        let port = try ScriptedServer.closedPort()
        let started = Date()
        #expect(throws: PlainHTTPError.connect("127.0.0.1: Connection refused")) {
            try post(port).send(timeoutMilliseconds: 2000)
        }
        #expect(Date().timeIntervalSince(started) < 0.5)
    }

    @Test("refuses an answer larger than the limit, by Content-Length or by the bytes received")
    func oversized() throws {
        let announced = try ScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")], holdOpen: true)
        #expect(throws: PlainHTTPError.responseTooLarge(limit: 1000)) {
            try post(announced.port).send(timeoutMilliseconds: 2000, responseLimit: 1000)
        }
        let body = String(repeating: "x", count: 3000)
        let streamed = try ScriptedServer([.init("HTTP/1.1 200 OK\r\n\r\n" + body)])
        #expect(throws: PlainHTTPError.responseTooLarge(limit: 1000)) {
            try post(streamed.port).send(timeoutMilliseconds: 2000, responseLimit: 1000)
        }
        let chunked = try ScriptedServer([
            .init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nBB8\r\n" + body + "\r\n0\r\n\r\n")
        ])
        #expect(throws: PlainHTTPError.responseTooLarge(limit: 1000)) {
            try post(chunked.port).send(timeoutMilliseconds: 2000, responseLimit: 1000)
        }
    }

    @Test("reports a body cut short, a bad status line, bad chunk sizes and a silent close")
    func malformed() throws {
        let short = try ScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")])
        #expect(throws: PlainHTTPError.truncated) { try post(short.port).send(timeoutMilliseconds: 2000) }
        let garbage = try ScriptedServer([.init("SSH-2.0-OpenSSH\r\n\r\n")])
        #expect(throws: PlainHTTPError.malformedResponse("the status line is not HTTP/1.x with a status code")) {
            try post(garbage.port).send(timeoutMilliseconds: 2000)
        }
        let badChunk = try ScriptedServer([.init("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n")])
        #expect(throws: PlainHTTPError.malformedResponse("a chunk size is not hexadecimal")) {
            try post(badChunk.port).send(timeoutMilliseconds: 2000)
        }
        let twoLengths = try ScriptedServer([.init("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")])
        #expect(throws: PlainHTTPError.malformedResponse("Content-Length is not one decimal number")) {
            try post(twoLengths.port).send(timeoutMilliseconds: 2000)
        }
        let silent = try ScriptedServer([])
        #expect(throws: PlainHTTPError.malformedResponse("the connection closed without a response")) {
            try post(silent.port).send(timeoutMilliseconds: 2000)
        }
    }

    @Test("refuses header values that would split the head, before connecting")
    func headerInjection() throws {
        let request = try post(1, headers: [(name: "Authorization", value: "Bearer k\r\nX-Evil: 1")])
        #expect(request.bytes == nil)
        #expect(throws: PlainHTTPError.badURL("a method, header name or value contains a line break or NUL")) {
            try request.send(timeoutMilliseconds: 100)
        }
    }
}
