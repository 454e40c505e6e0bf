// Every error → problem mapping in one table, as PostgREST's Error.hs: the features throw domain
// errors (AuthError, BookError, LoanError, HoldError, ItemError, IdempotencyError, ChatError) and the database throws
// SQLSTATEs; this file alone decides the kind (ProblemCatalogue.swift), the sentence a client
// sees and the headers. The log line gets the underlying detail of what the client must not see.
import HTTP
import Postgres

/// Maps thrown errors to problems.
enum ErrorCatalogue {
    /// The problem for an error, and the detail to log when the client must not see it.
    static func problem(for error: any Error) -> (problem: Problem, logDetail: String?) {
        switch error {
        case let problem as Problem: (problem, nil)
        case let error as AuthError: (problem(error), nil)
        case let error as BookError: (problem(error), nil)
        case let error as LoanError: (problem(error), nil)
        case let error as HoldError: (problem(error), nil)
        case let error as ItemError: (problem(error), nil)
        case let error as IdempotencyError: (problem(error), nil)
        case let error as ChatError: (problem(error), nil)
        case let error as PostgresError: (problem(error), error.description)
        default: (.internalError(), String(describing: error))
        }
    }

    static func problem(_ error: AuthError) -> Problem {
        switch error {
        case .missingCredential:
            Problem(
                .unauthorized,
                detail: "API key required: send Authorization: Bearer <api key or access token>. "
                    + "Get a key with POST /api/auth/generate-key.",
                headers: Headers([("WWW-Authenticate", "Bearer realm=\"stacks\"")]))
        case .invalidCredential:
            Problem(
                .invalidToken, detail: "The API key or access token is invalid, expired or revoked.",
                headers: Headers([("WWW-Authenticate", "Bearer realm=\"stacks\", error=\"invalid_token\"")]))
        case .insufficientScope(let scope):
            Problem(
                .insufficientScope, detail: "This needs the '\(scope.rawValue)' scope, which your credential does not carry.",
                headers: Headers([
                    ("WWW-Authenticate", "Bearer realm=\"stacks\", error=\"insufficient_scope\", scope=\"\(scope.rawValue)\"")
                ]))
        case .badCredentials(let detail):
            Problem(.invalidCredentials, detail: detail)
        case .locked(let seconds):
            Problem(
                .tooManyAttempts,
                detail: "Too many wrong passwords for this account: try again in \(seconds) second\(seconds == 1 ? "" : "s").",
                headers: Headers([("Retry-After", String(seconds))]))
        case .emailTaken:
            Problem(.conflict, detail: "An account with this email already exists.")
        case .guestAccount(let proofGiven):
            Problem(
                .guestAccount,
                detail: (proofGiven ? "The credential sent is not a key of this email's guest account. " : "")
                    + "This email is used by a guest account (created from the email alone by POST /api/auth/generate-key). "
                    + "To give it a password, send this request again with Authorization: Bearer <one of that guest's API keys>; "
                    + "its other keys are then revoked.")
        case .otherMember(let detail):
            Problem(.forbidden, detail: detail)
        }
    }

    static func problem(_ error: BookError) -> Problem {
        switch error {
        case .duplicateISBN: Problem(.conflict, detail: "Another book already has this ISBN.")
        case .onLoan(let count):
            Problem(
                .conflict,
                detail: "\(count) cop\(count == 1 ? "y is" : "ies are") on loan; "
                    + "wait until \(count == 1 ? "it is" : "they are") returned.")
        case .notFound(let id): Problem.notFound("No book has id \(id).")
        }
    }

    static func problem(_ error: LoanError) -> Problem {
        switch error {
        case .noCopyFree:
            Problem(
                .conflict,
                detail: "Every copy of this book is on loan or held for a member in its queue; "
                    + "place a hold (POST /api/books/{id}/holds) to join the queue.")
        case .limitReached(let max):
            Problem(.conflict, detail: "You already have \(max) active loans, the limit; return one first.")
        case .notFound(let id): Problem.notFound("You have no loan with id \(id).")
        case .alreadyReturned(let at): Problem(.conflict, detail: "This loan was already returned at \(at ?? "an earlier time").")
        case .overdue: Problem(.conflict, detail: "This loan is overdue and cannot be renewed; return the book.")
        case .renewalLimit(let count): Problem(.conflict, detail: "This loan was already renewed \(count) times, the limit.")
        case .holdsWaiting:
            Problem(
                .conflict, detail: "Members are waiting for this book, so the loan cannot be renewed; return it by its due date.")
        case .heldForAnother: Problem(.conflict, detail: "This copy is on the hold shelf for another member.")
        case .itemOnLoan(let due):
            Problem(.conflict, detail: "This copy is already on loan\(due.map { ", due back \($0)" } ?? ""); check it in first.")
        case .itemUnavailable(let status):
            Problem(.conflict, detail: "This copy is marked \(status) and cannot be lent; mark it available first.")
        case .memberLimitReached(let email, let max):
            Problem(.conflict, detail: "\(email) already has \(max) active loans, the limit; a loan must be returned first.")
        case .notOnLoan(let barcode, let status):
            Problem(.conflict, detail: "Copy \(barcode) is not on loan (it is \(status)); there is nothing to check in.")
        }
    }

