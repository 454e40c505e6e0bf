// The two steps every circulation write of a book shares: the book's row lock, taken before any
// item, loan or hold of that book is touched (one lock order, so two writers never deadlock), and
// capture — free copies go to the first waiting, not suspended holds (sql/010's capture_holds).
import Postgres

/// Locks books and captures copies for their holds, inside the caller's transaction.
struct HoldShelf {
    let connection: Connection
    /// How long a captured copy waits for its holder, in seconds.
    let pickupSeconds: Double

    /// Locks the book's row until the transaction ends; false when there is no such book.
    static func lockBook(_ id: Int64, on connection: Connection) throws -> Bool {
        try !connection.query("SELECT FROM books WHERE id = \(id) FOR UPDATE").isEmpty
    }

    /// Locks the book whose id `bookID` (a scalar subquery: the book of a loan, hold or item)
    /// selects, found and locked in one round trip; its id, nil when the subquery finds none.
    static func lockBook(of bookID: SQL, on connection: Connection) throws -> Int64? {
        try connection.query("SELECT id FROM books WHERE id = (\(fragment: bookID)) FOR UPDATE").first?["id"].flatMap(Int64.init)
    }

    /// A pickup deadline: expires the hold if it still awaits pickup past its deadline and passes
    /// its copy on (sql/010's expire_hold); what it did, in words.
    func expire(holdID: Int64) throws -> String {
        try connection.query("SELECT expire_hold(\(holdID), make_interval(secs => \(pickupSeconds))) AS outcome")[0]
            .string("outcome")
    }

    /// Gives the book's free copies to its first eligible waiting holds; the holds captured.
    @discardableResult
    func capture(bookID: Int64) throws -> [Int64] {
        try connection.query("SELECT h FROM capture_holds(\(bookID), make_interval(secs => \(pickupSeconds))) AS h")
            .map { try $0.int64("h") }
    }
}
