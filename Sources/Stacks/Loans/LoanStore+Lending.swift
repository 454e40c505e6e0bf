// Lending and returning copies. The member's row lock serialises a member's borrowing and the
// book's row lock every write to its items, loans and holds; the copy is taken, the loan written
// and the member's hold fulfilled in one statement, so nothing checks first and writes after. A
// returned copy goes at once to the first waiting hold, or back on the shelf.
import Postgres

extension LoanStore {
    /// Lends a copy of a book to a member; 404 unknown book, 409 no free copy or too many loans.
    func checkOut(
        bookID: Int64, memberID: Int64, borrowerName: String?, days: Int?, maxLoans: Int, shelf: HoldShelf
    ) throws -> Loan {
        try connection.transaction {
            guard let name = try lockMember(memberID, maxLoans: maxLoans) else { throw LoanError.limitReached(maxLoans) }
            guard try HoldShelf.lockBook(bookID, on: connection) else { throw BookError.notFound(bookID) }
            guard
                let loan = try lend(
                    bookID: bookID, barcode: nil, memberID: memberID, name: borrowerName ?? name, days: days, shelf: shelf)
            else { throw LoanError.noCopyFree }
            return loan
        }
    }

    /// Locks the member's row and answers their name, or nil when they hold `maxLoans` active loans.
    /// The count is a second statement so that it sees loans committed while this one waited.
    func lockMember(_ memberID: Int64, maxLoans: Int) throws -> String? {
        let member = try connection.query("SELECT name FROM members WHERE id = \(memberID) FOR UPDATE")
        guard let member = member.first else { throw AuthError.invalidCredential }
        let active = try connection.query(
            "SELECT count(*) AS active FROM loans WHERE member_id = \(memberID) AND returned_at IS NULL")
        guard try (active.first?.int("active") ?? 0) < maxLoans else { return nil }
        return try member.string("name")
    }

    /// Lends a copy of the locked book: the copy on the hold shelf for this member first, else the
    /// first available one (`barcode` names the copy at the desk). Fulfils the member's open hold
    /// on the book (a copy held for them that they did not take passes to the next in line). Nil
    /// when no such copy is free. With `days` nil, the loan lasts the member's default loan period.
    func lend(bookID: Int64, barcode: String?, memberID: Int64, name: String, days: Int?, shelf: HoldShelf) throws -> Loan? {
        try connection.query(
            """
            WITH item AS (
                UPDATE items SET status = 'on_loan', updated_at = now()
                WHERE id = (
                    SELECT i.id FROM items i
                    WHERE i.book_id = \(bookID) AND (\(barcode)::text IS NULL OR i.barcode = \(barcode))
                      AND (i.status = 'available' OR (i.status = 'on_hold_shelf' AND EXISTS (
                          SELECT FROM holds h WHERE h.item_id = i.id AND h.status = 'awaiting_pickup' AND h.member_id = \(memberID))))
                    ORDER BY i.status = 'on_hold_shelf' DESC, i.id LIMIT 1)
                RETURNING id, book_id, barcode
            ), l AS (
                INSERT INTO loans (book_id, item_id, barcode, member_id, book_title, borrower_name, due_at)
                SELECT b.id, item.id, item.barcode, \(memberID), b.title, \(name),
                       now() + make_interval(days => \(fragment: Self.loanDays(days, memberID: memberID)))
                FROM item JOIN books b ON b.id = item.book_id
                RETURNING *
            ), fulfilled AS (
                UPDATE holds SET status = 'fulfilled', loan_id = l.id, suspended_until = NULL, updated_at = now()
                FROM l WHERE holds.member_id = l.member_id AND holds.book_id = l.book_id
                         AND holds.status IN ('waiting', 'awaiting_pickup')
                RETURNING holds.item_id AS held_item, l.item_id AS lent_item
            )
            SELECT \(fragment: Loan.columns), (SELECT held_item FROM fulfilled WHERE held_item <> lent_item) AS released
            FROM l \(fragment: Loan.joins)
            """
        ).first.map { row in
            if let released = row["released"].flatMap(Int64.init) {
                // The member took another copy than the one held for them (at the desk): that one
                // is free again, for the next in line.
                try connection.query("UPDATE items SET status = 'available', updated_at = now() WHERE id = \(released)")
                try shelf.capture(bookID: bookID)
            }
            return try Loan(row: row)
        }
    }

    /// Returns a loan; someone else's or unknown is 404, already returned 409. The copy goes to the
    /// first waiting hold or back on the shelf.
    func checkIn(loanID: Int64, memberID: Int64, shelf: HoldShelf) throws -> Loan {
        try connection.transaction {
            _ = try HoldShelf.lockBook(
                of: "SELECT book_id FROM loans WHERE id = \(loanID) AND member_id = \(memberID)", on: connection)
            guard let loan = try close(where: "id = \(loanID) AND member_id = \(memberID)", shelf: shelf) else {
                guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanError.notFound(loanID) }
                throw LoanError.alreadyReturned(at: existing.returnedAt)
            }
            return loan
        }
    }

    /// Ends the active loan `condition` selects (its book already locked): the copy is back, and
    /// captured for the first waiting hold if there is one. Nil when no active loan matches.
    func close(where condition: SQL, shelf: HoldShelf) throws -> Loan? {
        let returned = try connection.query(
            """
            WITH l AS (UPDATE loans SET returned_at = now() WHERE \(fragment: condition) AND returned_at IS NULL RETURNING *),
                 freed AS (UPDATE items SET status = 'available', updated_at = now()
                           WHERE id IN (SELECT item_id FROM l) AND status = 'on_loan')
            SELECT \(fragment: Loan.columns) FROM l \(fragment: Loan.joins)
            """)
        guard let row = returned.first else { return nil }
        let loan = try Loan(row: row)
        if let bookID = loan.bookID { try shelf.capture(bookID: bookID) }
        return loan
    }
}
