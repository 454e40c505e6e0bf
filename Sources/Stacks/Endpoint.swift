// What a route leads to: the scope it needs (nil: public) and a handler that turns a request
// and its context into a response, in two stages: one before any transaction the app opens for
// the request, one inside it. The context carries per-process values and the caller of this
// request, rebuilt for it; nothing from other requests.
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
    /// The scope a credential sent to a public endpoint must carry (from the route table).
    var credentialScope: Scope?
    /// What the handler wants on the request's log line.
    let notes = RequestNotes()

    /// An open connection; a connection error becomes a 503.
    func connection() throws -> Connection {
        try database.connection()
    }

    /// The hold shelf of this connection, with the configured pickup period.
    func shelf() throws -> HoldShelf {
        HoldShelf(connection: try connection(), pickupSeconds: config.holdPickupSeconds)
    }

    /// The authenticated caller; a 401 on a public endpoint that was not given one.
    func principal() throws -> Principal {
        guard let caller else { throw AuthError.missingCredential }
        return caller
    }

    /// On a public endpoint that also accepts a credential: the caller when the request carries
    /// `Authorization` (401 if it is not valid), nil when it carries none.
    func callerIfPresent(_ request: Request) throws -> Principal? {
        guard request.headers["Authorization"] != nil else { return nil }
        let principal = try authenticate(request)
        if let credentialScope, !principal.scopes.contains(credentialScope) {
            throw AuthError.insufficientScope(credentialScope)
        }
        return principal
    }

    /// The response stored for an earlier request with this request's idempotency key, when that
    /// request has finished: a two-stage endpoint asks before slow work that a replay would throw
    /// away. nil without a key or a finished request; a key used for another request is a 422.
    func storedResponse(for request: Request) throws -> Response? {
        guard let caller, !request.method.isSafe, let key = try IdempotencyKey(request) else { return nil }
        return try IdempotencyStore(connection: connection(), ttl: config.idempotencyTTL).stored(
            principal: IdempotencyStore.principal(caller), key: key, request: request)
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
    /// The query parameters it accepts; any other is a 400 before the handler runs.
    let query: Set<String>
    /// Query parameters that need a scope of their own when present (a librarian's `member=`).
    let scopedParameters: [String: Scope]
    /// On a public endpoint that also takes a credential: the scope that credential must carry.
    let credentialScope: Scope?
    /// The JSON body type it takes, by name (nil: none), decoded before the handler runs.
    let body: String?
    /// Whether a response is kept for replay under an idempotency key; false for one that carries
    /// a secret shown once (keeping it would store the secret in clear).
    let keepsReplies: Bool
    /// The handler's first stage: it runs before any transaction the app opens for the request (an
    /// idempotency key's) and returns the second, which runs inside it. Most handlers do all their
    /// work in the second; one with slow work that must hold no lock (a model's answer) does it in the first.
    let prepare: @Sendable (Request, RequestContext) throws -> Finish

    /// A handler's second stage.
    typealias Finish = () throws -> Response

    /// Wraps a handler that needs `scope` (nil: public) and accepts the `query` parameters.
    init(
        _ scope: Scope?, query: Set<String> = [], scopedParameters: [String: Scope] = [:], credentialScope: Scope? = nil,
        bodyName: String? = nil, keepsReplies: Bool = true,
        _ handle: @escaping @Sendable (Request, RequestContext) throws -> Response
    ) {
        self.init(
            scope, query: query, scopedParameters: scopedParameters, credentialScope: credentialScope, bodyName: bodyName,
            keepsReplies: keepsReplies, staged: { request, context in { try handle(request, context) } })
    }

    /// Wraps a two-stage handler.
    private init(
        _ scope: Scope?, query: Set<String>, scopedParameters: [String: Scope], credentialScope: Scope?, bodyName: String?,
        keepsReplies: Bool, staged prepare: @escaping @Sendable (Request, RequestContext) throws -> Finish
    ) {
        self.scope = scope
        self.keepsReplies = keepsReplies
        self.query = query
        self.scopedParameters = scopedParameters
        self.credentialScope = credentialScope
        self.body = bodyName
        self.prepare = prepare
    }

    /// Wraps a handler that takes a JSON body of type `Body`, decoded strictly before it runs (415,
    /// 400 or 422 otherwise), so the handler receives a checked value. `ifEmpty` is the body of a
    /// request that sends none (nil: a body is required).
    init<Body: RequestBody>(
        _ scope: Scope?, query: Set<String> = [], credentialScope: Scope? = nil, body: Body.Type, ifEmpty: Body? = nil,
        _ handle: @escaping @Sendable (Request, RequestContext, Body) throws -> Response
    ) {
        self.init(
            scope, query: query, credentialScope: credentialScope, body: body, ifEmpty: ifEmpty,
            staged: { request, context, decoded in { try handle(request, context, decoded) } })
    }

    /// Wraps a two-stage handler that takes a JSON body of type `Body`, decoded strictly in the first
    /// stage: `prepare` runs outside any transaction and returns the stage that runs inside one.
    init<Body: RequestBody>(
        _ scope: Scope?, query: Set<String> = [], credentialScope: Scope? = nil, body: Body.Type, ifEmpty: Body? = nil,
        staged prepare: @escaping @Sendable (Request, RequestContext, Body) throws -> Finish
    ) {
        self.init(
            scope, query: query, scopedParameters: [:], credentialScope: credentialScope,
            bodyName: String(describing: Body.self), keepsReplies: true,
            staged: { request, context in
                let decoded: Body
                if let ifEmpty, request.body.isEmpty { decoded = ifEmpty } else { decoded = try request.decode(Body.self) }
                return try prepare(request, context, decoded)
            })
    }

    /// The policy the route table declares, checked before the handler runs: only the accepted
    /// query parameters, and the scope of each scoped one that is present.
    func checkPolicy(_ request: Request, caller: Principal?) throws {
        let query = try request.query()
        try query.allowOnly(self.query)
        for (name, scope) in scopedParameters.sorted(by: { $0.key < $1.key }) where query.get(name) != nil {
            guard caller?.scopes.contains(scope) == true else { throw AuthError.insufficientScope(scope) }
        }
    }
}

/// Remarks a handler leaves for its request's log line (why a model's answer fell back to the
/// librarian): made for one request and dropped with it.
final class RequestNotes {
    /// One sentence for the log line's `error`, never a secret or the member's words.
    var detail: String?
}

/// A JSON request body type with the field names it accepts.
package protocol RequestBody: Decodable, Sendable {
    /// The accepted top-level fields; any other is a 400. Every body type meets it with a `static let` constant.
    static var fields: Set<String> { get }
}

extension Request {
    private static let jsonMediaTypes: Set<String> = ["application/json", "application/merge-patch+json"]

    /// The body decoded strictly as `T`: 415 for a non-JSON type, 400 for bad JSON, 422 for bad values.
    package func decode<T: RequestBody>(_ type: T.Type) throws(Problem) -> T {
        if let contentType = headers["Content-Type"], !Self.jsonMediaTypes.contains(MediaType.essence(of: contentType)) {
            throw Problem.unsupportedMediaType()
        }
        return try JSONCoding.decode(T.self, from: body, allowedFields: T.fields)
    }
}
