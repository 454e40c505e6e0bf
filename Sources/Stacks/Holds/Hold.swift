// A hold as the API shows it: a member's place in a book's queue, built from a `holds` row with its
// book, member and held copy. A waiting hold's position is its rank among the book's waiting holds.
import HTTP
import Postgres

/// A member's request for the next free copy of a book.
struct Hold: JSONWritable, Equatable, Sendable {
    let id: Int64
    let bookID: Int64
    let bookTitle: String
    let memberEmail: String
    let status: HoldStatus
    /// 1-based place among the book's waiting holds; nil unless waiting.
    let position: Int?
    /// How many holds wait for the book.
    let queueLength: Int
    /// The copy waiting on the hold shelf, while awaiting pickup.
    let barcode: String?
    let pickupExpiresAt: String?
    let suspendedUntil: String?
    let createdAt: String
    let updatedAt: String

    /// The columns `init(row:)` reads, from holds `h` joined to their book `b`, member `m` and item `i`.
    static let columns: SQL = """
        h.id, h.book_id, b.title AS book_title, m.email AS member_email, h.status,
        CASE WHEN h.status = 'waiting' THEN
            (SELECT count(*) FROM holds q WHERE q.book_id = h.book_id AND q.status = 'waiting' AND q.id <= h.id) END AS position,
        (SELECT count(*) FROM holds q WHERE q.book_id = h.book_id AND q.status = 'waiting') AS queue_length,
        CASE WHEN h.status = 'awaiting_pickup' THEN i.barcode END AS barcode,
        \(fragment: SQLTime.iso("h.pickup_expires_at")) AS pickup_expires_at,
        \(fragment: SQLTime.iso("h.suspended_until")) AS suspended_until,
        \(fragment: SQLTime.iso("h.created_at")) AS created_at, \(fragment: SQLTime.iso("h.updated_at")) AS updated_at
        """

    /// The SELECT that `init(row:)` reads, ending in its FROM clause (alias `h` for holds).
    static let select: SQL = """
        SELECT \(fragment: columns) FROM holds h JOIN books b ON b.id = h.book_id JOIN members m ON m.id = h.member_id
        LEFT JOIN items i ON i.id = h.item_id
        """

    private enum CodingKeys: String, CodingKey {
        case id, status, position, barcode
        case bookID = "book_id"
        case bookTitle = "book_title"
        case memberEmail = "member_email"
        case queueLength = "queue_length"
        case pickupExpiresAt = "pickup_expires_at"
        case suspendedUntil = "suspended_until"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(barcode, forKey: .barcode)
        try container.encode(bookID, forKey: .bookID)
        try container.encode(bookTitle, forKey: .bookTitle)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(id, forKey: .id)
        try container.encode(memberEmail, forKey: .memberEmail)
        try container.encode(pickupExpiresAt, forKey: .pickupExpiresAt)
        try container.encode(position, forKey: .position)
        try container.encode(queueLength, forKey: .queueLength)
        try container.encode(status.rawValue, forKey: .status)
        try container.encode(suspendedUntil, forKey: .suspendedUntil)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// Writes the fields in sorted order, as `encode(to:)` gives them.
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("barcode", barcode)
            json.field("book_id", bookID)
            json.field("book_title", bookTitle)
            json.field("created_at", createdAt)
            json.field("id", id)
            json.field("member_email", memberEmail)
            json.field("pickup_expires_at", pickupExpiresAt)
            json.field("position", position)
            json.field("queue_length", queueLength)
            json.field("status", status.rawValue)
            json.field("suspended_until", suspendedUntil)
            json.field("updated_at", updatedAt)
        }
    }
}

extension Hold {
    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        bookID = try row.int64("book_id")
        bookTitle = try row.string("book_title")
        memberEmail = try row.string("member_email")
        let statusText = try row.string("status")
        guard let status = HoldStatus(rawValue: statusText) else {
            throw PostgresError(.server(SQLState("XX000")), message: "unknown hold status '\(statusText)'")
        }
        self.status = status
        position = row.optionalInt("position")
        queueLength = try row.int("queue_length")
        barcode = row["barcode"]
        pickupExpiresAt = row["pickup_expires_at"]
        suspendedUntil = row["suspended_until"]
        createdAt = try row.string("created_at")
        updatedAt = try row.string("updated_at")
    }
}

/// Where a hold stands.
enum HoldStatus: String, Sendable, CaseIterable {
    /// In the queue.
    case waiting
    /// A copy waits on the hold shelf for the member until `pickup_expires_at`.
    case awaitingPickup = "awaiting_pickup"
    /// The member borrowed the book.
    case fulfilled
    /// The member or a librarian cancelled it.
    case cancelled
    /// The copy was not picked up in time.
    case expired
}

/// What holds refuse; ErrorCatalogue.swift maps each to its problem.
enum HoldError: Error, Equatable {
    /// No hold with this id is the caller's (404).
    case notFound(Int64)
    /// The member already has an open hold on this book (409).
    case alreadyOpen
    /// The member has this book on loan (409).
    case onLoan
    /// The member has this many open holds, the limit (409).
    case limitReached(Int)
    /// The hold is closed (fulfilled or expired) and cannot change (409).
    case closed(HoldStatus)
    /// Only a waiting hold can be suspended; this one has a copy on the hold shelf (409).
    case notWaiting
}
