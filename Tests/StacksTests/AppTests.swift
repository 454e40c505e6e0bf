// The whole request pipeline in process, without nginx: App.respond against the test database
// (STACKS_TEST_DATABASE_URL, set by deploy/test). Routing, scopes, query allow-lists, problems,
// conditional requests, idempotent replay and the pipelined access-token check, each asserted on
// the response a client would get and on the one log line per request.
import Foundation
import HTTP
import Postgres
import Testing

@testable import Stacks

/// The log lines an app wrote.
final class LogLines {
    var lines: [String] = []
}

/// An app over the test database whose log lines a test can read.
final class AppHarness {
    let app: App
    let log = LogLines()
    /// The app's database session is named this, so a test can find it in pg_stat_activity.
    let applicationName = "app-tests-\(UUID().uuidString.prefix(8))"

    init(environment extra: [String: String] = [:]) throws {
        let url = try #require(
            ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"],
            "STACKS_TEST_DATABASE_URL is not set: run the suite through deploy/test")
        var environment = ["STACKS_JWT_KEYS": "t1:" + String(repeating: "5e", count: 32), "STACKS_OPEN_KEYS": "false"]
        environment.merge(extra) { $1 }
        let config = try Config(environment: environment)
        let log = self.log
        app = App(
            config: config, database: Database(parameters: ["dbname": url, "application_name": applicationName]),
            log: RequestLog(pid: 1) { log.lines.append($0) })
    }

    /// Answers one request built like nginx builds it.
    func send(
        _ method: Method, _ target: String, json: String? = nil, bearer: String? = nil, headers extra: [(String, String)] = []
    ) -> Response {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers = Headers(extra)
        if let bearer { headers.add("Authorization", "Bearer \(bearer)") }
        if json != nil { headers.add("Content-Type", "application/json") }
        let body = Array((json ?? "").utf8)
        return app.respond(
            to: Request(
                method: method, path: String(parts[0]), rawQuery: parts.count > 1 ? String(parts[1]) : "", headers: headers,
                body: body, requestID: UUID().uuidString))
    }

    /// The JSON object of a response body.
    static func object(_ response: Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    /// The `data` member of a success envelope.
    static func data(_ response: Response) throws -> [String: Any] {
        try #require(try object(response)["data"] as? [String: Any])
    }

    /// Registers a member with a password and returns (email, password).
    func member() throws -> (email: String, password: String) {
        let email = "app-\(UUID().uuidString.prefix(12).lowercased())@example.org"
        let password = "correct horse battery"
        let registered = send(
            "POST", "/api/auth/register", json: #"{"email":"\#(email)","password":"\#(password)","name":"In Process"}"#)
        #expect(registered.status == .created, "\(String(decoding: registered.body, as: UTF8.self))")
        return (email, password)
    }

    /// An access token from login.
    func accessToken(_ member: (email: String, password: String)) throws -> String {
        let login = send("POST", "/api/auth/login", json: #"{"email":"\#(member.email)","password":"\#(member.password)"}"#)
        #expect(login.status == .ok)
        return try #require(try Self.data(login)["access_token"] as? String)
    }

    /// An API key made with the password.
    func apiKey(_ member: (email: String, password: String), scopes: [String]? = nil) throws -> String {
        let scopeField = scopes.map { #","scopes":[\#($0.map { "\"\($0)\"" }.joined(separator: ","))]"# } ?? ""
        let body = #"{"email":"\#(member.email)","password":"\#(member.password)"\#(scopeField)}"#
        let made = send("POST", "/api/auth/generate-key", json: body)
        #expect(made.status == .created)
        return try #require(try Self.data(made)["api_key"] as? String)
    }
}

@Suite(.serialized) struct AppTests {
    @Test("routes: 404 for no route, 405 with Allow for another method, the problem shape and the request id")
    func routing() throws {
        let harness = try AppHarness()
        let missing = harness.send("GET", "/api/nothing")
        #expect(missing.status == .notFound)
        #expect(missing.headers["Content-Type"] == "application/problem+json")
        let problem = try AppHarness.object(missing)
        #expect(problem["type"] as? String == "urn:stacks:problem:not-found")
        #expect(problem["success"] as? Bool == false)
        #expect((problem["instance"] as? String)?.hasPrefix("urn:stacks:request:") == true)
        let wrong = harness.send("PUT", "/api/books")
        #expect(wrong.status == .methodNotAllowed)
        #expect(wrong.headers["Allow"] == "GET, HEAD, POST")
    }

    @Test("one log line per request: status, path without the query, the member once authenticated")
    func logLines() throws {
        let harness = try AppHarness()
        let key = try harness.apiKey(try harness.member())
        let before = harness.log.lines.count
        _ = harness.send("GET", "/api/books?q=secret-word&limit=1", bearer: key)
        _ = harness.send("GET", "/api/nothing")
        #expect(harness.log.lines.count == before + 2)
        let read = try #require(
            try JSONSerialization.jsonObject(with: Data(harness.log.lines[before].utf8)) as? [String: Any])
        #expect(read["status"] as? Int == 200)
        #expect(read["path"] as? String == "/api/books")
        #expect(read["member"] != nil)
        #expect(!harness.log.lines[before].contains("secret-word"))
        #expect(!harness.log.lines[before].contains(key))
        let missing = try #require(
            try JSONSerialization.jsonObject(with: Data(harness.log.lines[before + 1].utf8)) as? [String: Any])
        #expect(missing["status"] as? Int == 404)
        #expect(missing["member"] == nil)
    }

    @Test("query allow-lists and body rules refuse with 400 before anything runs")
    func allowLists() throws {
        let harness = try AppHarness()
        #expect(harness.send("GET", "/api/health?verbose=1").status == .badRequest)
        #expect(harness.send("GET", "/api/health").status == .ok)
        let unknownField = harness.send("POST", "/api/auth/login", json: #"{"email":"a@b.c","password":"x","extra":1}"#)
        #expect(unknownField.status == .badRequest)
        let duplicate = harness.send("POST", "/api/auth/login", json: #"{"email":"a@b.c","email":"d@e.f","password":"x"}"#)
        #expect(duplicate.status == .badRequest)
    }

    @Test("scopes: no credential 401 with a challenge, a read-only key 403 on a write, a member 403 on admin")
    func scopes() throws {
        let harness = try AppHarness()
        let anonymous = harness.send("GET", "/api/borrows")
        #expect(anonymous.status == .unauthorized)
        #expect(anonymous.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        let member = try harness.member()
        let reader = try harness.apiKey(member, scopes: ["read"])
        #expect(harness.send("GET", "/api/borrows", bearer: reader).status == .ok)
        let denied = harness.send("POST", "/api/books/1/borrow", json: "{}", bearer: reader)
        #expect(denied.status == .forbidden)
        #expect(try AppHarness.object(denied)["type"] as? String == "urn:stacks:problem:insufficient-scope")
        let token = try harness.accessToken(member)
        let admin = harness.send(
            "POST", "/api/books", json: #"{"title":"T","author":"A","isbn":"0306406152","year":1970}"#, bearer: token)
        #expect(admin.status == .forbidden)
    }

    @Test("an access token works until logout, then fails on the very next request, reads and writes alike")
    func accessToken() throws {
        let harness = try AppHarness()
        let token = try harness.accessToken(try harness.member())
        #expect(harness.send("GET", "/api/books/1", bearer: token).status == .ok)
        #expect(harness.send("POST", "/api/auth/logout", bearer: token).status == .noContent)
        #expect(harness.send("GET", "/api/books/1", bearer: token).status == .unauthorized)
        let borrow = harness.send("POST", "/api/books/1/borrow", json: "{}", bearer: token)
        #expect(borrow.status == .unauthorized)
    }

    @Test("conditional GET: the ETag again gives 304 without a body")
    func conditional() throws {
        let harness = try AppHarness()
        let key = try harness.apiKey(try harness.member())
        let first = harness.send("GET", "/api/books/1", bearer: key)
        let etag = try #require(first.headers["ETag"])
        let again = harness.send("GET", "/api/books/1", bearer: key, headers: [("If-None-Match", etag)])
        #expect(again.status == .notModified)
        #expect(again.body.isEmpty)
        #expect(harness.send("GET", "/api/books/1", bearer: key, headers: [("If-None-Match", "\"other\"")]).status == .ok)
    }

    @Test("idempotent replay: the same key and request give the first response again, marked; another body 422")
    func idempotentReplay() throws {
        let harness = try AppHarness()
        let key = try harness.apiKey(try harness.member())
        let list = harness.send("GET", "/api/books?available=true&limit=1", bearer: key)
        let book = try #require((try AppHarness.object(list)["data"] as? [[String: Any]])?.first?["id"] as? Int)
        let idempotency = [("Idempotency-Key", "app-test-\(UUID().uuidString)")]
        let first = harness.send("POST", "/api/books/\(book)/borrow", json: #"{"days":3}"#, bearer: key, headers: idempotency)
        #expect(first.status == .created)
        let replay = harness.send("POST", "/api/books/\(book)/borrow", json: #"{"days":3}"#, bearer: key, headers: idempotency)
        #expect(replay.status == .created)
        #expect(replay.headers["Idempotent-Replayed"] == "true")
        #expect(replay.body == first.body)
        let other = harness.send("POST", "/api/books/\(book)/borrow", json: #"{"days":4}"#, bearer: key, headers: idempotency)
        #expect(other.status == .unprocessableContent)
        let loan = try #require(try AppHarness.data(first)["id"] as? Int)
        #expect(harness.send("POST", "/api/borrows/\(loan)/return", bearer: key).status == .ok)
    }

    @Test("a database connection killed under the app: 503 with Retry-After once, then the same app reconnects")
    func reconnects() throws {
        let harness = try AppHarness()
        let key = try harness.apiKey(try harness.member())
        #expect(harness.send("GET", "/api/books/1", bearer: key).status == .ok)
        let url = try #require(ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"])
        let killer = try Connection(parameters: ["dbname": url])
        let killed = try killer.query(
            """
            SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
            WHERE application_name = \(harness.applicationName)
            """)
        #expect(try killed.first?.int("n") == 1)
        var statuses: [Status] = []
        for _ in 0..<3 { statuses.append(harness.send("GET", "/api/books/1", bearer: key).status) }
        #expect(statuses.last == .ok)
        #expect(statuses.allSatisfy { $0 == .ok || $0 == .serviceUnavailable })
    }

    @Test("the route table's policy: accepted query parameters, a scoped parameter, a credential's scope on a public endpoint")
    func declaredPolicy() throws {
        let harness = try AppHarness()
        let member = try harness.member()
        let key = try harness.apiKey(member)
        #expect(harness.send("GET", "/api/borrows?status=active&limit=5", bearer: key).status == .ok)
        let unknown = harness.send("GET", "/api/borrows?page=2", bearer: key)
        #expect(unknown.status == .badRequest)
        let detail = try AppHarness.object(unknown)["detail"] as? String
        #expect(detail == "Unknown query parameter 'page'. Known: cursor, limit, member, status.")
        let member403 = harness.send("GET", "/api/borrows?member=1", bearer: key)
        #expect(member403.status == .forbidden)
        #expect(harness.send("GET", "/api/books/1?x=1", bearer: key).status == .badRequest)
        let reader = try harness.apiKey(member, scopes: ["read"])
        let mint = harness.send("POST", "/api/auth/generate-key", json: #"{"email":"\#(member.email)"}"#, bearer: reader)
        #expect(mint.status == .forbidden)
        #expect(try AppHarness.object(mint)["type"] as? String == "urn:stacks:problem:insufficient-scope")
        // Every route answers an unknown parameter with 400, whatever else it needs.
        let routes: [(Method, String)] = [
            ("GET", "/api/health"), ("GET", "/api/chat"), ("GET", "/api/auth/me"), ("POST", "/api/auth/logout"),
        ]
        for (method, path) in routes {
            #expect(harness.send(method, path + "?unexpected=1", bearer: key).status == .badRequest, "\(method) \(path)")
        }
    }
}
