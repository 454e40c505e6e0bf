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
}
