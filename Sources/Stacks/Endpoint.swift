// What a route leads to: a handler that turns a request and its context into a response.
// The context carries the per-process values a handler may use, and nothing from other requests.
import Foundation
import HTTP
import Postgres

/// The values a handler may use besides the request: configuration, database, path parameters.
public struct RequestContext {
    /// The worker's configuration.
    public let config: Config
    /// The process's database handle (connects on first use).
    let database: Database
    /// Parameters captured from the path.
    public let parameters: PathParameters
    /// The time the request arrived.
    public let now: Date

    /// An open connection, or a 503 problem when the database is unreachable.
    func connection() throws -> Connection {
        try database.connection()
    }
}

/// A routed endpoint.
public struct Endpoint: Sendable {
    /// The handler.
    let handle: @Sendable (Request, RequestContext) throws -> Response

    /// Wraps a handler.
    init(_ handle: @escaping @Sendable (Request, RequestContext) throws -> Response) {
        self.handle = handle
    }
}
