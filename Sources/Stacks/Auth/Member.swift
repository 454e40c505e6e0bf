// Members: the accounts of the library, their stored form and their SQL. Emails are unique
// in lower case; a guest member (open key mode) has no password.
import HTTP
import Postgres

/// A member as the API shows it.
struct Member: Encodable, Equatable, Sendable {
    let id: Int64
    let email: String
    let name: String
    let role: Role
    let createdAt: String

    static let columns: SQL = "id, email, name, role, password_hash, \(fragment: SQLTime.iso("created_at")) AS created_at"

    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        email = try row.string("email")
        name = try row.string("name")
        role = try Role(row: row)
        createdAt = try row.string("created_at")
    }

    private enum CodingKeys: String, CodingKey {
        case id, email, name, role
        case createdAt = "created_at"
    }
}

/// Member SQL.
struct MemberStore {
    let connection: Connection

    /// The member with this email and its password hash (nil for a guest).
    func member(email: String) throws -> (member: Member, passwordHash: String?)? {
        try connection.query("SELECT \(fragment: Member.columns) FROM members WHERE email = \(email)").first.map {
            (try Member(row: $0), $0["password_hash"])
        }
    }

    /// The member with this id.
    func member(id: Int64) throws -> Member? {
        try connection.query("SELECT \(fragment: Member.columns) FROM members WHERE id = \(id)").first.map(Member.init(row:))
    }

    /// Creates a member; a taken email is a 409 problem.
    func create(email: String, name: String, passwordHash: String?) throws -> Member {
        do {
            let rows = try connection.query(
                """
                INSERT INTO members (email, name, password_hash) VALUES (\(email), \(name), \(passwordHash))
                RETURNING \(fragment: Member.columns)
                """)
            return try Member(row: rows[0])
        } catch {
            if error.sqlState == .uniqueViolation { throw AuthError.emailTaken }
            throw error
        }
    }

    /// Gives a guest member (no password) a password and a name, and revokes every key of it but
    /// `keepingKey`, in one transaction; 409 if it was claimed meanwhile. The member's row is
    /// locked first, so a key being made for the guest at the same time is either committed
    /// before the revocation reads the keys, or refused (see `KeyStore.create`).
    func claimGuest(id: Int64, name: String, passwordHash: String, keepingKey: Int64?) throws -> Member {
        try connection.transaction {
            let rows = try connection.query(
                """
                UPDATE members SET name = \(name), password_hash = \(passwordHash)
                WHERE id = \(id) AND password_hash IS NULL RETURNING \(fragment: Member.columns)
                """)
            guard let row = rows.first else { throw AuthError.emailTaken }
            try connection.query(
                """
                UPDATE api_keys SET revoked_at = now()
                WHERE member_id = \(id) AND revoked_at IS NULL AND id IS DISTINCT FROM \(keepingKey)::bigint
                """)
            return try Member(row: row)
        }
    }

    /// Replaces a stored password hash (after a login with raised parameters).
    func updatePasswordHash(id: Int64, to hash: String) throws {
        try connection.query("UPDATE members SET password_hash = \(hash) WHERE id = \(id)")
    }
}
