// The one table of problem kinds: the HTTP layer's own problems and nginx's error pages are kinds
// of it, with the same title and status, and every error the app maps lands on a catalogued kind.
import Foundation
import HTTP
import Postgres
import Testing

@testable import Stacks

@Suite struct ProblemCatalogueTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func catalogued(_ problem: Problem, _ note: String = "") {
        let kind = ProblemType(rawValue: problem.slug)
        #expect(kind != nil, "\(problem.slug) is not in the catalogue \(note)")
        #expect(kind?.title == problem.title, "\(problem.slug): title \(problem.title) \(note)")
        #expect(kind?.status.code == problem.status.code, "\(problem.slug): status \(problem.status.code) \(note)")
    }

    @Test("slugs are unique and statuses are errors")
    func table() {
        #expect(Set(ProblemType.allCases.map(\.rawValue)).count == ProblemType.allCases.count)
        for kind in ProblemType.allCases { #expect((400...599).contains(kind.status.code), "\(kind)") }
    }

    @Test("the application builds problems only from catalogued kinds, never from a slug literal")
    func noLiterals() throws {
        let sources = Self.root.appendingPathComponent("Sources/Stacks")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        let literal = try Regex("Problem\\(\\s*\"")
        var checked = 0
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(!text.contains(literal), "\(file.lastPathComponent) builds a Problem from a slug literal")
            checked += 1
        }
        #expect(checked > 20)
    }

    @Test("the HTTP layer's problems are catalogued kinds")
    func httpLayer() {
        catalogued(.badRequest("x"))
        catalogued(.notFound())
        catalogued(.methodNotAllowed("PUT", allowed: ["GET"]))
        catalogued(.contentTooLarge(limit: 1))
        catalogued(.unsupportedMediaType())
        catalogued(.validation([]))
        catalogued(.serviceUnavailable("x", retryAfter: 1))
        catalogued(.internalError())
    }

    @Test(
        "every mapped error lands on a catalogued kind",
        arguments: ["08006", "23514", "23502", "22P02", "57014", "40001", "40P01", "XX000"])
    func mapped(state: String) {
        let error = PostgresError(.server(SQLState(state)), message: "m")
        catalogued(ErrorCatalogue.problem(for: error).problem, "for SQLSTATE \(state)")
        catalogued(ErrorCatalogue.problem(for: PostgresError(.connection, message: "down")).problem)
    }

    @Test("every domain error maps to a catalogued kind with the status its meaning asks for")
    func domainErrors() {
        let cases: [(any Error, Int)] = [
            (AuthError.missingCredential, 401), (AuthError.invalidCredential, 401), (AuthError.insufficientScope(.admin), 403),
            (AuthError.badCredentials("x"), 401), (AuthError.locked(retryAfter: 2), 429), (AuthError.emailTaken, 409),
            (AuthError.guestAccount(proofGiven: true), 409), (AuthError.otherMember("x"), 403),
            (BookError.duplicateISBN, 409), (BookError.onLoan(2), 409), (BookError.notFound(1), 404),
            (LoanError.noCopyFree, 409), (LoanError.limitReached(5), 409), (LoanError.notFound(1), 404),
            (LoanError.alreadyReturned(at: nil), 409), (LoanError.overdue, 409), (LoanError.renewalLimit(2), 409),
            (IdempotencyError.inFlight, 409), (IdempotencyError.reused, 422), (ChatError.full(limit: 10), 409),
            (PostgresError(.server(.lockNotAvailable), message: "m"), 503),
            (PostgresError(.server(SQLState("53100")), message: "disk full"), 503),
            (PostgresError(.server(SQLState("23505")), message: "m"), 500),
        ]
        for (error, status) in cases {
            let mapped = ErrorCatalogue.problem(for: error).problem
            catalogued(mapped, "for \(error)")
            #expect(mapped.status.code == status, "\(error)")
            #expect(!mapped.detail.isEmpty)
        }
        #expect(ErrorCatalogue.problem(for: AuthError.locked(retryAfter: 7)).problem.headers["Retry-After"] == "7")
        #expect(ErrorCatalogue.problem(for: AuthError.invalidCredential).problem.headers["WWW-Authenticate"] != nil)
    }

    @Test("nginx's own error pages are catalogued kinds with their status, and the problem shape")
    func nginxPages() throws {
        let conf = try String(contentsOf: Self.root.appendingPathComponent("nginx/stacks.conf"), encoding: .utf8)
        var pages = 0
        for line in conf.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("return "), let open = text.firstIndex(of: "'"), let close = text.lastIndex(of: "'"),
                open < close
            else { continue }
            let status = Int(text.dropFirst("return ".count).prefix(3))
            var json = String(text[text.index(after: open)..<close])
            if json.hasSuffix("\\n") { json.removeLast(2) }
            let body = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(text)")
            let type = try #require(body["type"] as? String)
            #expect(type.hasPrefix("urn:stacks:problem:"))
            let kind = ProblemType(rawValue: String(type.dropFirst("urn:stacks:problem:".count)))
            #expect(kind != nil, "nginx answers \(type), which is not in the catalogue")
            #expect(kind?.title == body["title"] as? String, "\(type): nginx's title \(body["title"] ?? "")")
            #expect(kind?.status.code == status && body["status"] as? Int == status, "\(type): status")
            #expect(body["success"] as? Bool == false && body["message"] as? String == body["detail"] as? String, "\(type)")
            pages += 1
        }
        #expect(pages >= 10)
    }
}
