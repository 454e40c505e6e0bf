// Login sessions: an access token (JWT) plus a rotating refresh token. Refresh tokens are
// random, stored hashed, and belong to a family; a used one presented again revokes the family.
import Crypto
import Foundation
import HTTP
import Postgres

/// What login and refresh return.
struct TokenPair: Encodable, Sendable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String
    let scope: String

    private enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
    }
}

/// Issues, rotates and revokes sessions.
struct SessionStore {
    let connection: Connection
    let config: Config
    let now: Date

    /// The prefix of refresh tokens, so they are never mistaken for API keys.
    static let refreshPrefix = "rt_"

    private var signer: TokenSigner { config.tokenSigner }

    /// Starts a new family for a member.
    func start(member: Member, scopes: Set<Scope>) throws -> TokenPair {
        let family = try connection.query("SELECT gen_random_uuid()::text AS family")[0].string("family")
        return try issue(memberID: member.id, role: member.role, scopes: scopes, family: family)
    }

    /// Rotates a refresh token; a reused one revokes its family. Runs in its own transaction.
    func rotate(_ refreshToken: String) throws -> TokenPair {
        enum Outcome { case pair(TokenPair), reused, invalid }
        let outcome: Outcome = try connection.transaction {
            let rows = try connection.query(
                """
                SELECT r.id, r.family::text AS family, r.member_id, array_to_string(r.scopes, ' ') AS scopes, m.role,
                       r.used_at IS NOT NULL AS used, r.revoked_at IS NOT NULL AS revoked, r.expires_at <= now() AS expired
                FROM refresh_tokens r JOIN members m ON m.id = r.member_id
                WHERE r.token_hash = $1 FOR UPDATE OF r
                """, [SHA256.hex(refreshToken)])
            guard let row = rows.first, try !row.bool("revoked"), try !row.bool("expired") else { return .invalid }
            let family = try row.string("family")
            if try row.bool("used") {
                try revokeFamily(family)
                return .reused
            }
            try connection.query("UPDATE refresh_tokens SET used_at = now() WHERE id = $1", [try row.string("id")])
            let role = try row.string("role")
            let scopes = Scope.granted(try row.string("scopes"), role: role)
            return .pair(try issue(memberID: try row.int64("member_id"), role: role, scopes: scopes, family: family))
        }
        switch outcome {
        case .pair(let pair): return pair
        case .reused: throw AuthProblems.badCredentials("This refresh token was already used; its session has been revoked.")
        case .invalid: throw AuthProblems.badCredentials("The refresh token is invalid, expired or revoked.")
        }
    }

    /// Revokes every refresh token of a family.
    func revokeFamily(_ family: String) throws {
        try connection.query(
            "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family = $1::uuid", [family])
    }

    /// The family of a refresh token that belongs to `memberID`, if any.
    func family(ofRefreshToken token: String, memberID: Int64) throws -> String? {
        try connection.query(
            "SELECT family::text AS family FROM refresh_tokens WHERE token_hash = $1 AND member_id = $2",
            [SHA256.hex(token), String(memberID)]
        ).first.map { try $0.string("family") }
    }

    /// Puts an access token's id on the revocation list until it expires.
    func revokeAccessToken(jti: String, expires: Int) throws {
        try connection.query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (jti) DO NOTHING",
            [jti, String(expires)])
    }

    private func issue(memberID: Int64, role: String, scopes: Set<Scope>, family: String) throws -> TokenPair {
        let issuedAt = Int(now.timeIntervalSince1970)
        let claims = AccessClaims(
            iss: config.jwtIssuer, aud: config.jwtAudience, sub: String(memberID), iat: issuedAt, nbf: issuedAt,
            exp: issuedAt + config.accessTTL, jti: Sodium.randomToken(bytes: 16), scope: Scope.text(scopes), role: role,
            sid: family)
        let refresh = Self.refreshPrefix + Sodium.randomToken(bytes: 32)
        try connection.query(
            """
            INSERT INTO refresh_tokens (family, member_id, token_hash, scopes, expires_at)
            VALUES ($1::uuid, $2, $3, string_to_array($4, ' '), now() + make_interval(secs => $5::int))
            """, [family, String(memberID), SHA256.hex(refresh), Scope.text(scopes), String(config.refreshTTL)])
        return TokenPair(
            accessToken: signer.sign(claims), expiresIn: config.accessTTL, refreshToken: refresh, scope: Scope.text(scopes))
    }
}
