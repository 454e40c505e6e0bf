// What the reading tools tell the model: short JSON facts about books, loans, holds and notices,
// with the ids the propose_* tools take. Nothing about other members.
import StacksWire

/// A book as the model sees it.
struct BookFact: Encodable {
    let id: Int64
    let title: String
    let author: String
    let year: Int
    let copies: Int
    let availableCopies: Int

    init(_ book: Book) {
        (id, title, author, year, copies, availableCopies) = (
            book.id, book.title, book.author, book.year, book.copies, book.availableCopies
        )
    }

    enum CodingKeys: String, CodingKey {
        case id, title, author, year, copies
        case availableCopies = "available_copies"
    }
}

/// A page of a search.
struct SearchFacts: Encodable {
    let books: [BookFact]
    let total: Int
    let offset: Int
    let approximate: Bool

    init(found: Found, offset: Int) {
        books = found.books.map(BookFact.init)
        total = found.total
        self.offset = offset
        approximate = found.approximate
    }
}

/// One of the member's loans.
struct LoanFact: Encodable {
    let loanID: Int64
    let bookID: Int64?
    let title: String
    let dueDate: String
    let overdue: Bool
    let renewals: Int

    init(_ loan: Loan) {
        (loanID, bookID, title, dueDate, overdue, renewals) = (
            loan.id, loan.bookID, loan.bookTitle, loan.dueDate, loan.status == .overdue, loan.renewals
        )
    }

    enum CodingKeys: String, CodingKey {
        case title, overdue, renewals
        case loanID = "loan_id"
        case bookID = "book_id"
        case dueDate = "due_date"
    }
}

/// One of the member's open holds.
struct HoldFact: Encodable {
    let holdID: Int64
    let bookID: Int64
    let title: String
    let status: String
    let position: Int?
    let queueLength: Int
    let pickupBy: String?

    init(_ hold: Hold) {
        (holdID, bookID, title, status, position, queueLength, pickupBy) = (
            hold.id, hold.bookID, hold.bookTitle, hold.status.rawValue, hold.position, hold.queueLength, hold.pickupExpiresAt
        )
    }

    enum CodingKeys: String, CodingKey {
        case title, status, position
        case holdID = "hold_id"
        case bookID = "book_id"
        case queueLength = "queue_length"
        case pickupBy = "pickup_by"
    }
}

/// One of the member's notices.
struct NoticeFact: Encodable {
    let kind: String
    let title: String
    let message: String
    let createdAt: String
    let read: Bool

    init(_ notice: Notice) {
        (kind, title, message, createdAt, read) = (
            notice.kind.rawValue, notice.title, notice.message, notice.createdAt, notice.readAt != nil
        )
    }

    enum CodingKeys: String, CodingKey {
        case kind, title, message, read
        case createdAt = "created_at"
    }
}
