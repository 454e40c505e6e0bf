// Which URLs the plain client takes: http only, hosts as ASCII names or IP literals, ports 1–65535.
import PlainHTTP
import Testing

@Suite struct PlainURLTests {
    @Test(
        "splits an http URL into host, port and request target",
        arguments: [
            ("http://127.0.0.1:8081", "127.0.0.1", 8081, "/", "127.0.0.1:8081"),
            ("http://Model.Example.org/v1?x=1", "model.example.org", 80, "/v1?x=1", "model.example.org"),
            ("http://[::1]:11434/v1/", "::1", 11434, "/v1/", "[::1]:11434"),
            ("HTTP://localhost?q", "localhost", 80, "/?q", "localhost"),
        ])
    func parses(text: String, host: String, port: Int, target: String, hostHeader: String) throws {
        let url = try PlainURL(text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.target == target)
        #expect(url.hostHeader == hostHeader)
    }

    @Test(
        "refuses what it cannot reach as plain http",
        arguments: [
            "https://api.openai.com/v1", "ftp://x", "http://", "http://user@host/", "http://host:0/", "http://host:99999/",
            "http://host:x/", "http://[127.0.0.1]/", "http://ho st/", "http://hôst/", "http://host/#frag", "127.0.0.1:8080",
        ])
    func refuses(text: String) {
        #expect(throws: PlainHTTPError.self) { try PlainURL(text) }
    }
}
