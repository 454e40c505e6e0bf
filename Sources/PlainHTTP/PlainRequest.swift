// One HTTP/1.1 request as bytes: request line, Host, the caller's headers, Content-Length and
// Connection: close (one exchange per connection), then the body.

/// A request to send once.
public struct PlainRequest: Sendable {
    /// The method, e.g. "POST".
    public let method: String
    /// Where it goes.
    public let url: PlainURL
    /// Header fields besides Host, Content-Length and Connection, in order.
    public let headers: [(name: String, value: String)]
    /// The body, sent as is.
    public let body: [UInt8]

    /// A request; header names and values must not hold CR, LF or NUL (checked when sent).
    public init(method: String, url: PlainURL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The bytes on the wire, or nil when a method, header name or value could split the head.
    public var bytes: [UInt8]? {
        let unsafe: (String) -> Bool = { $0.utf8.contains { $0 == 0x0d || $0 == 0x0a || $0 == 0 } }
        guard !method.isEmpty, method.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5a }) else { return nil }
        guard !headers.contains(where: { $0.name.isEmpty || $0.name.contains(":") || unsafe($0.name) || unsafe($0.value) })
        else { return nil }
        var head = "\(method) \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }
}

/// A response: status, header fields and the whole body (de-chunked).
public struct PlainResponse: Sendable, Equatable {
    /// The status code.
    public let status: Int
    /// Header fields as received (names as sent), in order.
    public let headers: [PlainHeader]
    /// The body.
    public let body: [UInt8]

    /// The value of the first header field called `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One header field.
public struct PlainHeader: Sendable, Equatable {
    /// The field name as received.
    public let name: String
    /// The value, without surrounding whitespace.
    public let value: String
}
