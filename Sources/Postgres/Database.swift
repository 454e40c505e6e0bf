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

    /// An open connection, reconnecting if the previous one broke.
    public func connection() throws(PostgresError) -> Connection {
        if let current, current.isOpen { return current }
        current = nil
        let fresh = try Connection(parameters: parameters, prepareStatements: prepareStatements)
        current = fresh
        return fresh
    }

    /// Runs `body` with a connection; a connection-level failure drops it for the next request.
    public func with<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try connection()
        do {
            return try body(connection)
        } catch let error as PostgresError where error.isUnavailable {
            current = nil
            throw error
        }
    }
}
