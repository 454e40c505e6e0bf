// RFC 9457 problem details: a stable slug, title, status, detail, field errors and extra headers.
// A Problem is also the error type thrown by request parsing, so a bad request becomes a 4xx in
// one step. How a problem is written (type URI, envelope fields) is the application's business.

/// One failed field of a validation problem, located by a JSON Pointer (RFC 6901).
public struct FieldError: Sendable, Equatable, JSONWritable {
    /// Where in the request body the bad value is, e.g. `/title`.
    public let pointer: String
    /// What is wrong with it.
    public let detail: String

    /// Makes a field error.
    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }

    /// Writes `{detail, pointer}`.
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("detail", detail)
            json.field("pointer", pointer)
        }
    }
}

/// An HTTP problem: what the client gets instead of a result.
public struct Problem: Error, Sendable, Equatable {
    /// The stable slug that names the kind of problem.
    public let slug: String
    /// A short summary that does not change between occurrences.
    public let title: String
    /// The HTTP status.
    public let status: Status
    /// This occurrence, in words safe to show a client.
    public let detail: String
    /// Field errors of a validation problem.
    public var errors: [FieldError]
    /// Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: Headers

    /// Makes a problem.
    public init(
        _ slug: String, title: String, status: Status, detail: String,
        errors: [FieldError] = [], headers: Headers = Headers()
    ) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// 400: the request itself is malformed.
    public static func badRequest(_ detail: String) -> Problem {
        Problem("bad-request", title: "Bad request", status: .badRequest, detail: detail)
    }

    /// 404: nothing at this address.
    public static func notFound(_ detail: String = "No resource exists at this address.") -> Problem {
        Problem("not-found", title: "Not found", status: .notFound, detail: detail)
    }

    /// 405: the address exists but not for this method.
    public static func methodNotAllowed(_ method: String, allowed: [String]) -> Problem {
        Problem(
            "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
            detail: "\(method) is not allowed here; use \(allowed.joined(separator: ", ")).",
            headers: Headers([("Allow", allowed.joined(separator: ", "))]))
    }

    /// 413: the body is larger than the configured limit.
    public static func contentTooLarge(limit: Int) -> Problem {
        Problem(
            "content-too-large", title: "Content too large", status: .contentTooLarge,
            detail: "The request body exceeds the limit of \(limit) bytes.")
    }

    /// 415: the body is not JSON.
    public static func unsupportedMediaType() -> Problem {
        Problem(
            "unsupported-media-type", title: "Unsupported media type", status: .unsupportedMediaType,
            detail: "Send the request body as application/json.")
    }

    /// 422: the body is well-formed JSON but its values are not acceptable.
    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(
            "validation", title: "Validation failed", status: .unprocessableContent,
            detail: errors.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; "), errors: errors)
    }

    /// 503 with `Retry-After`: a dependency is down; the client should come back.
    public static func serviceUnavailable(_ detail: String, retryAfter seconds: Int) -> Problem {
        Problem(
            "service-unavailable", title: "Service unavailable", status: .serviceUnavailable,
            detail: detail, headers: Headers([("Retry-After", String(seconds))]))
    }

    /// 500: a failure the client cannot fix; the detail goes to the log, not here.
    public static func internalError() -> Problem {
        Problem(
            "internal", title: "Internal server error", status: .internalServerError,
            detail: "The server failed to answer this request. It has been logged.")
    }
}
