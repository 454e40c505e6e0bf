// A borrow record as the demo client knows it, built from a `loans` row joined to its member.
import HTTP
import Postgres

/// A loan of one copy of a book.
struct Loan: JSONWritable, Equatable, Sendable {
    let id: Int64
    let bookID: Int64?
    let bookTitle: String
    let borrowerName: String
    let borrowerEmail: String
    let borrowDate: String
    let dueDate: String
    let returned: Bool
    let returnedAt: String?
    let renewals: Int
    /// The barcode of the copy lent (nil for loans returned before copies had barcodes).
    let barcode: String?
    /// `active`, `overdue` or `returned`.
    let status: LoanStatus

    /// The loan period of a member who never chose one, in days (`preferences_in_effect` has the same).
    static let defaultDays = 14

    /// The loan periods a borrow, a renewal, a desk checkout or a member's preference may name, in days.
    static let periodDays = 1...30

    /// The columns `init(row:)` reads, from loan rows named `l` joined to their member `m`.
    static let columns: SQL = """
        l.id, l.book_id, l.barcode, l.book_title, l.borrower_name, m.email AS borrower_email,
        \(fragment: SQLTime.iso("l.borrowed_at")) AS borrow_date, \(fragment: SQLTime.iso("l.due_at")) AS due_date,
        l.returned_at IS NOT NULL AS returned, \(fragment: SQLTime.iso("l.returned_at")) AS returned_at, l.renewals,
        CASE WHEN l.returned_at IS NOT NULL THEN 'returned' WHEN l.due_at < now() THEN 'overdue' ELSE 'active' END AS status
        """

    /// The SELECT that `init(row:)` reads, ending in its FROM clause (alias `l` for loans).
    static let select: SQL = "SELECT \(fragment: columns) FROM loans l \(fragment: joins)"

    /// The joins `columns` reads from, after a FROM that names the loans `l`.
    static let joins: SQL = "JOIN members m ON m.id = l.member_id"

    /// The loans a data-modifying statement returns (`… RETURNING *`), read as `init(row:)` reads them.
    static func returned(by statement: SQL) -> SQL {
        "WITH l AS (\(fragment: statement)) SELECT \(fragment: columns) FROM l \(fragment: joins)"
    }

    private enum CodingKeys: String, CodingKey {
        case id, returned, renewals, status, barcode
        case bookID = "book_id"
        case bookTitle = "book_title"
        case borrowerName = "borrower_name"
        case borrowerEmail = "borrower_email"
        case borrowDate = "borrow_date"
        case dueDate = "due_date"
        case returnedAt = "returned_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(barcode, forKey: .barcode)
        try container.encode(id, forKey: .id)
        try container.encode(bookID, forKey: .bookID)
        try container.encode(bookTitle, forKey: .bookTitle)
        try container.encode(borrowerName, forKey: .borrowerName)
        try container.encode(borrowerEmail, forKey: .borrowerEmail)
        try container.encode(borrowDate, forKey: .borrowDate)
        try container.encode(dueDate, forKey: .dueDate)
        try container.encode(returned, forKey: .returned)
        try container.encode(returnedAt, forKey: .returnedAt)
        try container.encode(renewals, forKey: .renewals)
        try container.encode(status, forKey: .status)
    }

    /// Writes the fields in sorted order, as `encode(to:)` gives them.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("barcode", barcode)
            json.field("book_id", bookID)
            json.field("book_title", bookTitle)
            json.field("borrow_date", borrowDate)
            json.field("borrower_email", borrowerEmail)
            json.field("borrower_name", borrowerName)
            json.field("due_date", dueDate)
            json.field("id", id)
            json.field("renewals", renewals)
            json.field("returned", returned)
            json.field("returned_at", returnedAt)
            json.field("status", status.rawValue)
        }
    }
}

extension Loan {
    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        bookID = row["book_id"].flatMap { Int64($0) }
        bookTitle = try row.string("book_title")
        borrowerName = try row.string("borrower_name")
        borrowerEmail = try row.string("borrower_email")
        borrowDate = try row.string("borrow_date")
        dueDate = try row.string("due_date")
        returned = try row.bool("returned")
        returnedAt = row["returned_at"]
        renewals = try row.int("renewals")
        barcode = row["barcode"]
        let statusText = try row.string("status")
        guard let status = LoanStatus(rawValue: statusText) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown loan status '\(statusText)'")
        }
        self.status = status
    }
}

/// Where a loan stands: out and not yet due, out past its due time, or back.
enum LoanStatus: String, Sendable, Codable, CaseIterable {
    case active, overdue, returned
}
