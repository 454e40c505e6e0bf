// Every error → HTTP problem mapping in one table. Clients see a stable type and a safe
// sentence; the log line gets the underlying detail.
import HTTP
import Postgres

/// Maps thrown errors to problems.
enum Problems {
    /// The problem for an error, and the detail to log when the client must not see it.
    static func problem(for error: any Error) -> (problem: Problem, logDetail: String?) {
        switch error {
        case let problem as Problem:
            return (problem, nil)
        case let error as PostgresError where error.isUnavailable:
            return (.serviceUnavailable("The database is unavailable; try again shortly.", retryAfter: 1), error.description)
        case let error as PostgresError where error.sqlState == .checkViolation || error.sqlState == .notNullViolation:
            // Validation should have caught it; the database's constraint is the last line.
            return (
                Problem.validation([FieldError(pointer: "", detail: "a value is out of the accepted range")]), error.description
            )
        case let error as PostgresError where error.sqlState?.code.hasPrefix("22") == true:
            return (Problem.badRequest("A value in the request is not of the expected form."), error.description)
        case let error as PostgresError where error.sqlState == .queryCanceled:
            return (.serviceUnavailable("The request took too long; try again shortly.", retryAfter: 1), error.description)
        case let error as PostgresError where error.sqlState == .serializationFailure || error.sqlState == .deadlockDetected:
            return (.serviceUnavailable("The request collided with another; retry it.", retryAfter: 1), error.description)
        default:
            return (.internalError(), String(describing: error))
        }
    }
}
