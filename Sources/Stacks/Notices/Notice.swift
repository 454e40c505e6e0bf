// A notice as the inbox shows it: what happened (kind, message), to which loan, hold and book,
// the time it is about (a due time or a pickup deadline), and whether the member has read it.
import HTTP
import Postgres

/// One message from the library to a member.
struct Notice: JSONWritable, Equatable, Sendable {
    let id: Int64
    let kind: NoticeKind
    let title: String
    let message: String
    let loanID: Int64?
    let holdID: Int64?
    let bookID: Int64?
    let dueAt: String?
    let pickupBy: String?
    let createdAt: String
    let readAt: String?

    /// The columns `init(row:)` reads, from notices `n`.
    static let columns: SQL = """
        n.id, n.kind, n.title, n.message, n.loan_id, n.hold_id, n.book_id, \(fragment: SQLTime.iso("n.due_at")) AS due_at,
        \(fragment: SQLTime.iso("n.pickup_by")) AS pickup_by, \(fragment: SQLTime.iso("n.created_at")) AS created_at,
        \(fragment: SQLTime.iso("n.read_at")) AS read_at
        """

    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        let kindText = try row.string("kind")
        guard let kind = NoticeKind(rawValue: kindText) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown notice kind '\(kindText)'")
        }
        self.kind = kind
        title = try row.string("title")
        message = try row.string("message")
        loanID = row["loan_id"].flatMap(Int64.init)
        holdID = row["hold_id"].flatMap(Int64.init)
        bookID = row["book_id"].flatMap(Int64.init)
        dueAt = row["due_at"]
        pickupBy = row["pickup_by"]
        createdAt = try row.string("created_at")
        readAt = row["read_at"]
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, title, message
        case loanID = "loan_id"
        case holdID = "hold_id"
        case bookID = "book_id"
        case dueAt = "due_at"
        case pickupBy = "pickup_by"
        case createdAt = "created_at"
        case readAt = "read_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(title, forKey: .title)
        try container.encode(message, forKey: .message)
        try container.encode(loanID, forKey: .loanID)
        try container.encode(holdID, forKey: .holdID)
        try container.encode(bookID, forKey: .bookID)
        try container.encode(dueAt, forKey: .dueAt)
        try container.encode(pickupBy, forKey: .pickupBy)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(readAt, forKey: .readAt)
    }

    /// Writes the notice through Foundation's encoder (the inbox is not a hot path).
    func write(to json: inout JSONWriter) {
        json.raw(JSONCoding.encode(self))
    }
}

/// What a notice is about.
enum NoticeKind: String, Sendable, Codable, CaseIterable {
    /// A loan is due within the member's chosen days.
    case dueSoon = "due_soon"
    /// A loan is past its due time (at the due time, then weekly, at most three).
    case overdue
    /// A held copy waits on the hold shelf until a pickup deadline.
    case holdAvailable = "hold_available"
    /// A held copy was not picked up in time.
    case holdExpired = "hold_expired"
}
