// A catalog entry (StacksWire's `Book`) as the server makes it: read from a `books` row, written
// as bytes by `JSONWriter`, tagged with its ETag.
import HTTP
import Postgres
import StacksWire

extension Book: JSONWritable {
    /// The strong entity tag of this book's representation.
    var etag: String { Conditional.etag(of: JSONWriter.bytes(of: self)) }

    /// The columns `init(row:)` reads, for SELECT lists.
    static let columns: SQL = "id, title, author, isbn, year, copies, available_copies"

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
        self.init(
            id: try row.int64("id"), title: try row.string("title"), author: try row.string("author"),
            isbn: try row.string("isbn"), year: try row.int("year"), copies: try row.int("copies"),
            availableCopies: try row.int("available_copies"))
    }
}
