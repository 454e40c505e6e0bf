// One JSON line per request: request id, method, path, status, duration, member, worker pid.
// Only the path is logged, never the query, headers or body, so no token or password can leak.
import Foundation
import HTTP

/// Writes request log lines to a sink (stderr in the worker).
public struct RequestLog {
    private let pid: Int32
    private let sink: (String) -> Void

    /// Makes a log writing to `sink`, stamping `pid` on every line.
    public init(pid: Int32, sink: @escaping (String) -> Void) {
        self.pid = pid
        self.sink = sink
    }

    private struct Line: Encodable {
        let time: String
        let level: String
        let request_id: String
        let method: String
        let path: String
        let status: Int
        let duration_ms: Double
        let member: String?
        let pid: Int32
        let error: String?
    }

    /// Logs one answered request.
    func write(request: Request, response: Response, started: Date, detail: String?, member: String? = nil) {
        let duration = (Date().timeIntervalSince(started) * 100_000).rounded() / 100
        let line = Line(
            time: started.formatted(.iso8601),
            level: response.status.code >= 500 ? "error" : "info",
            request_id: request.requestID, method: request.method, path: request.path,
            status: response.status.code, duration_ms: duration, member: member, pid: pid, error: detail)
        sink(String(decoding: JSONCoding.encode(line), as: UTF8.self))
    }
}
