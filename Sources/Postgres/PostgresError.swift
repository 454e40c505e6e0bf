// Errors from libpq, with the SQLSTATE as a named value so store code can map the ones it
// expects (unique violation, check violation, …) to domain errors and treat the rest as faults.

/// A SQLSTATE code (PostgreSQL Appendix A).
public struct SQLState: Sendable, Hashable, CustomStringConvertible {
    /// The five-character code.
    public let code: String

    /// Wraps a five-character code.
    public init(_ code: String) { self.code = code }

    /// The code (or the kind and message), for logs.
    public var description: String { code }

    /// 23505 unique_violation.
    public static let uniqueViolation = SQLState("23505")
    /// 23503 foreign_key_violation.
    public static let foreignKeyViolation = SQLState("23503")
    /// 23514 check_violation.
    public static let checkViolation = SQLState("23514")
    /// 23502 not_null_violation.
    public static let notNullViolation = SQLState("23502")
    /// 40001 serialization_failure.
    public static let serializationFailure = SQLState("40001")
    /// 40P01 deadlock_detected.
    public static let deadlockDetected = SQLState("40P01")
    /// 55P03 lock_not_available (lock_timeout, NOWAIT).
    public static let lockNotAvailable = SQLState("55P03")
    /// 57014 query_canceled (statement_timeout).
    public static let queryCanceled = SQLState("57014")
    /// 57P01 admin_shutdown.
    public static let adminShutdown = SQLState("57P01")
    /// 57P02 crash_shutdown.
    public static let crashShutdown = SQLState("57P02")
    /// 57P03 cannot_connect_now.
    public static let cannotConnectNow = SQLState("57P03")
    /// 0A000 feature_not_supported (also: a cached plan whose result type changed).
    public static let featureNotSupported = SQLState("0A000")
    /// 42501 insufficient_privilege.
    public static let insufficientPrivilege = SQLState("42501")
    /// 42P01 undefined_table.
    public static let undefinedTable = SQLState("42P01")

    /// Class 08 (connection exception) or a shutdown: the connection cannot be used again.
    public var meansConnectionLost: Bool {
        code.hasPrefix("08") || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
    }
}

/// A failure reported by libpq or the server.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server refused the statement with this SQLSTATE.
        case server(SQLState)
    }

    /// The kind, with the SQLSTATE for server errors.
    public let kind: Kind
    /// The primary message (for logs, never for clients).
    public let message: String
    /// The constraint named by a constraint violation, if any.
    public let constraint: String?

    /// Makes an error.
    public init(_ kind: Kind, message: String, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.constraint = constraint
    }

    /// The SQLSTATE, for server errors.
    public var sqlState: SQLState? {
        if case .server(let state) = kind { return state }
        return nil
    }

    /// Whether the database is unreachable (and the request should be answered 503).
    public var isUnavailable: Bool {
        kind == .connection || (sqlState?.meansConnectionLost ?? false)
    }

    /// The code (or the kind and message), for logs.
    public var description: String {
        switch kind {
        case .connection: "connection: \(message)"
        case .server(let state): "\(state): \(message)"
        }
    }
}
