// A catalog entry as the API shows it, built from a `books` row.
import HTTP
import Postgres

/// A book of the catalog.
public struct Book: Sendable, Equatable, JSONWritable {
    /// The book's id.
    public let id: Int64
    /// The title.
    public let title: String
    /// The author or authors.
    public let author: String
    /// ISBN-10 or ISBN-13, without hyphens.
    public let isbn: String
    /// Year of publication.
    public let year: Int
    /// Copies the library owns.
    public let copies: Int
    /// Copies not on loan.
    public let availableCopies: Int

    /// Whether at least one copy can be borrowed.
    public var available: Bool { availableCopies > 0 }

    /// The strong entity tag of this book's representation.
    var etag: String { Conditional.etag(of: JSONWriter.bytes(of: self)) }

    /// The columns `init(row:)` reads, for SELECT lists.
    static let columns: SQL = "id, title, author, isbn, year, copies, available_copies"

    private enum CodingKeys: String, CodingKey {
        case id, title, author, isbn, year, copies, available
        case availableCopies = "available_copies"
    }

    /// Encodes the API fields, `available` included.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(author, forKey: .author)
        try container.encode(isbn, forKey: .isbn)
        try container.encode(year, forKey: .year)
        try container.encode(copies, forKey: .copies)
        try container.encode(availableCopies, forKey: .availableCopies)
        try container.encode(available, forKey: .available)
    }

    /// Writes the API fields in sorted order, as `encode(to:)` gives them.
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.field("author", author)
            json.field("available", available)
            json.field("available_copies", availableCopies)
            json.field("copies", copies)
            json.field("id", id)
            json.field("isbn", isbn)
            json.field("title", title)
            json.field("year", year)
        }
    }
}

extension Book {
    /// Reads a row selected with `columns`.
    init(row: Row) throws(PostgresError) {
        id = try row.int64("id")
        title = try row.string("title")
        author = try row.string("author")
        isbn = try row.string("isbn")
        year = try row.int("year")
        copies = try row.int("copies")
        availableCopies = try row.int("available_copies")
    }
}
