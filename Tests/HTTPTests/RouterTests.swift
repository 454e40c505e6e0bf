// The router: literal and parameter segments, percent-decoding, 404 and 405 with Allow.
import HTTP
import Testing

@Suite struct RouterTests {
    let router: Router<String> = {
        var router = Router<String>()
        router.add(.get, "/api/books", "list")
        router.add(.post, "/api/books", "create")
        router.add(.get, "/api/books/{id}", "show")
        router.add(.delete, "/api/books/{id}", "delete")
        router.add(.post, "/api/books/{id}/borrow", "borrow")
        return router
    }()

    @Test("matches a literal path to its endpoint", arguments: [("GET", "/api/books", "list"), ("POST", "/api/books", "create")])
    func literal(method: String, path: String, expected: String) throws {
        #expect(try router.match(method: Method(rawValue: method), path: path).endpoint == expected)
    }

    @Test("captures a path parameter, percent-decoded")
    func parameter() throws {
        let match = try router.match(method: "POST", path: "/api/books/4%32/borrow")
        #expect(match.endpoint == "borrow")
        #expect(match.parameters.get("id") == "42")
        #expect(try match.parameters.id("id") == 42)
    }

    @Test("ignores a trailing slash")
    func trailingSlash() throws {
        #expect(try router.match(method: "GET", path: "/api/books/").endpoint == "list")
    }

    // Regression: `//api/books` gave `Link: <//api/books?…>`, a scheme-relative URL to the host `api`.
    @Test(
        "gives the canonical path links are built from",
        arguments: [
            ("GET", "//api/books", "/api/books"), ("GET", "/api//books/", "/api/books"),
            ("POST", "///api/books/4%32/borrow", "/api/books/42/borrow"), ("GET", "/api/books/42", "/api/books/42"),
            ("GET", "/api/books/", "/api/books"), ("GET", "/api/books/a@b", "/api/books/a%40b"),
            ("GET", "/api/books/%7Ex", "/api/books/~x"), ("GET", "/api/books/x~-._", "/api/books/x~-._"),
        ])
    func canonicalPath(method: String, path: String, expected: String) throws {
        #expect(try router.match(method: Method(rawValue: method), path: path).path == expected)
    }

    @Test("answers 404 for an unknown path", arguments: ["/api/nothing", "/api/books/1/2/3", "/"])
    func notFound(path: String) {
        #expect(throws: Problem.notFound()) { try router.match(method: "GET", path: path) }
    }

    @Test("answers 405 with Allow listing the methods the path has")
    func methodNotAllowed() {
        do {
            _ = try router.match(method: "PUT", path: "/api/books/7")
            Issue.record("expected a 405")
        } catch {
            #expect(error.status == .methodNotAllowed)
            #expect(error.headers["Allow"] == "GET, HEAD, DELETE")
        }
    }

    @Test("treats HEAD as GET")
    func head() throws {
        #expect(try router.match(method: "HEAD", path: "/api/books").endpoint == "list")
    }

    @Test("refuses a badly escaped path with 400", arguments: ["/api/books/%zz", "/api/books/%00", "/api/books/%C3%28"])
    func badEscape(path: String) {
        #expect(throws: Problem.badRequest("The path is not correctly percent-encoded.")) {
            try router.match(method: "GET", path: path)
        }
    }

    @Test(
        "treats an id that is not a positive canonical integer as not found",
        arguments: ["0", "-1", "007", "1e3", "abc", "99999999999999999999"])
    func badID(id: String) {
        #expect(throws: Problem.notFound()) { try PathParameters(["id": id]).id("id") }
    }

    @Test("lists every route's method and pattern in the order they were added")
    func patterns() {
        #expect(
            router.patterns.map(\.description) == [
                "GET /api/books", "POST /api/books", "GET /api/books/{id}", "DELETE /api/books/{id}",
                "POST /api/books/{id}/borrow",
            ])
    }
}
