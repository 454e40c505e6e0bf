// The job SQL. A runner claims the oldest due job with FOR UPDATE SKIP LOCKED (several runners
// never take the same one), and marks it done or failed in the transaction that claimed it; work
// is enqueued with INSERT … ON CONFLICT (dedupe_key) DO NOTHING, so enqueueing twice is a no-op.
import Postgres

/// Job SQL on one connection.
struct JobStore {
    let connection: Connection

    /// Locks and returns the oldest due job (queued or failed, run_at passed) that no other
    /// transaction holds; nil when none is due. Call inside a transaction: the lock is the claim.
    func claim() throws -> Job? {
        try connection.query(
            """
            SELECT \(fragment: Job.columns) FROM jobs j
            WHERE j.state IN ('queued', 'failed') AND j.run_at <= now()
            ORDER BY j.run_at, j.id LIMIT 1 FOR UPDATE SKIP LOCKED
            """
        ).first.map(Job.init(row:))
    }

    /// Marks a claimed job done (one more attempt).
    func complete(id: Int64) throws {
        try connection.query(
            """
            UPDATE jobs SET state = 'done', attempts = attempts + 1, done_at = now(), updated_at = now()
            WHERE id = \(id)
            """)
    }

    /// Records a claimed job's failure: one more attempt, the error kept, and either another try
    /// `retryAfter` seconds from now (`failed`) or, with nil, none (`dead`).
    func fail(id: Int64, error: String, retryAfter: Double?) throws {
        try connection.query(
            """
            UPDATE jobs SET attempts = attempts + 1, last_error = \(error), updated_at = now(),
                state = CASE WHEN \(retryAfter)::float8 IS NULL THEN 'dead' ELSE 'failed' END,
                run_at = coalesce(now() + make_interval(secs => \(retryAfter)), run_at)
            WHERE id = \(id)
            """)
    }

    /// Enqueues a job due at once (or after `delay` seconds); with a dedupe key already taken, nothing
    /// is added. Returns the new job's id, nil when the key was taken.
    @discardableResult
    func enqueue(kind: String, payload: String = "{}", delay: Double = 0, dedupeKey: String? = nil) throws -> Int64? {
        try connection.query(
            """
            INSERT INTO jobs (kind, payload, run_at, dedupe_key)
            VALUES (\(kind), \(payload)::jsonb, now() + make_interval(secs => \(delay)), \(dedupeKey))
            ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
            """
        ).first.map { try $0.int64("id") }
    }

    /// Enqueues the periodic jobs unless some runner already did: this hour's `purge_expired` (due
    /// at the top of the hour, key `purge_expired:2026-12-05T04`, UTC) and this period's
    /// `notices_scan` (every `scanSeconds`, key `notices_scan:<period number>`), so however many
    /// runners call this, each hour and each period has one. Looked up first, so the common case
    /// inserts nothing (and takes no id). Returns the two keys.
    @discardableResult
    func enqueuePeriodic(scanSeconds: Int) throws -> [String] {
        try connection.query(
            """
            WITH due (kind, key, run_at) AS (
                VALUES ('purge_expired', 'purge_expired:' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24'),
                        date_trunc('hour', now())),
                       ('notices_scan', 'notices_scan:' || floor(extract(epoch FROM now()) / \(scanSeconds))::bigint, now())
            ), added AS (
                INSERT INTO jobs (kind, run_at, dedupe_key)
                SELECT due.kind, due.run_at, due.key FROM due
                WHERE NOT EXISTS (SELECT FROM jobs WHERE dedupe_key = due.key)
                ON CONFLICT (dedupe_key) DO NOTHING
            )
            SELECT key FROM due
            """
        ).map { try $0.string("key") }
    }

    /// One job by id.
    func job(id: Int64) throws -> Job? {
        try connection.query("SELECT \(fragment: Job.columns) FROM jobs j WHERE j.id = \(id)").first.map(Job.init(row:))
    }

    /// A page of jobs, newest first, after the job id `before`, only those in `state` when given.
    func page(state: JobState?, before: Int64?, limit: Int) throws -> [Job] {
        var conditions: [SQL] = ["TRUE"]
        if let state { conditions.append("j.state = \(state.rawValue)") }
        if let before { conditions.append("j.id < \(before)") }
        return try connection.query(
            """
            SELECT \(fragment: Job.columns) FROM jobs j WHERE \(fragment: conditions.joined(separator: " AND "))
            ORDER BY j.id DESC LIMIT \(limit)
            """
        ).map(Job.init(row:))
    }
}
