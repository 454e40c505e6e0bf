// The worker's one database connection over its lifetime: opened on first use, dropped when
// it breaks, and opened again on a later request — so a PostgreSQL restart needs no worker restart.

/// Holds at most one open connection and reopens it when needed.
public final class Database {
    private let parameters: [String: String]
    private let prepareStatements: Bool
    private var current: Connection?

    /// Makes a lazily connecting database handle from libpq connection keywords; see
    /// `Connection.init(parameters:prepareStatements:)`.
    public init(parameters: [String: String], prepareStatements: Bool = true) {
        self.parameters = parameters
        self.prepareStatements = prepareStatements
    }

    /// An open connection, reconnecting if the previous one broke or the server hung up on it
    /// while it was idle (so the first request after a database restart is served, not a 503).
    public func connection() throws(PostgresError) -> Connection {
        if let current, !current.hungUp { return current }
        current = nil
        let fresh = try Connection(parameters: parameters, prepareStatements: prepareStatements)
        current = fresh
        return fresh
    }
}
