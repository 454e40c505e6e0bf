// A copy of a book as the API shows it: its barcode, status and, while on loan, its due date; the
// detail view adds its book, its current loan and the hold it waits for.
import HTTP
import Postgres

/// One copy of a book.
struct Item: JSONWritable, Equatable, Sendable {
    let barcode: String
    let status: ItemStatus
    /// When the loan that has it out is due; nil unless on loan.
    let dueAt: String?

    /// The columns `init(row:)` reads, from items `i`.
    static let columns: SQL = """
        i.barcode, i.status,
        \(fragment: SQLTime.iso("(SELECT l.due_at FROM loans l WHERE l.item_id = i.id AND l.returned_at IS NULL)")) AS due_at
        """

    private enum CodingKeys: String, CodingKey {
        case barcode, status
        case dueAt = "due_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(barcode, forKey: .barcode)
        try container.encode(dueAt, forKey: .dueAt)
        try container.encode(status.rawValue, forKey: .status)
    }

    /// Writes the fields in sorted order, as `encode(to:)` gives them.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("barcode", barcode)
            json.field("due_at", dueAt)
            json.field("status", status.rawValue)
        }
    }
}

extension Item {
    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        barcode = try row.string("barcode")
        let text = try row.string("status")
        guard let status = ItemStatus(rawValue: text) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown item status '\(text)'")
        }
        self.status = status
        dueAt = row["due_at"]
    }
}

/// A copy with its book, the loan that has it out and the hold it waits for.
struct ItemDetail: JSONWritable, Equatable, Sendable {
    let item: Item
    let bookID: Int64
    let bookTitle: String
    let loan: Loan?
    let hold: Hold?

    private enum CodingKeys: String, CodingKey {
        case barcode, status, loan, hold
        case dueAt = "due_at"
        case bookID = "book_id"
        case bookTitle = "book_title"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(item.barcode, forKey: .barcode)
        try container.encode(bookID, forKey: .bookID)
        try container.encode(bookTitle, forKey: .bookTitle)
        try container.encode(item.dueAt, forKey: .dueAt)
        try container.encode(hold, forKey: .hold)
        try container.encode(loan, forKey: .loan)
        try container.encode(item.status.rawValue, forKey: .status)
    }

    /// Writes the fields in sorted order, as `encode(to:)` gives them.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("barcode", item.barcode)
            json.field("book_id", bookID)
            json.field("book_title", bookTitle)
            json.field("due_at", item.dueAt)
            json.field("hold", hold)
            json.field("loan", loan)
            json.field("status", item.status.rawValue)
        }
    }
}

/// Where a copy is.
enum ItemStatus: String, Sendable, CaseIterable {
    case available
    case onLoan = "on_loan"
    case onHoldShelf = "on_hold_shelf"
    case lost, withdrawn
}

/// What item changes refuse; ErrorCatalogue.swift maps each to its problem.
enum ItemError: Error, Equatable {
    /// No copy has this barcode (404).
    case notFound(String)
    /// Another copy has this barcode (409).
    case duplicateBarcode(String)
    /// The copy's status does not allow this change; the sentence says why (409).
    case cannotChange(from: ItemStatus, to: ItemStatus)
}
