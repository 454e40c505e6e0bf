// Notice SQL: the inbox newest first (optionally only the unread), and marking one read. Notices
// are made by jobs (JobEffects), never by a request.
import Postgres

/// Notice SQL on one connection.
struct NoticeStore {
    let connection: Connection

    /// A page of the member's notices, newest first, before the notice id `before`.
    func page(memberID: Int64, unreadOnly: Bool, before: Int64?, limit: Int) throws -> [Notice] {
        try connection.query(
            """
            SELECT \(fragment: Notice.columns) FROM notices n
            WHERE n.member_id = \(memberID) AND (NOT \(unreadOnly) OR n.read_at IS NULL)
              AND n.id < \(before ?? Int64.max)
            ORDER BY n.id DESC LIMIT \(limit)
            """
        ).map(Notice.init(row:))
    }

    /// Marks the member's notice read (once: a second call keeps the first time); nil when the
    /// member has no such notice.
    func markRead(id: Int64, memberID: Int64) throws -> Notice? {
        try connection.query(
            """
            UPDATE notices n SET read_at = coalesce(n.read_at, now())
            WHERE n.id = \(id) AND n.member_id = \(memberID)
            RETURNING \(fragment: Notice.columns)
            """
        ).first.map(Notice.init(row:))
    }
}
