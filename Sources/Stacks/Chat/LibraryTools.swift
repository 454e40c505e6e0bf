// The library tools over one connection and one member: searches reuse the catalog query, and
// borrowing and returning go through LoanStore, exactly as the REST endpoints do.
import Postgres

/// Library tools for one member inside the request's transaction.
struct DatabaseLibraryTools: LibraryTools {
    let connection: Connection
    let memberID: Int64
    let config: Config

    func books(byAuthor author: String, limit: Int) throws -> [Book] {
        try BookStore(connection: connection).page(BookListQuery(text: nil, author: String(author.prefix(300)), limit: limit))
            .books
    }

    func books(about text: String, limit: Int) throws -> [Book] {
        try BookStore(connection: connection).page(BookListQuery(text: String(text.prefix(200)), author: nil, limit: limit)).books
    }

    func book(id: Int64) throws -> Book? { try BookStore(connection: connection).book(id: id) }

    func activeLoans() throws -> [Loan] {
        // As many as any STACKS_MAX_LOANS lets a member hold, so a lowered limit hides none.
        try LoanStore(connection: connection).active(memberID: memberID, limit: Config.maxLoansRange.upperBound)
    }

    func borrow(bookID: Int64) throws -> Loan {
        try LoanStore(connection: connection).checkOut(
            bookID: bookID, memberID: memberID, borrowerName: nil, days: nil, maxLoans: config.maxLoans,
            shelf: shelf)
    }

    func giveBack(loanID: Int64) throws -> Loan {
        try LoanStore(connection: connection).checkIn(loanID: loanID, memberID: memberID, shelf: shelf)
    }

    private var shelf: HoldShelf { HoldShelf(connection: connection, pickupSeconds: config.holdPickupSeconds) }
}
