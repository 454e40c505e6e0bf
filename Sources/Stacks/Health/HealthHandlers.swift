// Liveness (`GET /api/health`, the demo's shape, no database needed) and readiness
// (`GET /api/health/ready`: 503 unless the database answers and every migration is applied).
import Foundation
import HTTP
import Postgres

/// Health endpoints.
enum HealthHandlers {
    struct Live: JSONWritable {
        let success = true
        let status = "healthy"
        let message = "Library Management System API is running"
        let data: Data

        struct Data: Encodable {
            let status = "healthy"
            let service = "stacks"
            let pid: Int32
            let timestamp: String
        }

        func write(to json: inout JSONWriter) {
            json.object { json in
                json.key("data")
                json.object { json in
                    json.field("pid", Int(data.pid))
                    json.field("service", data.service)
                    json.field("status", data.status)
                    json.field("timestamp", data.timestamp)
                }
                json.field("message", message)
                json.field("status", status)
                json.field("success", success)
            }
        }
    }

    /// `GET /api/health`: the worker is up.
    static func live(_ request: Request, _ context: RequestContext) throws -> Response {
        let body = Live(data: .init(pid: getpid(), timestamp: Timestamp.iso8601(context.now)))
        return Response(
            status: .ok, headers: Headers([("Content-Type", "application/json"), ("Cache-Control", "no-store")]),
            body: JSONWriter.bytes(of: body))
    }

    private struct Ready: Encodable {
        let status: String
        let migrations: [String]
    }

    /// `GET /api/health/ready`: the database answers and the schema is current.
    static func ready(_ request: Request, _ context: RequestContext) throws -> Response {
        let applied: [String]
        do {
            applied = try context.connection().query("SELECT version FROM schema_migrations ORDER BY version")
                .map { try $0.string("version") }
        } catch let error as PostgresError where error.sqlState == .undefinedTable {
            applied = []
        }
        let missing = Schema.migrations.filter { !applied.contains($0) }
        guard missing.isEmpty else {
            throw Problem.serviceUnavailable(
                "The database schema is not current; missing migrations: \(missing.joined(separator: ", ")).", retryAfter: 5)
        }
        var response = Response.success(Ready(status: "ready", migrations: applied), message: "Ready")
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
