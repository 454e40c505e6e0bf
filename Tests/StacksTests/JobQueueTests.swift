// The queue shared by several runners, with committed rows: concurrent claims never take the same
// job, the hourly purge is enqueued once however many runners ask, and librarians page through
// GET /api/jobs. The rows are removed afterwards.
import Foundation
import HTTP
import Postgres
import Testing

@testable import Stacks

@Suite struct JobQueueTests {
    /// Deletes the jobs a test made.
    static func delete(_ ids: [Int64]) -> SQL {
        "DELETE FROM jobs WHERE id = ANY(\("{" + ids.map(String.init).joined(separator: ",") + "}")::bigint[])"
    }

    @Test("two connections claiming at once never get the same job (FOR UPDATE SKIP LOCKED)")
    func skipLocked() throws {
        let setup = try TestDatabase.connect()
        let first = try TestDatabase.connect()
        let second = try TestDatabase.connect()
        // Harmless jobs (no such hold), due since 2000 so that they come first. A live stack's runners
        // may run some meanwhile, about one a millisecond each: never all 500 before the two claims.
        let ids = try setup.query(
            """
            INSERT INTO jobs (kind, payload, run_at)
            SELECT 'hold_pickup_expiry', '{"hold_id": -1}', '2000-01-01' FROM generate_series(1, 500) RETURNING id
            """
        ).map { try $0.int64("id") }
        defer { _ = try? setup.query(Self.delete(ids)) }
        try first.query("BEGIN")
        try second.query("BEGIN")
        let a = try JobStore(connection: first).claim()
        let b = try JobStore(connection: second).claim()
        try first.query("ROLLBACK")
        try second.query("ROLLBACK")
        let claimed = try #require(a.flatMap { a in b.map { (a.id, $0.id) } })
        #expect(claimed.0 != claimed.1)
        #expect(ids.contains(claimed.0) && ids.contains(claimed.1))
    }

    @Test("the hourly purge and the notices scan enqueued by several runners exist once for their period")
    func periodicJobsOnce() throws {
        let connections = try (0..<3).map { _ in try TestDatabase.connect() }
        var keys: Set<String> = []
        for connection in connections + connections {
            keys.formUnion(try JobStore(connection: connection).enqueuePeriodic(scanSeconds: 3600))
        }
        // More than two keys only if the hour turned meanwhile.
        #expect((2...4).contains(keys.count))
        for key in keys {
            #expect(
                (key.hasPrefix("purge_expired:") && key.count == "purge_expired:2026-12-05T04".count)
                    || key.hasPrefix("notices_scan:"))
            let count = try connections[0].query("SELECT count(*) AS n FROM jobs WHERE dedupe_key = \(key)").first!.int("n")
            #expect(count == 1)
        }
    }

    @Test("GET /api/jobs: librarians only, newest first, keyset pages, filtered by state; an unknown state is 400")
    func listing() throws {
        let harness = try AppHarness()
        let member = try harness.member()
        let connection = try TestDatabase.connect()
        try connection.query("UPDATE members SET role = 'librarian' WHERE email = \(member.email)")
        let librarian = try harness.apiKey(member)
        let ids = try connection.query(
            """
            INSERT INTO jobs (kind, payload, state, attempts, last_error, run_at)
            SELECT 'no_such_kind', jsonb_build_object('n', n), 'dead', 3, 'unknown job kind ''no_such_kind''', now()
            FROM generate_series(1, 3) AS n RETURNING id
            """
        ).map { try $0.int64("id") }
        defer { _ = try? connection.query(Self.delete(ids)) }

        let page = harness.send("GET", "/api/jobs?state=dead&limit=2", bearer: librarian)
        #expect(page.status == .ok)
        let body = try AppHarness.object(page)
        let jobs = try #require(body["data"] as? [[String: Any]])
        #expect(jobs.map { ($0["id"] as? NSNumber)?.int64Value } == [ids[2], ids[1]])
        #expect(jobs.first?["last_error"] as? String == "unknown job kind 'no_such_kind'")
        #expect((jobs.first?["payload"] as? [String: Any])?["n"] as? Int == 3)
        #expect(jobs.first?["state"] as? String == "dead")
        let cursor = try #require((body["meta"] as? [String: Any])?["next_cursor"] as? String)
        #expect(page.headers["Link"]?.contains("rel=\"next\"") == true)
        let next = harness.send("GET", "/api/jobs?state=dead&limit=2&cursor=\(cursor)", bearer: librarian)
        let rest = try #require(try AppHarness.object(next)["data"] as? [[String: Any]])
        #expect((rest.first?["id"] as? NSNumber)?.int64Value == ids[0])
        // A cursor is bound to its filter.
        #expect(harness.send("GET", "/api/jobs?state=done&cursor=\(cursor)", bearer: librarian).status == .badRequest)

        let bad = harness.send("GET", "/api/jobs?state=stuck", bearer: librarian)
        #expect(bad.status == .badRequest)
        #expect(String(decoding: bad.body, as: UTF8.self).contains("queued, failed, done, dead"))
        #expect(harness.send("GET", "/api/jobs?status=dead", bearer: librarian).status == .badRequest)
        let plain = try harness.apiKey(try harness.member())
        #expect(harness.send("GET", "/api/jobs", bearer: plain).status == .forbidden)
    }
}
