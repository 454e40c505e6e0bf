// Login sessions: an access token (JWT) plus a rotating refresh token. Refresh tokens are stored
// hashed and belong to a family; a used one presented again revokes the family, except within
// the grace window (`STACKS_REFRESH_GRACE`, 30 s) while its successor is still unused: then the
// same successor pair is answered again, so a client's retry of a refresh that was lost on the
// way back does not log it out. Successors are derived (HMAC of the predecessor under the signing
// key), so the pair can be rebuilt without storing any token.
import Crypto
import Foundation
import HTTP
import Postgres
import StacksWire

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
        let refresh = Self.refreshPrefix + Sodium.randomToken(bytes: 32)
        return try issue(refresh, memberID: member.id, role: member.role, scopes: scopes, family: family).pair
    }

    /// Rotates a refresh token; a reused one revokes its family (see the grace window above).
    /// Runs in its own transaction.
    func rotate(_ refreshToken: String) throws -> TokenPair {
        enum Outcome { case pair(TokenPair), reused, invalid }
        let outcome: Outcome = try connection.transaction {
            // Lock first, read second: a concurrent rotation of the same token commits its successor
            // while this one waits, and only a new statement (a new snapshot) sees that row.
            let locked = try connection.query(
                "SELECT id FROM refresh_tokens WHERE token_hash = \(SHA256.hex(refreshToken)) FOR UPDATE")
            guard let id = try locked.first?.int64("id") else { return .invalid }
            let rows = try connection.query(
                """
                SELECT r.family::text AS family, r.member_id, array_to_string(r.scopes, ' ') AS scopes, m.role,
                       r.used_at IS NOT NULL AS used, r.revoked_at IS NOT NULL AS revoked, r.expires_at <= now() AS expired,
                       coalesce(r.used_at > now() - make_interval(secs => \(config.refreshGrace)::int)
                                AND s.used_at IS NULL AND s.revoked_at IS NULL, false) AS retry_in_grace,
                       s.token_hash AS successor_hash, s.access_jti AS successor_jti,
                       extract(epoch FROM s.issued_at)::bigint AS successor_issued
                FROM refresh_tokens r JOIN members m ON m.id = r.member_id
                LEFT JOIN refresh_tokens s ON s.id = r.successor_id
                WHERE r.id = \(id)
                """)
            guard let row = rows.first, try !row.bool("revoked"), try !row.bool("expired") else { return .invalid }
            let family = try row.string("family")
            let role = try Role(row: row)
            let scopes = Scope.granted(try row.string("scopes"), role: role)
            let memberID = try row.int64("member_id")
            if try row.bool("used") {
                if try row.bool("retry_in_grace"), let hash = row["successor_hash"], let jti = row["successor_jti"],
                    let issued = Int(row["successor_issued"] ?? ""),
                    let successor = signer.keys.map({ successorToken(of: refreshToken, key: $0) }).first(where: {
                        SHA256.hex($0) == hash
                    })
                {
                    let claims = accessClaims(
                        memberID: memberID, role: role, scopes: scopes, family: family, issuedAt: issued, jti: jti)
                    return .pair(pair(claims, refresh: successor))
                }
                try revokeFamily(family)
                return .reused
            }
            let successor = successorToken(of: refreshToken, key: signer.keys[0])
            let issued = try issue(successor, memberID: memberID, role: role, scopes: scopes, family: family)
            try connection.query("UPDATE refresh_tokens SET used_at = now(), successor_id = \(issued.id) WHERE id = \(id)")
            return .pair(issued.pair)
        }
        switch outcome {
        case .pair(let pair): return pair
        case .reused: throw AuthError.badCredentials("This refresh token was already used; its session has been revoked.")
        case .invalid: throw AuthError.badCredentials("The refresh token is invalid, expired or revoked.")
        }
    }

    /// Revokes every refresh token of a family.
    func revokeFamily(_ family: String) throws {
        try connection.query("UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family = \(family)::uuid")
    }

    /// The family of a refresh token that belongs to `memberID`, if any.
    func family(ofRefreshToken token: String, memberID: Int64) throws -> String? {
        try connection.query(
            """
            SELECT family::text AS family FROM refresh_tokens
            WHERE token_hash = \(SHA256.hex(token)) AND member_id = \(memberID)
            """
        ).first.map { try $0.string("family") }
    }

    /// Puts an access token's id on the revocation list until it expires.
    func revokeAccessToken(jti: String, expires: Int) throws {
        try connection.query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES (\(jti), to_timestamp(\(expires))) ON CONFLICT (jti) DO NOTHING")
    }

    /// The successor of a refresh token under a signing key: unguessable without both.
    private func successorToken(of token: String, key: JWTKey) -> String {
        Self.refreshPrefix
            + Base64URL.encode(HMACSHA256.authenticate(Array("stacks refresh successor\n\(token)".utf8), key: key.secret))
    }

    private func accessClaims(memberID: Int64, role: Role, scopes: Set<Scope>, family: String, issuedAt: Int, jti: String)
        -> AccessClaims
    {
        AccessClaims(
            iss: config.jwtIssuer, aud: config.jwtAudience, sub: String(memberID), iat: issuedAt, nbf: issuedAt,
            exp: issuedAt + config.accessTTL, jti: jti, scope: Scope.text(scopes), role: role.rawValue, sid: family)
    }

    private func pair(_ claims: AccessClaims, refresh: String) -> TokenPair {
        TokenPair(
            accessToken: signer.sign(claims), expiresIn: max(0, claims.exp - Int(now.timeIntervalSince1970)),
            refreshToken: refresh, scope: claims.scope)
    }

    /// Stores a refresh token (its hash, with the id of the access token issued beside it) and signs that access token.
    private func issue(_ refresh: String, memberID: Int64, role: Role, scopes: Set<Scope>, family: String) throws -> (
        id: Int64, pair: TokenPair
    ) {
        let claims = accessClaims(
            memberID: memberID, role: role, scopes: scopes, family: family, issuedAt: Int(now.timeIntervalSince1970),
            jti: Sodium.randomToken(bytes: 16))
        let rows = try connection.query(
            """
            INSERT INTO refresh_tokens (family, member_id, token_hash, scopes, issued_at, expires_at, access_jti)
            VALUES (\(family)::uuid, \(memberID), \(SHA256.hex(refresh)), string_to_array(\(claims.scope), ' '),
                    to_timestamp(\(claims.iat)), now() + make_interval(secs => \(config.refreshTTL)::int), \(claims.jti))
            RETURNING id
            """)
        return (try rows[0].int64("id"), pair(claims, refresh: refresh))
    }
}
