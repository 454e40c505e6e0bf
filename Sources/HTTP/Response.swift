// The response value handlers return: status, headers and body bytes.

/// An HTTP response.
public struct Response: Sendable, Equatable {
    /// The status line.
    public var status: Status
    /// The header fields, `Content-Type` among them.
    public var headers: Headers
    /// The body bytes.
    public var body: [UInt8]

    /// Makes a response.
    public init(status: Status = .ok, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A bodiless response, e.g. 204 or 304.
    public static func empty(_ status: Status, headers: Headers = Headers()) -> Response {
        Response(status: status, headers: headers)
    }
}
