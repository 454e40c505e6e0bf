// The request value every handler sees. Protocol adapters (FastCGI, CGI, tests) build it;
// nothing in it says which one did, so handlers cannot tell them apart.

/// An HTTP request as the application sees it.
public struct Request: Sendable {
    /// The method as sent, upper case (`GET`, `POST`, …).
    public var method: Method
    /// The path as sent, still percent-encoded, without the query (`/api/books/7`).
    public var path: String
    /// The query string as sent, without the `?`.
    public var rawQuery: String
    /// The request header fields.
    public var headers: Headers
    /// The body bytes that were kept (at most the adapter's limit).
    public var body: [UInt8]
    /// The length the client declared in `Content-Length`, which may exceed `body.count`.
    public var contentLength: Int
    /// The front server's request id, for logs and problem bodies.
    public var requestID: String

    /// Makes a request value.
    public init(
        method: Method, path: String, rawQuery: String = "", headers: Headers = Headers(),
        body: [UInt8] = [], contentLength: Int? = nil, requestID: String = ""
    ) {
        self.method = method
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.contentLength = contentLength ?? body.count
        self.requestID = requestID
    }

    /// The method as a known value, or nil for one the API does not know.

    /// The parsed query string; a malformed one is a 400 problem.
    public func query() throws(Problem) -> Query {
        try Query(parsing: rawQuery)
    }
}
