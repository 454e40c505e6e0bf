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
    private static func bearer(_ request: Request) throws(AuthError) -> String {
        guard let header = request.headers["Authorization"] else { throw AuthError.missingCredential }
        let parts = header.utf8.split(separator: UInt8(ascii: " "), maxSplits: 1, omittingEmptySubsequences: true)
            .map { Substring($0) }
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw AuthError.invalidCredential }
        return parts[1].trimmingOptionalWhitespace
    }

    private func apiKey(_ key: String) throws -> Principal {
        let rows = try connection.query(
            """
            SELECT k.id, array_to_string(k.scopes, ' ') AS scopes, m.id AS member_id, m.role
            FROM api_keys k JOIN members m ON m.id = k.member_id
            WHERE k.key_hash = \(SHA256.hex(key)) AND k.revoked_at IS NULL
            """)
        guard let row = rows.first else { throw AuthError.invalidCredential }
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
            throw AuthError.invalidCredential
        }
        guard let memberID = Int64(claims.sub) else { throw AuthError.invalidCredential }
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
        guard let row = rows.first, try !row.bool("revoked") else { throw AuthError.invalidCredential }
        let role = try Role(row: row)
        let scopes = Scope.granted(claims.scope, role: role)
        return Principal(
            memberID: try row.int64("id"), role: role, scopes: scopes,
            credential: .accessToken(jti: claims.jti, expires: claims.exp, session: claims.sid))
    }
}
