// The loan SQL: reading loans and renewing them (lending and returning are in
// LoanStore+Lending.swift). Each write returns the loan it wrote in the same statement, so there is
// no second read that could come back empty.
import HTTP
import Postgres

/// Loan SQL, for one member at a time.
struct LoanStore {
    let connection: Connection

    /// Extends a loan by `days` from its due date; 409 when returned, overdue, at the renewal limit
    /// or while a member waits for the book (a waiting hold that is not suspended).
    func renew(loanID: Int64, memberID: Int64, days: Int?, maxRenewals: Int) throws -> Loan {
        let renewed = try connection.query(
            Loan.returned(
                by: """
                    UPDATE loans SET due_at = due_at + make_interval(days => \(fragment: Self.loanDays(days, memberID: memberID))), renewals = renewals + 1
                    WHERE id = \(loanID) AND member_id = \(memberID) AND returned_at IS NULL AND due_at > now()
                          AND renewals < \(maxRenewals) AND NOT \(fragment: Self.someoneWaits("loans.book_id"))
                    RETURNING *
                    """))
        if let row = renewed.first { return try Loan(row: row) }
        guard let existing = try loan(id: loanID, memberID: memberID) else { throw LoanError.notFound(loanID) }
        switch existing.status {
        case .returned: throw LoanError.alreadyReturned(at: existing.returnedAt)
        case .overdue: throw LoanError.overdue
        case .active:
            if existing.renewals >= maxRenewals { throw LoanError.renewalLimit(existing.renewals) }
            throw LoanError.holdsWaiting
        }
    }

    /// A loan period in days: `days` when given, else the member's default loan period (a preference).
    static func loanDays(_ days: Int?, memberID: Int64) -> SQL {
        "coalesce(\(days)::int, (SELECT p.default_loan_days FROM preferences_in_effect p WHERE p.member_id = \(memberID)))"
    }

    /// Whether a member waits for the book whose id `column` holds: a waiting hold, not suspended.
    static func someoneWaits(_ column: String) -> SQL {
        """
        EXISTS (SELECT FROM holds h WHERE h.book_id = \(unescaped: column) AND h.status = 'waiting'
                AND (h.suspended_until IS NULL OR h.suspended_until <= now()))
        """
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
