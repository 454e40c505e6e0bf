// The application as one responder: checks the body, routes, runs the handler, turns any
// error into a problem, and writes the request's one JSON log line. It keeps nothing between calls.
import Foundation
import HTTP
import Postgres

/// The Stacks API: `respond(to:)` answers one request from the request, the database and the config.
public struct App {
    /// The configuration read at start.
    public let config: Config
    private let database: Database
    private let router: Router<Endpoint>
    private let log: RequestLog

    /// Makes the application over a database handle; `log` receives one line per request.
    public init(config: Config, database: Database, log: RequestLog) {
        self.config = config
        self.database = database
        self.router = Routes.table()
        self.log = log
    }

    /// Answers one request.
    public func respond(to request: Request) -> Response {
        let started = Date()
        var logDetail: String?
        var response: Response
        var caller: Principal?
        var notes: RequestNotes?
        do {
            try checkFraming(of: request)
            let match = try router.match(method: request.method, path: request.path)
            let endpoint = match.endpoint
            // Handlers see the canonical path, so links and fingerprints never carry `//` or a trailing `/`.
            var routed = request
            routed.path = match.path
            var context = RequestContext(
                config: config, database: database, parameters: match.parameters, now: started, caller: nil,
                credentialScope: endpoint.credentialScope)
            notes = context.notes
            if let scope = endpoint.scope, let checked = try runChecked(endpoint, routed, context, scope: scope) {
                (response, caller) = checked
            } else {
                if let scope = endpoint.scope {
                    let principal = try context.authenticate(request)
                    guard principal.scopes.contains(scope) else { throw AuthError.insufficientScope(scope) }
                    context.caller = principal
                    caller = principal
                }
                response = try run(endpoint, routed, context)
            }
        } catch {
            let mapped = ErrorCatalogue.problem(for: error)
            logDetail = mapped.logDetail
            response = mapped.problem.response(requestID: request.requestID)
        }
        log.write(
            request: request, response: response, started: started, detail: logDetail ?? notes?.detail,
            member: caller.map { String($0.memberID) })
        return response
    }

    /// With a well-signed access token that carries the scope: runs the handler as the token's
    /// principal, its first statement sent together with the token's database check (one round
    /// trip instead of two). Nil when the token is of another kind, lacks the scope, or the check
    /// fails (revoked, member gone, role changed): nothing of the handler ran, and the caller
    /// authenticates the usual way, which answers 401 or 403, or runs the handler with the right principal.
    private func runChecked(
        _ endpoint: Endpoint, _ request: Request, _ context: RequestContext, scope: Scope
    ) throws -> (Response, Principal)? {
        let connection = try context.connection()
        let authenticator = Authenticator(connection: connection, signer: config.tokenSigner, now: context.now)
        guard let (principal, check) = authenticator.provisional(for: request), principal.scopes.contains(scope) else {
            return nil
        }
        var context = context
        context.caller = principal
        switch connection.withCheck(check, { try run(endpoint, request, context) }) {
        case .passed(let result):
            return (try result.get(), principal)
        case .failed(let error):
            if error.isUnavailable { throw error }
            return nil
        }
    }

    /// The response for a problem found before there was a request to answer (the web server
    /// passed parameters that make none), in the API's problem shape.
    public func refuse(_ problem: Problem, requestID: String) -> Response {
        problem.response(requestID: requestID)
    }

    /// Runs the handler; an authenticated POST, PATCH or DELETE with an idempotency key runs at most
    /// once. The handler's first stage runs before the key's transaction, its second inside it; what
    /// the first throws is the request's outcome as if the second had thrown it.
    private func run(_ endpoint: Endpoint, _ request: Request, _ context: RequestContext) throws -> Response {
        try endpoint.checkPolicy(request, caller: context.caller)
        guard let caller = context.caller, !request.method.isSafe, endpoint.keepsReplies,
            let key = try IdempotencyKey(request)
        else { return try endpoint.prepare(request, context)() }
        let finish = Result { try endpoint.prepare(request, context) }
        let store = IdempotencyStore(connection: try context.connection(), ttl: config.idempotencyTTL)
        return try store.run(principal: IdempotencyStore.principal(caller), key: key, request: request) {
            try finish.get()()
        }
    }

    /// Header fields that may appear once; a second copy would silently decide which one counts.
    private static let singleHeaders = ["Authorization", "Content-Type", "Idempotency-Key", "X-Idempotency-Key"]

    private func checkFraming(of request: Request) throws(Problem) {
        for name in Self.singleHeaders where request.headers.values(name).count > 1 {
            throw Problem.badRequest("The header \(name) appears more than once; send it once.")
        }
        guard request.contentLength >= 0 else { throw Problem.badRequest("Content-Length is not a valid length.") }
        guard request.contentLength <= config.maxBody else { throw Problem.contentTooLarge(limit: config.maxBody) }
        guard request.body.count == request.contentLength else {
            throw Problem.badRequest("The request body ended before Content-Length bytes arrived.")
        }
    }
}
