// `GET /api/books` and `GET /api/books/{id}`: the catalog's read side, with a `Link` header
// for the next page and a strong ETag (304 on `If-None-Match`) for a single book.
import Crypto
import HTTP

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
            response.headers.set("Link", "<\(nextLink(request, cursor: next.token))>; rel=\"next\"")
        }
        return response
    }

    /// `GET /api/books/{id}`: one book, or 304 when the client's ETag still matches.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        try request.query().allowOnly([])
        let id = try context.parameters.id("id")
        guard let book = try BookStore(connection: context.connection()).book(id: id) else {
            throw Problem.notFound("No book has id \(id).")
        }
        return Conditional.get(request, Response.success(book, message: "Book retrieved"))
    }

    /// The request's own path and query with the cursor replaced.
    private static func nextLink(_ request: Request, cursor: String) -> String {
        let kept = (try? request.query().items.filter { $0.name != "cursor" }) ?? []
        let pairs = kept.map { "\(URLEncoding.component($0.name))=\(URLEncoding.component($0.value))" }
        return request.path + "?" + (pairs + ["cursor=\(cursor)"]).joined(separator: "&")
    }
}
