// One step of a job runner: claim one due job, run its effect and record the outcome, all in one
// transaction on one connection. A runner killed at any point leaves the transaction uncommitted:
// PostgreSQL rolls it back and the job is due again, its effect undone — nothing lost, nothing twice.
import Foundation
import Postgres

/// Runs due jobs, one per call, with what the process read at start (config, database handle).
public struct JobRunner {
    private let config: Config
    private let database: Database
    /// Sends webhook attempts.
    private let post: WebhookPost
    /// A number in 0...1 for the jitter of a retry's delay.
    private let jitter: () -> Double

    /// Makes a runner over a database handle (connects on first use, reconnects after a break)
    /// that sends webhook attempts with `post`.
    public init(config: Config, database: Database, post: @escaping WebhookPost) {
        self.init(config: config, database: database, post: post, jitter: { Double.random(in: 0...1) })
    }

    init(config: Config, database: Database, post: @escaping WebhookPost, jitter: @escaping () -> Double) {
        self.config = config
        self.database = database
        self.post = post
        self.jitter = jitter
    }

    /// Runs one due job and returns how it went; nil when no job is due. Throws only when the
    /// database could not be used (the job, if one was claimed, stays due).
    public func runOne() throws -> JobOutcome? {
        let connection = try database.connection()
        let store = JobStore(connection: connection)
        try store.enqueuePeriodic(scanSeconds: config.noticeScanSeconds)
        return try connection.transaction { () throws -> JobOutcome? in
            guard let job = try store.claim() else { return nil }
            let started = Date()
            let attempts = job.attempts + 1
            let result: JobResult
            do {
                result = try connection.transaction {
                    let result = try JobEffects(connection: connection, config: config, post: post, jitter: jitter).run(job)
                    // Deferred constraint checks fire here, inside the savepoint, not at COMMIT.
                    try connection.query("SET CONSTRAINTS ALL IMMEDIATE")
                    return result
                }
            } catch let error as PostgresError where error.isUnavailable {
                throw error
            } catch {
                let text = String(describing: error)
                let retryAfter = attempts >= config.jobsMaxAttempts ? nil : Self.backoff(afterAttempt: attempts, jitter: jitter())
                result = retryAfter.map { .retry(after: $0, error: text) } ?? .dead(text)
            }
            switch result {
            case .done(let detail):
                try store.complete(id: job.id)
                return JobOutcome(job: job, state: .done, attempts: attempts, started: started, detail: detail)
            case .retry(let delay, let error):
                try store.fail(id: job.id, error: Self.errorText(error), retryAfter: delay)
                return JobOutcome(job: job, state: .failed, attempts: attempts, started: started, error: error)
            case .dead(let error):
                try store.fail(id: job.id, error: Self.errorText(error), retryAfter: nil)
                return JobOutcome(job: job, state: .dead, attempts: attempts, started: started, error: error)
            }
        }
    }

    /// Seconds before the next try after failed attempt `attempt` (1, 2, …): 2^attempt, at most an
    /// hour, varied by ± 20 % (`jitter` 0 → −20 %, 1 → +20 %) so that jobs failing together spread out.
    static func backoff(afterAttempt attempt: Int, jitter: Double) -> Double {
        let base = min(pow(2, Double(min(attempt, 20))), 3600)
        return base * (0.8 + 0.4 * min(max(jitter, 0), 1))
    }

    /// An error as kept in `last_error`: at most 2000 characters.
    static func errorText(_ error: String) -> String {
        String(error.prefix(2000))
    }
}

/// How one run of a job went, for the runner's log line.
public struct JobOutcome: Sendable {
    /// The job's id.
    public let jobID: Int64
    /// The job's kind.
    public let kind: String
    /// Done, failed (to be retried) or dead.
    public let state: State
    /// The job's attempts, this one included.
    public let attempts: Int
    /// When the effect started and ended.
    public let started: Date, finished: Date
    /// What the effect did, when it succeeded.
    public let detail: String?
    /// Why it failed, when it did.
    public let error: String?

    /// Where a run left its job.
    public enum State: String, Sendable {
        case done, failed, dead
    }

    init(job: Job, state: State, attempts: Int, started: Date, detail: String? = nil, error: String? = nil) {
        self.init(
            jobID: job.id, kind: job.kind, state: state, attempts: attempts, started: started, finished: Date(), detail: detail,
            error: error)
    }

    init(
        jobID: Int64, kind: String, state: State, attempts: Int, started: Date, finished: Date, detail: String?, error: String?
    ) {
        self.jobID = jobID
        self.kind = kind
        self.state = state
        self.attempts = attempts
        self.started = started
        self.finished = finished
        self.detail = detail
        self.error = error
    }
}
