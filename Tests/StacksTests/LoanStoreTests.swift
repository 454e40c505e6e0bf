// Loans against the real database: each write returns the loan it wrote, and a member's active
// loans are found however many returned ones they have.
import Foundation
import Postgres
import Testing

@testable import Stacks

extension CatalogWriters {
    @Suite(.serialized) struct LoanStoreTests {
        /// A member and a book of two copies of their own, removed afterwards (their loans with the member).
        struct Fixture {
            let connection: Connection
            let memberID: Int64
            let bookID: Int64

            init() throws {
                connection = try TestDatabase.connect()
                let tag = UUID().uuidString.lowercased()
                memberID = try connection.query(
                    "INSERT INTO members (email, name) VALUES (\("loans-\(tag)@example.org"), 'Loan Tester') RETURNING id"
                )[0].int64("id")
                let isbn = "979998" + String(format: "%07d", Int.random(in: 0..<10_000_000))
                bookID = try connection.query(
                    """
                    INSERT INTO books (title, author, isbn, year, copies, available_copies)
                    VALUES ('Loan Store Test', 'Tester', \(isbn), 2000, 2, 2) RETURNING id
                    """)[0].int64("id")
            }

            var shelf: HoldShelf { HoldShelf(connection: connection, pickupSeconds: 60) }

            func remove() {
                _ = try? connection.query("DELETE FROM members WHERE id = \(memberID)")
                _ = try? connection.query("DELETE FROM books WHERE id = \(bookID)")
            }

            var available: Int {
                get throws {
                    try connection.query("SELECT available_copies FROM books WHERE id = \(bookID)")[0].int("available_copies")
                }
            }
        }

        @Test("borrowing, renewing and returning each answer with the loan as it now is")
        func writesReturnTheLoan() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let store = LoanStore(connection: fixture.connection)
            let loan = try store.checkOut(
                bookID: fixture.bookID, memberID: fixture.memberID, borrowerName: nil, days: 7, maxLoans: 5, shelf: fixture.shelf)
            #expect(loan.bookID == fixture.bookID && loan.bookTitle == "Loan Store Test" && loan.borrowerName == "Loan Tester")
            #expect(loan.status == .active && !loan.returned && loan.renewals == 0 && loan.borrowerEmail.hasPrefix("loans-"))
            #expect(try fixture.available == 1)
            #expect(try store.loan(id: loan.id, memberID: fixture.memberID) == loan)

            let renewed = try store.renew(loanID: loan.id, memberID: fixture.memberID, days: 3, maxRenewals: 2)
            #expect(renewed.id == loan.id && renewed.renewals == 1 && renewed.dueDate > loan.dueDate)

            let returned = try store.checkIn(loanID: loan.id, memberID: fixture.memberID, shelf: fixture.shelf)
            #expect(returned.id == loan.id && returned.returned && returned.status == .returned && returned.returnedAt != nil)
            #expect(try fixture.available == 2)
            #expect(try store.loan(id: loan.id, memberID: fixture.memberID) == returned)
            #expect(throws: LoanError.alreadyReturned(at: returned.returnedAt)) {
                try store.checkIn(loanID: loan.id, memberID: fixture.memberID, shelf: fixture.shelf)
            }
            #expect(throws: LoanError.notFound(loan.id)) {
                try store.checkIn(loanID: loan.id, memberID: fixture.memberID + 1_000_000_000, shelf: fixture.shelf)
            }
        }

        // Regression: the chat's active loans were the member's newest 100 loans with the returned ones
        // dropped, so a loan still out behind 100 later, returned loans was missing from "what have I
        // borrowed?" and could not be returned from chat.
        @Test("finds an active loan behind 150 later, returned loans, soonest due first")
        func activeBehindManyReturned() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let connection = fixture.connection
            try connection.query(
                """
                INSERT INTO loans (book_id, member_id, book_title, borrower_name, due_at)
                VALUES (\(fixture.bookID), \(fixture.memberID), 'Still Out', 'Loan Tester', now() + interval '9 days')
                """)
            try connection.query(
                """
                INSERT INTO loans (book_id, member_id, book_title, borrower_name, due_at, returned_at)
                SELECT \(fixture.bookID), \(fixture.memberID), 'Long Returned', 'Loan Tester', now() + interval '1 day', now()
                FROM generate_series(1, 150)
                """)
            try connection.query(
                """
                INSERT INTO loans (book_id, member_id, book_title, borrower_name, due_at)
                VALUES (\(fixture.bookID), \(fixture.memberID), 'Due Sooner', 'Loan Tester', now() + interval '2 days')
                """)
            let config = try Config(environment: ["STACKS_JWT_KEYS": "k1:" + String(repeating: "s", count: 32)])
            let tools = DatabaseLibraryTools(connection: connection, memberID: fixture.memberID, config: config)
            #expect(try tools.activeLoans().map(\.bookTitle) == ["Due Sooner", "Still Out"])
            let first = try LoanStore(connection: connection).active(memberID: fixture.memberID, limit: 1)
            #expect(first.map(\.bookTitle) == ["Due Sooner"])
        }
    }
}
