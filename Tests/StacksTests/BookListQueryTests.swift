// The book-list parameters: sort allow-list, limits, cursors bound to their query, and the
// keyset predicate for mixed directions.
import HTTP
import Postgres
import Testing

@testable import Stacks

@Suite struct BookListQueryTests {
    func parse(_ raw: String) throws -> BookListQuery { try BookListQuery(Query(parsing: raw)) }

    @Test("defaults to 20 by id")
    func defaults() throws {
        let query = try parse("")
        #expect(query.limit == 20)
        #expect(query.sortSpec == "id")
    }

    @Test("parses a multi-key sort and always ends it with id")
    func sort() throws {
        #expect(try parse("sort=title,-year").sortSpec == "title,-year,id")
        #expect(try parse("sort=-id,title").sortSpec == "-id,title")
    }

    @Test(
        "refuses what is not allowed",
        arguments: [
            "sort=price", "sort=title,title", "sort=", "sort=title;drop", "limit=0", "limit=101", "limit=x",
            "year_from=2000&year_to=1990", "available=yes", "q=", "q=%20%20", "page=2", "cursor=abc", "cursor=",
        ])
    func refuses(raw: String) {
        #expect(throws: Problem.self) { try parse(raw) }
    }

    @Test("accepts a cursor only with the sort and filters it was made for")
    func cursorBinding() throws {
        let query = try parse("sort=title,-year&author=fowler")
        let cursor = Cursor(
            sort: query.sortSpec, filterFingerprint: query.filterFingerprint, values: ["Refactoring", "1999", "2"])
        let again = try parse("sort=title,-year&author=fowler&cursor=\(cursor.token)")
        #expect(again.cursor == cursor)
        #expect(throws: Problem.self) { try parse("sort=title&author=fowler&cursor=\(cursor.token)") }
        #expect(throws: Problem.self) { try parse("sort=title,-year&author=evans&cursor=\(cursor.token)") }
    }

    @Test("round-trips a cursor through its opaque token")
    func cursorToken() throws {
        let cursor = Cursor(sort: "id", filterFingerprint: "", values: ["41"])
        #expect(cursor.token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(Cursor(token: cursor.token) == cursor)
        #expect(Cursor(token: "not a cursor") == nil)
        #expect(Cursor(token: String(cursor.token.dropLast(3))) == nil)
    }

    @Test("builds the keyset predicate for mixed directions, bounded by the first key")
    func keyset() {
        let keys = [
            BookSortKey(column: "title", descending: false), BookSortKey(column: "year", descending: true),
            BookSortKey(column: "id", descending: false),
        ]
        let after = BookStore.after(keys, values: ["Dune", "1965", "7"])
        #expect(
            after.text
                == "(title >= $1::text AND ((title > $2::text) OR (title = $3::text AND year < $4::integer) OR "
                + "(title = $5::text AND year = $6::integer AND id > $7::bigint)))")
        #expect(after.binds.map(\.value) == ["Dune", "Dune", "Dune", "1965", "Dune", "1965", "7"])
        #expect(after.binds.allSatisfy { $0.type == .text })
    }

    @Test("builds a row comparison when every key has one direction, so the sort index starts at the cursor")
    func keysetOneDirection() {
        let ascending = [BookSortKey(column: "title", descending: false), BookSortKey(column: "id", descending: false)]
        let afterTitle = BookStore.after(ascending, values: ["Dune", "7"])
        #expect(afterTitle.text == "((title, id) > ($1::text, $2::bigint))")
        #expect(afterTitle.binds.map(\.value) == ["Dune", "7"])
        let descending = [BookSortKey(column: "year", descending: true), BookSortKey(column: "id", descending: true)]
        #expect(BookStore.after(descending, values: ["1965", "7"]).text == "((year, id) < ($1::integer, $2::bigint))")
    }

    @Test("escapes LIKE wildcards in the author filter")
    func like() {
        #expect(BookStore.escapeLike(#"50%_a\b"#) == #"50\%\_a\\b"#)
    }
}

@Suite struct ISBNTests {
    @Test(
        "accepts valid ISBN-10 and ISBN-13, X included", arguments: ["0201633612", "0306406152", "9780306406157", "080442957X"])
    func valid(isbn: String) { #expect(ISBN.isValid(isbn)) }

    @Test(
        "refuses wrong check digits and shapes",
        arguments: ["0201633613", "9780306406158", "030640615", "X306406152", "97803064061570", "０306406152"])
    func invalid(isbn: String) { #expect(!ISBN.isValid(isbn)) }
}
