// Every kind of problem the API answers with, in one table: the slug behind
// `urn:stacks:problem:<slug>`, its title and its status. Handlers, stores and the error mapping
// name a kind from here; nginx's own error pages use the same slugs, titles and statuses (a unit
// test reads nginx/stacks.conf against this table).
import HTTP

/// A kind of problem.
enum ProblemType: String, CaseIterable, Sendable {
    case badRequest = "bad-request"
    case unauthorized
    case invalidToken = "invalid-token"
    case invalidCredentials = "invalid-credentials"
    case insufficientScope = "insufficient-scope"
    case forbidden
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case conflict
    case guestAccount = "guest-account"
    case conversationFull = "conversation-full"
    case conversationChanged = "conversation-changed"
    case idempotencyInFlight = "idempotency-in-flight"
    case idempotencyKeyReused = "idempotency-key-reused"
    case preconditionFailed = "precondition-failed"
    case contentTooLarge = "content-too-large"
    case uriTooLong = "uri-too-long"
    case unsupportedMediaType = "unsupported-media-type"
    case validation
    case invalidPreferences = "invalid-preferences"
    case tooManyAttempts = "too-many-attempts"
    case tooManyRequests = "too-many-requests"
    case `internal`
    case badGateway = "bad-gateway"
    case serviceUnavailable = "service-unavailable"
    case gatewayTimeout = "gateway-timeout"

    /// The short summary, the same for every occurrence.
    var title: String {
        switch self {
        case .badRequest: "Bad request"
        case .unauthorized: "Authentication required"
        case .invalidToken, .invalidCredentials: "Invalid credentials"
        case .insufficientScope: "Insufficient scope"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .methodNotAllowed: "Method not allowed"
        case .conflict: "Conflict"
        case .guestAccount: "Email in use by a guest"
        case .conversationFull: "Conversation full"
        case .conversationChanged: "Conversation changed"
        case .idempotencyInFlight: "Request in progress"
        case .idempotencyKeyReused: "Idempotency key reused"
        case .preconditionFailed: "Precondition failed"
        case .contentTooLarge: "Content too large"
        case .uriTooLong: "URI too long"
        case .unsupportedMediaType: "Unsupported media type"
        case .validation: "Validation failed"
        case .invalidPreferences: "Invalid preferences"
        case .tooManyAttempts: "Too many failed attempts"
        case .tooManyRequests: "Too many requests"
        case .internal: "Internal server error"
        case .badGateway: "Bad gateway"
        case .serviceUnavailable: "Service unavailable"
        case .gatewayTimeout: "Gateway timeout"
        }
    }

    /// The HTTP status.
    var status: Status {
        switch self {
        case .badRequest, .invalidPreferences: .badRequest
        case .unauthorized, .invalidToken, .invalidCredentials: .unauthorized
        case .insufficientScope, .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .conflict, .guestAccount, .conversationFull, .conversationChanged, .idempotencyInFlight: .conflict
        case .idempotencyKeyReused, .validation: .unprocessableContent
        case .preconditionFailed: .preconditionFailed
        case .contentTooLarge: .contentTooLarge
        case .uriTooLong: Status(414, "URI Too Long")
        case .unsupportedMediaType: .unsupportedMediaType
        case .tooManyAttempts, .tooManyRequests: .tooManyRequests
        case .internal: .internalServerError
        case .badGateway: Status(502, "Bad Gateway")
        case .serviceUnavailable: .serviceUnavailable
        case .gatewayTimeout: Status(504, "Gateway Timeout")
        }
    }
}

extension Problem {
    /// A problem of a catalogued kind.
    init(_ type: ProblemType, detail: String, errors: [FieldError] = [], headers: Headers = Headers()) {
        self.init(type.rawValue, title: type.title, status: type.status, detail: detail, errors: errors, headers: headers)
    }
}
