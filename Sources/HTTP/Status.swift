// HTTP status codes with their reason phrases, as used in the CGI `Status:` line.

/// An HTTP response status: a code and its reason phrase.
public struct Status: Sendable, Equatable {
    /// The three-digit status code.
    public let code: Int
    /// The standard reason phrase.
    public let reason: String

    /// Makes a status from a code and its reason phrase.
    public init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// 200 OK.
    public static let ok = Status(200, "OK")
    /// 201 Created.
    public static let created = Status(201, "Created")
    /// 204 No Content.
    public static let noContent = Status(204, "No Content")
    /// 304 Not Modified.
    public static let notModified = Status(304, "Not Modified")
    /// 400 Bad Request.
    public static let badRequest = Status(400, "Bad Request")
    /// 401 Unauthorized.
    public static let unauthorized = Status(401, "Unauthorized")
    /// 403 Forbidden.
    public static let forbidden = Status(403, "Forbidden")
    /// 404 Not Found.
    public static let notFound = Status(404, "Not Found")
    /// 405 Method Not Allowed.
    public static let methodNotAllowed = Status(405, "Method Not Allowed")
    /// 406 Not Acceptable.
    public static let notAcceptable = Status(406, "Not Acceptable")
    /// 409 Conflict.
    public static let conflict = Status(409, "Conflict")
    /// 410 Gone.
    public static let gone = Status(410, "Gone")
    /// 412 Precondition Failed.
    public static let preconditionFailed = Status(412, "Precondition Failed")
    /// 413 Content Too Large.
    public static let contentTooLarge = Status(413, "Content Too Large")
    /// 415 Unsupported Media Type.
    public static let unsupportedMediaType = Status(415, "Unsupported Media Type")
    /// 422 Unprocessable Content.
    public static let unprocessableContent = Status(422, "Unprocessable Content")
    /// 428 Precondition Required.
    public static let preconditionRequired = Status(428, "Precondition Required")
    /// 429 Too Many Requests.
    public static let tooManyRequests = Status(429, "Too Many Requests")
    /// 500 Internal Server Error.
    public static let internalServerError = Status(500, "Internal Server Error")
    /// 501 Not Implemented.
    public static let notImplemented = Status(501, "Not Implemented")
    /// 503 Service Unavailable.
    public static let serviceUnavailable = Status(503, "Service Unavailable")

    /// The status for a code with its standard reason phrase (RFC 9110 §15, RFC 6585); a code the
    /// registry does not name gets no phrase, which HTTP/1.1 allows (RFC 9112 §4).
    public init(code: Int) {
        self.init(code, Self.reasons[code] ?? "")
    }

    /// The reason phrases of the registered status codes.
    private static let reasons: [Int: String] = [
        100: "Continue", 101: "Switching Protocols", 103: "Early Hints",
        200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
        205: "Reset Content", 206: "Partial Content",
        300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
        305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
        400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
        409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large",
        414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
        421: "Misdirected Request", 422: "Unprocessable Content", 425: "Too Early", 426: "Upgrade Required",
        428: "Precondition Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
        451: "Unavailable For Legal Reasons",
        500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Gateway Timeout", 505: "HTTP Version Not Supported", 511: "Network Authentication Required",
    ]
}
