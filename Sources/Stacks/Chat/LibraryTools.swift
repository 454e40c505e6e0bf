// The library tools over one connection and one member: borrowing, returning, renewing and holds
// go through the same stores as the REST endpoints; searches rank by relevance (RankedSearch).
import Postgres
import StacksWire

/// Library tools for one member on one connection (inside the request's transaction when it has one).
struct DatabaseLibraryTools: LibraryTools {
    let connection: Connection
    let memberID: Int64
    let config: Config

    func search(_ search: CatalogSearch, offset: Int, limit: Int) throws -> Found {
        try RankedSearch(connection: connection).run(search, offset: offset, limit: limit)
    }

    func book(id: Int64) throws -> Book? { try BookStore(connection: connection).book(id: id) }

    func activeLoans() throws -> [Loan] {
        // As many as any STACKS_MAX_LOANS lets a member hold, so a lowered limit hides none.
        try LoanStore(connection: connection).active(memberID: memberID, limit: Config.maxLoansRange.upperBound)
    }

    func activeHolds() throws -> [Hold] {
        try HoldStore(connection: connection).page(memberID: memberID, bookID: nil, status: nil, after: nil, limit: 1000)
            .filter { $0.status == .waiting || $0.status == .awaitingPickup }
    }

    func notices(unreadOnly: Bool, limit: Int) throws -> [Notice] {
        try NoticeStore(connection: connection).page(memberID: memberID, unreadOnly: unreadOnly, before: nil, limit: limit)
    }

    func dueSoonDays() throws -> Int {
        try connection.query("SELECT due_soon_days FROM preferences_in_effect WHERE member_id = \(memberID)")
            .first.map { try $0.int("due_soon_days") } ?? 2
    }

    func borrow(bookID: Int64, days: Int?) throws -> Loan {
        try LoanStore(connection: connection).checkOut(
            bookID: bookID, memberID: memberID, borrowerName: nil, days: days, maxLoans: config.maxLoans,
            shelf: shelf)
    }

    func giveBack(loanID: Int64) throws -> Loan {
        try LoanStore(connection: connection).checkIn(loanID: loanID, memberID: memberID, shelf: shelf)
    }

    func renew(loanID: Int64, days: Int?) throws -> Loan {
        try LoanStore(connection: connection).renew(
            loanID: loanID, memberID: memberID, days: days, maxRenewals: config.maxRenewals)
    }

    func placeHold(bookID: Int64) throws -> Hold {
        try HoldStore(connection: connection).place(bookID: bookID, memberID: memberID, maxHolds: config.maxHolds, shelf: shelf)
    }

    func cancelHold(holdID: Int64) throws -> Hold {
        try HoldStore(connection: connection).cancel(id: holdID, memberID: memberID, shelf: shelf)
    }

    private var shelf: HoldShelf { HoldShelf(connection: connection, pickupSeconds: config.holdPickupSeconds) }
}
