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

/// What a job's effect asks of the runner: done, another try after a delay, or none. A retry or
/// a give-up that an effect decides on itself keeps what the effect wrote (a webhook attempt's
/// record); an error thrown undoes it.
enum JobResult: Equatable {
    /// Done; a short account for the log.
    case done(String)
    /// Try again after `after` seconds; `error` is kept in `last_error`.
    case retry(after: Double, error: String)
    /// Give up: the job is `dead`.
    case dead(String)
}

/// The effects of the job kinds.
struct JobEffects {
    let connection: Connection
    let config: Config
    /// Sends a webhook attempt.
    let post: WebhookPost
    /// A number in 0...1 for the jitter of a retry's delay.
    let jitter: () -> Double

    /// Done and dead jobs are kept this long (for GET /api/jobs), then purged.
    static let keepFinishedDays = 7

    /// Runs the job's effect and says what follows.
    func run(_ job: Job) throws -> JobResult {
        switch job.kind {
        case "hold_pickup_expiry":
            return .done(try shelf.expire(holdID: try job.integer("hold_id")))
        case "hold_capture":
            return .done("captured \(try shelf.capture(bookID: try job.integer("book_id")).count) holds")
        case "purge_expired":
            return .done(try purgeExpired())
        case "notices_scan":
            let made = try connection.query("SELECT scan_loan_notices() AS made").first?.int("made") ?? 0
            return .done("made \(made) loan notices")
        case "hold_notice":
            let rows = try connection.query(
                "SELECT hold_notice(\(try job.integer("hold_id")), \(try job.string("event"))) AS notice")
            return .done(rows.first?["notice"].map { "made notice \($0)" } ?? "no notice: not wanted or no longer true")
        case "webhook_delivery":
            let sender = WebhookSender(connection: connection, config: config, post: post, jitter: jitter)
            return try sender.attempt(deliveryID: try job.integer("delivery_id"))
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

extension Job {
    /// The payload's integer member `key`; a bad-payload error when it has none.
    func integer(_ key: String) throws(JobError) -> Int64 {
        guard let value = payload.integer(key) else { throw JobError.badPayload(kind: kind, needs: key) }
        return value
    }

    /// The payload's string member `key`; a bad-payload error when it has none.
    func string(_ key: String) throws(JobError) -> String {
        guard case .string(let value)? = payload.member(key) else { throw JobError.badPayload(kind: kind, needs: key) }
        return value
    }
}
