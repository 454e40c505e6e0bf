// OutboundPost against a real HTTP server on 127.0.0.1: exact bytes on the wire, statuses, timeouts,
// refused connections, redirects left alone, pinned addresses, and URLs refused before any I/O.
import Addresses
import Outbound
import Testing

@Suite struct OutboundPostTests {
    init() { Curl.initialize() }

    private func post(_ url: String, pinned: [String] = [], body: [UInt8] = [], timeout: Int = 2000) -> OutboundPost {
        OutboundPost(
            url: url, pinnedAddresses: pinned.compactMap(IPAddress.init), headers: [("Content-Type", "application/json")],
            body: body, timeoutMilliseconds: timeout)
    }

    @Test("delivers the signature header and every body byte exactly, with no Expect, and reports the 200")
    func delivers() throws {
        let server = try LocalServer(reply: LocalServer.response(status: 200, reason: "OK", body: "accepted ✓"))
        // Over 1 MiB, where curl 7.88 would otherwise send Expect: 100-continue and wait a second.
        let padding = [UInt8](repeating: 0x41, count: 1_100_000)
        let body = Array("{\"event\":\"loan.created\",\"title\":\"Gödel\"}".utf8) + [0] + padding
        let signature = "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
        let result = OutboundPost(
            url: "http://127.0.0.1:\(server.port)/hooks/in?source=stacks", pinnedAddresses: [],
            headers: [("Content-Type", "application/json"), ("Stacks-Signature", signature)], body: body,
            timeoutMilliseconds: 2000
        ).send()
        #expect(result.status == 200)
        #expect(result.error == nil)
        #expect(result.responseSnippet == "accepted ✓")
        let request = try #require(server.request())
        #expect(request.requestLine == "POST /hooks/in?source=stacks HTTP/1.1")
        #expect(request.header("Stacks-Signature") == signature)
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("User-Agent") == "Stacks-Webhooks/1")
        #expect(request.header("Content-Length") == String(body.count))
        #expect(request.header("Expect") == nil)
        #expect(request.body == body)
    }

    @Test("reports a 500 as status 500 and keeps only the first 200 bytes of its body")
    func serverError() throws {
        let long = String(repeating: "é", count: 150) + String(repeating: "x", count: 5000)
        let server = try LocalServer(reply: LocalServer.response(status: 500, reason: "Internal Server Error", body: long))
        let result = post("http://127.0.0.1:\(server.port)/", body: [1, 2, 3]).send()
        #expect(result.status == 500)
        #expect(result.error == nil)
        #expect(result.responseSnippet == String(repeating: "é", count: 100))
        #expect(server.request()?.body == [1, 2, 3])
    }

    @Test("reports both the status and an error when the response body is cut short")
    func truncated() throws {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort"
        let server = try LocalServer(reply: Array(head.utf8))
        let result = post("http://127.0.0.1:\(server.port)/").send()
        #expect(result.status == 200)
        #expect(result.error?.hasPrefix("Transferred a partial file") == true, "\(result.error ?? "no error")")
        #expect(result.responseSnippet == "short")
    }

    @Test("gives up on a server that accepts and never answers, saying it timed out after the limit")
    func timeout() throws {
        let server = try LocalServer(reply: nil)
        let result = post("http://127.0.0.1:\(server.port)/slow", body: [1], timeout: 300).send()
        #expect(result.status == nil)
        #expect(result.error == "timed out after 300 ms")
        #expect(result.milliseconds >= 280 && result.milliseconds < 1500, "took \(result.milliseconds) ms")
        #expect(server.request()?.body == [1])
    }

    @Test("reports connection refused on a port nothing listens on")
    func refused() throws {
        let result = post("http://127.0.0.1:\(try LocalServer.closedPort())/").send()
        #expect(result.status == nil)
        #expect(result.error == "connection refused")
    }

    @Test("reports a 302 as status 302 and does not follow its Location")
    func redirect() throws {
        let target = try LocalServer(reply: LocalServer.response(status: 200, reason: "OK"))
        let location = "Location: http://127.0.0.1:\(target.port)/elsewhere"
        let server = try LocalServer(reply: LocalServer.response(status: 302, reason: "Found", headers: [location]))
        let result = post("http://127.0.0.1:\(server.port)/").send()
        #expect(result.status == 302)
        #expect(server.request() != nil)
        let probe = post("http://127.0.0.1:\(target.port)/probe").send()  // the target's one connection is still free
        #expect(probe.status == 200)
        #expect(target.request()?.requestLine == "POST /probe HTTP/1.1")
    }

    @Test("pinned addresses take a made-up host name to the local server without asking DNS")
    func pinnedName() throws {
        let server = try LocalServer(reply: LocalServer.response(status: 204, reason: "No Content"))
        let result = post("http://hooks.invalid:\(server.port)/x", pinned: ["127.0.0.1"]).send()
        #expect(result.status == 204)
        #expect(server.request()?.header("Host") == "hooks.invalid:\(server.port)")
    }

    @Test("pinned addresses refuse a URL whose IP literal is not among them, before connecting")
    func pinnedLiteral() throws {
        let result = post("http://127.0.0.1:\(try LocalServer.closedPort())/", pinned: ["203.0.113.7"]).send()
        #expect(result.status == nil)
        #expect(result.error == "refused to connect to 127.0.0.1: not one of the pinned addresses")
    }

    @Test("without pins a made-up host name fails to resolve")
    func unresolvable() {
        let result = post("http://hooks.invalid/x").send()
        #expect(result.status == nil)
        #expect(result.error == "could not resolve host hooks.invalid")
    }

    @Test("refuses ftp, file and scheme-less URLs and headers with line breaks without any I/O")
    func refusedWithoutIO() throws {
        let port = try LocalServer.closedPort()
        #expect(post("ftp://127.0.0.1:\(port)/x").send().error == "the URL scheme ftp is not allowed (only http and https)")
        #expect(post("file:///etc/passwd").send().error == "the URL scheme file is not allowed (only http and https)")
        #expect(post("127.0.0.1:\(port)/x").send().error == "the URL is not an absolute http or https URL")
        let injected = OutboundPost(
            url: "http://127.0.0.1:\(port)/", pinnedAddresses: [], headers: [("X-A", "1\r\nX-B: 2")], body: [],
            timeoutMilliseconds: 1000)
        #expect(injected.send().error == "the header X-A is empty or contains a line break")
    }
}
