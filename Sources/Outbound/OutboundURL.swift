// The parts of a webhook URL that decide where a connection goes, read by libcurl's own URL parser
// (curl_url) so that the caller's address check and curl's connection see the very same host.
import Addresses
import CCurl

/// Why a URL cannot be the target of an outbound POST.
public enum OutboundURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an absolute URL libcurl can parse.
    case malformed
    /// A scheme other than http or https.
    case unsupportedScheme(String)
    /// A host that is not plain ASCII letters, digits, '-', '_' and '.', or an IP literal (IDN, zone ids, escapes).
    case unsupportedHost(String)

    /// One sentence for logs.
    public var description: String {
        switch self {
        case .malformed: "the URL is not an absolute http or https URL"
        case .unsupportedScheme(let scheme): "the URL scheme \(scheme) is not allowed (only http and https)"
        case .unsupportedHost(let host): "the URL host \(host) is not allowed (ASCII names and IP addresses only)"
        }
    }
}

/// An http or https URL, split into what the caller resolves and checks.
public struct OutboundURL: Sendable, Equatable {
    /// "http" or "https".
    public let scheme: String
    /// The host name in lower case, or an IP address literal without brackets.
    public let host: String
    /// The explicit port, or the scheme's default (80 or 443).
    public let port: Int
    /// The whole URL as libcurl normalised it: the text handed to curl.
    public let text: String

    /// Parses an absolute http(s) URL: `scheme://host[:port]/path?query`, IPv6 hosts in brackets.
    public init(_ text: String) throws(OutboundURLError) {
        guard let handle = curl_url() else { throw .malformed }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, text, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK,
            let scheme = Self.part(handle, CURLUPART_SCHEME)?.lowercased()
        else { throw .malformed }
        guard scheme == "http" || scheme == "https" else { throw .unsupportedScheme(scheme) }
        guard let rawHost = Self.part(handle, CURLUPART_HOST), !rawHost.isEmpty,
            let portText = Self.part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)),
            let port = Int(portText), let normalised = Self.part(handle, CURLUPART_URL)
        else { throw .malformed }
        if Self.part(handle, CURLUPART_ZONEID) != nil { throw .unsupportedHost(rawHost) }
        let host = try Self.checkedHost(rawHost)
        self.scheme = scheme
        self.host = host
        self.port = port
        self.text = normalised
    }

    /// The host as an IP address, when the URL names one directly.
    public var hostAddress: IPAddress? { IPAddress(host) }

    private static func checkedHost(_ raw: String) throws(OutboundURLError) -> String {
        if raw.hasPrefix("[") && raw.hasSuffix("]") {
            let inner = String(raw.dropFirst().dropLast())
            guard let address = IPAddress(inner), address.isIPv6 else { throw .unsupportedHost(raw) }
            return address.description
        }
        let allowed = raw.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f
        }
        guard allowed else { throw .unsupportedHost(raw) }
        return raw.lowercased()
    }

    private static func part(_ handle: OpaquePointer, _ what: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard curl_url_get(handle, what, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
