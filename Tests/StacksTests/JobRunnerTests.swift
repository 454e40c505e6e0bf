// The job runner against the test database. Most tests run inside a transaction of their own that
// they roll back (the runner's transaction becomes a savepoint in it), so the runners of a live
// stack never see their jobs; those jobs are due since 1990, so a claim takes them first.
import Foundation
import Outbound
import Postgres
import Testing

@testable import Stacks

/// A runner on one connection whose work is undone at the end of a test.
struct RolledBackRunner {
    let database: Database
    let connection: Connection
    let runner: JobRunner

    init(maxAttempts: Int = 3) throws {
        let url = try #require(ProcessInfo.processInfo.environment["STACKS_TEST_DATABASE_URL"])
        database = Database(parameters: ["dbname": url])
        connection = try database.connection()
        let config = try Config(environment: [
            "STACKS_JWT_KEYS": "t1:" + String(repeating: "5e", count: 32), "STACKS_JOBS_MAX_ATTEMPTS": String(maxAttempts),
        ])
        runner = JobRunner(config: config, database: database, post: Self.post, jitter: { 0.5 })
    }

    /// Webhook attempts as stacks-jobs makes them: libcurl, private addresses allowed (receivers of
    /// these tests listen on 127.0.0.1).
    static let post: WebhookPost = { request in
        let result = OutboundPost.checked(
            url: request.url, allowPrivate: request.allowPrivate, headers: request.headers, body: request.body,
            timeoutMilliseconds: request.timeoutMS)
        return WebhookReply(status: result.status, error: result.error, milliseconds: result.milliseconds)
    }

    private struct Rollback: Error {}

    /// Runs `body` in a transaction that is rolled back afterwards.
    func rolledBack(_ body: () throws -> Void) throws {
        do {
            try connection.transaction {
                try body()
                throw Rollback()
            }
        } catch is Rollback {}
    }

    /// Adds a job due since 1990-01-01 (before any real one, and before the committed ones of
    /// JobQueueTests), returns its id.
    func due(_ kind: String, _ payload: String = "{}") throws -> Int64 {
        try connection.query(
            "INSERT INTO jobs (kind, payload, run_at) VALUES (\(kind), \(payload)::jsonb, '1990-01-01') RETURNING id"
        ).first!.int64("id")
    }

    /// Runs jobs until the one with `id` has run (at most 20 runs); its outcome.
    func run(until id: Int64) throws -> JobOutcome {
        for _ in 0..<20 {
            if let outcome = try runner.runOne(), outcome.jobID == id { return outcome }
        }
        throw PostgresError(.connection, message: "job \(id) never ran")
    }

    /// A text column of one row.
    func value(_ sql: SQL) throws -> String? {
        try connection.query(sql).first?["v"]
    }
}

