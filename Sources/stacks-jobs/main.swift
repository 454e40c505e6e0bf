// stacks-jobs: a job runner. Reads the configuration once (the workers' environment file), blocks
// the stop signals, then claims and runs due jobs until one arrives. Several run side by side
// (deploy/up keeps STACKS_RUNNERS of them under multiwatch; hosts use stacks-jobs.service).
import Foundation
import Glibc
import Postgres
import Stacks

let stop = StopSignals.block()
var config: Config
do {
    config = try Config(environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("stacks-jobs: configuration error: \(error)\n".utf8))
    exit(2)
}
config.databaseParameters["application_name"] = "stacks-jobs"

let database = Database(parameters: config.databaseParameters, prepareStatements: config.preparedStatements)
// One write(2) per line, straight to stderr, as the workers' request log.
let log = JobLog(pid: getpid()) { line in
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
RunnerLoop(runner: JobRunner(config: config, database: database), log: log, stop: stop, pollMS: config.jobsPollMS).run()
exit(0)
