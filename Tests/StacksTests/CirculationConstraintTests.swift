// The circulation rules hold in the database itself: a statement that breaks one — a counter
// moved without its item, a copy lent without a loan, a held copy lent to someone else, a second
// open hold — fails, whichever worker (or psql session) sends it. And the stores keep them.
import Foundation
import Postgres
import Testing

@testable import Stacks

extension CatalogWriters {
    @Suite(.serialized) struct CirculationConstraintTests {
        /// Two members and a book of one copy, removed afterwards.
        struct Fixture {
            let connection: Connection
            let holder: Int64
            let other: Int64
            let bookID: Int64
            var shelf: HoldShelf { HoldShelf(connection: connection, pickupSeconds: 60) }

            init() throws {
                connection = try TestDatabase.connect()
                let tag = UUID().uuidString.lowercased()
                holder = try connection.query(
                    "INSERT INTO members (email, name) VALUES (\("holder-\(tag)@example.org"), 'Holder') RETURNING id"
                )[0].int64("id")
                other = try connection.query(
                    "INSERT INTO members (email, name) VALUES (\("other-\(tag)@example.org"), 'Other') RETURNING id"
                )[0].int64("id")
                let isbn = "979997" + String(format: "%07d", Int.random(in: 0..<10_000_000))
                bookID = try connection.query(
                    """
                    INSERT INTO books (title, author, isbn, year, copies, available_copies)
                    VALUES ('Constraint Test', 'Tester', \(isbn), 2000, 1, 1) RETURNING id
                    """)[0].int64("id")
            }

            func remove() {
                _ = try? connection.query("DELETE FROM members WHERE id IN (\(holder), \(other))")
                _ = try? connection.query("DELETE FROM books WHERE id = \(bookID)")
            }

            /// The one copy's id.
            var item: Int64 {
                get throws { try connection.query("SELECT id FROM items WHERE book_id = \(bookID)")[0].int64("id") }
            }

            /// Runs `sql` in a transaction and answers the SQLSTATE it failed with (nil: it committed).
            func failure(_ sql: SQL...) -> String? {
                do {
                    try connection.transaction { for statement in sql { try connection.query(statement) } }
                    return nil
                } catch let error as PostgresError {
                    return error.sqlState?.code
                } catch {
                    return "other"
                }
            }
        }

        @Test("an old-form book insert gets one available item per copy")
        func oldFormInsert() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let row = try fixture.connection.query(
                """
                SELECT copies, available_copies, (SELECT count(*) FROM items WHERE book_id = b.id AND status = 'available') AS items
                FROM books b WHERE id = \(fixture.bookID)
                """)[0]
            #expect(try row.int("copies") == 1 && row.int("available_copies") == 1 && row.int("items") == 1)
        }

