// The holds SQL. Placing a hold runs under the member's row lock (the open-hold limit and "not
// while on loan" see the member's latest borrows) and the book's (the queue order is the order of
// insertion); a unique index refuses a second open hold. Cancelling frees a held copy for the next
// in line; a hold's suspension ending is a job, so capture happens when it ends.
import Postgres

/// Holds of one member (or, with `memberID` nil, a librarian's view of anyone's).
struct HoldStore {
    let connection: Connection

    /// Places a hold on a book; captures a free copy at once when nobody eligible waits before it.
    func place(bookID: Int64, memberID: Int64, maxHolds: Int, shelf: HoldShelf) throws -> Hold {
        try connection.transaction {
            guard try !connection.query("SELECT FROM members WHERE id = \(memberID) FOR UPDATE").isEmpty else {
                throw AuthError.invalidCredential
            }
            let counts = try connection.query(
                """
                SELECT (SELECT count(*) FROM holds WHERE member_id = \(memberID) AND status IN ('waiting', 'awaiting_pickup')) AS open,
                       EXISTS (SELECT FROM loans WHERE member_id = \(memberID) AND book_id = \(bookID) AND returned_at IS NULL) AS lent
                """)[0]
            guard try !counts.bool("lent") else { throw HoldError.onLoan }
            guard try counts.int("open") < maxHolds else { throw HoldError.limitReached(maxHolds) }
            guard try HoldShelf.lockBook(bookID, on: connection) else { throw BookError.notFound(bookID) }
            let id: Int64
            do {
                id = try connection.query("INSERT INTO holds (book_id, member_id) VALUES (\(bookID), \(memberID)) RETURNING id")[
                    0
                ]
                .int64("id")
            } catch let error as PostgresError where error.constraint == "holds_one_open_per_member_book" {
                throw HoldError.alreadyOpen
            }
            try shelf.capture(bookID: bookID)
            guard let hold = try hold(id: id, memberID: nil) else { throw HoldError.notFound(id) }
            return hold
        }
    }

    /// One hold, the member's own (or anyone's with `memberID` nil).
    func hold(id: Int64, memberID: Int64?) throws -> Hold? {
        try connection.query(
            "\(fragment: Hold.select) WHERE h.id = \(id) AND (\(memberID)::bigint IS NULL OR h.member_id = \(memberID))"
        ).first.map(Hold.init(row:))
    }

    /// A page of holds: a member's newest first, or (with `bookID`) a book's in queue order.
    func page(memberID: Int64?, bookID: Int64?, status: HoldStatus?, after: Int64?, limit: Int) throws -> [Hold] {
        let queueOrder = bookID != nil
        return try connection.query(
            """
            \(fragment: Hold.select)
            WHERE (\(memberID)::bigint IS NULL OR h.member_id = \(memberID)) AND (\(bookID)::bigint IS NULL OR h.book_id = \(bookID))
              AND (\(status?.rawValue)::text IS NULL OR h.status = \(status?.rawValue))
              AND (\(after)::bigint IS NULL OR \(fragment: queueOrder ? "h.id > \(after)" : "h.id < \(after)"))
            ORDER BY h.id \(unescaped: queueOrder ? "ASC" : "DESC") LIMIT \(limit)
            """
        ).map(Hold.init(row:))
    }

    /// Cancels an open hold; a copy it held passes to the next in line. Cancelling a cancelled hold
    /// answers it again (a retried DELETE); a fulfilled or expired one is a 409.
    func cancel(id: Int64, memberID: Int64?, shelf: HoldShelf) throws -> Hold {
        try connection.transaction {
            let bookID = try lockBook(ofHold: id, memberID: memberID)
            let cancelled = try connection.query(
                """
                UPDATE holds SET status = 'cancelled', suspended_until = NULL, updated_at = now()
                WHERE id = \(id) AND status IN ('waiting', 'awaiting_pickup') RETURNING item_id
                """)
            if let item = cancelled.first?["item_id"].flatMap(Int64.init) {
                try connection.query(
                    "UPDATE items SET status = 'available', updated_at = now() WHERE id = \(item) AND status = 'on_hold_shelf'")
                try shelf.capture(bookID: bookID)
            }
            guard let hold = try hold(id: id, memberID: nil) else { throw HoldError.notFound(id) }
            if cancelled.isEmpty && hold.status != .cancelled { throw HoldError.closed(hold.status) }
            return hold
        }
    }

    /// Suspends a waiting hold until a time (it keeps its place and is passed over for capture), or
    /// resumes it (`until` nil). The end of a suspension is enqueued as a capture job.
    func suspend(id: Int64, memberID: Int64?, until: String?, shelf: HoldShelf) throws -> Hold {
        try connection.transaction {
            let bookID = try lockBook(ofHold: id, memberID: memberID)
            let changed = try connection.query(
                """
                UPDATE holds SET suspended_until = \(until)::timestamptz, updated_at = now()
                WHERE id = \(id) AND status = 'waiting' RETURNING suspended_until > now() AS later
                """)
            guard let row = changed.first else {
                guard let hold = try hold(id: id, memberID: nil) else { throw HoldError.notFound(id) }
                throw hold.status == .awaitingPickup ? HoldError.notWaiting : HoldError.closed(hold.status)
            }
            if row["later"] == "t" {
                try connection.query(
                    """
                    INSERT INTO jobs (kind, payload, run_at, dedupe_key)
                    VALUES ('hold_capture', jsonb_build_object('book_id', \(bookID)), \(until)::timestamptz,
                            'hold_capture:' || \(bookID) || ':' || extract(epoch FROM \(until)::timestamptz))
                    ON CONFLICT (dedupe_key) DO NOTHING
                    """)
            } else {
                try shelf.capture(bookID: bookID)
            }
            guard let hold = try hold(id: id, memberID: nil) else { throw HoldError.notFound(id) }
            return hold
        }
    }

    /// Locks the book of a hold the caller may change; 404 when there is no such hold of theirs.
    private func lockBook(ofHold id: Int64, memberID: Int64?) throws -> Int64 {
        let hold: SQL = "SELECT book_id FROM holds WHERE id = \(id) AND (\(memberID)::bigint IS NULL OR member_id = \(memberID))"
        guard let bookID = try HoldShelf.lockBook(of: hold, on: connection) else { throw HoldError.notFound(id) }
        return bookID
    }
}
