// `stacks health`: the server's liveness and readiness, without credentials, each asked once (a
// probe's failure is its answer). Not ready (503) is an API error, exit code 1.
import Foundation
import StacksWire

/// The health command.
enum HealthCommand {
    /// `stacks health`.
    static let health = Command(
        CommandSpec("health", "", "Show whether the server is up and ready (database answering, schema current).")
    ) {
        (context: inout Context) throws(ClientError) in
        let live = try await context.data(APICall("GET", "/api/health", authenticated: false, resending: .once))
        let readiness = try await context.client.send(
            APICall("GET", "/api/health/ready", authenticated: false, resending: .once))
        let ready = readiness.isSuccess ? (try readiness.data()) : (readiness.json ?? .null)
        if context.invocation.wantsJSON {
            context.console.print(JSONText.pretty(.object(["live": live, "ready": ready])))
        } else {
            let migrations = ready.member("migrations")?.elements ?? []
            let readyText =
                readiness.isSuccess
                ? "\(ready.text("status")) (\(migrations.count) migrations, the latest \(migrations.last?.cell ?? "-"))"
                : "not ready: \(ready.text("detail"))"
            context.console.print(
                FieldList([
                    ("server", context.server.key),
                    (
                        "live",
                        "\(live.text("status")) (\(live.text("service")), pid \(live.text("pid")), \(live.time("timestamp")))"
                    ),
                    ("ready", readyText),
                ]).render(width: context.width))
        }
        if !readiness.isSuccess { throw readiness.problem }
    }
}
