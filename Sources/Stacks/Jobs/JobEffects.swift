// What each kind of job does, as SQL on the runner's connection inside the claiming transaction
// (under a savepoint, so a failure undoes the effect and nothing else). Each effect is safe to
// repeat: it does its work only when the state still calls for it.
import Postgres

/// Why a job's effect could not run; kept in the job's `last_error`.
enum JobError: Error, Equatable, CustomStringConvertible {
    /// No runner knows this kind.
    case unknownKind(String)
    /// The payload lacks what the kind needs.
    case badPayload(kind: String, needs: String)

    /// The sentence kept in `last_error`.
    var description: String {
        switch self {
        case .unknownKind(let kind): "unknown job kind '\(kind)'"
        case .badPayload(let kind, let needs): "\(kind): the payload needs \(needs)"
        }
    }
}

/// The effects of the job kinds.
struct JobEffects {
    let connection: Connection
    let config: Config

    /// Done and dead jobs are kept this long (for GET /api/jobs), then purged.
    static let keepFinishedDays = 7

    /// Runs the job's effect; returns a short account of what it did, for the log.
    func run(_ job: Job) throws -> String {
        switch job.kind {
        case "hold_pickup_expiry":
            guard let hold = job.payload.integer("hold_id") else { throw JobError.badPayload(kind: job.kind, needs: "hold_id") }
            return try shelf.expire(holdID: hold)
        case "hold_capture":
            guard let book = job.payload.integer("book_id") else { throw JobError.badPayload(kind: job.kind, needs: "book_id") }
            return "captured \(try shelf.capture(bookID: book).count) holds"
        case "purge_expired":
            return try purgeExpired()
        default:
            throw JobError.unknownKind(job.kind)
        }
    }

    private var shelf: HoldShelf { HoldShelf(connection: connection, pickupSeconds: config.holdPickupSeconds) }

    /// Deletes idempotency keys past STACKS_IDEMPOTENCY_TTL, access-token revocations past their
    /// expiry, refresh tokens expired a week ago, and jobs done or dead a week ago.
    func purgeExpired() throws -> String {
        let rows = try connection.query(
            """
            WITH keys AS (DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(config.idempotencyTTL)::int)
                          RETURNING 1),
                 revoked AS (DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 minute' RETURNING 1),
                 refresh AS (DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days' RETURNING 1),
                 finished AS (DELETE FROM jobs WHERE state IN ('done', 'dead')
                              AND updated_at < now() - make_interval(days => \(Self.keepFinishedDays)::int) RETURNING 1)
            SELECT (SELECT count(*) FROM keys) AS keys, (SELECT count(*) FROM revoked) AS revoked,
                   (SELECT count(*) FROM refresh) AS refresh, (SELECT count(*) FROM finished) AS finished
            """)
        guard let row = rows.first else { return "" }
        return try "purged \(row.int("keys")) idempotency keys, \(row.int("revoked")) token revocations, "
            + "\(row.int("refresh")) refresh tokens, \(row.int("finished")) finished jobs"
    }
}
