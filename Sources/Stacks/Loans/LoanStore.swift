// The loan SQL. Borrowing takes a copy in one statement (the counter only moves while a copy is
// free), numbers the copy under the book's row lock, and a partial unique index refuses two
// active loans of one copy. No check-then-insert anywhere. Each write returns the loan it wrote
// in the same statement, so there is no second read that could come back empty.
import HTTP
import Postgres

/// Loan SQL, for one member at a time.
struct LoanStore {
    let connection: Connection

    /// Lends a copy of a book to a member; 404 unknown book, 409 no free copy or too many loans.
    func checkOut(bookID: Int64, memberID: Int64, borrowerName: String?, days: Int, maxLoans: Int) throws -> Loan {
        try connection.transaction {
            // The member's row lock serialises this member's borrowing. The count is a second
            // statement so that it sees loans committed while this one waited for the lock.
            let member = try connection.query("SELECT name FROM members WHERE id = \(memberID) FOR UPDATE")
            guard let member = member.first else { throw AuthError.invalidCredential }
            let active = try connection.query(
                "SELECT count(*) AS active FROM loans WHERE member_id = \(memberID) AND returned_at IS NULL")
            guard try (active.first?.int("active") ?? 0) < maxLoans else { throw LoanError.limitReached(maxLoans) }
            let taken = try connection.query(
                """
                UPDATE books SET available_copies = available_copies - 1, updated_at = now()
                WHERE id = \(bookID) AND available_copies > 0 RETURNING title, copies
                """)
            guard taken.first != nil else {
                let exists = try !connection.query("SELECT 1 FROM books WHERE id = \(bookID)").isEmpty
                throw exists ? LoanError.noCopyFree : BookError.notFound(bookID)
            }
            let name = try borrowerName ?? member.string("name")
            let inserted = try connection.query(
                Loan.returned(
                    by: """
                        INSERT INTO loans (book_id, member_id, copy_no, book_title, borrower_name, due_at)
                        SELECT b.id, \(memberID),
                               (SELECT min(n) FROM generate_series(1, b.copies + (b.copies - b.available_copies)) AS n
                                WHERE NOT EXISTS (SELECT FROM loans WHERE book_id = b.id AND copy_no = n AND returned_at IS NULL)),
                               b.title, \(name), now() + make_interval(days => \(days)::int)
                        FROM books b WHERE b.id = \(bookID) RETURNING *
                        """))
            // The book's row is locked by the UPDATE above; no row here means it is not there.
            guard let row = inserted.first else { throw BookError.notFound(bookID) }
            return try Loan(row: row)
        }
    }

    /// Returns a loan; someone else's or unknown is 404, already returned 409.
    func checkIn(loanID: Int64, memberID: Int64) throws -> Loan {
        try connection.transaction {
            let returned = try connection.query(
                Loan.returned(
                    by: """
                        UPDATE loans SET returned_at = now()
                        WHERE id = \(loanID) AND member_id = \(memberID) AND returned_at IS NULL RETURNING *
                        """))
            guard let row = returned.first else {
                guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanError.notFound(loanID) }
                throw LoanError.alreadyReturned(at: existing.returnedAt)
            }
            let loan = try Loan(row: row)
            if let bookID = loan.bookID {
                try connection.query(
                    "UPDATE books SET available_copies = available_copies + 1, updated_at = now() WHERE id = \(bookID)")
            }
            return loan
        }
    }

    /// Extends a loan by `days` from its due date; 409 when returned, overdue or at the renewal limit.
    func renew(loanID: Int64, memberID: Int64, days: Int, maxRenewals: Int) throws -> Loan {
        let renewed = try connection.query(
            Loan.returned(
                by: """
                    UPDATE loans SET due_at = due_at + make_interval(days => \(days)::int), renewals = renewals + 1
                    WHERE id = \(loanID) AND member_id = \(memberID) AND returned_at IS NULL AND due_at > now()
                          AND renewals < \(maxRenewals)
                    RETURNING *
                    """))
        if let row = renewed.first { return try Loan(row: row) }
        guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanError.notFound(loanID) }
        switch existing.status {
        case .returned: throw LoanError.alreadyReturned(at: existing.returnedAt)
        case .overdue: throw LoanError.overdue
        case .active: throw LoanError.renewalLimit(existing.renewals)
        }
    }

    /// One of the member's loans; with `memberID` nil, anyone's (for librarians).
    func loan(id: Int64, memberID: Int64?) throws -> Loan? {
        try connection.query(
            "\(fragment: Loan.select) WHERE l.id = \(id) AND (\(memberID)::bigint IS NULL OR l.member_id = \(memberID))"
        ).first.map(Loan.init(row:))
    }

    /// A member's loans not yet returned (overdue ones included), the soonest due first, at most
    /// `limit`: read straight from the active loans, so returned ones, however many, cost nothing.
    func active(memberID: Int64, limit: Int) throws -> [Loan] {
        try connection.query(
            """
            \(fragment: Loan.select) WHERE l.member_id = \(memberID) AND l.returned_at IS NULL
            ORDER BY l.due_at, l.id LIMIT \(limit)
            """
        ).map(Loan.init(row:))
    }

    /// A page of a member's loans, newest first, after the loan id `before`.
    func page(memberID: Int64, status: LoanStatus?, before: Int64?, limit: Int) throws -> [Loan] {
        let condition: SQL
        switch status {
        case .active: condition = "AND l.returned_at IS NULL AND l.due_at >= now()"
        case .overdue: condition = "AND l.returned_at IS NULL AND l.due_at < now()"
        case .returned: condition = "AND l.returned_at IS NOT NULL"
        case nil: condition = ""
        }
        return try connection.query(
            """
            \(fragment: Loan.select) WHERE l.member_id = \(memberID) AND (\(before)::bigint IS NULL OR l.id < \(before))
            \(fragment: condition) ORDER BY l.id DESC LIMIT \(limit)
            """
        ).map(Loan.init(row:))
    }
}