        @Test("a counter moved without its item is refused at commit")
        func countersFollowItems() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            #expect(fixture.failure("UPDATE books SET available_copies = 0 WHERE id = \(fixture.bookID)") == "23514")
            #expect(fixture.failure("UPDATE items SET status = 'lost' WHERE book_id = \(fixture.bookID)") == nil)
            #expect(try fixture.connection.query("SELECT copies FROM books WHERE id = \(fixture.bookID)")[0].int("copies") == 0)
        }

        @Test("a copy marked on loan without a loan, or lent twice, is refused")
        func onLoanMeansOneLoan() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let item = try fixture.item
            #expect(fixture.failure("UPDATE items SET status = 'on_loan' WHERE id = \(item)") == "23514")
            let lend: SQL = """
                INSERT INTO loans (book_id, item_id, member_id, book_title, borrower_name, due_at)
                VALUES (\(fixture.bookID), \(item), \(fixture.other), 'Constraint Test', 'Other', now() + interval '1 day')
                """
            #expect(fixture.failure(lend) == "23514")  // the item still says available
            #expect(fixture.failure(lend, "UPDATE items SET status = 'on_loan' WHERE id = \(item)", lend) == "23505")
        }

        @Test("a copy on the hold shelf goes to its holder only, and a hold is captured once")
        func heldCopyGoesToItsHolder() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let holds = HoldStore(connection: fixture.connection)
            let placed = try holds.place(bookID: fixture.bookID, memberID: fixture.holder, maxHolds: 10, shelf: fixture.shelf)
            #expect(placed.status == .awaitingPickup && placed.barcode != nil)
            let item = try fixture.item
            // Someone else's loan of the held copy, item moved and all: the hold still holds it.
            #expect(
                fixture.failure(
                    "UPDATE items SET status = 'on_loan' WHERE id = \(item)",
                    """
                    INSERT INTO loans (book_id, item_id, member_id, book_title, borrower_name, due_at)
                    VALUES (\(fixture.bookID), \(item), \(fixture.other), 'Constraint Test', 'Other', now() + interval '1 day')
                    """) == "23514")
            // …nor by fulfilling the hold with the other member's loan.
            #expect(
                fixture.failure(
                    "UPDATE items SET status = 'on_loan' WHERE id = \(item)",
                    """
                    WITH l AS (INSERT INTO loans (book_id, item_id, member_id, book_title, borrower_name, due_at)
                               VALUES (\(fixture.bookID), \(item), \(fixture.other), 'Constraint Test', 'Other', now() + interval '1 day')
                               RETURNING id)
                    UPDATE holds SET status = 'fulfilled', loan_id = (SELECT id FROM l) WHERE id = \(placed.id)
                    """) == "23514")
            #expect(throws: LoanError.noCopyFree) {
                try LoanStore(connection: fixture.connection).checkOut(
                    bookID: fixture.bookID, memberID: fixture.other, borrowerName: nil, days: 7, maxLoans: 5,
                    shelf: fixture.shelf)
            }
            // A second capture of the same hold finds nothing to do.
            #expect(try fixture.shelf.capture(bookID: fixture.bookID).isEmpty)
            #expect(throws: HoldError.alreadyOpen) {
                try holds.place(bookID: fixture.bookID, memberID: fixture.holder, maxHolds: 10, shelf: fixture.shelf)
            }
            let loan = try LoanStore(connection: fixture.connection).checkOut(
                bookID: fixture.bookID, memberID: fixture.holder, borrowerName: nil, days: 7, maxLoans: 5, shelf: fixture.shelf)
            #expect(loan.barcode == placed.barcode)
            #expect(try holds.hold(id: placed.id, memberID: fixture.holder)?.status == .fulfilled)
        }

        @Test("a pickup deadline passed: the hold expires once and the copy passes to the next in line")
        func expiry() throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let holds = HoldStore(connection: fixture.connection)
            // Its deadline job is due in an hour, so the stack's own runners leave it alone; the
            // deadline is then moved into the past, as if the hour had gone by.
            let shelf = HoldShelf(connection: fixture.connection, pickupSeconds: 3600)
            let first = try holds.place(bookID: fixture.bookID, memberID: fixture.holder, maxHolds: 10, shelf: shelf)
            let second = try holds.place(bookID: fixture.bookID, memberID: fixture.other, maxHolds: 10, shelf: shelf)
            #expect(first.status == .awaitingPickup && second.status == .waiting && second.position == 1)
            try fixture.connection.query(
                "UPDATE holds SET pickup_expires_at = now() - interval '1 second' WHERE id = \(first.id)")
            let expire: SQL = "SELECT expire_hold(\(first.id), make_interval(secs => 60)) AS outcome"
            #expect(try fixture.connection.query(expire)[0].string("outcome").hasPrefix("expired; the copy passed to hold"))
            #expect(try fixture.connection.query(expire)[0].string("outcome") == "not awaiting pickup past its deadline")
            #expect(try holds.hold(id: first.id, memberID: nil)?.status == .expired)
            #expect(try holds.hold(id: second.id, memberID: nil)?.status == .awaitingPickup)
            let jobs = try fixture.connection.query(
                "SELECT count(*) AS n FROM jobs WHERE kind = 'hold_pickup_expiry' AND payload->>'hold_id' IN (\(String(first.id)), \(String(second.id)))"
            )[0].int("n")
            #expect(jobs == 2)
        }
    }
}
