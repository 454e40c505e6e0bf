// Name → addresses through the system resolver (getaddrinfo), so the caller can check every address
// a webhook host resolves to and then pin the connection to exactly those.
import Glibc

/// Why a host name gave no addresses.
public enum ResolveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name does not exist or has no addresses.
    case unknownHost(String)
    /// The resolver failed (no DNS server, temporary failure); `reason` is gai_strerror's text.
    case failed(host: String, reason: String)

    /// One sentence for logs.
    public var description: String {
        switch self {
        case .unknownHost(let host): "could not resolve host \(host)"
        case .failed(let host, let reason): "could not resolve host \(host): \(reason)"
        }
    }
}

/// Resolves host names to IP addresses with the system resolver.
public enum AddressResolver {
    /// Every distinct IPv4 and IPv6 address `host` resolves to for a TCP connection to `port`,
    /// in the resolver's order. An IP literal resolves to itself.
    public static func resolve(host: String, port: Int) -> Result<[IPAddress], ResolveError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(host, String(port), &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard status == 0 else {
            if status == EAI_NONAME || status == -5 /* EAI_NODATA */ { return .failure(.unknownHost(host)) }
            return .failure(.failed(host: host, reason: String(cString: gai_strerror(status))))
        }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr, let address = IPAddress(socketAddress: socketAddress),
                !addresses.contains(address)
            {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        return addresses.isEmpty ? .failure(.unknownHost(host)) : .success(addresses)
    }
}
