// The parts of a plain http:// URL a client needs: host, port and the request target. Only http:
// a TLS endpoint is reached through a local TLS-terminating proxy, so this code never holds keys.
import Addresses

/// A plain `http://host[:port][/path][?query]` URL.
public struct PlainURL: Sendable, Equatable, CustomStringConvertible {
    /// The host name in lower case, or an IP address literal without brackets.
    public let host: String
    /// The explicit port, or 80.
    public let port: Int
    /// The request target: the path (at least "/") with its query.
    public let target: String

    /// Parses an absolute http URL; IPv6 hosts in brackets. No user info, no fragment, no https.
    public init(_ text: String) throws(PlainHTTPError) {
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .badURL("the URL has spaces or non-ASCII characters")
        }
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") else {
            throw .badURL(
                lower.hasPrefix("https://") ? "https is not supported (put a local TLS proxy in front)" : "not an http:// URL")
        }
        let rest = text.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        guard !target.contains("#") else { throw .badURL("the URL has a fragment") }
        guard !authority.isEmpty, !authority.contains("@") else { throw .badURL("the URL has no host, or user info") }
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        let hostPart: Substring
        var portPart: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .badURL("an IPv6 host lacks its ']'") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .badURL("unexpected text after the IPv6 host") }
                portPart = after.dropFirst()
            }
            guard let address = IPAddress(String(hostPart)), address.isIPv6 else { throw .badURL("a bracketed host is not IPv6") }
            host = address.description
        } else {
            if let colon = authority.firstIndex(of: ":") {
                hostPart = authority[..<colon]
                portPart = authority[authority.index(after: colon)...]
            } else {
                hostPart = authority
            }
            let allowed = hostPart.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2d || byte == 0x2e || byte == 0x5f
            }
            guard !hostPart.isEmpty, allowed else { throw .badURL("the host is not an ASCII name or IP address") }
            host = hostPart.lowercased()
        }
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCII), let port = Int(portPart),
                (1...65535).contains(port)
            else { throw .badURL("the port is not a number from 1 to 65535") }
            self.port = port
        } else {
            port = 80
        }
        self.target = target
    }

    /// The `Host` header's value: the host (IPv6 in brackets), with the port unless it is 80.
    public var hostHeader: String {
        let name = IPAddress(host)?.isIPv6 == true ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// The URL as text.
    public var description: String { "http://\(hostHeader)\(target)" }

    /// The same server with another request target (which must start with "/").
    public func with(target: String) -> PlainURL {
        PlainURL(host: host, port: port, target: target)
    }

    private init(host: String, port: Int, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }
}
