// One request as a command describes it: method, path, query, body, whether it carries the
// caller's credential, and how safely it may be sent again. The client adds the rest (headers, a
// fresh idempotency key for a write, the retries).
import Foundation

/// How safely a request may be sent again after a failure.
public enum Resending: Sendable, Equatable {
    /// A read: as often as needed.
    case read
    /// A write with an idempotency key, the same on every try: the server replays instead of repeating.
    case write
    /// A sign-in request without a stored reply that is harmless to repeat (login, refresh, logout).
    case harmless
    /// A sign-in request that must not reach a worker twice (generate-key): sent again only when it
    /// surely did not (connection refused, 503, 429).
    case onlyUnsent
    /// A probe whose failure is its answer (health): sent once.
    case once
}

/// A request to the API.
public struct APICall: Sendable {
    /// GET, POST, PATCH or DELETE.
    public var method: String
    /// The path, starting with `/api/`.
    public var path: String
    /// Query parameters, in order.
    public var query: [URLQueryItem]
    /// The JSON body, if any.
    public var body: Data?
    /// The body's media type.
    public var contentType: String
    /// Whether the caller's credential goes with it.
    public var authenticated: Bool
    /// How safely it may be sent again.
    public var resending: Resending

    /// Makes a call; a write is resent with its idempotency key, a read freely.
    public init(
        _ method: String, _ path: String, query: [URLQueryItem] = [], body: Data? = nil,
        contentType: String = "application/json", authenticated: Bool = true, resending: Resending? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.authenticated = authenticated
        self.resending = resending ?? (method == "GET" ? .read : .write)
    }

    /// A GET of `path`.
    public static func get(_ path: String, _ query: [URLQueryItem] = []) -> APICall {
        APICall("GET", path, query: query)
    }

    /// A `method` request to `path` with `body` encoded as JSON.
    public static func send<Body: Encodable>(_ method: String, _ path: String, _ body: Body) -> APICall {
        APICall(method, path, body: JSONText.encode(body))
    }

    /// Whether it carries an idempotency key.
    public var carriesKey: Bool { resending == .write }
}
