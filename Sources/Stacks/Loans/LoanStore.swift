// The loan SQL. Borrowing takes a copy in one statement (the counter only moves while a copy is
// free), numbers the copy under the book's row lock, and a partial unique index refuses two
// active loans of one copy. No check-then-insert anywhere.
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
            let member = try connection.query("SELECT name FROM members WHERE id = $1 FOR UPDATE", [String(memberID)])
            guard let member = member.first else { throw AuthProblems.invalid() }
            let active = try connection.query(
                "SELECT count(*) AS active FROM loans WHERE member_id = $1 AND returned_at IS NULL", [String(memberID)])
            guard try active[0].int("active") < maxLoans else { throw LoanProblems.limit(maxLoans) }
            let taken = try connection.query(
                """
                UPDATE books SET available_copies = available_copies - 1, updated_at = now()
                WHERE id = $1 AND available_copies > 0 RETURNING title, copies
                """, [String(bookID)])
            guard taken.first != nil else {
                let exists = try !connection.query("SELECT 1 FROM books WHERE id = $1", [String(bookID)]).isEmpty
                throw exists ? LoanProblems.noCopyFree() : Problem.notFound("No book has id \(bookID).")
            }
            let inserted = try connection.query(
                """
                INSERT INTO loans (book_id, member_id, copy_no, book_title, borrower_name, due_at)
                SELECT b.id, $2,
                       (SELECT min(n) FROM generate_series(1, b.copies + (b.copies - b.available_copies)) AS n
                        WHERE NOT EXISTS (SELECT FROM loans WHERE book_id = b.id AND copy_no = n AND returned_at IS NULL)),
                       b.title, $3, now() + make_interval(days => $4::int)
                FROM books b WHERE b.id = $1 RETURNING id
                """, [String(bookID), String(memberID), borrowerName ?? (try member.string("name")), String(days)])
            return try loan(id: inserted[0].int64("id"), memberID: memberID)!
        }
    }

    /// Returns a loan; someone else's or unknown is 404, already returned 409.
    func checkIn(loanID: Int64, memberID: Int64) throws -> Loan {
        try connection.transaction {
            let returned = try connection.query(
                """
                UPDATE loans SET returned_at = now()
                WHERE id = $1 AND member_id = $2 AND returned_at IS NULL RETURNING book_id
                """, [String(loanID), String(memberID)])
            guard let row = returned.first else {
                guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanProblems.notFound(loanID) }
                throw LoanProblems.alreadyReturned(existing)
            }
            if let bookID = row["book_id"] {
                try connection.query(
                    "UPDATE books SET available_copies = available_copies + 1, updated_at = now() WHERE id = $1", [bookID])
            }
            return try loan(id: loanID, memberID: memberID)!
        }
    }

    /// Extends a loan by `days` from its due date; 409 when returned, overdue or at the renewal limit.
    func renew(loanID: Int64, memberID: Int64, days: Int, maxRenewals: Int) throws -> Loan {
        let renewed = try connection.query(
            """
            UPDATE loans SET due_at = due_at + make_interval(days => $3::int), renewals = renewals + 1
            WHERE id = $1 AND member_id = $2 AND returned_at IS NULL AND due_at > now() AND renewals < $4
            RETURNING id
            """, [String(loanID), String(memberID), String(days), String(maxRenewals)])
        guard renewed.isEmpty else { return try loan(id: loanID, memberID: memberID)! }
        guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanProblems.notFound(loanID) }
        switch existing.status {
        case "returned": throw LoanProblems.alreadyReturned(existing)
        case "overdue": throw LoanProblems.conflict("This loan is overdue and cannot be renewed; return the book.")
        default: throw LoanProblems.conflict("This loan was already renewed \(existing.renewals) times, the limit.")
        }
    }

    /// One of the member's loans; with `memberID` nil, anyone's (for librarians).
    func loan(id: Int64, memberID: Int64?) throws -> Loan? {
        try connection.query(
            "\(Loan.select) WHERE l.id = $1 AND ($2::bigint IS NULL OR l.member_id = $2)",
            [String(id), memberID.map(String.init)]
        ).first.map(Loan.init(row:))
    }

    /// A page of a member's loans, newest first, after the loan id `before`.
    func page(memberID: Int64, status: String?, before: Int64?, limit: Int) throws -> [Loan] {
        let condition: String
        switch status {
        case "active": condition = "AND l.returned_at IS NULL AND l.due_at >= now()"
        case "overdue": condition = "AND l.returned_at IS NULL AND l.due_at < now()"
        case "returned": condition = "AND l.returned_at IS NOT NULL"
        default: condition = ""
        }
        return try connection.query(
            "\(Loan.select) WHERE l.member_id = $1 AND ($2::bigint IS NULL OR l.id < $2) \(condition) ORDER BY l.id DESC LIMIT $3",
            [String(memberID), before.map(String.init), String(limit)]
        ).map(Loan.init(row:))
    }
}

/// Problems of the loan endpoints.
enum LoanProblems {
    static func notFound(_ id: Int64) -> Problem { Problem.notFound("You have no loan with id \(id).") }

    static func conflict(_ detail: String) -> Problem {
        Problem("conflict", title: "Conflict", status: .conflict, detail: detail)
    }

    static func noCopyFree() -> Problem { conflict("Every copy of this book is on loan.") }

    static func limit(_ max: Int) -> Problem { conflict("You already have \(max) active loans, the limit; return one first.") }

    static func alreadyReturned(_ loan: Loan) -> Problem {
        conflict("This loan was already returned at \(loan.returnedAt ?? "an earlier time").")
    }
}
