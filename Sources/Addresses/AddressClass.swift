// Which part of the address space an IP address belongs to (RFC 6890 special-purpose registries),
// so webhook delivery can refuse anything that is not the public internet.

/// The part of the address space an address falls in, as far as outbound delivery cares.
public enum AddressClass: Sendable, Equatable {
    /// 127.0.0.0/8 and ::1.
    case loopback
    /// 10/8, 172.16/12, 192.168/16, fc00::/7 and the deprecated site-local fec0::/10.
    case `private`
    /// 169.254/16 (cloud metadata lives here) and fe80::/10.
    case linkLocal
    /// 0.0.0.0/8 and ::.
    case unspecified
    /// Carrier-grade NAT, 100.64/10 (RFC 6598).
    case sharedAddressSpace
    /// 224/4 and ff00::/8.
    case multicast
    /// Reserved, documentation, benchmarking and broadcast ranges, and IPv6 outside 2000::/3.
    case reserved
    /// Everything else: an address on the public internet.
    case `public`
}

extension IPAddress {
    /// The part of the address space this address falls in; IPv4 embedded in IPv6
    /// (::ffff:a.b.c.d, 64:ff9b::a.b.c.d, 2002:aabb:ccdd::) is classified as that IPv4 address.
    public var addressClass: AddressClass {
        isIPv6 ? Self.classifyIPv6(bytes) : Self.classifyIPv4(bytes)
    }

    /// True only for addresses on the public internet.
    public var isPublic: Bool { addressClass == .public }

    private static func classifyIPv4(_ b: [UInt8]) -> AddressClass {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .private
        case (169, 254, _): return .linkLocal
        case (100, 64...127, _): return .sharedAddressSpace
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved
        // IETF assignments, the three documentation nets, benchmarking.
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113), (198, 18...19, _): return .reserved
        default: return .public
        }
    }

    private static func classifyIPv6(_ b: [UInt8]) -> AddressClass {
        let zeroPrefix = b[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix && b[10] == 0xff && b[11] == 0xff { return classifyIPv4(Array(b[12..<16])) }
        if b[0..<12] == [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return classifyIPv4(Array(b[12..<16])) }
        if b[0] == 0x20 && b[1] == 0x02 { return classifyIPv4(Array(b[2..<6])) }
        if zeroPrefix && b[10] == 0 && b[11] == 0 {
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] <= 1 { return b[15] == 1 ? .loopback : .unspecified }
            return .reserved  // IPv4-compatible addresses, deprecated by RFC 4291
        }
        switch (b[0], b[1]) {
        case (0xfc...0xfd, _), (0xfe, 0xc0...0xff): return .private
        case (0xfe, 0x80...0xbf): return .linkLocal
        case (0xff, _): return .multicast
        case (0x20, 0x01) where b[2] == 0x0d && b[3] == 0xb8: return .reserved  // documentation
        case (0x20...0x3f, _): return .public
        default: return .reserved
        }
    }
}
