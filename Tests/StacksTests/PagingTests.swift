// Keyset paging against the real catalog: every book exactly once, in the requested order,
// also while other sessions insert books before and after the reader's position.
import Foundation
import HTTP
import Postgres
import Testing

@testable import Stacks

extension CatalogWriters {
    @Suite(.serialized) struct PagingTests {
        static let isbnPrefix = "979999"

        func connect() throws -> Connection {
            let url = try #require(
                ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"],
                "STACKS_TEST_DATABASE_URL is not set: run the suite through deploy/test")
            return try Connection(parameters: ["dbname": url])
        }

        func removeTestBooks(_ connection: Connection) throws {
            try connection.query("DELETE FROM books WHERE isbn LIKE \(Self.isbnPrefix + "%")")
        }

        /// Walks every page and returns the ids in the order served.
        func walk(_ raw: String, reader: Connection, between: (Int) throws -> Void = { _ in }) throws -> [Int64] {
            var ids: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = try BookListQuery(Query(parsing: raw + (cursor.map { "&cursor=\($0)" } ?? "")))
                let page = try BookStore(connection: reader).page(query)
                #expect(page.books.count <= query.limit)
                ids += page.books.map(\.id)
                cursor = page.next?.token
                pages += 1
                try between(pages)
            } while cursor != nil && pages < 1000
            return ids
        }

        @Test(
            "serves every book exactly once, in SQL order, for each sort",
            arguments: [
                ("limit=7", "id"), ("limit=13&sort=title,-year", "title, year DESC, id"),
                ("limit=50&sort=-year,author", "year DESC, author, id"), ("limit=100&sort=-id", "id DESC"),
                ("limit=9&sort=author&year_from=1990", "author, id"),
            ])
        func everyBookOnce(raw: String, order: String) throws {
            let connection = try connect()
            try removeTestBooks(connection)
            let filter = raw.contains("year_from") ? "WHERE year >= 1990" : ""
            let expected = try connection.query("SELECT id FROM books \(unescaped: filter) ORDER BY \(unescaped: order)")
                .map { try $0.int64("id") }
            #expect(expected.count > 100)
            #expect(try walk(raw, reader: connection) == expected)
        }

        @Test("serves every existing book exactly once while books are inserted between pages")
        func concurrentInserts() throws {
            let reader = try connect()
            let writer = try connect()
            try removeTestBooks(writer)
            defer { try? removeTestBooks(writer) }
            let before = Set(try reader.query("SELECT id FROM books").map { try $0.int64("id") })
            var inserted = 0
            let ids = try walk("limit=11&sort=title", reader: reader) { page in
                for title in ["AAA inserted \(page)", "Mmm inserted \(page)", "zzz inserted \(page)"] {
                    inserted += 1
                    let isbn = Self.isbnPrefix + String(format: "%07d", inserted)
                    try writer.query(
                        """
                        INSERT INTO books (title, author, isbn, year, copies, available_copies)
                        VALUES (\(title), 'Test', \(isbn), 2000, 1, 1)
                        """)
                }
            }
            #expect(inserted > 30)
            #expect(Set(ids).count == ids.count, "a book was served twice")
            #expect(before.isSubset(of: Set(ids)), "a book that existed throughout was skipped")
        }
    }
}
