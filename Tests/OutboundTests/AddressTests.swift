// Address classification across the special-purpose ranges, and the system resolver.
import Addresses
import Testing

@Suite struct AddressTests {
    @Test(
        "classifies addresses by range",
        arguments: [
            ("127.0.0.1", AddressClass.loopback), ("127.255.0.9", .loopback), ("::1", .loopback),
            ("10.1.2.3", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
            ("fc00::1", .private), ("fd12:3456::1", .private),
            ("169.254.169.254", .linkLocal), ("fe80::1", .linkLocal),
            ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified),
            ("100.64.0.1", .sharedAddressSpace), ("100.127.255.255", .sharedAddressSpace),
            ("224.0.0.1", .multicast), ("ff02::1", .multicast),
            ("255.255.255.255", .reserved), ("240.0.0.1", .reserved), ("192.0.2.10", .reserved),
            ("2001:db8::1", .reserved), ("::127.0.0.1", .reserved),
            ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.1", .private), ("64:ff9b::a9fe:a9fe", .linkLocal),
            ("2002:7f00:1::", .loopback),
            ("172.32.0.1", .public), ("172.15.255.255", .public), ("100.128.0.1", .public), ("8.8.8.8", .public),
            ("::ffff:8.8.8.8", .public), ("2001:4860::8888", .public), ("2606:4700:4700::1111", .public),
        ])
    func classifies(address: String, expected: AddressClass) throws {
        let parsed = try #require(IPAddress(address))
        #expect(parsed.addressClass == expected)
        #expect(parsed.isPublic == (expected == .public))
    }

    @Test("parses only plain IP text and prints it canonically")
    func parsing() {
        #expect(IPAddress("0:0:0:0:0:0:0:1")?.description == "::1")
        #expect(IPAddress("::FFFF:7F00:1")?.description == "::ffff:127.0.0.1")
        #expect(IPAddress("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(IPAddress("[::1]") == nil)
        #expect(IPAddress("fe80::1%eth0") == nil)
        #expect(IPAddress("127.1") == nil)
        #expect(IPAddress("localhost") == nil)
    }

    @Test("resolves localhost to loopback addresses only")
    func localhost() throws {
        let addresses = try AddressResolver.resolve(host: "localhost", port: 80).get()
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.addressClass == .loopback })
        #expect(Set(addresses).count == addresses.count)
    }

    @Test("an IP literal resolves to itself")
    func literal() throws {
        #expect(try AddressResolver.resolve(host: "192.0.2.1", port: 443).get() == [IPAddress("192.0.2.1")!])
    }

    @Test("a name under .invalid does not resolve")
    func invalid() {
        let result = AddressResolver.resolve(host: "nonexistent.invalid", port: 80)
        #expect(throws: ResolveError.self) { try result.get() }
    }
}