@Suite struct JobRunnerTests {
    @Test("a due job runs once, is done with one attempt, and is not claimed again")
    func dueJobRunsOnce() throws {
        let test = try RolledBackRunner()
        try test.rolledBack {
            let id = try test.due("hold_pickup_expiry", #"{"hold_id": -1}"#)
            let outcome = try test.run(until: id)
            #expect(outcome.state == .done)
            #expect(outcome.detail == "no such hold")
            let row = try test.value(
                "SELECT state || ' ' || attempts || ' ' || (done_at IS NOT NULL) AS v FROM jobs WHERE id = \(id)")
            #expect(row == "done 1 true")
            for _ in 0..<5 { #expect(try test.runner.runOne()?.jobID != id) }
        }
    }

    @Test("a job not yet due is not claimed")
    func notYetDue() throws {
        let test = try RolledBackRunner()
        try test.rolledBack {
            let id = try test.connection.query(
                "INSERT INTO jobs (kind, run_at) VALUES ('purge_expired', now() + interval '1 hour') RETURNING id"
            ).first!.int64("id")
            for _ in 0..<10 {
                guard let outcome = try test.runner.runOne() else { break }
                #expect(outcome.jobID != id)
            }
            #expect(try test.value("SELECT state || ' ' || attempts AS v FROM jobs WHERE id = \(id)") == "queued 0")
        }
    }

    @Test("a hold's pickup deadline: the hold expires and its copy passes to the next in line, who gets a deadline job")
    func pickupExpiryPassesTheCopy() throws {
        let test = try RolledBackRunner()
        try test.rolledBack {
            let shelf = try ExpiredPickup(test.connection)
            let id = try test.due("hold_pickup_expiry", #"{"hold_id": \#(shelf.first)}"#)
            let outcome = try test.run(until: id)
            #expect(outcome.state == .done)
            #expect(outcome.detail == "expired; the copy passed to hold \(shelf.next)")
            #expect(try test.value("SELECT status AS v FROM holds WHERE id = \(shelf.first)") == "expired")
            let next = try test.value("SELECT status || ' ' || item_id AS v FROM holds WHERE id = \(shelf.next)")
            #expect(next == "awaiting_pickup \(shelf.item)")
            let payload = #"{"hold_id": \#(shelf.next)}"#
            let deadlines = try test.value(
                "SELECT count(*) AS v FROM jobs WHERE kind = 'hold_pickup_expiry' AND payload = \(payload)::jsonb")
            #expect(deadlines == "1")
        }
    }

    @Test("a failing effect is rolled back, keeps its error, backs off 2 s, 4 s, … and ends dead at the limit")
    func failureBacksOffThenDies() throws {
        let test = try RolledBackRunner(maxAttempts: 3)
        try test.rolledBack {
            // An active loan of a copy on the hold shelf: the commit-time circulation check raises
            // inside the effect's savepoint, after expire_hold changed the hold.
            let shelf = try ExpiredPickup(test.connection)
            try test.connection.query(
                """
                INSERT INTO loans (book_id, member_id, item_id, book_title, borrower_name, due_at)
                VALUES (\(shelf.book), \(shelf.firstMember), \(shelf.item), 'Jobs test', 'Runner', now() + interval '1 day')
                """)
            let id = try test.due("hold_pickup_expiry", #"{"hold_id": \#(shelf.first)}"#)
            for (attempt, delay) in [(1, "2"), (2, "4")] {
                let outcome = try test.run(until: id)
                #expect(outcome.state == .failed)
                #expect(outcome.attempts == attempt)
                #expect(outcome.error?.contains("23514") == true)
                #expect(try test.value("SELECT status AS v FROM holds WHERE id = \(shelf.first)") == "awaiting_pickup")
                let row = try test.value(
                    """
                    SELECT state || ' ' || attempts || ' ' || extract(epoch FROM run_at - now())::int AS v
                    FROM jobs WHERE id = \(id)
                    """)
                #expect(row == "failed \(attempt) \(delay)")
                try test.connection.query("UPDATE jobs SET run_at = '1990-01-01' WHERE id = \(id)")
            }
            let last = try test.run(until: id)
            #expect(last.state == .dead)
            #expect(try test.value("SELECT state || ' ' || attempts AS v FROM jobs WHERE id = \(id)") == "dead 3")
            #expect(try test.value("SELECT last_error AS v FROM jobs WHERE id = \(id)")?.contains("active loans") == true)
        }
    }

    @Test("an unknown kind and a payload without its argument fail like an effect error")
    func unknownKindFails() throws {
        let test = try RolledBackRunner(maxAttempts: 1)
        try test.rolledBack {
            let unknown = try test.due("no_such_kind")
            let outcome = try test.run(until: unknown)
            #expect(outcome.state == .dead)
            #expect(outcome.error == "unknown job kind 'no_such_kind'")
            let bad = try test.due("hold_capture", #"{"book": 1}"#)
            #expect(try test.run(until: bad).error == "hold_capture: the payload needs book_id")
        }
    }

    @Test("enqueueing with a dedupe key already taken adds nothing")
    func enqueueDedupes() throws {
        let test = try RolledBackRunner()
        try test.rolledBack {
            let store = JobStore(connection: test.connection)
            let key = "hold_capture:test:\(UUID().uuidString)"
            let first = try store.enqueue(kind: "hold_capture", payload: #"{"book_id": -1}"#, delay: 60, dedupeKey: key)
            #expect(first != nil)
            #expect(try store.enqueue(kind: "hold_capture", payload: #"{"book_id": -2}"#, dedupeKey: key) == nil)
            let id = try #require(first)
            let job = try #require(try store.job(id: id))
            #expect(job.payload == .object(["book_id": .integer(-1)]))
            #expect(job.state == .queued && job.attempts == 0 && job.dedupeKey == key)
        }
    }

    @Test("the backoff doubles from 2 s, stops at an hour and varies by 20 % either way")
    func backoff() {
        #expect(JobRunner.backoff(afterAttempt: 1, jitter: 0.5) == 2)
        #expect(JobRunner.backoff(afterAttempt: 3, jitter: 0.5) == 8)
        #expect(JobRunner.backoff(afterAttempt: 12, jitter: 0.5) == 3600)
        #expect(JobRunner.backoff(afterAttempt: 99, jitter: 0.5) == 3600)
        #expect(JobRunner.backoff(afterAttempt: 1, jitter: 0) == 1.6)
        #expect(abs(JobRunner.backoff(afterAttempt: 1, jitter: 1) - 2.4) < 1e-9)
    }

    @Test("the purge deletes idempotency keys past the TTL and week-old finished jobs, and keeps the rest")
    func purge() throws {
        let test = try RolledBackRunner()
        try test.rolledBack {
            let principal = "test:\(UUID().uuidString)"
            let fingerprint = String(repeating: "ab", count: 32)
            try test.connection.query(
                """
                INSERT INTO idempotency_keys (principal, key, fingerprint, created_at)
                VALUES (\(principal), 'old', \(fingerprint), now() - interval '25 hours'),
                       (\(principal), 'new', \(fingerprint), now() - interval '23 hours')
                """)
            let finished = try test.connection.query(
                """
                INSERT INTO jobs (kind, state, done_at, updated_at) VALUES
                    ('purge_expired', 'done', now(), now() - interval '8 days'), ('purge_expired', 'done', now(), now())
                RETURNING id
                """
            ).map { try $0.int64("id") }
            let id = try test.due("purge_expired")
            let outcome = try test.run(until: id)
            #expect(outcome.state == .done)
            #expect(outcome.detail?.hasPrefix("purged ") == true)
            let keys = try test.value("SELECT string_agg(key, ',') AS v FROM idempotency_keys WHERE principal = \(principal)")
            #expect(keys == "new")
            let kept = try test.value(
                "SELECT string_agg(id::text, ',') AS v FROM jobs WHERE id IN (\(finished[0]), \(finished[1]))")
            #expect(kept == String(finished[1]))
        }
    }
}
