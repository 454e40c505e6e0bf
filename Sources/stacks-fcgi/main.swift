// stacks-fcgi: read the configuration once, then serve — FastCGI on fd 0 when a supervisor
// (spawn-fcgi + multiwatch) handed us a socket, otherwise the single CGI request in our environment.
import Crypto
import FastCGI
import Foundation
import Glibc
import HTTP
import Postgres
import Stacks

let environment = ProcessInfo.processInfo.environment
let config: Config
do {
    config = try Config(environment: environment)
} catch {
    FileHandle.standardError.write(Data("stacks-fcgi: configuration error: \(error)\n".utf8))
    exit(2)
}
guard Sodium.initialize() else {
    FileHandle.standardError.write(Data("stacks-fcgi: libsodium could not be initialised\n".utf8))
    exit(2)
}

let app = App(
    config: config, database: Database(parameters: config.databaseParameters, prepareStatements: config.preparedStatements),
    // One write(2) per line, straight to stderr (a line is far below PIPE_BUF, so lines never interleave).
    log: RequestLog(pid: getpid()) { line in
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    })

if FastCGIWorker.startedAsCGI() {
    CGIRequest.serve(bodyLimit: config.maxBody, app.respond(to:), refuse: app.refuse(_:requestID:))
} else {
    Signals.install()
    FastCGIWorker(bodyLimit: config.maxBody, maxRequests: config.maxRequests, timeoutMS: config.fastCGITimeoutMS).run(
        app.respond(to:), refuse: app.refuse(_:requestID:))
}
exit(0)