    static func problem(_ error: HoldError) -> Problem {
        switch error {
        case .notFound(let id): Problem.notFound("You have no hold with id \(id).")
        case .alreadyOpen: Problem(.conflict, detail: "You already have an open hold on this book.")
        case .onLoan: Problem(.conflict, detail: "You have this book on loan; a hold is for a book you do not have.")
        case .limitReached(let max):
            Problem(.conflict, detail: "You already have \(max) open holds, the limit; cancel one first.")
        case .closed(let status): Problem(.conflict, detail: "This hold is \(status.rawValue) and can no longer change.")
        case .notWaiting:
            Problem(
                .conflict,
                detail: "A copy waits on the hold shelf for this hold; borrow it or cancel the hold instead of suspending it.")
        }
    }

    static func problem(_ error: ItemError) -> Problem {
        switch error {
        case .notFound(let barcode): Problem.notFound("No copy has the barcode '\(barcode)'.")
        case .duplicateBarcode(let barcode): Problem(.conflict, detail: "Another copy already has the barcode '\(barcode)'.")
        case .cannotChange(let from, let to):
            Problem(
                .conflict,
                detail: from == .onLoan
                    ? "This copy is on loan; check it in (POST /api/desk/checkin) before marking it \(to.rawValue)."
                    : "This copy waits on the hold shelf for a member; mark it lost or withdrawn, or let the hold run its course."
            )
        }
    }

    static func problem(_ error: IdempotencyError) -> Problem {
        switch error {
        case .inFlight:
            Problem(
                .idempotencyInFlight, detail: "A request with this idempotency key is still being processed; retry shortly.",
                headers: Headers([("Retry-After", "1")]))
        case .reused:
            Problem(
                .idempotencyKeyReused,
                detail: "This idempotency key was already used for a different request (method, path or body).")
        }
    }

    static func problem(_ error: ChatError) -> Problem {
        switch error {
        case .full(let limit):
            Problem(
                .conversationFull,
                detail: "This conversation holds \(limit) messages, the most one may; start a new conversation (another id) "
                    + "or delete this one (DELETE /api/chat/{id}) to go on.")
        case .changed:
            Problem(
                .conversationChanged,
                detail: "Another message was added to this conversation while this one was being answered; nothing was "
                    + "stored. Send your message again.")
        }
    }

    /// Whether an error refuses the request only because it lost a race, so the same request sent
    /// again may succeed: such a refusal is not kept as the outcome of an idempotency key.
    static func invitesRetry(_ error: any Error) -> Bool {
        error as? ChatError == .changed
    }

    /// SQLSTATEs the features did not turn into domain errors themselves.
    static func problem(_ error: PostgresError) -> Problem {
        let state = error.sqlState
        if error.isUnavailable { return .serviceUnavailable("The database is unavailable; try again shortly.", retryAfter: 1) }
        if state == .checkViolation || state == .notNullViolation {
            // Validation should have caught it; the database's constraint is the last line.
            return .validation([FieldError(pointer: "", detail: "a value is out of the accepted range")])
        }
        if state?.code.hasPrefix("22") == true { return .badRequest("A value in the request is not of the expected form.") }
        if state == .queryCanceled { return .serviceUnavailable("The request took too long; try again shortly.", retryAfter: 1) }
        if state == .serializationFailure || state == .deadlockDetected || state == .lockNotAvailable {
            return .serviceUnavailable("The request collided with another; retry it.", retryAfter: 1)
        }
        if state?.code.hasPrefix("53") == true {
            // Insufficient resources (disk full, out of memory, too many connections): the server's, not the client's.
            return .serviceUnavailable("The database is short of resources; try again shortly.", retryAfter: 5)
        }
        return .internalError()
    }
}
