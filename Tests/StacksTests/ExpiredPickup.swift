// A book whose one copy waits on the hold shelf for a first member, past its pickup deadline, with
// a second member next in line: made by SQL on a test's connection (inside its transaction).
import Foundation
import Postgres

/// The ids of a hold shelf set up for a test.
struct ExpiredPickup {
    let book: Int64
    let item: Int64
    let firstMember: Int64
    /// The hold awaiting pickup past its deadline.
    let first: Int64
    /// The waiting hold after it.
    let next: Int64

    init(_ connection: Connection) throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let isbn = "9" + String(Int.random(in: 100_000_000_000..<1_000_000_000_000))
        book = try connection.query(
            """
            INSERT INTO books (title, author, isbn, year, copies, available_copies)
            VALUES ('Jobs test', 'Runner', \(isbn), 2020, 0, 0) RETURNING id
            """
        ).first!.int64("id")
        item = try connection.query("INSERT INTO items (book_id) VALUES (\(book)) RETURNING id").first!.int64("id")
        let members = try connection.query(
            """
            INSERT INTO members (email, name) VALUES (\("jobs-a-\(tag)@example.org"), 'A'), (\("jobs-b-\(tag)@example.org"), 'B')
            RETURNING id
            """
        ).map { try $0.int64("id") }
        firstMember = members[0]
        try connection.query("UPDATE items SET status = 'on_hold_shelf' WHERE id = \(item)")
        first = try connection.query(
            """
            INSERT INTO holds (book_id, member_id, status, item_id, pickup_expires_at)
            VALUES (\(book), \(members[0]), 'awaiting_pickup', \(item), now() - interval '1 minute') RETURNING id
            """
        ).first!.int64("id")
        next = try connection.query(
            "INSERT INTO holds (book_id, member_id) VALUES (\(book), \(members[1])) RETURNING id"
        ).first!.int64("id")
    }
}
