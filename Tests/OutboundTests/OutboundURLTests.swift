// OutboundURL: scheme, host and port as libcurl's parser reads them, and the hosts it refuses.
import Addresses
import Outbound
import Testing

@Suite struct OutboundURLTests {
    @Test("fills in the scheme's default port and lower-cases scheme and host")
    func defaults() throws {
        let plain = try OutboundURL("HTTP://Hooks.Example.COM/in?x=1")
        #expect(plain.scheme == "http")
        #expect(plain.host == "hooks.example.com")
        #expect(plain.port == 80)
        let secure = try OutboundURL("https://hooks.example.com")
        #expect(secure.port == 443)
        #expect(try OutboundURL("https://hooks.example.com:8443/x").port == 8443)
    }

    @Test("reads an IPv6 literal without its brackets and in canonical form")
    func ipv6() throws {
        let url = try OutboundURL("http://[0:0:0:0:0:0:0:1]:8080/x")
        #expect(url.host == "::1")
        #expect(url.port == 8080)
        #expect(url.hostAddress == IPAddress("::1"))
    }

    @Test("refuses other schemes, scheme-less text, IPv6 zones, percent escapes and non-ASCII hosts")
    func refusals() {
        #expect(throws: OutboundURLError.unsupportedScheme("ftp")) { try OutboundURL("ftp://example.com/x") }
        #expect(throws: OutboundURLError.unsupportedScheme("file")) { try OutboundURL("file:///etc/passwd") }
        #expect(throws: OutboundURLError.unsupportedScheme("gopher")) { try OutboundURL("gopher://example.com/") }
        #expect(throws: OutboundURLError.malformed) { try OutboundURL("example.com/x") }
        #expect(throws: OutboundURLError.malformed) { try OutboundURL("http://") }
        #expect(throws: OutboundURLError.self) { try OutboundURL("http://[fe80::1%25eth0]/") }
        #expect(throws: OutboundURLError.self) { try OutboundURL("http://b%C3%BCcher.example/") }
        #expect(throws: OutboundURLError.self) { try OutboundURL("http://bücher.example/") }
    }
}
