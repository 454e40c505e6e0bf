// Per-account backoff for password checks (login, and generate-key with a password). The count
// and the lock-until time live on the member row, so the limit holds on every worker and host.
// An attempt is counted before the password is checked and forgiven when it was right, so
// parallel guesses cannot slip past the limit while the first ones are still hashing.
import Crypto
import HTTP
import Postgres

/// Failed-password bookkeeping for one member.
struct LoginThrottle {
    let connection: Connection

    /// Wrong passwords allowed before the account locks.
    static let freeAttempts = 5
    /// The first lock, doubled on each further wrong password (1 s, 2 s, 4 s, …).
    static let firstLockSeconds = 1
    /// The longest lock.
    static let maxLockSeconds = 900

    /// Checks a password of the member: throws 429 with `Retry-After` while the account is
    /// locked (without hashing anything), else counts the attempt, verifies, and on success forgets it.
    func verify(_ password: String, against hash: String, memberID: Int64, hasher: PasswordHasher) throws -> Bool {
        try begin(memberID: memberID)
        guard hasher.verify(password, against: hash) else { return false }
        try succeeded(memberID: memberID)
        return true
    }

    private func begin(memberID: Int64) throws {
        let counted = try connection.query(
            """
            UPDATE members SET failed_logins = failed_logins + 1,
                   locked_until = CASE WHEN failed_logins + 1 >= \(Self.freeAttempts) THEN now() + make_interval(secs =>
                       least(\(Self.maxLockSeconds)::float8,
                             \(Self.firstLockSeconds)::float8 * power(2, least(failed_logins + 1 - \(Self.freeAttempts), 30))))
                   END
            WHERE id = \(memberID) AND (locked_until IS NULL OR locked_until <= now())
            RETURNING id
            """)
        guard counted.isEmpty else { return }
        let wait = try connection.query(
            "SELECT greatest(1, ceil(extract(epoch FROM locked_until - now())))::int AS wait FROM members WHERE id = \(memberID)")
        throw AuthError.locked(retryAfter: try wait.first?.int("wait") ?? 1)
    }

    private func succeeded(memberID: Int64) throws {
        try connection.query(
            "UPDATE members SET failed_logins = 0, locked_until = NULL WHERE id = \(memberID) AND failed_logins > 0")
    }
}
