// The catalog endpoints: list (filters, sort, keyset pages with a `Link` header), show (strong
// ETag, 304), and the admin writes: create (201 + Location), update (If-Match → 412), delete.
import HTTP
import StacksWire

/// Handlers of the catalog endpoints.
enum BookHandlers {
    /// `GET /api/books`: a filtered, sorted page of books.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let query = try BookListQuery(request.query())
        let page = try BookStore(connection: context.connection()).page(query)
        var response = Response.success(
            page.books, message: "\(page.books.count) book\(page.books.count == 1 ? "" : "s")",
            meta: PageMeta(nextCursor: page.next?.token, limit: query.limit))
        if let next = page.next {
            response.headers.set("Link", "<\(PageLinks.next(request, cursor: next.token))>; rel=\"next\"")
        }
        return response
    }

    /// `GET /api/books/{id}`: one book, or 304 when the client's ETag still matches.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        guard let book = try BookStore(connection: context.connection()).book(id: id) else { throw BookError.notFound(id) }
        return Conditional.get(request, Response.success(book, message: "Book retrieved"), tag: book.etag)
    }

    /// `POST /api/books`: adds a book (admin).
    static func create(_ request: Request, _ context: RequestContext, _ body: BookInput) throws -> Response {
        let input = try body.validated(creating: true)
        let book = try BookStore(connection: context.connection()).create(input)
        var response = Response.success(book, message: "Book created", status: .created)
        response.headers.set("Location", "/api/books/\(book.id)")
        response.headers.set("ETag", book.etag)
        return response
    }

    /// `PATCH /api/books/{id}`: changes fields of a book (admin); a stale `If-Match` is 412.
    static func update(_ request: Request, _ context: RequestContext, _ body: BookInput) throws -> Response {
        let id = try context.parameters.id("id")
        let input = try body.validated(creating: false)
        let connection = try context.connection()
        let book = try connection.transaction {
            let store = BookStore(connection: connection)
            guard let current = try store.book(id: id, locking: true) else { throw BookError.notFound(id) }
            try Conditional.checkIfMatch(request, current: current.etag)
            let updated = try store.update(current, with: input)
            // New copies go to the waiting holds first.
            guard updated.copies > current.copies, try !context.shelf().capture(bookID: id).isEmpty else { return updated }
            return try store.book(id: id) ?? updated
        }
        var response = Response.success(book, message: "Book updated")
        response.headers.set("ETag", book.etag)
        return response
    }

    /// `DELETE /api/books/{id}`: removes a book with no copy on loan (admin). Deleting a deleted
    /// book again is 204 too, so a retried DELETE reads as the first one did.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let id = try context.parameters.id("id")
        let connection = try context.connection()
        try connection.transaction {
            let store = BookStore(connection: connection)
            guard let current = try store.book(id: id, locking: true) else {
                if try store.wasDeleted(id: id) { return }
                throw BookError.notFound(id)
            }
            try Conditional.checkIfMatch(request, current: current.etag)
            guard current.availableCopies == current.copies else {
                throw BookError.onLoan(current.copies - current.availableCopies)
            }
            try store.delete(id: id)
        }
        return Response.empty(.noContent)
    }

}
