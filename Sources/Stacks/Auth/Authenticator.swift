// Turns `Authorization: Bearer …` into a Principal, from the database on every request: an API
// key by its SHA-256, an access token by its signature, claims and the revocation list. An access
// token can also be checked in the same round trip as the handler's first statement
// (`provisional(for:)`): its principal comes from the signed claims, and the database check that
// makes it valid raises if the token was revoked or the member's role changed.
import Crypto
import Foundation
import HTTP
import Postgres

/// Authenticates requests.
struct Authenticator {
    let connection: Connection
    let signer: TokenSigner
    let now: Date

    /// The prefix every API key starts with.
    static let keyPrefix = "stk_"

    /// The caller, or a 401 problem.
    func principal(for request: Request) throws -> Principal {
        let token = try Self.bearer(request)
        if token.hasPrefix(Self.keyPrefix) { return try apiKey(token) }
        return try accessToken(token)
    }

    /// For a request with a well-signed access token: the principal its claims describe and the
    /// statement that confirms them (`access_token_valid`, migration 007), to run in the same round
    /// trip as the handler's first statement. Nil for anything else (no credential, an API key, a
    /// token that does not verify): `principal(for:)` then answers as it always did.
    func provisional(for request: Request) -> (principal: Principal, check: SQL)? {
        guard let token = try? Self.bearer(request), !token.hasPrefix(Self.keyPrefix),
            let claims = try? signer.verifyAccess(token, now: now), let memberID = Int64(claims.sub),
            let role = Role(rawValue: claims.role)
        else { return nil }
        let principal = Principal(
            memberID: memberID, role: role, scopes: Scope.granted(claims.scope, role: role),
            credential: .accessToken(jti: claims.jti, expires: claims.exp, session: claims.sid))
        return (principal, "SELECT access_token_valid(\(memberID), \(claims.jti), \(claims.sid)::uuid, \(role.rawValue))")
    }

    /// The bearer credential of `Authorization`; 401 when it is missing or not a bearer.
    private static func bearer(_ request: Request) throws(Problem) -> String {
        guard let header = request.headers["Authorization"] else { throw AuthProblems.missing() }
        let parts = header.utf8.split(separator: UInt8(ascii: " "), maxSplits: 1, omittingEmptySubsequences: true)
            .map { Substring($0) }
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AuthProblems.invalid() }
        return parts[1].trimmingOptionalWhitespace
    }

    private func apiKey(_ key: String) throws -> Principal {
        let rows = try connection.query(
            """
            SELECT k.id, array_to_string(k.scopes, ' ') AS scopes, m.id AS member_id, m.role
            FROM api_keys k JOIN members m ON m.id = k.member_id
            WHERE k.key_hash = \(SHA256.hex(key)) AND k.revoked_at IS NULL
            """)
        guard let row = rows.first else { throw AuthProblems.invalid() }
        let role = try Role(row: row)
        let scopes = Scope.granted(try row.string("scopes"), role: role)
        return Principal(
            memberID: try row.int64("member_id"), role: role, scopes: scopes,
            credential: .apiKey(id: try row.int64("id")))
    }

    private func accessToken(_ token: String) throws -> Principal {
        let claims: AccessClaims
        do {
            claims = try signer.verifyAccess(token, now: now)
        } catch {
            throw AuthProblems.invalid()
        }
        guard let memberID = Int64(claims.sub) else { throw AuthProblems.invalid() }
        // Revoked are: this token (logout) and every token of a session whose refresh family was revoked.
        // The family is compared as a uuid, so the index on it serves (a text cast scanned the table).
        let session = claims.sid ?? ""
        let rows = try connection.query(
            """
            SELECT m.id, m.role,
                   EXISTS (SELECT FROM revoked_tokens WHERE jti = \(claims.jti))
                   OR EXISTS (SELECT FROM refresh_tokens WHERE family = nullif(\(session), '')::uuid AND revoked_at IS NOT NULL)
                   AS revoked
            FROM members m WHERE m.id = \(memberID)
            """)
        guard let row = rows.first, try !row.bool("revoked") else { throw AuthProblems.invalid() }
        let role = try Role(row: row)
        let scopes = Scope.granted(claims.scope, role: role)
        return Principal(
            memberID: try row.int64("id"), role: role, scopes: scopes,
            credential: .accessToken(jti: claims.jti, expires: claims.exp, session: claims.sid))
    }
}

/// The problems of authentication and authorisation (RFC 6750 §3).
enum AuthProblems {
    /// 401 without credentials: the challenge names the scheme only.
    static func missing() -> Problem {
        Problem(
            .unauthorized,
            detail: "API key required: send Authorization: Bearer <api key or access token>. "
                + "Get a key with POST /api/auth/generate-key.",
            headers: Headers([("WWW-Authenticate", "Bearer realm=\"stacks\"")]))
    }

    /// 401 for a credential that is malformed, unknown, revoked or expired.
    static func invalid() -> Problem {
        Problem(
            .invalidToken, detail: "The API key or access token is invalid, expired or revoked.",
            headers: Headers([("WWW-Authenticate", "Bearer realm=\"stacks\", error=\"invalid_token\"")]))
    }

    /// 403 for a valid credential without the scope the endpoint needs.
    static func insufficientScope(_ scope: Scope) -> Problem {
        Problem(
            .insufficientScope, detail: "This needs the '\(scope.rawValue)' scope, which your credential does not carry.",
            headers: Headers([
                ("WWW-Authenticate", "Bearer realm=\"stacks\", error=\"insufficient_scope\", scope=\"\(scope.rawValue)\"")
            ]))
    }

    /// 401 for a login, key or refresh request with wrong secrets.
    static func badCredentials(_ detail: String) -> Problem {
        Problem(.invalidCredentials, detail: detail)
    }

    /// 429 for an account locked after wrong passwords.
    static func locked(retryAfter seconds: Int) -> Problem {
        Problem(
            .tooManyAttempts,
            detail: "Too many wrong passwords for this account: try again in \(seconds) second\(seconds == 1 ? "" : "s").",
            headers: Headers([("Retry-After", String(seconds))]))
    }

    /// 409: the email belongs to a member with a password.
    static func emailTaken() -> Problem {
        Problem(.conflict, detail: "An account with this email already exists.")
    }

    /// 409: the email belongs to a guest of open-key mode, which only the holder of one of its keys may claim.
    static func guestEmail(proofGiven: Bool) -> Problem {
        Problem(
            .guestAccount,
            detail: (proofGiven ? "The credential sent is not a key of this email's guest account. " : "")
                + "This email is used by a guest account (created from the email alone by POST /api/auth/generate-key). "
                + "To give it a password, send this request again with Authorization: Bearer <one of that guest's API keys>; "
                + "its other keys are then revoked.")
    }
}
