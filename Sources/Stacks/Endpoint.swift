// What a route leads to: the scope it needs (nil: public) and a handler that turns a request
// and its context into a response. The context carries per-process values and the caller of
// this request, rebuilt for it; nothing from other requests.
import Foundation
import HTTP
import Postgres

/// The values a handler may use besides the request: configuration, database, path parameters, caller.
public struct RequestContext {
    /// The worker's configuration.
    public let config: Config
    /// The process's database handle (connects on first use).
    let database: Database
    /// Parameters captured from the path.
    public let parameters: PathParameters
    /// The time the request arrived.
    public let now: Date
    /// The authenticated caller, for endpoints that need a scope (set by the app before the handler runs).
    var caller: Principal?

    /// An open connection; a connection error becomes a 503.
    func connection() throws -> Connection {
        try database.connection()
    }

    /// The authenticated caller; a 401 on a public endpoint that was not given one.
    func principal() throws -> Principal {
        guard let caller else { throw AuthProblems.missing() }
        return caller
    }

    /// On a public endpoint that also accepts a credential: the caller when the request carries
    /// `Authorization` (401 if it is not valid), nil when it carries none.
    func callerIfPresent(_ request: Request) throws -> Principal? {
        guard request.headers["Authorization"] != nil else { return nil }
        return try authenticate(request)
    }

    /// Authenticates the request's bearer credential now.
    func authenticate(_ request: Request) throws -> Principal {
        try Authenticator(connection: connection(), signer: config.tokenSigner, now: now).principal(for: request)
    }
}

/// A routed endpoint.
public struct Endpoint: Sendable {
    /// The scope a caller needs; nil for public endpoints.
    let scope: Scope?
    /// The handler.
    let handle: @Sendable (Request, RequestContext) throws -> Response

    /// Wraps a handler that needs `scope` (nil: public).
    init(_ scope: Scope?, _ handle: @escaping @Sendable (Request, RequestContext) throws -> Response) {
        self.scope = scope
        self.handle = handle
    }
}

/// A JSON request body type with the field names it accepts.
protocol RequestBody: Decodable {
    /// The accepted top-level fields; any other is a 400. Every body type meets it with a `static let` constant.
    static var fields: Set<String> { get }  // allow-global: a get-only protocol requirement, never stored state
}

extension Request {
    private static let jsonMediaTypes: Set<String> = ["application/json", "application/merge-patch+json"]

    /// The body decoded strictly as `T`: 415 for a non-JSON type, 400 for bad JSON, 422 for bad values.
    func decode<T: RequestBody>(_ type: T.Type) throws(Problem) -> T {
        if let contentType = headers["Content-Type"], !Self.jsonMediaTypes.contains(MediaType.essence(of: contentType)) {
            throw Problem.unsupportedMediaType()
        }
        return try JSONCoding.decode(T.self, from: body, allowedFields: T.fields)
    }
}
