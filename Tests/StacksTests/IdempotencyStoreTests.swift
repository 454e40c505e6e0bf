// Idempotency replay against the real database: the stored outcome comes back as it was sent.
import Foundation
import HTTP
import Postgres
import Testing

@testable import Stacks

@Suite struct IdempotencyStoreTests {
    // Regression: statuses outside a short list of known ones (401, 405, 429, …) were replayed
    // with the reason phrase "Replayed", so the retry's status line differed from the first answer's.
    @Test("replays a refused request with its status's standard reason phrase")
    func replayKeepsReasonPhrase() throws {
        let connection = try TestDatabase.connect()
        let principal = "test:\(UUID().uuidString)"
        defer { _ = try? connection.query("DELETE FROM idempotency_keys WHERE principal = \(principal)") }
        let request = Request(
            method: "POST", path: "/api/auth/logout", headers: Headers([("Idempotency-Key", "replay-401")]), body: [])
        let key = try #require(try IdempotencyKey(request))
        let store = IdempotencyStore(connection: connection, ttl: 60)
        var runs = 0
        let refuse = { () throws -> Response in
            runs += 1
            throw Problem("unauthorized", title: "Unauthorized", status: .unauthorized, detail: "No credential.")
        }
        let first = try store.run(principal: principal, key: key, request: request, refuse)
        let replayed = try store.run(principal: principal, key: key, request: request, refuse)
        #expect(runs == 1)
        #expect(first.status == .unauthorized)
        #expect(replayed.status == .unauthorized)
        #expect(replayed.status.reason == "Unauthorized")
        #expect(replayed.headers["Idempotent-Replayed"] == "true")
        #expect(replayed.body == first.body)
    }
}
