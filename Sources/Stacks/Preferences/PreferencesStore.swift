// Preferences SQL. Reads go through `preferences_in_effect` (a member without a row has the
// defaults); a change locks the member's row, reads, applies the patch and writes the whole row
// back in one transaction, so two patches at once cannot lose one another's fields.
import Crypto
import Postgres

/// Preferences SQL on one connection.
struct PreferencesStore {
    let connection: Connection

    /// The member's preferences in effect.
    func preferences(memberID: Int64) throws -> Preferences {
        guard
            let row = try connection.query(
                "SELECT \(fragment: Preferences.columns) FROM preferences_in_effect p WHERE p.member_id = \(memberID)"
            ).first
        else { throw AuthError.invalidCredential }
        return try Preferences(row: row)
    }

    /// Applies `change` to the member's preferences under the member's row lock and saves the result.
    func update(memberID: Int64, _ change: (Preferences, _ hasSecret: Bool) throws -> Preferences) throws -> Preferences {
        try connection.transaction {
            guard try !connection.query("SELECT FROM members WHERE id = \(memberID) FOR UPDATE").isEmpty else {
                throw AuthError.invalidCredential
            }
            let current = try preferences(memberID: memberID)
            let next = try change(current, current.webhookSecretCreatedAt != nil)
            try connection.query(
                """
                INSERT INTO member_preferences AS p (member_id, default_loan_days, due_soon_days, notify_overdue,
                                                     notify_hold_available, webhook_enabled, webhook_url)
                VALUES (\(memberID), \(next.defaultLoanDays), \(next.dueSoonDays), \(next.overdue), \(next.holdAvailable),
                        \(next.webhookEnabled), \(next.webhookURL))
                ON CONFLICT (member_id) DO UPDATE SET
                    default_loan_days = excluded.default_loan_days, due_soon_days = excluded.due_soon_days,
                    notify_overdue = excluded.notify_overdue, notify_hold_available = excluded.notify_hold_available,
                    webhook_enabled = excluded.webhook_enabled, webhook_url = excluded.webhook_url, updated_at = now()
                """)
            return try preferences(memberID: memberID)
        }
    }

    /// Stores a new sealed signing secret for the member (replacing any); returns when it was made.
    func replaceSecret(memberID: Int64, sealed: SealedSecret) throws -> String {
        let rows = try connection.query(
            """
            INSERT INTO member_preferences AS p (member_id, default_loan_days, due_soon_days, notify_overdue,
                                                 notify_hold_available, webhook_enabled, webhook_url,
                                                 webhook_secret_kid, webhook_secret_sealed, webhook_secret_at)
            SELECT e.member_id, e.default_loan_days, e.due_soon_days, e.notify_overdue, e.notify_hold_available,
                   e.webhook_enabled, e.webhook_url, \(sealed.keyID), decode(\(Hex.encode(sealed.box)), 'hex'), now()
            FROM preferences_in_effect e WHERE e.member_id = \(memberID)
            ON CONFLICT (member_id) DO UPDATE SET
                webhook_secret_kid = excluded.webhook_secret_kid, webhook_secret_sealed = excluded.webhook_secret_sealed,
                webhook_secret_at = excluded.webhook_secret_at, updated_at = now()
            RETURNING \(fragment: SQLTime.iso("p.webhook_secret_at")) AS created_at
            """)
        guard let row = rows.first else { throw AuthError.invalidCredential }
        return try row.string("created_at")
    }
}
