// One JSON line per request: request id, method, path, status, duration, member, worker pid.
// Only the path is logged, never the query, headers or body, so no token or password can leak.
// The line has a fixed shape and is written by hand: through Foundation's encoder it cost about a
// tenth of a health check's worker time.
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

    /// Logs one answered request.
    func write(request: Request, response: Response, started: Date, detail: String?, member: String? = nil) {
        sink(line(request: request, response: response, started: started, finished: Date(), detail: detail, member: member))
    }

    /// The log line: one JSON object, keys in sorted order, absent values left out.
    func line(request: Request, response: Response, started: Date, finished: Date, detail: String?, member: String?) -> String {
        let duration = (finished.timeIntervalSince(started) * 100_000).rounded() / 100
        var line = "{\"duration_ms\":\(duration)"
        if let detail { line += ",\"error\":" + JSONText.quoted(detail) }
        line += ",\"level\":\"" + (response.status.code >= 500 ? "error" : "info") + "\""
        if let member { line += ",\"member\":" + JSONText.quoted(member) }
        line += ",\"method\":" + JSONText.quoted(request.method.rawValue) + ",\"path\":" + JSONText.quoted(request.path)
        line += ",\"pid\":\(pid),\"request_id\":" + JSONText.quoted(request.requestID)
        line += ",\"status\":\(response.status.code),\"time\":\"" + Timestamp.iso8601(started) + "\"}"
        return line
    }
}
