// `stacks demo`: the original demo client's walkthrough replayed with real requests — a key, the
// books, a borrow, the loans, the return, the server's 401 without credentials, the key from a second
// client — each step OK or FAIL. It leaves a guest and a returned loan, so it runs again and again.
import Foundation
import StacksWire

/// The demo command.
enum DemoCommand {
    /// `stacks demo`.
    static let demo = Command(
        CommandSpec(
            "demo",
            options: [
                .valued("--email", "EMAIL", "the member to act as (else a new guest: the server must be in open-key mode)"),
                .flag("--password-stdin", "the member's password, from the first line of stdin"),
            ],
            "Replay the demo walkthrough: get a key, list books, borrow, list loans, return, a 401 without credentials, a second client."
        )
    ) { (context: inout Context) throws(ClientError) in
        let email = context.invocation.value("--email") ?? "demo-\(UUID().uuidString.prefix(8).lowercased())@example.org"
        let password = context.invocation.has("--password-stdin") ? try SessionCommands.password(context) : nil
        var walk = Walk(console: context.console)
        do throws(ClientError) {
            try await run(&walk, context: context, email: email, password: password)
        } catch {
            context.console.print(context.console.red("FAIL") + "  \(walk.step): \(error.line)")
            throw error
        }
        context.console.print("Demo complete: \(walk.passed) steps OK against \(context.server.key).")
    }

    /// The steps, in order; `walk` names the one running and counts those passed.
    private static func run(_ walk: inout Walk, context: Context, email: String, password: String?) async throws(ClientError) {
        let server = context.server
        let policy = context.client.policy
        var anonymous = APIClient(server: server, credential: .none, store: nil, policy: policy)
        walk.step = "get a key"
        let body = GenerateKeyBody(email: email, password: password, label: "stacks demo")
        let key = try await anonymous.send(
            APICall(
                "POST", "/api/auth/generate-key", body: JSONText.encode(body), authenticated: false, resending: .onlyUnsent)
        ).decoded(GeneratedKey.self)
        walk.ok("\(key.prefix)_… for \(key.email) (shown once, stored by the server only as a hash)")

        var client = APIClient(server: server, credential: .apiKey(key.apiKey), store: nil, policy: policy)
        walk.step = "list books"
        let books = try await client.send(.get("/api/books", [URLQueryItem(name: "available", value: "true")])).decoded(
            [Book].self)
        guard let first = books.first(where: \.available) else { throw .local("no book has a copy free to borrow") }
        walk.ok(
            "\(books.count) with a copy free; the first: “\(first.title)” by \(first.author), \(first.availableCopies) of \(first.copies) free"
        )

        walk.step = "borrow the first"
        let loan = try await client.send(
            .send("POST", "/api/books/\(first.id)/borrow", BorrowBody(borrowerName: "Demo User", days: 14))
        )
        .data()
        guard let loanID = loan.integer("id") else { throw .local("the borrow's answer has no loan id") }
        walk.ok("loan \(loanID) of “\(loan.text("book_title"))”, copy \(loan.text("barcode")), due \(loan.time("due_date"))")

        walk.step = "list borrows"
        let active = try await client.send(.get("/api/borrows", [URLQueryItem(name: "status", value: "active")])).data().elements
        guard active.contains(where: { $0.integer("id") == loanID }) else {
            throw .local("loan \(loanID) is not among the active loans")
        }
        walk.ok("\(active.count) active, loan \(loanID) among them")

        walk.step = "return it"
        let returned = try await client.send(APICall("POST", "/api/borrows/\(loanID)/return")).data()
        guard returned.member("returned") == .bool(true) else { throw .local("loan \(loanID) is not marked returned") }
        walk.ok("loan \(loanID) returned at \(returned.time("returned_at"))")

        walk.step = "a request without credentials"
        let refused = try await anonymous.send(.get("/api/books"))
        guard refused.status == 401, case .problem(let detail, _) = refused.problem else {
            throw .local("expected 401 from the server, got \(refused.status)")
        }
        walk.ok("401 from the server: \(detail) (WWW-Authenticate: \(refused.header("WWW-Authenticate") ?? "-"))")

        walk.step = "the same key from a second client"
        var second = APIClient(
            server: server, credential: .apiKey(key.apiKey), store: nil, transport: SessionTransport(), policy: policy)
        let page = try await second.send(.get("/api/books", [URLQueryItem(name: "limit", value: "1")])).decoded([Book].self)
        walk.ok("200 on a connection of its own (another URLSession): “\(page.first?.title ?? "-")”")
    }

    /// The walkthrough's progress: the step running and how many passed.
    private struct Walk {
        let console: Console
        var step = ""
        var passed = 0

        /// Prints the running step as passed.
        mutating func ok(_ detail: String) {
            passed += 1
            console.print(console.green("OK") + "    \(passed). \(step): \(detail)")
        }
    }
}
