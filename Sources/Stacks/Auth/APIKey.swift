// API keys: `stk_<prefix>_<secret>` with 32 random bytes of secret, shown once and stored only
// as a SHA-256 hash. The short prefix is public, so a member can tell keys apart in a list.
import Crypto
import HTTP
import Postgres

/// A stored key as listed (never the secret).
struct APIKeyInfo: Encodable, Equatable, Sendable {
    let id: Int64
    let prefix: String
    let label: String?
    let scopes: [String]
    let createdAt: String
    let revokedAt: String?
    var revoked: Bool { revokedAt != nil }

    static let columns: SQL =
        "id, prefix, label, array_to_string(scopes, ' ') AS scopes, \(fragment: SQLTime.iso("created_at")) AS created_at, "
        + "\(fragment: SQLTime.iso("revoked_at")) AS revoked_at"

    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        prefix = try row.string("prefix")
        label = row["label"]
        scopes = try row.string("scopes").split(separator: " ").map(String.init)
        createdAt = try row.string("created_at")
        revokedAt = row["revoked_at"]
    }

    private enum CodingKeys: String, CodingKey {
        case id, prefix, label, scopes, revoked
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(label, forKey: .label)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
        try container.encode(revoked, forKey: .revoked)
    }
}

/// What entitles a caller to a new key, checked again when the key is made.
enum KeyGrant {
    /// The member's password was just verified, or an access token (which only a password gives).
    case verified
    /// Open-key mode: the member has no password.
    case guest
    /// Another of the member's keys, by id.
    case key(id: Int64)
}

/// API key SQL.
struct KeyStore {
    let connection: Connection

    /// Makes a key for a member and returns the secret (once) with its stored info. Under a share
    /// lock on the member's row it checks again what `grant` relied on: a guest claim takes that
    /// row first and revokes keys afterwards, so a key made meanwhile is either seen and revoked
    /// by the claim, or refused here (401).
    func create(memberID: Int64, label: String?, scopes: Set<Scope>, grant: KeyGrant) throws -> (key: String, info: APIKeyInfo) {
        try connection.transaction {
            let member = try connection.query(
                "SELECT password_hash IS NULL AS guest FROM members WHERE id = \(memberID) FOR SHARE")
            guard let row = member.first else { throw AuthError.invalidCredential }
            switch grant {
            case .verified:
                break
            case .guest:
                guard try row.bool("guest") else {
                    throw AuthError.badCredentials("This email has a password now: send it to generate a key.")
                }
            case .key(let id):
                let live = try connection.query("SELECT 1 FROM api_keys WHERE id = \(id) AND revoked_at IS NULL")
                guard !live.isEmpty else { throw AuthError.invalidCredential }
            }
            let prefix = String(Hex.encode(Sodium.randomBytes(4)))
            let key = "\(Authenticator.keyPrefix)\(prefix)_\(Sodium.randomToken(bytes: 32))"
            let rows = try connection.query(
                """
                INSERT INTO api_keys (member_id, prefix, key_hash, label, scopes)
                VALUES (\(memberID), \(Authenticator.keyPrefix + prefix), \(SHA256.hex(key)), \(label),
                        string_to_array(\(Scope.text(scopes)), ' '))
                RETURNING \(fragment: APIKeyInfo.columns)
                """)
            return (key, try APIKeyInfo(row: rows[0]))
        }
    }

    /// The member's keys, newest first.
    func keys(memberID: Int64) throws -> [APIKeyInfo] {
        try connection.query(
            "SELECT \(fragment: APIKeyInfo.columns) FROM api_keys WHERE member_id = \(memberID) ORDER BY id DESC"
        )
        .map(APIKeyInfo.init(row:))
    }

    /// Revokes one of the member's keys; revoking twice is fine; someone else's key is nil (404).
    func revoke(id: Int64, memberID: Int64) throws -> APIKeyInfo? {
        try connection.query(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
            WHERE id = \(id) AND member_id = \(memberID) RETURNING \(fragment: APIKeyInfo.columns)
            """
        ).first.map(APIKeyInfo.init(row:))
    }
}
