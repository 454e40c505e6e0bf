// A member's preferences as the API shows them: the loan period a borrow uses when it names none,
// which notices the member wants, and where else they go (the inbox always; a webhook when on).
// Read from `preferences_in_effect`, so a member who never changed one sees the defaults.
import Postgres

/// What a member chose, or the defaults.
package struct Preferences: Encodable, Equatable, Sendable {
    /// Days a borrow lasts when it names none (1–30).
    package var defaultLoanDays: Int
    /// Days before the due time a due-soon notice comes (0–7, 0 = none).
    package var dueSoonDays: Int
    /// Whether overdue notices come.
    package var overdue: Bool
    /// Whether a notice comes when a held copy waits on the shelf.
    package var holdAvailable: Bool
    /// Whether notices are also POSTed to `webhookURL`.
    package var webhookEnabled: Bool
    /// The receiver of webhook deliveries.
    package var webhookURL: String?
    /// When the signing secret was made (nil: none yet).
    let webhookSecretCreatedAt: String?
    /// When the member last changed a preference (nil: never).
    let updatedAt: String?

    /// The channels a notice goes to.
    var channels: [String] { webhookEnabled ? ["inbox", "webhook"] : ["inbox"] }

    /// The columns `init(row:)` reads, from `preferences_in_effect p`.
    static let columns: SQL = """
        p.default_loan_days, p.due_soon_days, p.notify_overdue, p.notify_hold_available, p.webhook_enabled, p.webhook_url,
        \(fragment: SQLTime.iso("p.webhook_secret_at")) AS webhook_secret_at, \(fragment: SQLTime.iso("p.updated_at")) AS updated_at
        """

    /// Makes preferences from their values.
    package init(
        defaultLoanDays: Int, dueSoonDays: Int, overdue: Bool, holdAvailable: Bool, webhookEnabled: Bool,
        webhookURL: String?, webhookSecretCreatedAt: String?, updatedAt: String?
    ) {
        self.defaultLoanDays = defaultLoanDays
        self.dueSoonDays = dueSoonDays
        self.overdue = overdue
        self.holdAvailable = holdAvailable
        self.webhookEnabled = webhookEnabled
        self.webhookURL = webhookURL
        self.webhookSecretCreatedAt = webhookSecretCreatedAt
        self.updatedAt = updatedAt
    }

    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        defaultLoanDays = try row.int("default_loan_days")
        dueSoonDays = try row.int("due_soon_days")
        overdue = try row.bool("notify_overdue")
        holdAvailable = try row.bool("notify_hold_available")
        webhookEnabled = try row.bool("webhook_enabled")
        webhookURL = row["webhook_url"]
        webhookSecretCreatedAt = row["webhook_secret_at"]
        updatedAt = row["updated_at"]
    }

    private enum CodingKeys: String, CodingKey {
        case channels, notices
        case defaultLoanDays = "default_loan_days"
        case webhookURL = "webhook_url"
        case webhookSecretCreatedAt = "webhook_secret_created_at"
        case updatedAt = "updated_at"
    }

    private enum NoticeKeys: String, CodingKey {
        case overdue
        case dueSoonDays = "due_soon_days"
        case holdAvailable = "hold_available"
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channels, forKey: .channels)
        try container.encode(defaultLoanDays, forKey: .defaultLoanDays)
        var notices = container.nestedContainer(keyedBy: NoticeKeys.self, forKey: .notices)
        try notices.encode(dueSoonDays, forKey: .dueSoonDays)
        try notices.encode(holdAvailable, forKey: .holdAvailable)
        try notices.encode(overdue, forKey: .overdue)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(webhookSecretCreatedAt, forKey: .webhookSecretCreatedAt)
        try container.encode(webhookURL, forKey: .webhookURL)
    }
}
