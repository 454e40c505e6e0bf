// The items SQL: a book's copies, one copy with its loan and hold, a new copy, and a librarian's
// status change. Every write locks the copy's book first and ends with capture, so a copy that
// becomes free (added, found) goes to the first waiting hold.
import Postgres

/// Copies of books.
struct ItemStore {
    let connection: Connection

    /// The copies of a book in the order they were added; nil when there is no such book.
    func items(bookID: Int64) throws -> [Item]? {
        let rows = try connection.query(
            """
            SELECT \(fragment: Item.columns) FROM books b LEFT JOIN items i ON i.book_id = b.id
            WHERE b.id = \(bookID) ORDER BY i.id
            """)
        guard !rows.isEmpty else { return nil }
        return try rows.filter { $0["barcode"] != nil }.map(Item.init(row:))
    }

    /// One copy with its book, current loan and the hold it waits for.
    func detail(barcode: String) throws -> ItemDetail? {
        let rows = try connection.query(
            """
            SELECT \(fragment: Item.columns), i.id, b.id AS book_id, b.title AS book_title
            FROM items i JOIN books b ON b.id = i.book_id WHERE i.barcode = \(barcode)
            """)
        guard let row = rows.first else { return nil }
        let id = try row.int64("id")
        let loan = try connection.query("\(fragment: Loan.select) WHERE l.item_id = \(id) AND l.returned_at IS NULL")
            .first.map(Loan.init(row:))
        let hold = try connection.query("\(fragment: Hold.select) WHERE h.item_id = \(id) AND h.status = 'awaiting_pickup'")
            .first.map(Hold.init(row:))
        return ItemDetail(
            item: try Item(row: row), bookID: try row.int64("book_id"), bookTitle: try row.string("book_title"), loan: loan,
            hold: hold)
    }

    /// Adds a copy to a book (a generated barcode when `barcode` is nil); it goes to the first
    /// waiting hold, if any.
    func add(bookID: Int64, barcode: String?, shelf: HoldShelf) throws -> ItemDetail {
        try connection.transaction {
            guard try HoldShelf.lockBook(bookID, on: connection) else { throw BookError.notFound(bookID) }
            let added: String
            do {
                added = try connection.query(
                    """
                    INSERT INTO items (book_id, barcode)
                    VALUES (\(bookID), coalesce(\(barcode), next_item_barcode()))
                    RETURNING barcode
                    """)[0].string("barcode")
            } catch let error as PostgresError where error.constraint == "items_barcode_key" {
                throw ItemError.duplicateBarcode(barcode ?? "")
            }
            try shelf.capture(bookID: bookID)
            guard let detail = try detail(barcode: added) else { throw ItemError.notFound(added) }
            return detail
        }
    }

    /// A librarian's change of a copy's status: `lost` or `withdrawn` for a copy on the shelves or
    /// the hold shelf (its hold goes back to waiting, in its place), `available` for a copy found
    /// or returned to circulation (it goes to the first waiting hold). 409 for a copy on loan.
    func setStatus(barcode: String, to status: ItemStatus, shelf: HoldShelf) throws -> ItemDetail {
        try connection.transaction {
            let item: SQL = "SELECT book_id FROM items WHERE barcode = \(barcode)"
            guard let bookID = try HoldShelf.lockBook(of: item, on: connection) else { throw ItemError.notFound(barcode) }
            let row = try connection.query("SELECT id, status FROM items WHERE barcode = \(barcode)")[0]
            let id = try row.int64("id")
            let current = ItemStatus(rawValue: try row.string("status")) ?? .withdrawn
            switch (current, status) {
            case (.onLoan, _), (.onHoldShelf, .available):
                throw ItemError.cannotChange(from: current, to: status)
            case (.onHoldShelf, _):
                try connection.query(
                    """
                    UPDATE holds SET status = 'waiting', item_id = NULL, pickup_expires_at = NULL, updated_at = now()
                    WHERE item_id = \(id) AND status = 'awaiting_pickup'
                    """)
            default: break
            }
            if current != status {
                try connection.query("UPDATE items SET status = \(status.rawValue), updated_at = now() WHERE id = \(id)")
                try shelf.capture(bookID: bookID)
            }
            guard let detail = try detail(barcode: barcode) else { throw ItemError.notFound(barcode) }
            return detail
        }
    }
}
