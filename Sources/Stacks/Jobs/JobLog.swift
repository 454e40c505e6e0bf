// One JSON line per job run on the runner's stderr, in the shape of the request log: job id, kind,
// outcome, attempts, duration, what it did or why it failed, runner pid; plus the runner's own
// events (started, database unavailable, stopped). Payloads are not logged.
import Foundation
import HTTP

/// Writes job log lines to a sink (stderr in the runner).
public struct JobLog {
    private let pid: Int32
    private let sink: (String) -> Void

    /// Makes a log writing to `sink`, stamping `pid` on every line.
    public init(pid: Int32, sink: @escaping (String) -> Void) {
        self.pid = pid
        self.sink = sink
    }

    /// Logs one job run.
    public func write(_ outcome: JobOutcome) {
        sink(line(outcome))
    }

    /// Logs an event of the runner itself (`level` info or error).
    public func event(_ event: String, level: String = "info", detail: String? = nil) {
        var line = "{"
        if let detail { line += "\"error\":" + JSONText.quoted(detail) + "," }
        line += "\"event\":" + JSONText.quoted(event) + ",\"level\":" + JSONText.quoted(level)
        line += ",\"pid\":\(pid),\"time\":\"" + Timestamp.iso8601(Date()) + "\"}"
        sink(line)
    }

    /// The line of a job run: one JSON object, keys in sorted order, absent values left out.
    func line(_ outcome: JobOutcome) -> String {
        let duration = (outcome.finished.timeIntervalSince(outcome.started) * 100_000).rounded() / 100
        var line = "{\"attempts\":\(outcome.attempts)"
        if let detail = outcome.detail { line += ",\"detail\":" + JSONText.quoted(detail) }
        line += ",\"duration_ms\":\(duration)"
        if let error = outcome.error { line += ",\"error\":" + JSONText.quoted(error) }
        line += ",\"job_id\":\(outcome.jobID),\"kind\":" + JSONText.quoted(outcome.kind)
        line += ",\"level\":\"" + (outcome.state == .done ? "info" : "error") + "\""
        line += ",\"outcome\":\"" + outcome.state.rawValue + "\",\"pid\":\(pid)"
        line += ",\"time\":\"" + Timestamp.iso8601(outcome.started) + "\"}"
        return line
    }
}
