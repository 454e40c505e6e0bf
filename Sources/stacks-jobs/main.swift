// stacks-jobs: a job runner. Reads the configuration once (the workers' environment file), blocks
// the stop signals, then claims and runs due jobs until one arrives. Several run side by side
// (deploy/up keeps STACKS_RUNNERS of them under multiwatch; hosts use stacks-jobs.service).
import Foundation
import Glibc
import Outbound
import Postgres
import Stacks

let stop = StopSignals.block()
let config: Config
do {
    config = try Config(environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("stacks-jobs: configuration error: \(error)\n".utf8))
    exit(2)
}

// The runners name themselves stacks-jobs in pg_stat_activity (the workers are stacks-fcgi).
let database = Database(
    parameters: config.databaseParameters.merging(["application_name": "stacks-jobs"]) { _, runner in runner },
    prepareStatements: config.preparedStatements)
// One write(2) per line, straight to stderr, as the workers' request log.
let log = JobLog(pid: getpid()) { line in
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
Curl.initialize()
// Webhook attempts go through libcurl, to public addresses only unless the configuration allows others.
let runner = JobRunner(config: config, database: database) { request in
    let result = OutboundPost.checked(
        url: request.url, allowPrivate: request.allowPrivate, headers: request.headers, body: request.body,
        timeoutMilliseconds: request.timeoutMS)
    return WebhookReply(status: result.status, error: result.error, milliseconds: result.milliseconds)
}
RunnerLoop(runner: runner, log: log, stop: stop, pollMS: config.jobsPollMS).run()
exit(0)
