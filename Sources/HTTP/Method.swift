// HTTP request methods the API understands; anything else is answered 405 or 501 by the router.

/// An HTTP request method.
public enum Method: String, Sendable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case patch = "PATCH"
    case delete = "DELETE"
    case options = "OPTIONS"

    /// Whether running the request twice has the effect of running it once (RFC 9110 §9.2.2).
    public var isIdempotent: Bool {
        switch self {
        case .post, .patch: false
        default: true
        }
    }
}
