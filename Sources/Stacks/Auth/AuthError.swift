// What authentication and accounts refuse. The catalogue (ErrorCatalogue.swift) turns each into
// its problem: status, challenge headers (RFC 6750 §3) and a sentence the client can act on.

/// An authentication or account error.
enum AuthError: Error, Equatable {
    /// No `Authorization` header where one is needed (401 with the bare challenge).
    case missingCredential
    /// A credential that is malformed, unknown, revoked or expired (401 invalid_token).
    case invalidCredential
    /// A valid credential without the scope the endpoint needs (403 insufficient_scope).
    case insufficientScope(Scope)
    /// Wrong secrets in a login, key or refresh request (401); the sentence says which.
    case badCredentials(String)
    /// An account locked after wrong passwords, for this many seconds (429).
    case locked(retryAfter: Int)
    /// The email belongs to a member with a password (409).
    case emailTaken
    /// The email belongs to a guest of open-key mode, claimed only with one of its keys (409).
    case guestAccount(proofGiven: Bool)
    /// A credential may only act for its own member (403).
    case otherMember(String)
}
