// The runner's loop: jobs back to back while any is due; when none is, a wait of up to
// STACKS_JOBS_POLL_MS that a stop signal ends. While PostgreSQL is down it logs once and keeps
// trying every second; a stop signal always finishes the job in hand, then exits 0.
import Postgres
import Stacks

/// Runs jobs until a stop signal arrives.
struct RunnerLoop {
    let runner: JobRunner
    let log: JobLog
    let stop: StopSignals
    /// How long to wait when no job is due, in milliseconds.
    let pollMS: Int

    /// Runs until stopped.
    func run() {
        log.event("started")
        var databaseDown = false
        while !stop.pending() {
            var waitMS = pollMS
            do {
                let outcome = try runner.runOne()
                if databaseDown {
                    log.event("database available again")
                    databaseDown = false
                }
                if let outcome {
                    log.write(outcome)
                    continue
                }
            } catch let error as PostgresError where error.isUnavailable {
                if !databaseDown { log.event("database unavailable", level: "error", detail: error.description) }
                databaseDown = true
                waitMS = max(pollMS, 1000)
            } catch {
                log.event("job run failed", level: "error", detail: String(describing: error))
            }
            if stop.wait(milliseconds: waitMS) { break }
        }
        log.event("stopped")
    }
}
